/* tests/test_sdlview.c — the SDL Figure 2 window (app/live/sdlview.c).
 *
 * (a) Without DISPLAY and WAYLAND_DISPLAY, sdlview_open returns NULL and
 *     its note says there is no display. Always run.
 * (b) With a display (tests/cli/sdl.sh runs this under Xvfb): open the
 *     window, draw tiles with a known pattern, read the window back and
 *     compare it, at every grid pixel, with irvi_grid_render's picture
 *     mapped the way the view maps it; the three rows are checked tile by
 *     tile. Then a user resize (letterboxing, fractional scale), keys
 *     pressed in the window, and closing it.
 * Exit 0 pass, 1 fail; with no display at all only (a) runs.
 */
#include "check.h"
#include "live/export.h"
#include "live/sdlview.h"

#include <SDL.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDIG 4

static uint32_t px(const uint8_t *rgb, int w, int x, int y)
{
    const uint8_t *p = rgb + 3 * ((size_t)y * (size_t)w + (size_t)x);
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void make_tiles(app_tiles *t)
{
    memset(t, 0, sizeof *t);
    t->n = NDIG;
    t->rows = t->cols = 28;
    t->steps = 20;
    for (int j = 0; j < NDIG; j++) {
        t->index[j] = 100 * j + 7;
        t->label[j] = j;
        t->lb0[j] = -100.0 - j;
        t->lbK[j] = -90.25 - j;
        for (int r = 0; r < 28; r++)
            for (int c = 0; c < 28; c++) {
                /* truth: an F (bar on top, stem on the left, short middle bar) */
                int f = (r >= 4 && r < 8 && c >= 6 && c < 22) || (c >= 6 && c < 10 && r >= 4 && r < 24) ||
                        (r >= 12 && r < 15 && c >= 6 && c < 17);
                t->truth[j][r * 28 + c] = f ? 1.f : 0.f;
                t->unrefined[j][r * 28 + c] = (float)c / 27.f * (float)(j + 1) / NDIG;
                t->refined[j][r * 28 + c] = (float)r / 27.f * (float)(NDIG - j) / NDIG;
            }
    }
}

static void pump(sdlview *v, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        int key;
        while (sdlview_poll(v, &key) & SDLVIEW_KEY) {
        }
        SDL_Delay(10);
    }
}

/* Compare the window with the expected picture at the centre of every
 * picture pixel, mapped through dst. Returns the number of mismatches. */
static int compare_window(sdlview *v, const uint8_t *want, int gw, int gh, int *outside_bg)
{
    int w = 0, h = 0;
    CHECK(sdlview_read_pixels(v, NULL, &w, &h) == 0);
    uint8_t *got = malloc((size_t)w * h * 3);
    CHECK(sdlview_read_pixels(v, got, &w, &h) == 0);
    int tw, th, dst[4];
    sdlview_geometry(v, &tw, &th, dst);
    CHECK(tw == gw && th == gh);
    int bad = 0;
    for (int y = 0; y < gh; y++)
        for (int x = 0; x < gw; x++) {
            int wx = dst[0] + (int)floor((x + 0.5) * dst[2] / gw);
            int wy = dst[1] + (int)floor((y + 0.5) * dst[3] / gh);
            bad += px(got, w, wx, wy) != px(want, gw, x, y);
        }
    /* outside the picture (letterbox) the window shows the background */
    *outside_bg = 1;
    if (dst[0] > 0)
        *outside_bg &= px(got, w, dst[0] / 2, h / 2) == IRVI_GRID_BG;
    if (dst[1] > 0)
        *outside_bg &= px(got, w, w / 2, dst[1] / 2) == IRVI_GRID_BG;
    free(got);
    return bad;
}

static void test_no_display(void)
{
    char *disp = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;
    char *wl = getenv("WAYLAND_DISPLAY") ? strdup(getenv("WAYLAND_DISPLAY")) : NULL;
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    char note[96] = "";
    sdlview *v = sdlview_open("irvi test", note, sizeof note);
    CHECK(v == NULL);
    CHECK_MSG(strstr(note, "display") != NULL, "note '%s' does not mention the display", note);
    printf("no display: note \"%s\"\n", note);
    sdlview_close(v);
    if (disp)
        setenv("DISPLAY", disp, 1);
    if (wl)
        setenv("WAYLAND_DISPLAY", wl, 1);
    free(disp);
    free(wl);
}

static void push_text(const char *s)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_TEXTINPUT;
    snprintf(e.text.text, sizeof e.text.text, "%s", s);
    SDL_PushEvent(&e);
}

static void push_key(SDL_Keycode sym, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    SDL_PushEvent(&e);
}

static void test_window(void)
{
    char note[96] = "";
    sdlview *v = sdlview_open("irvi test", note, sizeof note);
    CHECK_MSG(v != NULL, "sdlview_open failed with DISPLAY=%s: %s", getenv("DISPLAY"), note);
    if (!v)
        return;
    {
        SDL_Window *sw = NULL;
        for (Uint32 id = 1; id < 64 && !sw; id++)
            sw = SDL_GetWindowFromID(id);
        SDL_RendererInfo info = {0};
        if (sw && SDL_GetRenderer(sw))
            SDL_GetRendererInfo(SDL_GetRenderer(sw), &info);
        printf("window open on DISPLAY=%s, video driver %s, renderer %s\n", getenv("DISPLAY"),
               SDL_GetCurrentVideoDriver(), info.name ? info.name : "?");
    }

    /* nothing chosen yet: a message, no crash */
    app_tiles *t = malloc(sizeof *t);
    memset(t, 0, sizeof *t);
    sdlview_draw(v, t);
    pump(v, 50);

    make_tiles(t);
    sdlview_draw(v, t);
    irvi_grid g;
    export_tiles_grid(t, &g);
    irvi_grid_opts o = sdlview_grid_opts();
    int gw, gh;
    CHECK_OK(irvi_grid_size(&g, &o, &gw, &gh));
    uint8_t *want = malloc((size_t)gw * gh * 3);
    CHECK_OK(irvi_grid_render(&g, &o, want, (size_t)gw * gh * 3));

    /* the window follows the grid at 2x; X applies the size asynchronously */
    int w = 0, h = 0;
    for (int i = 0; i < 200; i++) {
        pump(v, 10);
        sdlview_read_pixels(v, NULL, &w, &h);
        if (w == 2 * gw && h == 2 * gh)
            break;
    }
    printf("grid %d x %d, window %d x %d\n", gw, gh, w, h);
    CHECK_MSG(w == 2 * gw && h == 2 * gh, "window is %d x %d, not 2 x %d x %d", w, h, gw, gh);

    int bg = 0;
    int bad = compare_window(v, want, gw, gh, &bg);
    CHECK_MSG(bad == 0, "%d of %d grid pixels differ in the window", bad, gw * gh);

    /* the three rows, tile by tile: interior pixels equal the tile values */
    {
        uint8_t *got = malloc((size_t)w * h * 3);
        CHECK(sdlview_read_pixels(v, got, &w, &h) == 0);
        int dst[4];
        sdlview_geometry(v, NULL, NULL, dst);
        const float (*rows3[3])[784] = {t->truth, t->unrefined, t->refined};
        int tile_bad = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < NDIG; j++) {
                int x0, y0;
                CHECK_OK(irvi_grid_pixel_rect(&g, &o, i, j, &x0, &y0));
                for (int r = 1; r < 27; r += 2)
                    for (int c = 1; c < 27; c += 2) {
                        /* centre of source pixel (r, c): scale 2 in the grid, 2x in the window */
                        int wx = dst[0] + (x0 + 2 * c + 1) * dst[2] / gw;
                        int wy = dst[1] + (y0 + 2 * r + 1) * dst[3] / gh;
                        uint32_t gval = (uint32_t)lrintf(rows3[i][j][r * 28 + c] * 255.f);
                        tile_bad += px(got, w, wx, wy) != (gval << 16 | gval << 8 | gval);
                    }
            }
        CHECK_MSG(tile_bad == 0, "%d tile samples differ from their values", tile_bad);
        free(got);
    }

    /* the user makes the window wide: aspect kept, letterboxed, still right */
    /* the view's window, found the way SDL numbers windows (from 1) */
    SDL_Window *sw = NULL;
    for (Uint32 id = 1; id < 64 && !sw; id++)
        sw = SDL_GetWindowFromID(id);
    CHECK(sw != NULL);
    if (sw) {
        int nw = 3 * gw + 17, nh = 2 * gh + 5;
        SDL_SetWindowSize(sw, nw, nh);
        for (int i = 0; i < 200; i++) {
            pump(v, 10);
            sdlview_read_pixels(v, NULL, &w, &h);
            if (w == nw && h == nh)
                break;
        }
        CHECK_MSG(w == nw && h == nh, "window did not resize: %d x %d", w, h);
        /* a redraw after the resize must keep the user's size */
        sdlview_draw(v, t);
        pump(v, 100);
        sdlview_read_pixels(v, NULL, &w, &h);
        CHECK_MSG(w == nw && h == nh, "the view undid the user's resize: %d x %d", w, h);
        bad = compare_window(v, want, gw, gh, &bg);
        CHECK_MSG(bad <= gw * gh / 200, "resized: %d of %d grid pixels differ", bad, gw * gh);
        CHECK_MSG(bg, "letterbox is not the background colour");
        printf("resized to %d x %d: %d of %d samples differ\n", w, h, bad, gw * gh);
    }

    /* keys typed into the window come back as the terminal would see them */
    {
        pump(v, 20);
        int key = 0, f;
        push_text("+");
        push_key(SDLK_a, KMOD_NONE);             /* arrives as text, not here */
        push_key(SDLK_ESCAPE, KMOD_NONE);
        push_key(SDLK_c, KMOD_LCTRL);
        push_key(SDLK_UP, KMOD_NONE);
        f = sdlview_poll(v, &key);
        CHECK((f & SDLVIEW_KEY) && key == '+');
        f = sdlview_poll(v, &key);
        CHECK((f & SDLVIEW_KEY) && key == SDLK_ESCAPE);
        f = sdlview_poll(v, &key);
        CHECK((f & SDLVIEW_KEY) && key == 3);
        f = sdlview_poll(v, &key);
        CHECK((f & SDLVIEW_KEY) && key == SDLK_UP);
        key = -1;
        f = sdlview_poll(v, &key);
        CHECK(!(f & SDLVIEW_KEY) && key == -1);
    }

    /* closing the window is reported */
    if (sw) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_WINDOWEVENT;
        e.window.event = SDL_WINDOWEVENT_CLOSE;
        e.window.windowID = SDL_GetWindowID(sw);
        SDL_PushEvent(&e);
        int f = 0, key;
        for (int i = 0; i < 10 && !(f & SDLVIEW_CLOSED); i++)
            f |= sdlview_poll(v, &key);
        CHECK(f & SDLVIEW_CLOSED);
    }
    sdlview_close(v);

    /* and it can be opened again after closing */
    v = sdlview_open("irvi test again", note, sizeof note);
    CHECK_MSG(v != NULL, "second open failed: %s", note);
    if (v) {
        sdlview_draw(v, t);
        pump(v, 20);
        sdlview_close(v);
    }
    free(want);
    free(t);
}

/* PNG export (app/live/export.c): needs no display, so it runs in both modes. */
static int png_file_ok(const char *path, int w, int h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char b[24];
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    /* signature, then IHDR with big-endian width and height */
    return n == 24 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0 &&
           (b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19]) == w &&
           (b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23]) == h;
}

static void test_export(void)
{
    const char *dir = getenv("IRVI_TMP") && getenv("IRVI_TMP")[0] ? getenv("IRVI_TMP") : ".";
    char path[1024], err[256];
    app_tiles *t = malloc(sizeof *t);
    make_tiles(t);
    irvi_grid g;
    export_tiles_grid(t, &g);
    irvi_grid_opts o = {3, 1, 1, 0};
    int gw, gh;
    CHECK_OK(irvi_grid_size(&g, &o, &gw, &gh));
    snprintf(path, sizeof path, "%s/test_sdlview_grid.png", dir);
    CHECK_MSG(export_grid_png(t, path, 3, 1, 1, err, sizeof err) == 0, "%s", err);
    CHECK(png_file_ok(path, gw, gh));

    err[0] = 0;
    CHECK(export_grid_png(t, "/nonexistent-irvi/grid.png", 4, 2, 1, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "/nonexistent-irvi/grid.png") != NULL, "error '%s'", err);
    t->n = 0;
    CHECK(export_grid_png(t, path, 4, 2, 1, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "no digits") != NULL, "error '%s'", err);

    /* curves: training (noisy minibatch LB rising, validation points, a NaN)
     * and the refinement lab */
    enum { NP = 3000 };
    metric_point *pts = malloc(NP * sizeof *pts);
    int np = 0;
    unsigned r = 12345;
    for (int i = 0; i < 2500; i++) {
        double e = i / 500.0;
        r = r * 1103515245u + 12345u;
        double noise = ((r >> 16) & 0x7fff) / 32768.0 - 0.5;
        pts[np++] = (metric_point){SERIES_TRAIN_LB, e, i, i * 0.01, -200 + 90 * (1 - exp(-e)) + 8 * noise};
        pts[np++] = (metric_point){SERIES_TRAIN_ESS, e, i, i * 0.01, 0.3 + 0.1 * noise + 0.05 * e};
        if (np >= NP - 20)
            break;
    }
    for (int k = 1; k <= 5; k++) {
        pts[np++] = (metric_point){SERIES_VALID_LB, k, 500.0 * k, 5.0 * k, -190 + 80 * (1 - exp(-k))};
        pts[np++] = (metric_point){SERIES_VALID_LB0, k, 500.0 * k, 5.0 * k, -195 + 78 * (1 - exp(-k))};
    }
    pts[np++] = (metric_point){SERIES_VALID_ESS, 3, 1500, 15, NAN};
    snprintf(path, sizeof path, "%s/test_sdlview_curves.png", dir);
    CHECK_MSG(export_curves_png(path, pts, np, 0, err, sizeof err) == 0, "%s", err);
    CHECK(png_file_ok(path, 960, 1000));
    np = 0;
    for (int k = 0; k <= 20; k++) {
        pts[np++] = (metric_point){SERIES_REFINE_LB, k, k, k, -100 + 10 * (1 - exp(-k / 5.0))};
        pts[np++] = (metric_point){SERIES_REFINE_ESS, k, k, k, 0.2 + 0.5 * (1 - exp(-k / 5.0))};
    }
    snprintf(path, sizeof path, "%s/test_sdlview_lab.png", dir);
    CHECK_MSG(export_curves_png(path, pts, np, 1, err, sizeof err) == 0, "%s", err);
    CHECK(png_file_ok(path, 960, 1000));
    /* a model small enough to enumerate adds the exact KL as a third panel */
    for (int k = 0; k <= 20; k++) {
        pts[np++] = (metric_point){SERIES_EXACT_ELBO, k, k, k, -99 + 10 * (1 - exp(-k / 5.0))};
        pts[np++] = (metric_point){SERIES_EXACT_LL, k, k, k, -88};
        pts[np++] = (metric_point){SERIES_EXACT_KL, k, k, k, 11 - 10 * (1 - exp(-k / 5.0))};
    }
    CHECK_MSG(export_curves_png(path, pts, np, 1, err, sizeof err) == 0, "%s", err);
    CHECK(png_file_ok(path, 960, 1500));
    /* no points at all still makes a (labelled, empty) chart */
    CHECK_MSG(export_curves_png(path, NULL, 0, 1, err, sizeof err) == 0, "%s", err);
    CHECK(export_curves_png("/nonexistent-irvi/c.png", pts, np, 1, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "/nonexistent-irvi/c.png") != NULL, "error '%s'", err);
    free(pts);
    free(t);
}

int main(void)
{
    test_export();
    int have_display = (getenv("DISPLAY") && getenv("DISPLAY")[0]) ||
                       (getenv("WAYLAND_DISPLAY") && getenv("WAYLAND_DISPLAY")[0]);
    test_no_display();
    if (have_display)
        test_window();
    else
        printf("no DISPLAY: window checks not run (tests/cli/sdl.sh runs them under Xvfb)\n");
    return CHECK_DONE();
}
