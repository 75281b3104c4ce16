/* app/picture/axis.c — ticks, scales and tick labels for every chart (see
 * axis.h). One step rule everywhere: the range rounded up to a nice number,
 * divided into want - 1 parts, rounded to the nearest nice number. */
#include "picture/axis.h"

#include <math.h>
#include <stdio.h>

static double nice_num(double x, int round_it)
{
    double e = floor(log10(x));
    double p = pow(10.0, e);
    double f = x / p, nf;
    if (round_it)
        nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else
        nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * p;
}

void axis_linear(axis_ticks *t, double lo, double hi, int want, int fixed)
{
    if (!isfinite(lo) || !isfinite(hi))
        lo = 0, hi = 1;
    if (hi < lo) {
        double s = lo;
        lo = hi;
        hi = s;
    }
    if (want < 2)
        want = 2;
    if (!(hi - lo > 1e-12 * fmax(1.0, fmax(fabs(lo), fabs(hi))))) {
        double d = lo == 0 ? 1.0 : 0.05 * fabs(lo);
        lo -= d;
        hi += d;
        if (!isfinite(hi - lo))
            lo = -1, hi = 1;
    }
    double step = nice_num(nice_num(hi - lo, 0) / (want - 1), 1);
    double a = ceil(lo / step - 1e-9), b = floor(hi / step + 1e-9);
    if (!fixed) {
        a = floor(lo / step + 1e-9);
        b = ceil(hi / step - 1e-9);
        lo = a * step;
        hi = b * step;
    }
    /* never more than AXIS_MAX_TICKS, whatever the range */
    while (b - a + 1 > AXIS_MAX_TICKS) {
        step *= 2;
        a = ceil(lo / step - 1e-9);
        b = floor(hi / step + 1e-9);
    }
    t->lo = lo;
    t->hi = hi;
    t->step = step;
    t->n = 0;
    for (double k = a; k <= b && t->n < AXIS_MAX_TICKS; k++) {
        double v = k * step;
        if (fabs(v) < step * 1e-6)
            v = 0;  /* no "-0.0" */
        t->v[t->n++] = v;
    }
    if (t->n == 0) {  /* a fixed range narrower than one step: label its ends */
        t->v[0] = lo;
        t->v[1] = hi;
        t->n = 2;
    }
    double big = fmax(fabs(lo), fabs(hi));
    if (big >= 1e6 || step < 1e-4)
        t->decimals = -1;
    else {
        int d = (int)-floor(log10(step) + 1e-9);
        t->decimals = d > 0 ? d : 0;
    }
}

void axis_log(axis_ticks *t, double lo, double hi, int want)
{
    double a = floor(log10(lo) + 1e-9), b = ceil(log10(hi) - 1e-9);
    if (b <= a)
        b = a + 1;
    int every = 1;
    while ((b - a) / every + 1 > (want > 2 ? want : 2))
        every++;
    t->lo = pow(10, a);
    t->hi = pow(10, b);
    t->step = 10;
    t->n = 0;
    for (double k = a; k <= b && t->n < AXIS_MAX_TICKS; k += every)
        t->v[t->n++] = pow(10, k);
    t->decimals = -2; /* %g: 0.01, 1, 1000, 1e+06 */
}

double axis_frac(double v, double a, double b, int log)
{
    if (log)
        return (log10(v) - log10(a)) / (log10(b) - log10(a));
    return (v - a) / (b - a);
}

void axis_label(const axis_ticks *t, double v, char *buf, size_t cap)
{
    if (t->decimals == -2)
        snprintf(buf, cap, "%g", v);
    else if (t->decimals < 0)
        snprintf(buf, cap, "%.3g", v);
    else
        snprintf(buf, cap, "%.*f", t->decimals, v);
}

void axis_label_short(double v, double step, char *buf, size_t cap)
{
    if (fabs(v) < step * 1e-6)
        v = 0;
    const char *suffix = "";
    double scale = 1;
    if (step >= 1e6 - 0.5 && fabs(v) >= 1e6) {
        scale = 1e6;
        suffix = "M";
    } else if (step >= 100 - 0.5 && fabs(v) >= 1e4) {
        scale = 1e3;
        suffix = "k";
    }
    double s = step / scale;
    int dec = s >= 1 - 1e-9 ? 0 : (int)ceil(-log10(s) - 1e-9);
    if (dec > 9)
        dec = 9;
    snprintf(buf, cap, "%.*f%s", dec, v / scale, suffix);
}
