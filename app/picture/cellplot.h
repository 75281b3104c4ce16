/* app/picture/cellplot.h — live curves rendered into a grid of character cells.
 *
 * Two halves, both free of curses so tests/test_plot.c runs them directly:
 *
 *  - plot_series: the UI-owned history of one metric. Bounded memory for a
 *    run of any length: when the store fills up, neighbouring points are
 *    averaged pairwise and from then on every stored point stands for twice
 *    as many raw points (so the whole run stays visible at uniform
 *    resolution). NaN/Inf values are dropped on the way in.
 *  - plot_render: draws up to PLOT_MAX_LINES series into a w x h cell buffer:
 *    a legend row (name and last value of each series, in its colour), a y
 *    axis with "nice" tick labels (axis.h, as the PNG charts; range auto-scaled
 *    to the data), the curves, and an x axis with tick labels and a caption.
 *    Each series is binned to the drawing width (mean per dot column) and
 *    consecutive bins are joined by lines; a series with a single bin is
 *    drawn as a small cross of dots so it stays visible. In UTF-8 mode a cell holds a
 *    braille pattern (U+2800 + dots, 2 x 4 dots per cell); in ASCII mode a
 *    cell holds one of ' . - : | (1 x 3 dots per cell).
 *
 * Threading: none; plain data. The UI thread owns every plot_series. */
#ifndef IRVI_PICTURE_CELLPLOT_H
#define IRVI_PICTURE_CELLPLOT_H

#include <stddef.h>
#include <stdint.h>

/* ---- series history ------------------------------------------------------- */
typedef enum { PLOT_X_EPOCH, PLOT_X_UPDATE, PLOT_X_SECONDS, PLOT_X_COUNT } plot_xaxis;

typedef struct {
    double x[PLOT_X_COUNT]; /* the point's position on each selectable x axis */
    double y;
} plot_point;

typedef struct {
    plot_point *pts;  /* pts[0..n): stored (possibly averaged) points, in order */
    int n, cap;       /* cap is even, >= 2 */
    int stride;       /* raw points per stored point (a power of two) */
    plot_point acc;   /* running sum of the bucket being filled */
    int acc_n;        /* raw points in acc (< stride) */
    long raw;         /* finite raw points pushed since the last clear */
    double last_y;    /* the latest raw value (valid when raw > 0) */
    double last_x[PLOT_X_COUNT];
} plot_series;

/* cap: stored points kept (rounded up to an even number >= 2). Returns 0, or
 * -1 if out of memory. */
int series_init(plot_series *s, int cap);
void series_free(plot_series *s);
void series_clear(plot_series *s);
/* Append a raw point; non-finite y (or x) are ignored. */
void series_push(plot_series *s, double epoch, double update, double seconds, double y);
/* The stored points, plus the partial bucket if any, are what gets drawn. */

/* ---- rendering ------------------------------------------------------------ */
#define PLOT_MAX_LINES 32 /* the lab: a curve per chosen digit, the mean */

/* Cell colours: 0 = default, PLOT_COLOR_AXIS for axes/labels, 1..14 = the
 * colour index a plot_line asked for (the UI maps it to a curses pair). Where
 * curves share a cell, the line drawn last (higher index) gives the colour. */
#define PLOT_COLOR_AXIS 15

typedef struct {
    uint32_t ch;   /* Unicode code point (ASCII only in ASCII mode) */
    uint8_t color; /* 0 default, 1.. series colour, PLOT_COLOR_AXIS */
    uint8_t dim;   /* drawn dim: a raw curve behind its smoothed one, a run not highlighted */
} plot_cell;

typedef struct {
    const plot_series *series;
    const char *name;  /* legend label, e.g. "train"; NULL: not in the legend */
    int color;         /* 1..14 */
    int no_value;      /* legend without the last value (a name for a group of lines) */
} plot_line;

typedef struct {
    int nlines;
    plot_line line[PLOT_MAX_LINES];
    plot_xaxis xaxis;   /* which x of each point to use */
    const char *xlabel; /* caption at the right end of the x tick row */
    int utf8;           /* braille and box-drawing glyphs; else ASCII only */
    const char *empty_note; /* shown centred when no series has data (may be NULL) */
    /* reading curves precisely (all 0: the plain plot) */
    uint32_t dim_lines; /* bit i: line i drawn dim (e.g. runs not highlighted) */
    int xlog;           /* log x axis; points with x <= 0 are left out */
    int ylog;           /* log y axis of the distance to the best (largest) value
                           shown: best - y + eps (plot_log_eps), for bounds < 0 */
    double smooth;      /* EMA weight in [0, 1): > 0 draws each line smoothed,
                           its raw curve dim behind it */
    double zoom;        /* show the last zoom fraction of the x range (0, >= 1: all) */
    int cursor_on;      /* a cursor at the fraction cursor (0..1) of the x range
                           shown; the legend then shows "@x" and each line's
                           value at the cursor instead of its last value */
    double cursor;
} plot_spec;

/* Where plot_render put things, for mouse clicks and readouts. */
typedef struct {
    int x0, w;          /* plot area columns [x0, x0 + w) of the cell buffer (w 0: none) */
    double xlo, xhi;    /* x range shown (data units) */
    double best, eps;   /* ylog: the best value and the epsilon added */
    double cursor_x;    /* the cursor's x (NaN: none) */
} plot_area;

/* Render into cells[0 .. w*h) (row-major, caller-allocated). Any w, h >= 0
 * is fine; parts that do not fit are left out (the x axis needs h >= 3,
 * its tick labels h >= 5, the legend h >= 6, the y labels w >= 12).
 * Returns the number of curve dots set (for tests). */
int plot_render(const plot_spec *spec, plot_cell *cells, int w, int h);
/* The same, also reporting the plot area (out may be NULL). */
int plot_render_area(const plot_spec *spec, plot_cell *cells, int w, int h, plot_area *out);

/* Exponential moving average in place: y[i] = w y[i-1] + (1 - w) y[i], the
 * first value kept; non-finite values are skipped (kept as they are). */
void plot_ema(double *y, int n, double w);
/* The epsilon of a log distance-to-best axis over values spanning span:
 * 1e-3 of the span (1e-3 when the span is 0), so the best point sits about
 * three decades under the rest instead of at minus infinity. */
double plot_log_eps(double span);
/* Zoom: the left end of the last zoom fraction of [lo, hi] (of its decades
 * when lg); lo itself when zoom is not in (0, 1) or the range is empty. The
 * terminal plots and the watch PNG share it. */
double plot_zoom_lo(double lo, double hi, double zoom, int lg);
/* The next EMA weight up (dir > 0) or down from w: 0, .5, .8, .9, .95, .98, .99. */
double plot_smooth_step(double w, int dir);

/* ---- helpers (exposed for tests and for the UI) ---------------------------- */
/* Format a last value for the legend (about 4 significant digits). */
void plot_format_value(double v, char *buf, size_t cap);
/* Braille dot bit for dot (dx, dy) of a cell, dx in 0..1, dy in 0..3. */
unsigned plot_braille_bit(int dx, int dy);
/* 1 if the current LC_CTYPE codeset is UTF-8 (after setlocale). */
int plot_locale_utf8(void);
/* Encode one row of cells as UTF-8 (for tests and text dumps). Returns the
 * byte length written (truncated to cap-1, always NUL-terminated). */
size_t plot_row_utf8(const plot_cell *row, int w, char *buf, size_t cap);

#endif
