/* tests/test_inspector.c — the inspector and filmstrip pictures
 * (app/live/inspector_draw.c, filmstrip.c): heat-map cells and filmstrip
 * frames have the colours their values ask for, the PNGs read back (stb_image)
 * equal to the rendered buffers, and under a display (tests/cli/sdl.sh runs
 * this under Xvfb) the SDL window shows the same pixels. */
#include "check.h"
#include "live/inspector.h"
#include "live/sdlview.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wtype-limits"
#define STB_IMAGE_IMPLEMENTATION /* header-only, as in test_image.c */
#define STBI_ONLY_PNG
#include <stb_image.h>
#pragma GCC diagnostic pop
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rgb_at(const uint8_t *rgb, int w, int x, int y)
{
    const uint8_t *p = rgb + 3 * ((size_t)y * w + x);
    return p[0] << 16 | p[1] << 8 | p[2];
}

static void png_roundtrip(const char *path, const uint8_t *rgb, int w, int h)
{
    int rw, rh, ch;
    uint8_t *got = stbi_load(path, &rw, &rh, &ch, 3);
    CHECK(got && rw == w && rh == h);
    if (got && rw == w && rh == h)
        CHECK(memcmp(got, rgb, (size_t)3 * w * h) == 0);
    stbi_image_free(got);
}

int main(void)
{
    const char *tmp = getenv("IRVI_TMP") ? getenv("IRVI_TMP") : "/tmp";
    app_inspect *in = calloc(1, sizeof *in);
    in->n = 2;
    in->rows = in->cols = 28;
    in->units = 16;
    in->exact = 1;
    in->index[0] = 3;
    in->index[1] = 7;
    for (int u = 0; u < 16; u++) {
        in->mu0[0][u] = u % 2 ? 0.0f : 1.0f; /* yellow, purple, ... */
        in->muk[0][u] = 1.0f;
        in->exact_mu[0][u] = 0.0f;
    }
    in->nframes = 4;
    in->nhist = 4;
    for (int f = 0; f < 4; f++) {
        in->frame_step[f] = in->hist_step[f] = f;
        for (int d = 0; d < 784; d++)
            in->film[0][f][d] = f / 3.0f;
        for (int i = 0; i < 2; i++) {
            in->lb[i][f] = -100 + f;
            in->elbo[i][f] = -100 + f;
            in->kl[i][f] = 3 - f;
        }
    }
    int w, h;
    inspect_size(in, &w, &h);
    uint8_t *rgb = malloc((size_t)3 * w * h);
    CHECK(inspect_render(in, 0, rgb, (size_t)3 * w * h) == 0);
    CHECK(inspect_render(in, 5, rgb, (size_t)3 * w * h) == -1);
    /* 16 units: 4 x 4 cells of 40 px; q0 map at x 128, q_k at 296, exact at 464, y 22 */
    CHECK(rgb_at(rgb, w, 148, 42) == 0xFDE725);
    CHECK(rgb_at(rgb, w, 188, 42) == 0x440154);
    CHECK(rgb_at(rgb, w, 316, 142) == 0xFDE725);
    CHECK(rgb_at(rgb, w, 484, 142) == 0x440154);
    char path[512];
    snprintf(path, sizeof path, "%s/inspect-test.png", tmp);
    char err[256];
    CHECK(inspect_png(in, 0, path, err, sizeof err) == 0);
    png_roundtrip(path, rgb, w, h);

    int fw, fh;
    film_size(in, &fw, &fh);
    uint8_t *film = malloc((size_t)3 * fw * fh);
    CHECK(film_render(in, 0, film, (size_t)3 * fw * fh) == 0);
    for (int f = 0; f < 4; f++) { /* frame f at x 6 + (f + 1) * 90, y 18, 84 px */
        int g = (int)(255.0f * (f / 3.0f) + 0.5f);
        CHECK_MSG(rgb_at(film, fw, 6 + (f + 1) * 90 + 42, 18 + 42) == g * 0x010101,
                  "frame %d", f);
    }
    snprintf(path, sizeof path, "%s/film-test.png", tmp);
    CHECK(film_png(in, 0, path, err, sizeof err) == 0);
    png_roundtrip(path, film, fw, fh);

    app_samples *sm = calloc(1, sizeof *sm);
    sm->n = 16;
    sm->rows = sm->cols = 28;
    for (int i = 0; i < 16; i++)
        sm->x[i][0] = 1;
    snprintf(path, sizeof path, "%s/samples-test.png", tmp);
    CHECK(samples_png(sm, path, err, sizeof err) == 0);
    snprintf(path, sizeof path, "%s/inspect-test.csv", tmp);
    CHECK(inspect_csv(in, path, err, sizeof err) == 0);

    /* the SDL window shows the same pixels (nearest-neighbour scaled) */
    char note[128];
    sdlview *v = sdlview_open("inspector test", note, sizeof note);
    if (!v)
        printf("no window (%s): pictures checked, window not\n", note);
    for (int pass = 0; v && pass < 2; pass++) {
        const uint8_t *pic = pass ? film : rgb;
        int pw = pass ? fw : w, ph = pass ? fh : h;
        sdlview_draw_rgb(v, pic, pw, ph, NULL);
        for (int k = 0; k < 20; k++) { /* let the window settle to its size */
            sdlview_poll(v, NULL);
            sdlview_draw_rgb(v, pic, pw, ph, NULL);
        }
        int tw, th, dst[4], ww, wh;
        sdlview_geometry(v, &tw, &th, dst);
        CHECK(tw == pw && th == ph);
        CHECK(sdlview_read_pixels(v, NULL, &ww, &wh) == 0);
        uint8_t *win = malloc((size_t)3 * ww * wh);
        CHECK(sdlview_read_pixels(v, win, &ww, &wh) == 0);
        int pts[3][2] = {{148, 42}, {188, 42}, {484, 142}};
        if (pass)
            for (int f = 0; f < 3; f++)
                pts[f][0] = 6 + (f + 1) * 90 + 42, pts[f][1] = 60;
        for (int k = 0; k < 3; k++) {
            int tx = pts[k][0], ty = pts[k][1];
            int wx = dst[0] + (int)((tx + 0.5) * dst[2] / tw);
            int wy = dst[1] + (int)((ty + 0.5) * dst[3] / th);
            CHECK_MSG(rgb_at(win, ww, wx, wy) == rgb_at(pic, pw, tx, ty), "view %d point %d: %06x vs %06x",
                      pass, k, rgb_at(win, ww, wx, wy), rgb_at(pic, pw, tx, ty));
        }
        free(win);
    }
    sdlview_close(v);
    free(rgb);
    free(film);
    free(in);
    free(sm);
    return CHECK_DONE();
}
