/* app/live/filmstrip.c — drawing the filmstrip and the samples grid, and the
 * small pixel helpers the inspector shares (see inspector.h, draw_util.h). */
#include "live/draw_util.h"
#include "live/inspector.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FS_SCALE 3 /* pixels per image pixel */
#define FS_PAD 6
#define SM_COLS 8

void du_fill(uint8_t *rgb, int w, int h, uint32_t c)
{
    for (size_t i = 0; i < (size_t)w * h; i++) {
        rgb[3 * i] = (c >> 16) & 0xFF;
        rgb[3 * i + 1] = (c >> 8) & 0xFF;
        rgb[3 * i + 2] = c & 0xFF;
    }
}

void du_rect(uint8_t *rgb, int w, int h, int x0, int y0, int rw, int rh, uint32_t c)
{
    for (int y = y0; y < y0 + rh; y++)
        for (int x = x0; x < x0 + rw; x++)
            if (x >= 0 && y >= 0 && x < w && y < h) {
                uint8_t *p = rgb + 3 * ((size_t)y * w + x);
                p[0] = (c >> 16) & 0xFF;
                p[1] = (c >> 8) & 0xFF;
                p[2] = c & 0xFF;
            }
}

void du_image(uint8_t *rgb, int w, int h, int x0, int y0, const float *img, int rows, int cols,
              int transposed, int scale)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            float v = img[transposed ? (size_t)c * rows + r : (size_t)r * cols + c];
            uint32_t col;
            if (isnan(v))
                col = IRVI_GRID_NAN;
            else {
                int g = (int)lroundf(255.0f * (v < 0 ? 0 : v > 1 ? 1 : v));
                col = (uint32_t)g * 0x010101u;
            }
            du_rect(rgb, w, h, x0 + c * scale, y0 + r * scale, scale, scale, col);
        }
}

int du_png(const char *path, const uint8_t *rgb, int w, int h, char *err, size_t errcap)
{
    if (irvi_png_write(path, rgb, w, h)) {
        snprintf(err, errcap, "%s", irvi_last_error());
        return -1;
    }
    return 0;
}

const char *view_name(int view)
{
    static const char *names[VIEW_COUNT] = {"reconstructions", "posterior inspector", "filmstrip",
                                            "samples"};
    return view >= 0 && view < VIEW_COUNT ? names[view] : "?";
}

void film_size(const app_inspect *in, int *w, int *h)
{
    int tw = in->cols * FS_SCALE, th = in->rows * FS_SCALE, nf = in->nframes + 1;
    *w = FS_PAD + nf * (tw + FS_PAD);
    *h = FS_PAD + 12 + th + FS_PAD + 12 + FS_PAD;
    if (*w < 320)
        *w = 320;
}

int film_render(const app_inspect *in, int d, uint8_t *rgb, size_t cap)
{
    int w, h;
    film_size(in, &w, &h);
    if (cap < (size_t)3 * w * h || d < 0 || d >= in->n)
        return -1;
    du_fill(rgb, w, h, IRVI_GRID_BG);
    char title[128];
    snprintf(title, sizeof title, "filmstrip #%d%s: expected reconstruction at each step",
             in->index[d], "");
    irvi_text_draw(rgb, w, h, FS_PAD, FS_PAD, title, IRVI_GRID_TEXT, 1);
    int tw = in->cols * FS_SCALE, y = FS_PAD + 12;
    for (int f = -1; f < in->nframes; f++) {
        int x = FS_PAD + (f + 1) * (tw + FS_PAD);
        du_image(rgb, w, h, x, y, f < 0 ? in->truth[d] : in->film[d][f], in->rows, in->cols,
                 in->transposed, FS_SCALE);
        char lab[16];
        if (f < 0)
            snprintf(lab, sizeof lab, "x");
        else
            snprintf(lab, sizeof lab, "k=%d", in->frame_step[f]);
        irvi_text_draw(rgb, w, h, x, y + in->rows * FS_SCALE + 4, lab, IRVI_GRID_TEXT, 1);
    }
    return 0;
}

void samples_size(const app_samples *sm, int *w, int *h)
{
    int s = 2, cols = SM_COLS, rows = (sm->n + cols - 1) / cols;
    *w = FS_PAD + cols * (sm->cols * s + 2);
    *h = FS_PAD + 12 + rows * (sm->rows * s + 2) + FS_PAD;
    if (*w < 240)
        *w = 240;
}

int samples_render(const app_samples *sm, uint8_t *rgb, size_t cap)
{
    int w, h, s = 2;
    samples_size(sm, &w, &h);
    if (cap < (size_t)3 * w * h || sm->n < 1)
        return -1;
    du_fill(rgb, w, h, IRVI_GRID_BG);
    char title[96];
    if (sm->updates > 0)
        snprintf(title, sizeof title, "x ~ p(x), %ld updates", sm->updates);
    else
        snprintf(title, sizeof title, "x ~ p(x)");
    irvi_text_draw(rgb, w, h, FS_PAD, FS_PAD, title, IRVI_GRID_TEXT, 1);
    for (int i = 0; i < sm->n; i++) {
        int x = FS_PAD + (i % SM_COLS) * (sm->cols * s + 2);
        int y = FS_PAD + 12 + (i / SM_COLS) * (sm->rows * s + 2);
        du_image(rgb, w, h, x, y, sm->x[i], sm->rows, sm->cols, sm->transposed, s);
    }
    return 0;
}

int film_png(const app_inspect *in, int d, const char *path, char *err, size_t errcap)
{
    int w, h;
    film_size(in, &w, &h);
    uint8_t *rgb = malloc((size_t)3 * w * h);
    int rc = !rgb || film_render(in, d, rgb, (size_t)3 * w * h) ? -1 : 0;
    if (rc)
        snprintf(err, errcap, "%s: no filmstrip to draw", path);
    else
        rc = du_png(path, rgb, w, h, err, errcap);
    free(rgb);
    return rc;
}

int samples_png(const app_samples *sm, const char *path, char *err, size_t errcap)
{
    int w, h;
    samples_size(sm, &w, &h);
    uint8_t *rgb = malloc((size_t)3 * w * h);
    int rc = !rgb || samples_render(sm, rgb, (size_t)3 * w * h) ? -1 : 0;
    if (rc)
        snprintf(err, errcap, "%s: no samples to draw", path);
    else
        rc = du_png(path, rgb, w, h, err, errcap);
    free(rgb);
    return rc;
}
