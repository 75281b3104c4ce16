/* app/picture/axis.h — the one axis module of irvi's pictures: "nice" ticks
 * (Heckbert: 1, 2 or 5 x 10^k), linear and log scales, tick labels. Both
 * rasterisers use it, the RGB charts (chart.c) and the terminal cell plot
 * (cellplot.c); they differ in pixels, not in where the ticks go.
 * Pure functions; any thread. */
#ifndef IRVI_PICTURE_AXIS_H
#define IRVI_PICTURE_AXIS_H

#include <stddef.h>

#define AXIS_MAX_TICKS 32

typedef struct {
    double lo, hi, step;  /* the axis range and tick spacing (10 on log axes) */
    double v[AXIS_MAX_TICKS];
    int n;                /* ticks in v, >= 1 */
    int decimals;         /* for %.*f, or -1 for %.3g, -2 for %g (log axes) */
} axis_ticks;

/* Linear ticks for [lo, hi] aiming at about want of them (at most
 * AXIS_MAX_TICKS). A constant range is widened around its value; reversed
 * or non-finite input gives a usable range. fixed = 0: the range is widened
 * to whole ticks (lo, hi become the outer ticks); fixed = 1: lo, hi stay and
 * the ticks are the step multiples inside them. */
void axis_linear(axis_ticks *t, double lo, double hi, int want, int fixed);

/* Log ticks: whole decades covering [lo, hi] (both > 0), a tick at each
 * power of ten, every k-th one when there would be more than want. */
void axis_log(axis_ticks *t, double lo, double hi, int want);

/* Where v lies between a and b: (v - a) / (b - a); with log, the same on
 * log10 values. Rasterisers multiply by their extent in pixels or dots. */
double axis_frac(double v, double a, double b, int log);

/* Tick label for charts with room: "%.*f" with the ticks' decimals. */
void axis_label(const axis_ticks *t, double v, char *buf, size_t cap);

/* Compact tick label for terminal cells: "20", "0.25", "50k", "2M". */
void axis_label_short(double v, double step, char *buf, size_t cap);

#endif
