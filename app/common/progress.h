/* app/progress.h — a progress bar on stderr for long headless work: redrawn
 * in place on a terminal, a line every 10% otherwise (also on TERM=dumb). */
#ifndef IRVI_APP_PROGRESS_H
#define IRVI_APP_PROGRESS_H

typedef struct {
    const char *label;
    double t0, last_draw;
    int tty, last_decile;
} progress;

void progress_start(progress *p, const char *label);
/* Usable as an irvi_progress_fn with p as user data; returns 0 (never cancels
 * by itself; it reports a cancel request made by a signal handler). */
int progress_update(void *p, double done, double total);
void progress_end(progress *p);
double now_seconds(void);

#endif
