/* app/picture/cellplot.c — curve rendering into a cell grid (see
 * cellplot.h); ticks and scales from axis.c, as the RGB charts.
 *
 * Coordinates: the plot area is pw x ph cells; in braille mode each cell is
 * 2 x 4 dots, in ASCII mode 1 x 3. A value maps to a dot column/row by
 * linear scaling and rounding; the cell of a dot is (dot / dots-per-cell). */
#include "picture/cellplot.h"
#include "picture/axis.h"

#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- series history ------------------------------------------------------- */

int series_init(plot_series *s, int cap)
{
    memset(s, 0, sizeof *s);
    if (cap < 2)
        cap = 2;
    cap += cap & 1;
    s->pts = malloc((size_t)cap * sizeof *s->pts);
    if (!s->pts)
        return -1;
    s->cap = cap;
    s->stride = 1;
    return 0;
}

void series_free(plot_series *s)
{
    free(s->pts);
    memset(s, 0, sizeof *s);
}

void series_clear(plot_series *s)
{
    plot_point *p = s->pts;
    int cap = s->cap;
    memset(s, 0, sizeof *s);
    s->pts = p;
    s->cap = cap;
    s->stride = 1;
}

static plot_point point_scale(plot_point p, double f)
{
    for (int a = 0; a < PLOT_X_COUNT; a++)
        p.x[a] *= f;
    p.y *= f;
    return p;
}

static void point_add(plot_point *acc, const plot_point *p)
{
    for (int a = 0; a < PLOT_X_COUNT; a++)
        acc->x[a] += p->x[a];
    acc->y += p->y;
}

void series_push(plot_series *s, double epoch, double update, double seconds, double y)
{
    if (!s->pts || !isfinite(y) || !isfinite(epoch) || !isfinite(update) || !isfinite(seconds))
        return;
    plot_point p = {{epoch, update, seconds}, y};
    s->raw++;
    s->last_y = y;
    memcpy(s->last_x, p.x, sizeof p.x);
    point_add(&s->acc, &p);
    if (++s->acc_n < s->stride)
        return;
    if (s->n == s->cap) {
        /* full: halve the resolution; the bucket keeps filling to the new stride */
        for (int i = 0; i < s->cap / 2; i++) {
            plot_point m = s->pts[2 * i];
            point_add(&m, &s->pts[2 * i + 1]);
            s->pts[i] = point_scale(m, 0.5);
        }
        s->n = s->cap / 2;
        s->stride *= 2;
        return;
    }
    s->pts[s->n++] = point_scale(s->acc, 1.0 / s->acc_n);
    memset(&s->acc, 0, sizeof s->acc);
    s->acc_n = 0;
}

/* i-th drawable point: the stored ones, then the partial bucket. */
static int series_count(const plot_series *s)
{
    return s->n + (s->acc_n > 0);
}

static plot_point series_at(const plot_series *s, int i)
{
    return i < s->n ? s->pts[i] : point_scale(s->acc, 1.0 / s->acc_n);
}

/* ---- helpers -------------------------------------------------------------- */

unsigned plot_braille_bit(int dx, int dy)
{
    static const unsigned bits[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    if (dx < 0 || dx > 1 || dy < 0 || dy > 3)
        return 0;
    return bits[dx][dy];
}

int plot_locale_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "UTF8"));
}

void plot_format_value(double v, char *buf, size_t cap)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(buf, cap, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    else if (a >= 1e5 || (a > 0 && a < 1e-3))
        snprintf(buf, cap, "%.3g", v);
    else if (a >= 1000)
        snprintf(buf, cap, "%.0f", v);
    else if (a >= 100)
        snprintf(buf, cap, "%.1f", v);
    else if (a >= 10)
        snprintf(buf, cap, "%.2f", v);
    else
        snprintf(buf, cap, "%.3f", v);
}

size_t plot_row_utf8(const plot_cell *row, int w, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    for (int i = 0; i < w; i++) {
        uint32_t c = row[i].ch;
        char tmp[4];
        size_t k;
        if (c < 0x80) {
            tmp[0] = (char)c;
            k = 1;
        } else if (c < 0x800) {
            tmp[0] = (char)(0xC0 | (c >> 6));
            tmp[1] = (char)(0x80 | (c & 0x3F));
            k = 2;
        } else {
            tmp[0] = (char)(0xE0 | (c >> 12));
            tmp[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            tmp[2] = (char)(0x80 | (c & 0x3F));
            k = 3;
        }
        if (n + k >= cap)
            break;
        memcpy(buf + n, tmp, k);
        n += k;
    }
    buf[n] = 0;
    return n;
}

/* ---- drawing into the cell grid ------------------------------------------ */

typedef struct {
    plot_cell *cells;
    int w, h;
    int utf8;
} grid;

static void put_cp(grid *g, int y, int x, uint32_t cp, int color)
{
    if (y < 0 || y >= g->h || x < 0 || x >= g->w)
        return;
    g->cells[(size_t)y * g->w + x].ch = cp;
    g->cells[(size_t)y * g->w + x].color = (uint8_t)color;
}

/* Decode UTF-8 text into cells from (y, x), clipped at the right edge or at
 * xmax (exclusive). Returns the column after the text. */
static int put_text(grid *g, int y, int x, int xmax, const char *s, int color)
{
    const unsigned char *p = (const unsigned char *)s;
    if (xmax > g->w)
        xmax = g->w;
    while (*p && x < xmax) {
        uint32_t cp = *p++;
        if (cp >= 0xC0) {
            int more = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : 1;
            cp &= 0x3F >> more;
            while (more-- && (*p & 0xC0) == 0x80)
                cp = (cp << 6) | (*p++ & 0x3F);
        }
        if (!g->utf8 && cp >= 0x80)
            cp = '?';
        put_cp(g, y, x++, cp, color);
    }
    return x;
}

static int text_len(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* The dot layer of the plot area. */
typedef struct {
    uint8_t *bits, *color, *dim;
    int cur_dim;   /* the line being drawn is dim */
    int pw, ph;    /* cells */
    int cx, cy;    /* dots per cell */
    int dw, dh;    /* dots */
    int count;
} dots;

static void dot_set(dots *d, int c, int r, int color)
{
    if (c < 0 || c >= d->dw || r < 0 || r >= d->dh)
        return;
    int cell = (r / d->cy) * d->pw + c / d->cx;
    unsigned bit = d->cx == 2 ? plot_braille_bit(c % 2, r % 4) : 1u << (r % 3);
    if (!(d->bits[cell] & bit))
        d->count++;
    d->bits[cell] |= (uint8_t)bit;
    d->color[cell] = (uint8_t)color;
    d->dim[cell] = (uint8_t)d->cur_dim;
}

static void dot_line(dots *d, int c0, int r0, int c1, int r1, int color)
{
    int dx = abs(c1 - c0), sx = c0 < c1 ? 1 : -1;
    int dy = -abs(r1 - r0), sy = r0 < r1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        dot_set(d, c0, r0, color);
        if (c0 == c1 && r0 == r1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            c0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            r0 += sy;
        }
    }
}

static uint32_t ascii_glyph(unsigned bits)
{
    static const char map[8] = {' ', '\'', '-', '|', '.', ':', '|', '|'};
    return (uint32_t)map[bits & 7];
}

/* ---- reading curves precisely: smoothing, log distance, cursor ------------ */

void plot_ema(double *y, int n, double w)
{
    if (!(w > 0) || w >= 1)
        return;
    double acc = NAN;
    for (int i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            continue;
        acc = isfinite(acc) ? w * acc + (1 - w) * y[i] : y[i];
        y[i] = acc;
    }
}

double plot_zoom_lo(double lo, double hi, double zoom, int lg)
{
    if (!(zoom > 0 && zoom < 1) || !(lo < hi) || (lg && lo <= 0))
        return lo;
    if (lg)
        return pow(10, log10(hi) - (log10(hi) - log10(lo)) * zoom);
    return hi - (hi - lo) * zoom;
}

double plot_log_eps(double span)
{
    return span > 0 && isfinite(span) ? span * 1e-3 : 1e-3;
}

double plot_smooth_step(double w, int dir)
{
    static const double steps[] = {0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99};
    int n = (int)(sizeof steps / sizeof steps[0]), k = 0;
    while (k + 1 < n && steps[k + 1] <= w + 1e-9)
        k++;
    k += dir > 0 ? 1 : dir < 0 ? -1 : 0;
    return steps[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* One line's drawable points in the view: x, raw y, smoothed y. */
typedef struct {
    double *x, *y, *s;
    int n;
} line_pts;

static void draw_legend(grid *g, const plot_spec *sp, const line_pts *lp, const plot_area *ar)
{
    int x = 0, shown = 0, cur = isfinite(ar->cursor_x);
    if (cur) {
        char lab[40], v[32];
        plot_format_value(ar->cursor_x, v, sizeof v);
        snprintf(lab, sizeof lab, "@%s", v);
        x = put_text(g, 0, x, g->w, lab, PLOT_COLOR_AXIS) + 1;
    }
    for (int i = 0; i < sp->nlines && x < g->w; i++) {
        const plot_line *l = &sp->line[i];
        if (!l->name)
            continue;
        char val[32] = "-";
        if (cur) {
            /* the value of the point nearest the cursor (smoothed if smoothing) */
            int best = -1;
            double bd = INFINITY;
            for (int k = 0; k < lp[i].n; k++) {
                double d = fabs(lp[i].x[k] - ar->cursor_x);
                if (d < bd) {
                    bd = d;
                    best = k;
                }
            }
            /* a line that has no point near the cursor (a run that ended
             * before it, or started after) has no value there */
            int n = lp[i].n;
            double gap = n > 1 ? fabs(lp[i].x[n - 1] - lp[i].x[0]) / (n - 1) : 0;
            if (best >= 0 && bd <= fmax(gap, 0.01 * (ar->xhi - ar->xlo)))
                plot_format_value(lp[i].s[best], val, sizeof val);
        } else if (l->series && l->series->raw > 0)
            plot_format_value(l->series->last_y, val, sizeof val);
        if (l->no_value)
            val[0] = 0;
        if (shown++ > 0 || cur)
            x += cur && shown == 1 ? 1 : 2;
        put_cp(g, 0, x++, g->utf8 ? 0x2501 : '*', l->color);
        x++;
        x = put_text(g, 0, x, g->w, l->name, l->color);
        x++;
        x = put_text(g, 0, x, g->w, val, 0);
    }
}

int plot_render(const plot_spec *sp, plot_cell *cells, int w, int h)
{
    return plot_render_area(sp, cells, w, h, NULL);
}

/* where t lies in the view, on a log or linear scale */
static double xf(double v, double lo, double hi, int lg)
{
    return axis_frac(v, lo, hi, lg);
}

int plot_render_area(const plot_spec *sp, plot_cell *cells, int w, int h, plot_area *out)
{
    plot_area ar = {0, 0, 0, 0, NAN, 0, NAN};
    if (out)
        *out = ar;
    if (w <= 0 || h <= 0)
        return 0;
    for (int i = 0; i < w * h; i++)
        cells[i] = (plot_cell){' ', 0, 0};
    grid g = {cells, w, h, sp->utf8};

    /* rows: the curves keep at least 3 rows before the axis, its labels and
     * the legend get theirs */
    int xaxis = h >= 3, xlab = h >= 5, legend = h >= 6;
    int ph = h - legend - xaxis - xlab;
    int ax = sp->xaxis >= 0 && sp->xaxis < PLOT_X_COUNT ? (int)sp->xaxis : 0;
    int xlg = sp->xlog != 0, ylg = sp->ylog != 0;
    int smooth = sp->smooth > 0 && sp->smooth < 1;

    /* every line's finite points (x > 0 on a log x axis), smoothed over the
     * whole run before the view is cut */
    line_pts lp[PLOT_MAX_LINES];
    memset(lp, 0, sizeof lp);
    double xmin = INFINITY, xmax = -INFINITY;
    int nl = sp->nlines < PLOT_MAX_LINES ? sp->nlines : PLOT_MAX_LINES;
    for (int i = 0; i < nl; i++) {
        const plot_series *s = sp->line[i].series;
        if (!s)
            continue;
        int n = series_count(s);
        lp[i].x = malloc((size_t)(n + 1) * sizeof(double));
        lp[i].y = malloc((size_t)(n + 1) * sizeof(double));
        lp[i].s = malloc((size_t)(n + 1) * sizeof(double));
        if (!lp[i].x || !lp[i].y || !lp[i].s)
            continue;
        for (int k = 0; k < n; k++) {
            plot_point p = series_at(s, k);
            if (!isfinite(p.y) || !isfinite(p.x[ax]) || (xlg && p.x[ax] <= 0))
                continue;
            lp[i].x[lp[i].n] = p.x[ax];
            lp[i].y[lp[i].n] = lp[i].s[lp[i].n] = p.y;
            lp[i].n++;
            xmin = fmin(xmin, p.x[ax]);
            xmax = fmax(xmax, p.x[ax]);
        }
        if (smooth)
            plot_ema(lp[i].s, lp[i].n, sp->smooth);
    }

    /* x view: tight to the data, the last zoom part of it */
    double xlo = xmin, xhi = xmax;
    if (xmin <= xmax) {
        xlo = plot_zoom_lo(xlo, xhi, sp->zoom, xlg);
        if (xlg) {
            double a = log10(xlo), b = log10(xhi);
            if (b - a < 1e-9) {
                a -= 0.05;
                b += 0.05;
            }
            xlo = pow(10, a);
            xhi = pow(10, b);
        } else {
            if (xhi - xlo <= fabs(xlo) * 1e-12) {
                double d = fabs(xlo) * 0.05;
                if (d == 0)
                    d = 0.5;
                xlo -= d;
                xhi += d;
            }
        }
    }
    /* best value in view (raw), for the log distance axis */
    double best = -INFINITY, worst = INFINITY;
    for (int i = 0; i < nl; i++)
        for (int k = 0; k < lp[i].n; k++)
            if (lp[i].x[k] >= xlo && lp[i].x[k] <= xhi) {
                best = fmax(best, lp[i].y[k]);
                worst = fmin(worst, lp[i].y[k]);
            }
    double eps = plot_log_eps(best - worst);
    ar.best = best;
    ar.eps = eps;
    ar.xlo = xlo;
    ar.xhi = xhi;
#define TY(v) (ylg ? fmax(best - (v) + eps, eps * 0.5) : (v))
    double ymin = INFINITY, ymax = -INFINITY;
    for (int i = 0; i < nl; i++)
        for (int k = 0; k < lp[i].n; k++)
            if (lp[i].x[k] >= xlo && lp[i].x[k] <= xhi) {
                double a = TY(lp[i].y[k]), b = TY(lp[i].s[k]);
                ymin = fmin(ymin, fmin(a, b));
                ymax = fmax(ymax, fmax(a, b));
            }
    if (sp->cursor_on && sp->cursor >= 0 && sp->cursor <= 1 && xmin <= xmax)
        ar.cursor_x = xlg ? pow(10, log10(xlo) + sp->cursor * (log10(xhi) - log10(xlo)))
                          : xlo + sp->cursor * (xhi - xlo);
    if (legend)
        draw_legend(&g, sp, lp, &ar);

    dots d = {0};
    double *sum = NULL;
    int *cnt = NULL;
    if (!(ymin <= ymax)) {
        if (sp->empty_note) {
            int len = text_len(sp->empty_note);
            int y = legend + ph / 2, x = (w - len) / 2;
            put_text(&g, y, x < 0 ? 0 : x, w, sp->empty_note, PLOT_COLOR_AXIS);
        }
        goto done;
    }

    /* y scale: nice ticks, range widened to the outer ticks */
    axis_ticks ty;
    int max_yt = ph / 3 < 1 ? 1 : ph / 3 > 5 ? 5 : ph / 3;
    if (ylg)
        axis_log(&ty, ymin, ymax, max_yt + 1);
    else
        axis_linear(&ty, ymin, ymax, max_yt + 1, 0);
    double ystep = ty.step, ylo = ty.lo, yhi = ty.hi;
    int nyt = ty.n;

    char ylabels[8][24];
    int nyl = nyt < 8 ? nyt : 8, lw = 0;
    for (int i = 0; i < nyl; i++) {
        if (ylg)
            snprintf(ylabels[i], sizeof ylabels[i], "%g", ty.v[i]);
        else
            axis_label_short(ty.v[i], ystep, ylabels[i], sizeof ylabels[i]);
        int len = text_len(ylabels[i]);
        lw = len > lw ? len : lw;
    }
    int yaxis = w >= lw + 1 + 8 && w >= 12;
    if (!yaxis)
        lw = 0;
    int px0 = yaxis ? lw + 1 : 0, pw = w - px0;
    ar.x0 = px0;
    ar.w = pw;

    d.pw = pw;
    d.ph = ph;
    d.cx = sp->utf8 ? 2 : 1;
    d.cy = sp->utf8 ? 4 : 3;
    d.dw = pw * d.cx;
    d.dh = ph * d.cy;
    d.bits = calloc((size_t)pw * ph + 1, 1);
    d.color = calloc((size_t)pw * ph + 1, 1);
    d.dim = calloc((size_t)pw * ph + 1, 1);
    sum = malloc((size_t)(d.dw + 1) * sizeof *sum);
    cnt = malloc((size_t)(d.dw + 1) * sizeof *cnt);
    if (!d.bits || !d.color || !d.dim || !sum || !cnt || ph <= 0)
        goto done;

    /* pass 0: raw curves dim behind (when smoothing), pass 1: the curves */
    for (int pass = smooth ? 0 : 1; pass < 2; pass++)
        for (int i = 0; i < nl; i++) {
            const double *yv = pass == 0 ? lp[i].y : lp[i].s;
            int color = sp->line[i].color;
            d.cur_dim = pass == 0 || (i < 32 && (sp->dim_lines >> i & 1u));
            memset(sum, 0, (size_t)d.dw * sizeof *sum);
            memset(cnt, 0, (size_t)d.dw * sizeof *cnt);
            for (int k = 0; k < lp[i].n; k++) {
                if (lp[i].x[k] < xlo || lp[i].x[k] > xhi)
                    continue;
                int c = (int)floor(xf(lp[i].x[k], xlo, xhi, xlg) * (d.dw - 1) + 0.5);
                c = c < 0 ? 0 : c >= d.dw ? d.dw - 1 : c;
                sum[c] += TY(yv[k]);
                cnt[c]++;
            }
            int pc = -1, pr = 0, bins = 0;
            for (int c = 0; c < d.dw; c++) {
                if (!cnt[c])
                    continue;
                double y = sum[c] / cnt[c];
                int r = (int)floor(axis_frac(y, yhi, ylo, ylg) * (d.dh - 1) + 0.5);
                r = r < 0 ? 0 : r >= d.dh ? d.dh - 1 : r;
                if (pc < 0)
                    dot_set(&d, c, r, color);
                else
                    dot_line(&d, pc, pr, c, r, color);
                pc = c;
                pr = r;
                bins++;
            }
            if (bins == 1) { /* a lone point (e.g. the first validation): a small cross */
                dot_set(&d, pc - 1, pr, color);
                dot_set(&d, pc + 1, pr, color);
                dot_set(&d, pc, pr - 1, color);
                dot_set(&d, pc, pr + 1, color);
            }
        }
    int ccol = -1;
    if (isfinite(ar.cursor_x))
        ccol = (int)floor(xf(ar.cursor_x, xlo, xhi, xlg) * (d.dw - 1) + 0.5) / d.cx;
    for (int r = 0; r < ph; r++)
        for (int c = 0; c < pw; c++) {
            unsigned b = d.bits[r * pw + c];
            if (b) {
                put_cp(&g, legend + r, px0 + c, sp->utf8 ? 0x2800 + b : ascii_glyph(b),
                       d.color[r * pw + c]);
                cells[(size_t)(legend + r) * w + px0 + c].dim = d.dim[r * pw + c];
            } else if (c == ccol) {
                put_cp(&g, legend + r, px0 + c, sp->utf8 ? 0x2502 : '|', PLOT_COLOR_AXIS);
                cells[(size_t)(legend + r) * w + px0 + c].dim = 1;
            }
        }

    /* y axis and labels */
    if (yaxis) {
        for (int r = 0; r < ph; r++)
            put_cp(&g, legend + r, lw, sp->utf8 ? 0x2502 : '|', PLOT_COLOR_AXIS);
        int last_row = -1;
        for (int i = nyl - 1; i >= 0; i--) {
            int row = (int)floor(axis_frac(ty.v[i], yhi, ylo, ylg) * (d.dh - 1) + 0.5) / d.cy;
            if (row == last_row)
                continue;
            last_row = row;
            put_cp(&g, legend + row, lw, sp->utf8 ? 0x2524 : '+', PLOT_COLOR_AXIS);
            put_text(&g, legend + row, lw - text_len(ylabels[i]), lw, ylabels[i], PLOT_COLOR_AXIS);
        }
    }

    /* x axis, ticks, labels and caption */
    if (xaxis) {
        int ya = legend + ph;
        if (yaxis)
            put_cp(&g, ya, lw, sp->utf8 ? 0x2514 : '+', PLOT_COLOR_AXIS);
        for (int c = px0; c < w; c++)
            put_cp(&g, ya, c, sp->utf8 ? 0x2500 : '-', PLOT_COLOR_AXIS);
        axis_ticks tx;
        int max_xt = pw / 10 < 1 ? 1 : pw / 10;
        if (xlg)
            axis_log(&tx, xlo, xhi, max_xt + 1);
        else
            axis_linear(&tx, xlo, xhi, max_xt + 1, 0);
        double xstep = tx.step;
        int cap_x = w;
        if (xlab && sp->xlabel) {
            int len = text_len(sp->xlabel);
            if (len + 2 <= pw) {
                cap_x = w - len;
                put_text(&g, ya + 1, cap_x, w, sp->xlabel, PLOT_COLOR_AXIS);
            }
        }
        int next_free = px0 > 0 ? px0 - 1 : 0;
        for (int i = 0; i < tx.n; i++) {
            double v = tx.v[i];
            if (xlg ? (v < xlo * (1 - 1e-9) || v > xhi * (1 + 1e-9))
                    : (v < xlo - 1e-9 * xstep || v > xhi + 1e-9 * xstep))
                continue;
            int dc = (int)floor(xf(v, xlo, xhi, xlg) * (d.dw - 1) + 0.5);
            int col = px0 + dc / d.cx;
            put_cp(&g, ya, col, sp->utf8 ? 0x252C : '+', PLOT_COLOR_AXIS);
            if (!xlab)
                continue;
            char lab[24];
            if (xlg)
                snprintf(lab, sizeof lab, "%g", v);
            else
                axis_label_short(v, xstep, lab, sizeof lab);
            int len = text_len(lab), x0 = col - len / 2;
            if (x0 < next_free)
                x0 = next_free;
            if (x0 + len > (cap_x < w ? cap_x - 1 : w) || x0 > col)
                continue;
            put_text(&g, ya + 1, x0, w, lab, PLOT_COLOR_AXIS);
            next_free = x0 + len + 1;
        }
    }
#undef TY
done:
    for (int i = 0; i < nl; i++) {
        free(lp[i].x);
        free(lp[i].y);
        free(lp[i].s);
    }
    free(d.bits);
    free(d.color);
    free(d.dim);
    free(sum);
    free(cnt);
    if (out)
        *out = ar;
    return d.count;
}
