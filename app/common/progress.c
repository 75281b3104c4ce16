/* app/common/progress.c — the progress line (see progress.h). */
#include "common/progress.h"

#include "common/sysutil.h"

#include <irvi/irvi.h>

#include <stdio.h>
#include <string.h>

void progress_start(progress *p, const char *label)
{
    memset(p, 0, sizeof *p);
    snprintf(p->label, sizeof p->label, "%s", label);
    p->t0 = app_now();
    p->tty = app_redraws(2);
    p->last_decile = -1;
}

int progress_update(void *user, double done, double total)
{
    progress *p = user;
    double t = app_now(), frac = total > 0 ? done / total : 0;
    if (frac > 1)
        frac = 1;
    char eta[32];
    app_fmt_duration(frac > 0 ? (t - p->t0) * (1 - frac) / frac : -1, eta, sizeof eta);
    const char *sep = p->info[0] ? " " : "";
    if (p->tty) {
        if (t - p->last_draw < 0.2 && done < total)
            return irvi_cancel_requested();
        p->last_draw = t;
        char bar[31];
        int k = (int)(frac * 30);
        for (int i = 0; i < 30; i++)
            bar[i] = i < k ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\r\033[K%s [%s] %5.1f%%  ETA %s%s%s", p->label, bar, 100 * frac, eta,
                sep, p->info);
    } else {
        int dec = (int)(frac * 10);
        if (dec > p->last_decile) {
            p->last_decile = dec;
            fprintf(stderr, "%s: %3.0f%%  ETA %s%s%s\n", p->label, 100 * frac, eta, sep, p->info);
        }
    }
    return irvi_cancel_requested();
}

void progress_end(progress *p)
{
    if (p->tty)
        fprintf(stderr, "\r\033[K");
}

void progress_done(progress *p, const char *text)
{
    char d[32];
    app_fmt_duration(app_now() - p->t0, d, sizeof d);
    fprintf(stderr, "%s%s: %s (%s)\n", p->tty ? "\r\033[K" : "", p->label, text, d);
}
