/* app/live/export.c — PNG export of the Fig. 2 grid and of the curves (see
 * export.h). Everything is rendered by the engine (irvi/image.h) into a
 * buffer allocated here and written with irvi_png_write (atomic replace).
 * Any thread; nothing is shared, so the engine thread can export while the
 * UI draws.
 */
#include "live/export.h"

#include "live/curves.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CURVE_W 960
#define PANEL_H 500

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errcap, const char *fmt, ...)
{
    if (err && errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int fail_engine(char *err, size_t errcap, const char *path, irvi_status st)
{
    const char *detail = irvi_last_error();
    if (!detail[0])
        detail = irvi_status_str(st);
    if (strstr(detail, path))   /* irvi_png_write's messages name the file already */
        return fail(err, errcap, "%s", detail);
    return fail(err, errcap, "export %s: %s", path, detail);
}

void export_tiles_grid(const app_tiles *t, irvi_grid *g)
{
    memset(g, 0, sizeof *g);
    g->n = t->n;
    g->rows = t->rows;
    g->cols = t->cols;
    g->transposed = t->transposed;
    g->stride = (int)(sizeof t->truth[0] / sizeof t->truth[0][0]);
    g->truth = t->truth[0];
    g->unrefined = t->unrefined[0];
    g->refined = t->refined[0];
    g->lb0 = t->lb0;
    g->lbK = t->lbK;
    g->index = t->index;
    g->label = t->label;
    g->steps = t->steps;
}

int export_grid_png(const app_tiles *t, const char *path, int scale, int pad, int labels,
                    char *err, size_t errcap)
{
    if (!path || !path[0])
        return fail(err, errcap, "export: no file name");
    if (!t || t->n < 1)
        return fail(err, errcap, "export %s: no digits chosen yet", path);
    if (t->n > LINK_MAX_DIGITS || t->rows * t->cols > (int)(sizeof t->truth[0] / sizeof(float)))
        return fail(err, errcap, "export %s: malformed tile set (%d digits of %d x %d)", path,
                    t->n, t->rows, t->cols);
    irvi_grid g;
    export_tiles_grid(t, &g);
    irvi_grid_opts o = {scale, pad, labels, 0};
    int w, h;
    irvi_status st = irvi_grid_size(&g, &o, &w, &h);
    if (st != IRVI_OK)
        return fail_engine(err, errcap, path, st);
    size_t cap = (size_t)w * (size_t)h * 3;
    uint8_t *rgb = malloc(cap);
    if (!rgb)
        return fail(err, errcap, "export %s: out of memory", path);
    st = irvi_grid_render(&g, &o, rgb, cap);
    if (st == IRVI_OK)
        st = irvi_png_write(path, rgb, w, h);
    free(rgb);
    return st == IRVI_OK ? 0 : fail_engine(err, errcap, path, st);
}

/* ---- curves --------------------------------------------------------------- */

/* one curve of a panel: a row of the curve table (curves.h), for a digit's
 * id when the row is per digit, and its legend name */
typedef struct {
    series_id id;
    const char *name;
    const curve_def *def;
} curve_spec;

/* the lab panels: one thin curve per chosen digit and the mean on top */
#define CURVE_MAX_SPECS (LINK_MAX_DIGITS + 1)

/* Trailing mean over the last k points (k = n / 50, at least 1, at most
 * 500): a readable trend through the minibatch noise that never uses
 * points from the future. Non-finite values are left out of the window. */
static int ma_window(int n)
{
    int k = n / 50;
    return k < 1 ? 1 : k > 500 ? 500 : k;
}

static void moving_average(const double *y, int n, double *out)
{
    int k = ma_window(n);
    double sum = 0;
    int cnt = 0;
    for (int i = 0; i < n; i++) {
        if (isfinite(y[i])) {
            sum += y[i];
            cnt++;
        }
        if (i >= k && isfinite(y[i - k])) {
            sum -= y[i - k];
            cnt--;
        }
        out[i] = cnt > 0 ? sum / cnt : (double)NAN;
    }
}

/* Build the series of one panel from the points; arrays are allocated in
 * one block (*mem) the caller frees. Returns the number of series. */
static int panel_series(const metric_point *pts, int npts, const curve_spec *spec, int nspec,
                        irvi_series *out, char (*names)[64], double **mem)
{
    int count[CURVE_MAX_SPECS] = {0}, total = 0;
    for (int s = 0; s < nspec; s++) {
        for (int i = 0; i < npts; i++)
            count[s] += pts[i].series == spec[s].id;
        total += count[s] * (spec[s].def->smooth_name ? 2 : 1);
    }
    double *block = malloc(2 * (size_t)(total > 0 ? total : 1) * sizeof(double));
    *mem = block;
    if (!block)
        return -1;
    int ns = 0;
    double *p = block;
    for (int s = 0; s < nspec; s++) {
        if (count[s] == 0)
            continue;
        double *x = p, *y = p + count[s];
        p += 2 * count[s];
        int k = 0;
        for (int i = 0; i < npts; i++)
            if (pts[i].series == spec[s].id) {
                x[k] = pts[i].epoch;
                y[k] = pts[i].y;
                k++;
            }
        const curve_def *d = spec[s].def;
        out[ns++] = (irvi_series){spec[s].name, x, y, k, d->png_color};
        if (d->smooth_name && k >= 10) {
            double *ys = p;
            p += count[s];
            moving_average(y, k, ys);
            snprintf(names[ns], 64, "%s (mean of %d)", d->smooth_name, ma_window(k));
            out[ns] = (irvi_series){names[ns], x, ys, k, d->smooth_color};
            ns++;
        }
    }
    return ns;
}

static irvi_status render_panel(const metric_point *pts, int npts, const curve_spec *spec,
                                int nspec, const char *title, const char *xlabel,
                                const char *ylabel, int ess, uint8_t *rgb)
{
    irvi_series series[2 * CURVE_MAX_SPECS];
    char names[2 * CURVE_MAX_SPECS][64];
    double *mem = NULL;
    int ns = panel_series(pts, npts, spec, nspec, series, names, &mem);
    if (ns < 0)
        return irvi_fail(IRVI_ENOMEM, "out of memory for %d points", npts);
    irvi_plot p = {.title = title, .xlabel = xlabel, .ylabel = ylabel, .series = series,
                   .nseries = ns};
    if (ess) {
        p.ymin = 0;
        p.ymax = 1;
    }
    irvi_status st = irvi_plot_render(&p, CURVE_W, PANEL_H, rgb, (size_t)CURVE_W * PANEL_H * 3);
    free(mem);
    return st;
}

int export_curves_png(const char *path, const metric_point *pts, int npts, int lab, char *err,
                      size_t errcap)
{
    /* the panels' curves from the curve table, in its (drawing) order; a
     * per-digit row gives a curve per digit that has points, only the first
     * of them in the legend */
    curve_spec spec[3][CURVE_MAX_SPECS]; /* LB, ESS, the lab's exact KL */
    int nspec[3] = {0, 0, 0};
    for (int k = 0; k < curve_count; k++) {
        const curve_def *c = &curve_table[k];
        int pi = c->panel != PANEL_ESS ? 0 : c->exact ? 2 : 1;
        if (c->lab != (lab != 0))
            continue;
        if (c->from != CURVE_FROM_DIGIT) {
            int have = !c->exact; /* exact curves only when the model had them */
            for (int q = 0; q < npts && !have; q++)
                have = pts[q].series == c->id;
            if (have)
                spec[pi][nspec[pi]++] = (curve_spec){c->id, c->png_name, c};
            continue;
        }
        int shown = 0;
        for (int i = 0; i < LINK_MAX_DIGITS; i++) {
            int have = 0;
            for (int q = 0; q < npts && !have; q++)
                have = pts[q].series == (series_id)(c->id + i);
            if (have)
                spec[pi][nspec[pi]++] =
                    (curve_spec){(series_id)(c->id + i), shown++ ? NULL : c->png_name, c};
        }
    }
    if (!path || !path[0])
        return fail(err, errcap, "export: no file name");
    if (npts < 0 || (npts > 0 && !pts))
        return fail(err, errcap, "export %s: no points", path);
    int panels = nspec[2] > 0 ? 3 : 2;
    size_t panel = (size_t)CURVE_W * PANEL_H * 3;
    uint8_t *rgb = malloc(panels * panel);
    if (!rgb)
        return fail(err, errcap, "export %s: out of memory", path);
    irvi_status st;
    if (!lab) {
        st = render_panel(pts, npts, spec[0], nspec[0], "Lower bound during training", "epoch",
                          "lower bound (nats)", 0, rgb);
        if (st == IRVI_OK)
            st = render_panel(pts, npts, spec[1], nspec[1], "Normalized effective sample size",
                              "epoch", "ESS / samples", 1, rgb + panel);
    } else {
        st = render_panel(pts, npts, spec[0], nspec[0], "Refinement lab: lower bound per refinement step",
                          "refinement step", "lower bound (nats)", 0, rgb);
        if (st == IRVI_OK)
            st = render_panel(pts, npts, spec[1], nspec[1],
                              "Refinement lab: normalized ESS per refinement step", "refinement step",
                              "ESS / samples", 1, rgb + panel);
        if (st == IRVI_OK && panels == 3)
            st = render_panel(pts, npts, spec[2], nspec[2],
                              "Refinement lab: exact KL(q_k || p(h|x)) per refinement step",
                              "refinement step", "KL (nats)", 0, rgb + 2 * panel);
    }
    if (st == IRVI_OK)
        st = irvi_png_write(path, rgb, CURVE_W, panels * PANEL_H);
    free(rgb);
    return st == IRVI_OK ? 0 : fail_engine(err, errcap, path, st);
}
