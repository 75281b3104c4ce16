/* app/picture/chart.c — line charts into RGB8 buffers: the exported lower-bound
 * and ESS curves and the figures of the experiments report.
 *
 * Layout is computed outside in: title at the top; under the plot area the
 * x tick labels, the x label and the legend (wrapped over the full width);
 * on the left the rotated y label and the y tick labels, whose width depends
 * on the y ticks, which depend on the plot height, which is known by then.
 * The x ticks depend on the plot width and the width of their own last
 * label, so they are computed twice. Ticks, scales and labels come from
 * axis.c (shared with the terminal plot); automatic ranges are widened to
 * whole ticks.
 *
 * Series are clipped to the plot area (Liang-Barsky) before rasterizing
 * (Bresenham with a 2x2 brush), so far-away points cost nothing. Axes are
 * drawn after the data so a curve on the axis never hides it.
 * Pure functions; any thread.
 */
#include "picture/picture.h"
#include "picture/axis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COL_BG 0xFFFFFFu
#define COL_GRID 0xE4E4E4u
#define COL_AXIS 0x000000u
#define COL_TEXT 0x202020u
#define COL_NOTE 0x808080u

typedef struct {
    int w, h, ts, lh, m, xlog, ylog;
    irvi_plot_frame f;
    axis_ticks tx, ty;
    int have_data;
    int legend_rows, legend_y;
    int xlabel_y;
} plot_layout;

static int widest_label(const axis_ticks *t, int ts)
{
    char buf[48];
    int w = 0;
    for (int i = 0; i < t->n; i++) {
        axis_label(t, t->v[i], buf, sizeof buf);
        int tw = irvi_text_width(buf, ts);
        w = tw > w ? tw : w;
    }
    return w;
}

static int finite2(double x, double y) { return isfinite(x) && isfinite(y); }

/* a point that can be drawn: finite, and > 0 on a log axis */
static int drawable(const plot_layout *L, double x, double y)
{
    return finite2(x, y) && (!L->xlog || x > 0) && (!L->ylog || y > 0);
}

/* Legend items in reading order, wrapped to the width; returns rows and,
 * when rgb != NULL, draws them starting at row y. */
static int legend(const irvi_plot *p, const plot_layout *L, uint8_t *rgb, int y)
{
    int ts = L->ts, sw = 12 * ts, x = L->m, rows = 0;
    for (int s = 0; s < p->nseries; s++) {
        const char *name = p->series[s].name;
        if (!name || !name[0])
            continue;
        int iw = sw + 3 * ts + irvi_text_width(name, ts);
        if (rows == 0 || (x > L->m && x + iw > L->w - L->m)) {
            rows++;
            x = L->m;
        }
        if (rgb) {
            int ry = y + (rows - 1) * L->lh;
            uint32_t c = p->series[s].color;
            for (int yy = ry + 2 * ts; yy < ry + 5 * ts && yy < L->h; yy++)
                for (int xx = x; xx < x + sw && xx < L->w; xx++) {
                    uint8_t *px = rgb + 3 * ((size_t)yy * (size_t)L->w + (size_t)xx);
                    px[0] = (uint8_t)(c >> 16);
                    px[1] = (uint8_t)(c >> 8);
                    px[2] = (uint8_t)c;
                }
            irvi_text_draw(rgb, L->w, L->h, x + sw + 3 * ts, ry, name, COL_TEXT, ts);
        }
        x += iw + 10 * ts;
    }
    return rows;
}

static irvi_status layout(const irvi_plot *p, int w, int h, plot_layout *L)
{
    if (!p)
        return irvi_fail(IRVI_EINVAL, "plot: no chart given");
    if (w < 120 || h < 80 || w > 16384 || h > 16384)
        return irvi_fail(IRVI_EINVAL, "plot: size %d x %d (120..16384 x 80..16384)", w, h);
    if (p->nseries < 0 || (p->nseries > 0 && !p->series))
        return irvi_fail(IRVI_EINVAL, "plot: %d series", p->nseries);
    memset(L, 0, sizeof *L);
    L->w = w;
    L->h = h;
    L->ts = p->text_scale > 0 ? p->text_scale : (h >= 400 ? 2 : 1);
    if (L->ts > 8)
        return irvi_fail(IRVI_EINVAL, "plot: text scale %d (1..8)", L->ts);
    L->lh = (IRVI_FONT_H + 3) * L->ts;
    L->m = 4 * L->ts;
    L->xlog = p->xlog != 0;
    L->ylog = p->ylog != 0;

    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < p->nseries; s++) {
        const irvi_series *sr = &p->series[s];
        if (sr->n < 0 || (sr->n > 0 && (!sr->x || !sr->y)))
            return irvi_fail(IRVI_EINVAL, "plot: series %d ('%s') has n = %d and %s", s,
                             sr->name ? sr->name : "", sr->n, sr->n < 0 ? "" : "no data");
        for (int i = 0; i < sr->n; i++) {
            if (!drawable(L, sr->x[i], sr->y[i]))
                continue;
            xlo = fmin(xlo, sr->x[i]);
            xhi = fmax(xhi, sr->x[i]);
            ylo = fmin(ylo, sr->y[i]);
            yhi = fmax(yhi, sr->y[i]);
            L->have_data = 1;
        }
    }
    if (!L->have_data)
        xlo = ylo = 0, xhi = yhi = 1;
    if (!L->have_data && L->xlog)
        xlo = 1, xhi = 10;
    if (!L->have_data && L->ylog)
        ylo = 1, yhi = 10;
    int xfixed = p->xmin < p->xmax && (!L->xlog || p->xmin > 0);
    int yfixed = p->ymin < p->ymax && (!L->ylog || p->ymin > 0);
    if (xfixed)
        xlo = p->xmin, xhi = p->xmax;
    if (yfixed)
        ylo = p->ymin, yhi = p->ymax;

    if (!isfinite(xhi - xlo) || !isfinite(yhi - ylo))
        return irvi_fail(IRVI_EINVAL, "plot: data range too wide to draw");

    int ts = L->ts, lh = L->lh, tick = 3 * ts;
    int top = L->m + (p->title && p->title[0] ? lh + ts : 0) + 4 * ts;
    L->legend_rows = legend(p, L, NULL, 0);
    int bottom = tick + 2 * ts + lh + (p->xlabel && p->xlabel[0] ? lh : 0) +
                 L->legend_rows * lh + L->m;
    L->f.y0 = top;
    L->f.y1 = h - 1 - bottom;
    int ph = L->f.y1 - L->f.y0;
    if (ph < 20)
        return irvi_fail(IRVI_EINVAL, "plot: %d x %d is too small for its labels", w, h);
    int ywant = ph / (3 * lh) + 1 > 10 ? 10 : ph / (3 * lh) + 1;
    if (L->ylog)
        axis_log(&L->ty, ylo, yhi, ywant);
    else
        axis_linear(&L->ty, ylo, yhi, ywant, yfixed);

    int left = L->m + (p->ylabel && p->ylabel[0] ? lh : 0) + widest_label(&L->ty, ts) +
               2 * ts + tick;
    int right = L->m + 3 * IRVI_FONT_ADVANCE * ts;
    for (int pass = 0; pass < 2; pass++) {
        int pw = w - 1 - right - left;
        if (pw < 20)
            return irvi_fail(IRVI_EINVAL, "plot: %d x %d is too small for its labels", w, h);
        int want = pw / (50 * ts) + 1;
        if (L->xlog)
            axis_log(&L->tx, xlo, xhi, want > 12 ? 12 : want);
        else
            axis_linear(&L->tx, xlo, xhi, want > 12 ? 12 : want, xfixed);
        char buf[48];
        axis_label(&L->tx, L->tx.v[L->tx.n - 1], buf, sizeof buf);
        int half = irvi_text_width(buf, ts) / 2 + L->m;
        if (half <= right)
            break;
        right = half;
    }
    L->f.x0 = left;
    L->f.x1 = w - 1 - right;
    L->f.xmin = L->tx.lo;
    L->f.xmax = L->tx.hi;
    L->f.ymin = L->ty.lo;
    L->f.ymax = L->ty.hi;
    L->f.xstep = L->tx.step;
    L->f.ystep = L->ty.step;
    L->xlabel_y = L->f.y1 + tick + 2 * ts + lh;
    L->legend_y = L->xlabel_y + (p->xlabel && p->xlabel[0] ? lh : 0);
    return IRVI_OK;
}

irvi_status irvi_plot_layout(const irvi_plot *p, int w, int h, irvi_plot_frame *out)
{
    plot_layout L;
    irvi_status st = layout(p, w, h, &L);
    if (st == IRVI_OK && out)
        *out = L.f;
    return st;
}

/* ---- raster helpers ------------------------------------------------------ */

static void put(uint8_t *rgb, int w, int x, int y, uint32_t c)
{
    uint8_t *px = rgb + 3 * ((size_t)y * (size_t)w + (size_t)x);
    px[0] = (uint8_t)(c >> 16);
    px[1] = (uint8_t)(c >> 8);
    px[2] = (uint8_t)c;
}

static void hline(uint8_t *rgb, const plot_layout *L, int xa, int xb, int y, uint32_t c)
{
    if (y < 0 || y >= L->h)
        return;
    for (int x = xa < 0 ? 0 : xa; x <= xb && x < L->w; x++)
        put(rgb, L->w, x, y, c);
}

static void vline(uint8_t *rgb, const plot_layout *L, int x, int ya, int yb, uint32_t c)
{
    if (x < 0 || x >= L->w)
        return;
    for (int y = ya < 0 ? 0 : ya; y <= yb && y < L->h; y++)
        put(rgb, L->w, x, y, c);
}

/* 2x2 brush reaching right and up (a curve lying on the x axis stays
 * visible above it), kept inside the plot area. */
static void brush(uint8_t *rgb, const plot_layout *L, int x, int y, uint32_t c)
{
    for (int dy = -1; dy < 1; dy++)
        for (int dx = 0; dx < 2; dx++) {
            int xx = x + dx, yy = y + dy;
            if (xx >= L->f.x0 && xx <= L->f.x1 && yy >= L->f.y0 && yy <= L->f.y1)
                put(rgb, L->w, xx, yy, c);
        }
}

/* Clip the segment to [x0, x1] x [y0, y1] (Liang-Barsky); 0 if outside. */
static int clip(double *ax, double *ay, double *bx, double *by, const irvi_plot_frame *f)
{
    double t0 = 0, t1 = 1, dx = *bx - *ax, dy = *by - *ay;
    double pq[4][2] = {{-dx, *ax - f->x0}, {dx, f->x1 - *ax}, {-dy, *ay - f->y0}, {dy, f->y1 - *ay}};
    for (int i = 0; i < 4; i++) {
        double pp = pq[i][0], q = pq[i][1];
        if (pp == 0) {
            if (q < 0)
                return 0;
        } else {
            double r = q / pp;
            if (pp < 0) {
                if (r > t1)
                    return 0;
                if (r > t0)
                    t0 = r;
            } else {
                if (r < t0)
                    return 0;
                if (r < t1)
                    t1 = r;
            }
        }
    }
    double nax = *ax + t0 * dx, nay = *ay + t0 * dy;
    *bx = *ax + t1 * dx;
    *by = *ay + t1 * dy;
    *ax = nax;
    *ay = nay;
    return 1;
}

static void segment(uint8_t *rgb, const plot_layout *L, double ax, double ay, double bx,
                    double by, uint32_t c)
{
    if (!clip(&ax, &ay, &bx, &by, &L->f))
        return;
    int x = (int)lround(ax), y = (int)lround(ay);
    int x2 = (int)lround(bx), y2 = (int)lround(by);
    int dx = abs(x2 - x), sx = x < x2 ? 1 : -1;
    int dy = -abs(y2 - y), sy = y < y2 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        brush(rgb, L, x, y, c);
        if (x == x2 && y == y2)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y += sy;
        }
    }
}

static double map_x(const plot_layout *L, double u)
{
    return L->f.x0 + axis_frac(u, L->f.xmin, L->f.xmax, L->xlog) * (L->f.x1 - L->f.x0);
}

static double map_y(const plot_layout *L, double v)
{
    return L->f.y1 - axis_frac(v, L->f.ymin, L->f.ymax, L->ylog) * (L->f.y1 - L->f.y0);
}

static void draw_series(uint8_t *rgb, const plot_layout *L, const irvi_series *s)
{
    for (int i = 0; i < s->n; i++) {
        if (!drawable(L, s->x[i], s->y[i]))
            continue;
        double px = map_x(L, s->x[i]), py = map_y(L, s->y[i]);
        int next = i + 1 < s->n && drawable(L, s->x[i + 1], s->y[i + 1]);
        int prev = i > 0 && drawable(L, s->x[i - 1], s->y[i - 1]);
        if (next)
            segment(rgb, L, px, py, map_x(L, s->x[i + 1]), map_y(L, s->y[i + 1]), s->color);
        else if (!prev && px >= L->f.x0 && px <= L->f.x1 && py >= L->f.y0 && py <= L->f.y1) {
            int cx = (int)lround(px), cy = (int)lround(py);
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    brush(rgb, L, cx + dx, cy + dy, s->color);
        }
    }
}

irvi_status irvi_plot_render(const irvi_plot *p, int w, int h, uint8_t *rgb, size_t cap)
{
    plot_layout L;
    irvi_status st = layout(p, w, h, &L);
    if (st != IRVI_OK)
        return st;
    size_t need = (size_t)w * (size_t)h * 3;
    if (!rgb || cap < need)
        return irvi_fail(IRVI_EINVAL, "plot: buffer of %zu bytes, %d x %d RGB needs %zu", cap, w,
                         h, need);
    memset(rgb, 0xFF, need);
    const irvi_plot_frame *f = &L.f;
    int ts = L.ts, tick = 3 * ts;
    char buf[48];

    /* grid lines and tick labels */
    for (int i = 0; i < L.ty.n; i++) {
        int y = (int)lround(map_y(&L, L.ty.v[i]));
        hline(rgb, &L, f->x0, f->x1, y, COL_GRID);
        axis_label(&L.ty, L.ty.v[i], buf, sizeof buf);
        int tw = irvi_text_width(buf, ts);
        irvi_text_draw(rgb, w, h, f->x0 - tick - 2 * ts - tw, y - irvi_text_height(ts) / 2, buf,
                       COL_TEXT, ts);
    }
    for (int i = 0; i < L.tx.n; i++) {
        int x = (int)lround(map_x(&L, L.tx.v[i]));
        vline(rgb, &L, x, f->y0, f->y1, COL_GRID);
        axis_label(&L.tx, L.tx.v[i], buf, sizeof buf);
        int tw = irvi_text_width(buf, ts);
        irvi_text_draw(rgb, w, h, x - tw / 2, f->y1 + tick + 2 * ts, buf, COL_TEXT, ts);
    }

    for (int s = 0; s < p->nseries; s++)
        draw_series(rgb, &L, &p->series[s]);
    if (!L.have_data) {
        const char *note = "no data";
        irvi_text_draw(rgb, w, h, (f->x0 + f->x1 - irvi_text_width(note, ts)) / 2,
                       (f->y0 + f->y1 - irvi_text_height(ts)) / 2, note, COL_NOTE, ts);
    }

    /* axes and ticks over the data */
    vline(rgb, &L, f->x0, f->y0, f->y1, COL_AXIS);
    hline(rgb, &L, f->x0, f->x1, f->y1, COL_AXIS);
    for (int i = 0; i < L.ty.n; i++)
        hline(rgb, &L, f->x0 - tick, f->x0 - 1, (int)lround(map_y(&L, L.ty.v[i])), COL_AXIS);
    for (int i = 0; i < L.tx.n; i++)
        vline(rgb, &L, (int)lround(map_x(&L, L.tx.v[i])), f->y1 + 1, f->y1 + tick, COL_AXIS);

    if (p->title && p->title[0])
        irvi_text_draw(rgb, w, h, (w - irvi_text_width(p->title, ts)) / 2, L.m, p->title,
                       COL_TEXT, ts);
    if (p->xlabel && p->xlabel[0])
        irvi_text_draw(rgb, w, h, (f->x0 + f->x1 - irvi_text_width(p->xlabel, ts)) / 2,
                       L.xlabel_y, p->xlabel, COL_TEXT, ts);
    if (p->ylabel && p->ylabel[0])
        irvi_text_draw_up(rgb, w, h, L.m, (f->y0 + f->y1 + irvi_text_width(p->ylabel, ts)) / 2,
                          p->ylabel, COL_TEXT, ts);
    legend(p, &L, rgb, L.legend_y);
    return IRVI_OK;
}
