/* app/common/progress.h — the one progress line on stderr for long headless
 * work (evaluation, enumeration, every experiment step): redrawn in place on
 * a terminal that can (sysutil.h: app_redraws), a plain line every 10%
 * otherwise, also on TERM=dumb. */
#ifndef IRVI_APP_PROGRESS_H
#define IRVI_APP_PROGRESS_H

typedef struct {
    char label[96];
    char info[160];     /* shown after the ETA: the caller's current numbers */
    double t0, last_draw;
    int tty, last_decile;
} progress;

void progress_start(progress *p, const char *label);
/* Usable as an irvi_progress_fn with p as user data; returns non-zero when a
 * stop was requested (a signal handler's irvi_request_cancel), else 0. */
int progress_update(void *p, double done, double total);
/* Clear the line (nothing to say). */
void progress_end(progress *p);
/* Clear the line and print "label: text (elapsed)" for good. */
void progress_done(progress *p, const char *text);

#endif
