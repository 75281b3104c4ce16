/* app/picture/grid.c — the paper's Figure 2 as an RGB8 picture: ground truth,
 * unrefined and refined average reconstructions of the chosen test digits,
 * one column per digit (see picture.h for what is drawn where).
 *
 * One layout function computes every position from (grid, options); size,
 * render and pixel_rect all go through it, so the exported PNG, the SDL
 * window and the tests agree on where each tile is. Pure; any thread.
 *
 * Layout, top to bottom: pad, optional header line (column indices), three
 * tile rows separated by pad, optional footer lines (lower bounds), pad.
 * Left to right: pad, optional label column and a gap, n columns of equal
 * width separated by pad, pad.
 */
#include "picture/picture.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_BYTES ((size_t)1 << 28)

static const char *const row_names[3] = {"truth", "q0", "refined"};

typedef struct {
    int scale, pad, labels, ts;
    int tw, th;          /* tile size */
    int colw;            /* column width (>= tw) */
    int label_x;         /* x of the row labels */
    int left, top;       /* x of column 0, y of tile row 0 */
    int line;            /* text line height including spacing */
    int nfoot;           /* footer lines: lower bounds */
    int foot_y;          /* y of the first footer line */
    int w, h;
} grid_layout;

static const double *foot_values(const irvi_grid *g, int k)
{
    /* footer line k (0-based) shows lb0 first if present, then lbK */
    if (g->lb0 && g->lbK)
        return k == 0 ? g->lb0 : g->lbK;
    return g->lb0 ? g->lb0 : g->lbK;
}

static const char *foot_name(const irvi_grid *g, int k)
{
    return foot_values(g, k) == g->lb0 ? "LB q0" : "LB qK";
}

static void format_lb(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "nan");
    else if (isinf(v))
        snprintf(buf, cap, v > 0 ? "inf" : "-inf");
    else if (fabs(v) < 1e5)
        snprintf(buf, cap, "%.1f", v);
    else
        snprintf(buf, cap, "%.4g", v);
}

static void format_header(char *buf, size_t cap, const irvi_grid *g, int j)
{
    if (g->label && g->label[j] >= 0)
        snprintf(buf, cap, "#%d (%d)", g->index[j], g->label[j]);
    else
        snprintf(buf, cap, "#%d", g->index[j]);
}

static irvi_status layout(const irvi_grid *g, const irvi_grid_opts *o, grid_layout *L)
{
    static const irvi_grid_opts defaults = IRVI_GRID_OPTS_DEFAULT;
    if (!g)
        return irvi_fail(IRVI_EINVAL, "grid: no grid given");
    if (!o)
        o = &defaults;
    if (g->n < 1 || g->n > 4096)
        return irvi_fail(IRVI_EINVAL, "grid: %d columns (1..4096)", g->n);
    if (g->rows < 1 || g->rows > 4096 || g->cols < 1 || g->cols > 4096)
        return irvi_fail(IRVI_EINVAL, "grid: image shape %d x %d", g->rows, g->cols);
    if (!g->truth || !g->unrefined || !g->refined)
        return irvi_fail(IRVI_EINVAL, "grid: missing image rows");
    if (g->stride != 0 && g->stride < g->rows * g->cols)
        return irvi_fail(IRVI_EINVAL, "grid: stride %d below image size %d", g->stride,
                         g->rows * g->cols);
    memset(L, 0, sizeof *L);
    L->scale = o->scale <= 0 ? 4 : o->scale;
    L->pad = o->pad < 0 ? 2 : o->pad;
    if (L->scale > 64 || L->pad > 256)
        return irvi_fail(IRVI_EINVAL, "grid: scale %d (1..64) or pad %d (0..256)", L->scale,
                         L->pad);
    L->labels = o->labels != 0;
    L->ts = o->text_scale > 0 ? o->text_scale : (L->scale / 4 > 1 ? L->scale / 4 : 1);
    if (L->ts > 16)
        return irvi_fail(IRVI_EINVAL, "grid: text scale %d (1..16)", L->ts);
    L->tw = g->cols * L->scale;
    L->th = g->rows * L->scale;
    L->line = (IRVI_FONT_H + 3) * L->ts;
    L->colw = L->tw;

    int labw = 0, head = 0;
    if (L->labels) {
        char buf[64];
        for (int i = 0; i < 3; i++) {
            int tw = irvi_text_width(row_names[i], L->ts);
            labw = tw > labw ? tw : labw;
        }
        if (g->steps > 0) {
            snprintf(buf, sizeof buf, "K=%d", g->steps);
            int tw = irvi_text_width(buf, L->ts);
            labw = tw > labw ? tw : labw;
        }
        L->nfoot = (g->lb0 != NULL) + (g->lbK != NULL);
        for (int k = 0; k < L->nfoot; k++) {
            int tw = irvi_text_width(foot_name(g, k), L->ts);
            labw = tw > labw ? tw : labw;
        }
        int textw = 0;
        for (int j = 0; j < g->n; j++) {
            if (g->index) {
                format_header(buf, sizeof buf, g, j);
                int tw = irvi_text_width(buf, L->ts);
                textw = tw > textw ? tw : textw;
            }
            for (int k = 0; k < L->nfoot; k++) {
                format_lb(buf, sizeof buf, foot_values(g, k)[j]);
                int tw = irvi_text_width(buf, L->ts);
                textw = tw > textw ? tw : textw;
            }
        }
        if (textw + 2 * L->ts > L->colw)
            L->colw = textw + 2 * L->ts;
        head = g->index ? L->line : 0;
    }
    int gap = L->labels ? (L->pad > 3 * L->ts ? L->pad : 3 * L->ts) : 0;
    L->label_x = L->pad > 4 * L->ts ? L->pad : 4 * L->ts;
    L->left = L->labels ? L->label_x + labw + gap : L->pad;
    L->top = L->pad + head;
    L->foot_y = L->top + 3 * L->th + 2 * L->pad + (L->nfoot ? L->ts * 3 : 0);
    long long w = (long long)L->left + (long long)g->n * (L->colw + L->pad);
    long long h = (long long)L->foot_y + (long long)L->nfoot * L->line + L->pad;
    if (w > 65535 || h > 65535 || (size_t)(3 * w * h) > MAX_BYTES)
        return irvi_fail(IRVI_EINVAL, "grid: %lld x %lld pixels is too large", w, h);
    L->w = (int)w;
    L->h = (int)h;
    return IRVI_OK;
}

irvi_status irvi_grid_size(const irvi_grid *g, const irvi_grid_opts *o, int *w, int *h)
{
    grid_layout L;
    irvi_status st = layout(g, o, &L);
    if (st != IRVI_OK)
        return st;
    if (w)
        *w = L.w;
    if (h)
        *h = L.h;
    return IRVI_OK;
}

static void tile_origin(const grid_layout *L, int row, int col, int *x, int *y)
{
    *x = L->left + col * (L->colw + L->pad) + (L->colw - L->tw) / 2;
    *y = L->top + row * (L->th + L->pad);
}

irvi_status irvi_grid_pixel_rect(const irvi_grid *g, const irvi_grid_opts *o,
                                 int row, int col, int *x, int *y)
{
    grid_layout L;
    irvi_status st = layout(g, o, &L);
    if (st != IRVI_OK)
        return st;
    if (row < 0 || row > 2 || col < 0 || col >= g->n)
        return irvi_fail(IRVI_EINVAL, "grid: no tile at row %d, column %d", row, col);
    int tx, ty;
    tile_origin(&L, row, col, &tx, &ty);
    if (x)
        *x = tx;
    if (y)
        *y = ty;
    return IRVI_OK;
}

static void fill_all(uint8_t *rgb, size_t npix, uint32_t c)
{
    for (size_t i = 0; i < npix; i++) {
        rgb[3 * i] = (uint8_t)(c >> 16);
        rgb[3 * i + 1] = (uint8_t)(c >> 8);
        rgb[3 * i + 2] = (uint8_t)c;
    }
}

/* One image as a tile: each source pixel becomes a scale x scale block. */
static void draw_tile(uint8_t *rgb, int w, const grid_layout *L, const irvi_grid *g,
                      const float *img, int x0, int y0)
{
    int s = L->scale;
    for (int r = 0; r < g->rows; r++) {
        for (int c = 0; c < g->cols; c++) {
            float v = g->transposed ? img[(size_t)c * g->rows + r] : img[(size_t)r * g->cols + c];
            uint8_t px[3];
            if (isnan(v)) {
                px[0] = 255;
                px[1] = px[2] = 0;
            } else {
                v = v < 0.f ? 0.f : v > 1.f ? 1.f : v;
                px[0] = px[1] = px[2] = (uint8_t)lrintf(v * 255.f);
            }
            for (int dy = 0; dy < s; dy++) {
                uint8_t *p = rgb + 3 * ((size_t)(y0 + r * s + dy) * (size_t)w + (size_t)(x0 + c * s));
                for (int dx = 0; dx < s; dx++, p += 3)
                    memcpy(p, px, 3);
            }
        }
    }
}

static void draw_centered(uint8_t *rgb, const grid_layout *L, int cx, int y, const char *text)
{
    int tw = irvi_text_width(text, L->ts);
    irvi_text_draw(rgb, L->w, L->h, cx - tw / 2, y, text, IRVI_GRID_TEXT, L->ts);
}

static void draw_labels(uint8_t *rgb, const grid_layout *L, const irvi_grid *g)
{
    int glyph_h = irvi_text_height(L->ts);
    char buf[64];
    for (int i = 0; i < 3; i++) {
        int x, y;
        tile_origin(L, i, 0, &x, &y);
        int two = i == 2 && g->steps > 0;
        int block = two ? L->line + glyph_h : glyph_h;
        int ty = y + (L->th - block) / 2;
        irvi_text_draw(rgb, L->w, L->h, L->label_x, ty, row_names[i], IRVI_GRID_TEXT, L->ts);
        if (two) {
            snprintf(buf, sizeof buf, "K=%d", g->steps);
            irvi_text_draw(rgb, L->w, L->h, L->label_x, ty + L->line, buf, IRVI_GRID_TEXT, L->ts);
        }
    }
    for (int j = 0; j < g->n; j++) {
        int cx = L->left + j * (L->colw + L->pad) + L->colw / 2;
        if (g->index) {
            format_header(buf, sizeof buf, g, j);
            draw_centered(rgb, L, cx, L->top - L->line + L->ts, buf);
        }
        for (int k = 0; k < L->nfoot; k++) {
            format_lb(buf, sizeof buf, foot_values(g, k)[j]);
            draw_centered(rgb, L, cx, L->foot_y + k * L->line, buf);
        }
    }
    for (int k = 0; k < L->nfoot; k++)
        irvi_text_draw(rgb, L->w, L->h, L->label_x, L->foot_y + k * L->line, foot_name(g, k),
                       IRVI_GRID_TEXT, L->ts);
}

irvi_status irvi_grid_render(const irvi_grid *g, const irvi_grid_opts *o, uint8_t *rgb,
                             size_t cap)
{
    grid_layout L;
    irvi_status st = layout(g, o, &L);
    if (st != IRVI_OK)
        return st;
    size_t need = (size_t)L.w * (size_t)L.h * 3;
    if (!rgb || cap < need)
        return irvi_fail(IRVI_EINVAL, "grid: buffer of %zu bytes, %d x %d RGB needs %zu", cap,
                         L.w, L.h, need);
    fill_all(rgb, (size_t)L.w * (size_t)L.h, IRVI_GRID_BG);
    size_t stride = g->stride ? (size_t)g->stride : (size_t)g->rows * (size_t)g->cols;
    const float *rows3[3] = {g->truth, g->unrefined, g->refined};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < g->n; j++) {
            int x, y;
            tile_origin(&L, i, j, &x, &y);
            draw_tile(rgb, L.w, &L, g, rows3[i] + (size_t)j * stride, x, y);
        }
    if (L.labels)
        draw_labels(rgb, &L, g);
    return IRVI_OK;
}
