/* app/common/sysutil.h — the process-level helpers every room shares, each
 * written once: the clock, durations for people, terminal detection, atomic
 * file writes, output directories, engine error reports, and the SIGINT /
 * SIGTERM flag that asks a long command to stop at its next step boundary. */
#ifndef IRVI_APP_SYSUTIL_H
#define IRVI_APP_SYSUTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

/* ---- time --------------------------------------------------------------- */
/* Seconds on the monotonic clock (for intervals; the origin means nothing). */
double app_now(void);
/* Seconds since the Unix epoch (wall clock, for logs). */
double app_wall(void);
/* "42s", "3m07s", "2h05m"; "?" for negative, NaN or absurd (> 1e8 s). */
void app_fmt_duration(double s, char *buf, size_t cap);

/* ---- terminals ---------------------------------------------------------- */
typedef enum { APP_TERM_OK, APP_TERM_NOT_TTY, APP_TERM_UNSET, APP_TERM_DUMB } app_term;
/* Can fd be drawn on in place (cursor movement, ESC [ K, curses)? TERM=dumb
 * terminals (editor buffers, loggers) keep every redraw, so they count as
 * no: they get the plain lines a pipe gets. */
app_term app_terminal(int fd);
/* app_terminal(fd) == APP_TERM_OK */
int app_redraws(int fd);

/* ---- files -------------------------------------------------------------- */
/* mkdir -p; 0, or -1 with errno (ENOTDIR when path exists as a file) */
int app_mkdir_p(const char *path);
/* Atomic replacement of a file: write to the temporary tmp = path + suffix
 * (opened here, tmp must hold cap bytes), then app_atomic_close. NULL with
 * errno if the temporary cannot be created. */
FILE *app_atomic_open(const char *path, const char *suffix, char *tmp, size_t cap);
/* commit: flush, fsync, close, rename tmp over path and sync its directory;
 * readers see the old file or the whole new one. !commit (or any failure):
 * tmp is removed, path untouched. 0, or -1 with errno and *what (if given)
 * naming the failed stage ("cannot write", "cannot sync", "cannot replace"). */
int app_atomic_close(FILE *f, const char *tmp, const char *path, int commit, const char **what);

/* ---- shipped files ----------------------------------------------------- */
/* Path of rel under irvi's assets folder: $IRVI_ASSETS_DIR, else the source
 * tree's assets/ (fixed at build time). Returns buf. */
const char *app_asset(const char *rel, char *buf, size_t cap);
/* The reference model that `irvi refine` / `irvi export` open without
 * --model (SBN-200 trained with AIR on the fixed binarized MNIST). */
#define APP_REFERENCE_MODEL "models/sbn200-air/model.irvi"

/* ---- messages ----------------------------------------------------------- */
/* Print "irvi: <what>: <engine status>: <engine detail>" to stderr for a
 * failed engine call. */
void app_report(const char *what, int status);

/* ---- stop signals ------------------------------------------------------- */
/* The signal number that asked to stop, 0 until then. */
extern volatile sig_atomic_t app_stop_signal;
/* SIGINT and SIGTERM set app_stop_signal. APP_STOP_CANCEL: they also cancel a
 * running engine computation at its next chunk, and a second signal kills at
 * once (long runs). APP_STOP_FLAG: only the flag (the caller finishes its step). */
enum { APP_STOP_FLAG = 0, APP_STOP_CANCEL = 1 };
void app_catch_stop_signals(int mode);

#endif
