/* app/live/watch.h — following the metrics.jsonl files of several training
 * runs (irvi watch): which folders, what is in them so far, and the
 * overlay's PNG and CSV exports. No curses: the terminal UI (tui.c) polls
 * and draws it, `irvi watch --png/--csv` exports it headless, tests read it.
 *
 * A run's records are the truth; its plot_series are rebuilt from them when
 * the file shrinks (a resumed run rewrites it) or an epoch goes backwards.
 * Threading: one thread (the UI's). */
#ifndef IRVI_APP_WATCH_H
#define IRVI_APP_WATCH_H

#include "picture/cellplot.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The series of a metrics.jsonl row that watch plots (its JSON keys). */
typedef enum {
    WS_VALID_LB,   /* "valid_lb": the refined bound */
    WS_VALID_LB0,  /* "valid_lb0" */
    WS_VALID_LL,   /* "valid_ll" */
    WS_TRAIN_LB,   /* "train_lb" */
    WS_VALID_ESS,  /* "valid_ess" */
    WS_COUNT
} watch_series;

extern const char *const watch_series_key[WS_COUNT];

#define WATCH_MAX_RUNS 32

typedef struct {
    double epoch, updates, wall; /* x values; wall is Unix seconds */
    double v[WS_COUNT];          /* NaN where the row has null or nothing */
} watch_rec;

typedef struct {
    char dir[1024], file[1100];  /* the run folder and its metrics.jsonl */
    char label[64];              /* legend name: the basename, disambiguated */
    int color;                   /* slot 0..: stable by the order given */
    int hidden;
    /* following the file */
    off_t pos;                   /* bytes consumed (whole lines) */
    ino_t ino;
    int seen;                    /* the file existed at the last poll */
    int restarts;                /* times the file shrank or was replaced */
    /* its rows so far */
    watch_rec *rec;
    int n, cap;
    double wall0;                /* wall of the first row (x in seconds) */
    plot_series s[WS_COUNT];
} watch_run;

typedef struct watch_set {
    watch_run run[WATCH_MAX_RUNS];
    int n;
} watch_set;

/* Add the runs under each path: a folder with metrics.jsonl is a run; any
 * other folder is searched (4 levels deep, sorted) for such folders, so an
 * experiment root gives ROOT/.../models/NAME. Returns 0, or -1 with a reason
 * (no run found, too many, out of memory). Labels are set afterwards. */
int watch_open(watch_set *w, char *const *paths, int npaths, char *err, size_t errcap);
void watch_close(watch_set *w);

/* Read what was appended since the last poll (whole lines only). Returns
 * the number of runs that changed; their notes (e.g. a restart) go to log
 * (may be NULL). */
int watch_poll(watch_set *w, void (*log)(void *ctx, const char *line), void *ctx);

/* Parse one metrics.jsonl line; 0 if it is a row with an epoch. */
int watch_parse_line(const char *line, watch_rec *r);

/* How the overlay is read: what the terminal view shows (tui_view), and
 * what the command line sets for both the PNG and the terminal. */
typedef struct watch_view {
    watch_series lb;    /* the upper chart's series (valid_ess is below) */
    plot_xaxis xaxis;
    int xlog, ylog;     /* ylog: log of the distance to the best value shown */
    double smooth;      /* EMA weight in [0, 1) */
    double zoom;        /* show the last zoom fraction of the x range (>= 1: all) */
    int highlight;      /* run index + 1 in full colour over the others, which
                           turn pale (0: none) */
} watch_view;

/* Overlay exports (raw values). CSV: run,epoch,updates,seconds and every
 * series, one line per row of every run. PNG: two charts stacked, v->lb on
 * top and valid_ess below, one line per visible run with a legend, read as
 * v says. 0, or -1 with err. */
int watch_write_csv(const watch_set *w, const char *path, char *err, size_t errcap);
int watch_write_png(const watch_set *w, const char *path, const watch_view *v, char *err,
                    size_t errcap);

/* The x of row r on axis a (seconds: since the run's first row). */
double watch_x(const watch_run *run, const watch_rec *r, plot_xaxis a);

/* PNG colour of run slot i. */
uint32_t watch_png_color(int i);

#endif
