/* app/picture/picture.h — the picture library: what irvi draws without any
 * UI library: the paper's Figure 2 grid (ground truth / unrefined / refined
 * reconstructions), line charts of training curves, a built-in 5x7 bitmap
 * font, and PNG files. The charts' ticks and scales come from axis.h, which
 * the terminal cell plot (cellplot.h) shares; this library is not part of
 * the engine (libirvi needs no stb), only irvi_status/irvi_fail are.
 *
 * Pixel buffers are RGB8: 3 bytes per pixel (red, green, blue), rows top to
 * bottom, no padding between rows, so pixel (x, y) starts at byte
 * 3 * (y * w + x). Colours are given as 0xRRGGBB. Outputs follow the
 * size-then-fill rule: ask for the size, allocate, then render into the
 * caller's buffer (cap = its size in bytes); nothing here hands back memory
 * for the caller to free.
 *
 * All functions are pure (no global state besides the error detail of
 * irvi_fail) and may be called from any thread.
 */
#ifndef IRVI_PICTURE_H
#define IRVI_PICTURE_H

#include <irvi/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the Figure 2 grid ---------------------------------------------------
 *
 * Three rows of n tiles: row 0 the ground truth x, row 1 the average
 * reconstruction under the unrefined posterior q0, row 2 under the refined
 * q_K. Tiles are grey: a pixel of value v shows as round(255 * v) in all
 * three channels, so digits are white on black as in the paper (values are
 * clamped to [0, 1]; NaN shows red so it cannot pass for a dark pixel).
 * Tiles are separated by `pad` pixels of a dark blue-grey background
 * (IRVI_GRID_BG), which is also the colour of the margins.
 *
 * With labels on, the picture also has: row names at the left ("truth",
 * "q0", "refined" and "K=<steps>" under it when steps > 0), a header above
 * each column with the test-set index ("#123", and " (7)" for the class) when
 * index is given, and under the refined row one line per lower-bound array
 * given ("LB q0" from lb0, "LB qK" from lbK) with each column's value.
 * Columns widen beyond the tile when their texts need it; the tile is then
 * centred in its column. Use irvi_grid_pixel_rect for exact tile positions.
 */
typedef struct {
    int n;              /* tiles per row, >= 1 */
    int rows, cols;     /* image shape, e.g. 28 x 28 */
    int transposed;     /* images are stored column-major: pixel (r, c) is at
                           [c * rows + r]; otherwise at [r * cols + c] */
    int stride;         /* floats from one image to the next; 0 = rows * cols */
    const float *truth, *unrefined, *refined; /* n images each, values in [0, 1] */
    const double *lb0, *lbK; /* optional (NULL): per-column lower bounds */
    const int *index;   /* optional: test-set index of each column */
    const int *label;   /* optional: class of each column (< 0 = unknown) */
    int steps;          /* refinement steps behind the refined row (shown if > 0) */
} irvi_grid;

typedef struct {
    int scale;          /* nearest-neighbour magnification; <= 0 means 4 */
    int pad;            /* gap between tiles and around the grid; < 0 means 2 */
    int labels;         /* row labels, column headers, lower bounds */
    int text_scale;     /* font magnification; <= 0 means max(1, scale / 4) */
} irvi_grid_opts;

#define IRVI_GRID_OPTS_DEFAULT {4, 2, 1, 0}
#define IRVI_GRID_BG 0x202830u        /* background and padding */
#define IRVI_GRID_TEXT 0xE8E8E8u      /* row labels and headers */
#define IRVI_GRID_NAN 0xFF0000u       /* a NaN pixel */

/* Size of the rendered grid in pixels (opts NULL = defaults). IRVI_EINVAL
 * for missing images, n < 1 or shapes/options out of range (n <= 4096,
 * rows, cols <= 4096, scale <= 64, pad <= 256, at most 2^28 bytes). */
irvi_status irvi_grid_size(const irvi_grid *g, const irvi_grid_opts *o, int *w, int *h);

/* Render into rgb (cap bytes, at least 3 * w * h of irvi_grid_size). */
irvi_status irvi_grid_render(const irvi_grid *g, const irvi_grid_opts *o,
                             uint8_t *rgb, size_t cap);

/* Top-left pixel of tile (row 0..2, col 0..n-1); the tile is
 * (cols * scale) x (rows * scale) pixels. IRVI_EINVAL when out of range. */
irvi_status irvi_grid_pixel_rect(const irvi_grid *g, const irvi_grid_opts *o,
                                 int row, int col, int *x, int *y);

/* ---- text: the built-in 5x7 font ----------------------------------------
 * Each character occupies a 6 x 8 cell times scale: a 5 x 7 glyph (cap
 * height down to the baseline) plus one column and one row of spacing; the
 * descenders of g j p q y reach into that row. Bytes outside ASCII 32..126
 * draw as '?'. No line breaks. Drawing clips at the buffer edges. */
#define IRVI_FONT_W 5
#define IRVI_FONT_H 7
#define IRVI_FONT_ADVANCE 6

/* Width in pixels of text at scale (the advance of every character minus
 * the trailing gap): IRVI_FONT_ADVANCE * scale * len - scale, 0 for "". */
int irvi_text_width(const char *text, int scale);
/* Height of a line of text at scale, without spacing: IRVI_FONT_H * scale. */
int irvi_text_height(int scale);
/* Draw text with its top-left corner at (x, y) into a w x h RGB8 buffer;
 * only the glyph pixels are written (the background stays). scale >= 1.
 * Returns the x just past the text. */
int irvi_text_draw(uint8_t *rgb, int w, int h, int x, int y, const char *text,
                   uint32_t color, int scale);
/* The same rotated 90 degrees counter-clockwise (reads bottom to top), for
 * y-axis labels: (x, y) is the bottom-left corner of the rotated text, which
 * is 7 * scale pixels wide. Returns the y just above the text. */
int irvi_text_draw_up(uint8_t *rgb, int w, int h, int x, int y, const char *text,
                      uint32_t color, int scale);

/* ---- line charts --------------------------------------------------------
 * A white chart with a title, y axis on the left and x axis at the bottom
 * with "nice" tick values (1, 2 or 5 times a power of ten; axis.h) and labels, light
 * grid lines, the axis labels (the y label reads bottom to top) and a legend
 * of coloured swatches under the x label. Each series is drawn as a 2-pixel
 * line joining consecutive finite points; a NaN or infinite x or y breaks
 * the line, and a finite point with no finite neighbour is drawn as a dot.
 * Axis ranges cover all finite points of all series (or the fixed range),
 * widened to whole ticks; a constant series gets a small range around its
 * value; no finite point at all gives the range [0, 1] and "no data" in the
 * chart. */
typedef struct {
    const char *name;       /* legend text (NULL or "" = not in the legend) */
    const double *x, *y;    /* n points */
    int n;
    uint32_t color;         /* 0xRRGGBB */
} irvi_series;

typedef struct {
    const char *title, *xlabel, *ylabel;   /* each may be NULL */
    const irvi_series *series;
    int nseries;
    double xmin, xmax;      /* fixed x range when xmin < xmax, else automatic */
    double ymin, ymax;      /* fixed y range when ymin < ymax, else automatic */
    int text_scale;         /* font magnification; <= 0: 2 if h >= 400, else 1 */
    int xlog;               /* logarithmic x axis: ticks at powers of ten, the range
                               widened to whole decades; points with x <= 0 are
                               treated like non-finite ones (they break the line) */
    int ylog;               /* the same for the y axis (y <= 0 left out) */
} irvi_plot;

/* Where the data went: the plot area in pixels (inclusive corners; the y
 * axis is the column x0, the x axis the row y1) and the axis ranges after
 * rounding to ticks. Data (u, v) lands at
 *   px = x0 + (u - xmin) / (xmax - xmin) * (x1 - x0),
 *   py = y1 - (v - ymin) / (ymax - ymin) * (y1 - y0), rounded to nearest;
 * with xlog, log10(u), log10(xmin) and log10(xmax) stand for u, xmin and
 * xmax in px (xstep is then 10: one decade per tick); likewise ylog. */
typedef struct {
    int x0, y0, x1, y1;
    double xmin, xmax, ymin, ymax;
    double xstep, ystep;    /* tick spacing */
} irvi_plot_frame;

/* Compute the frame of a w x h chart. IRVI_EINVAL for w < 120, h < 80,
 * w or h > 16384, nseries < 0 or a series with n > 0 and no data. */
irvi_status irvi_plot_layout(const irvi_plot *p, int w, int h, irvi_plot_frame *out);
/* Render a w x h chart into rgb (cap >= 3 * w * h bytes). */
irvi_status irvi_plot_render(const irvi_plot *p, int w, int h, uint8_t *rgb, size_t cap);

/* ---- PNG ----------------------------------------------------------------
 * Write a w x h RGB8 image as a PNG file (1 <= w, h <= 65535), atomically:
 * the image is encoded in memory, written to "<path>.tmp.<pid>", fsynced
 * and renamed over path, so readers see either the old file or the whole
 * new one. On failure the temporary file is removed, an existing file at
 * path is left untouched, and the result is IRVI_EIO naming the path and
 * the system's reason (IRVI_ENOMEM if encoding ran out of memory). */
irvi_status irvi_png_write(const char *path, const uint8_t *rgb, int w, int h);

#ifdef __cplusplus
}
#endif
#endif
