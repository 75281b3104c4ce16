/* app/live/inspector_draw.c — the posterior inspector picture (see
 * inspector.h): a title with the exact numbers, the truth tile, one heat map
 * per posterior (units in a near-square grid; Bernoulli means and sigma on a
 * viridis-like scale 0..1, Gaussian means on blue-white-red -3..3), and two
 * charts: the exact KL(q_k || p(h|x)) (or the estimated bound without the
 * exact posterior) and every digit's bound relative to its step-0 value. */
#include "live/draw_util.h"
#include "live/inspector.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IP_PAD 8
#define IP_TOP 22   /* title line */
#define IP_MAP 160  /* heat-map box */
#define IP_LAB 16   /* label line under a box */
#define IP_CW 420   /* chart */
#define IP_CH 280
#define IP_TILE 4   /* truth tile scale */

static uint32_t lerp3(const uint8_t (*stops)[3], int ns, double t)
{
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double f = t * (ns - 1);
    int i = (int)f;
    if (i >= ns - 1)
        i = ns - 2;
    f -= i;
    uint32_t c = 0;
    for (int k = 0; k < 3; k++)
        c = (c << 8) | (uint32_t)lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k]));
    return c;
}

static uint32_t unit_color(double v, int diverging)
{
    static const uint8_t vir[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98},
                                      {253, 231, 37}};
    static const uint8_t div[3][3] = {{33, 102, 172}, {247, 247, 247}, {178, 24, 43}};
    if (isnan(v))
        return IRVI_GRID_NAN;
    return diverging ? lerp3(div, 3, (v + 3) / 6) : lerp3(vir, 5, v);
}

static int nmaps(const app_inspect *in)
{
    return in->gaussian ? 4 : in->exact ? 3 : 2;
}

void inspect_size(const app_inspect *in, int *w, int *h)
{
    int wm = IP_PAD + in->cols * IP_TILE + nmaps(in) * (IP_MAP + IP_PAD) + IP_PAD;
    int wc = 2 * IP_CW + 3 * IP_PAD;
    *w = wm > wc ? wm : wc;
    *h = IP_TOP + IP_MAP + IP_LAB + IP_PAD + IP_CH + IP_PAD;
}

static void heat_map(uint8_t *rgb, int w, int h, int x0, int y0, const float *v, int u,
                     int diverging, const char *label)
{
    int gc = (int)ceil(sqrt((double)u)), gr = (u + gc - 1) / gc;
    int cs = IP_MAP / (gc > gr ? gc : gr);
    cs = cs < 1 ? 1 : cs;
    int gap = cs >= 8 ? 1 : 0;
    for (int k = 0; k < u; k++)
        du_rect(rgb, w, h, x0 + (k % gc) * cs, y0 + (k / gc) * cs, cs - gap, cs - gap,
                unit_color(v[k], diverging));
    irvi_text_draw(rgb, w, h, x0, y0 + IP_MAP + 4, label, IRVI_GRID_TEXT, 1);
}

static void blit(uint8_t *dst, int w, int h, int x0, int y0, const uint8_t *src, int sw, int sh)
{
    for (int y = 0; y < sh && y0 + y < h; y++)
        memcpy(dst + 3 * ((size_t)(y0 + y) * w + x0), src + 3 * (size_t)y * sw,
               3 * (size_t)(x0 + sw <= w ? sw : w - x0));
}

/* One chart of per-digit histories: val(i, j); digit d on top in colour. */
static void chart(uint8_t *rgb, int w, int h, int x0, int y0, const app_inspect *in, int d,
                  const double (*val)[HIST_MAX], int relative, const char *title,
                  const char *dname)
{
    static double xs[HIST_MAX], ys[LINK_MAX_DIGITS][HIST_MAX];
    irvi_series s[LINK_MAX_DIGITS];
    int ns = 0;
    for (int j = 0; j < in->nhist; j++)
        xs[j] = in->hist_step[j];
    for (int k = 0; k <= in->n; k++) {
        int i = k < in->n ? k : d; /* d last: drawn on top */
        if (k < in->n && i == d)
            continue;
        for (int j = 0; j < in->nhist; j++)
            ys[ns][j] = val[i][j] - (relative ? val[i][0] : 0);
        s[ns] = (irvi_series){k < in->n ? (ns == 0 ? "other digits" : NULL) : dname, xs, ys[ns],
                              in->nhist, k < in->n ? 0xC8D0DCu : 0xD62728u};
        ns++;
    }
    irvi_plot p = {.title = title, .xlabel = "AIR step", .ylabel = "nats", .series = s, .nseries = ns,
                   .text_scale = 1};
    if (in->nhist == 1) { /* step 0 alone: the axis from 0, not around it */
        p.xmin = 0;
        p.xmax = 1;
    }
    uint8_t *buf = malloc((size_t)3 * IP_CW * IP_CH);
    if (buf && irvi_plot_render(&p, IP_CW, IP_CH, buf, (size_t)3 * IP_CW * IP_CH) == IRVI_OK)
        blit(rgb, w, h, x0, y0, buf, IP_CW, IP_CH);
    free(buf);
}

int inspect_render(const app_inspect *in, int d, uint8_t *rgb, size_t cap)
{
    int w, h;
    inspect_size(in, &w, &h);
    if (cap < (size_t)3 * w * h || d < 0 || d >= in->n || in->nhist < 1)
        return -1;
    du_fill(rgb, w, h, IRVI_GRID_BG);
    char t[200], lab[64];
    int j = in->nhist - 1;
    if (in->exact)
        snprintf(t, sizeof t, "#%d  step %d   log p(x) = %.2f   KL(q0||p) = %.3f   KL(qk||p) = "
                              "%.3f   exact %.1f ms/digit",
                 in->index[d], in->steps, in->exact_ll[d], in->kl[d][0], in->kl[d][j],
                 in->exact_ms);
    else
        snprintf(t, sizeof t, "#%d  step %d   bound q0 %.2f   bound qk %.2f", in->index[d],
                 in->steps, in->lb[d][0], in->lb[d][j]);
    irvi_text_draw(rgb, w, h, IP_PAD, IP_PAD, t, IRVI_GRID_TEXT, 1);
    int x = IP_PAD, y = IP_TOP;
    du_image(rgb, w, h, x, y, in->truth[d], in->rows, in->cols, in->transposed, IP_TILE);
    irvi_text_draw(rgb, w, h, x, y + IP_MAP + 4, "x", IRVI_GRID_TEXT, 1);
    x += in->cols * IP_TILE + IP_PAD;
    snprintf(lab, sizeof lab, in->gaussian ? "mu, q_k (k=%d)" : "mean, q_k (k=%d)", in->steps);
    heat_map(rgb, w, h, x, y, in->mu0[d], in->units, in->gaussian,
             in->gaussian ? "mu, q0 (-3..3)" : "mean, q0 (0..1)");
    x += IP_MAP + IP_PAD;
    heat_map(rgb, w, h, x, y, in->muk[d], in->units, in->gaussian, lab);
    x += IP_MAP + IP_PAD;
    if (in->gaussian) {
        heat_map(rgb, w, h, x, y, in->sig0[d], in->units, 0, "sigma, q0 (0..1)");
        x += IP_MAP + IP_PAD;
        heat_map(rgb, w, h, x, y, in->sigk[d], in->units, 0, "sigma, q_k");
    } else if (in->exact)
        heat_map(rgb, w, h, x, y, in->exact_mu[d], in->units, 0, "exact E[h|x]");
    y += IP_MAP + IP_LAB + IP_PAD;
    snprintf(lab, sizeof lab, "#%d", in->index[d]);
    if (in->exact)
        chart(rgb, w, h, IP_PAD, y, in, d, (const double(*)[HIST_MAX])in->kl, 0,
              "exact KL(q_k || p(h|x))", lab);
    else
        chart(rgb, w, h, IP_PAD, y, in, d, (const double(*)[HIST_MAX])in->lb, 0,
              "bound (estimated)", lab);
    chart(rgb, w, h, 2 * IP_PAD + IP_CW, y, in, d,
          (const double(*)[HIST_MAX])(in->exact ? in->elbo : in->lb), 1,
          in->exact ? "exact ELBO - ELBO at step 0" : "bound - bound at step 0", lab);
    return 0;
}

int inspect_png(const app_inspect *in, int d, const char *path, char *err, size_t errcap)
{
    int w, h;
    inspect_size(in, &w, &h);
    uint8_t *rgb = malloc((size_t)3 * w * h);
    int rc = !rgb || inspect_render(in, d, rgb, (size_t)3 * w * h) ? -1 : 0;
    if (rc)
        snprintf(err, errcap, "%s: no inspector to draw", path);
    else
        rc = du_png(path, rgb, w, h, err, errcap);
    free(rgb);
    return rc;
}

int inspect_csv(const app_inspect *in, const char *path, char *err, size_t errcap)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errcap, "%s: cannot write", path);
        return -1;
    }
    fprintf(f, "digit,index,step,lb,lb_minus_step0,elbo_exact,kl_exact,log_px_exact\n");
    for (int i = 0; i < in->n; i++)
        for (int j = 0; j < in->nhist; j++)
            fprintf(f, "%d,%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f\n", i, in->index[i], in->hist_step[j],
                    in->lb[i][j], in->lb[i][j] - in->lb[i][0], in->elbo[i][j], in->kl[i][j],
                    in->exact ? in->exact_ll[i] : NAN);
    int bad = ferror(f) | (fclose(f) != 0);
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        snprintf(err, errcap, "%s: write failed", path);
        return -1;
    }
    return 0;
}
