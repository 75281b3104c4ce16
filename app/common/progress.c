/* app/progress.c — progress bar (see progress.h). */
#include "common/progress.h"

#include <irvi/core.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

void progress_start(progress *p, const char *label)
{
    p->label = label;
    p->t0 = now_seconds();
    p->last_draw = 0;
    /* redraw in place only on a real terminal: TERM=dumb ones (editor
     * buffers, loggers) keep every redraw, so they get a line per 10% */
    const char *term = getenv("TERM");
    p->tty = isatty(2) && term && *term && strcmp(term, "dumb") != 0;
    p->last_decile = -1;
}

static void fmt_time(double s, char *buf, size_t cap)
{
    if (s < 0 || s > 1e7)
        snprintf(buf, cap, "?");
    else if (s < 60)
        snprintf(buf, cap, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, cap, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, cap, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

int progress_update(void *user, double done, double total)
{
    progress *p = user;
    double t = now_seconds(), frac = total > 0 ? done / total : 0;
    char eta[32];
    fmt_time(frac > 0 ? (t - p->t0) * (1 - frac) / frac : -1, eta, sizeof eta);
    if (p->tty) {
        if (t - p->last_draw < 0.2 && done < total)
            return irvi_cancel_requested();
        p->last_draw = t;
        char bar[31];
        int k = (int)(frac * 30);
        for (int i = 0; i < 30; i++)
            bar[i] = i < k ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\r%s [%s] %5.1f%%  ETA %s   ", p->label, bar, 100 * frac, eta);
    } else {
        int dec = (int)(frac * 10);
        if (dec > p->last_decile) {
            p->last_decile = dec;
            fprintf(stderr, "%s: %3.0f%%  ETA %s\n", p->label, 100 * frac, eta);
        }
    }
    return irvi_cancel_requested();
}

void progress_end(progress *p)
{
    if (p->tty)
        fprintf(stderr, "\r%*s\r", 70, "");
}
