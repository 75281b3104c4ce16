/* tests/test_image.c — the picture library (app/picture/picture.h): the built-in
 * font, the Fig. 2 grid, line charts and atomic PNG files.
 *
 * The grid is rendered from deliberately asymmetric images (stb's "F" idea:
 * an F glyph on a 7 x 5 image, so a flip, a transpose or a swapped row or
 * column shows at once) and every pixel of every tile is compared with the
 * value it must have. PNGs are read back with stb_image and compared pixel
 * by pixel. Charts are checked by where their pixels land, using the frame
 * irvi_plot_layout reports.
 */
#include "check.h"
#include "picture/picture.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wtype-limits"
/* not STB_IMAGE_STATIC: this stb version declares static functions it never
 * defines, which -Werror rejects at the end of the file; libstb itself is not
 * linked (meson.build uses stb header-only), so nothing clashes. */
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb_image.h>
#pragma GCC diagnostic pop

#define R 7      /* image rows */
#define C 5      /* image cols */
#define N 3      /* columns of the grid */

static const char *tmpdir(void)
{
    const char *d = getenv("IRVI_TMP");
    return d && d[0] ? d : ".";
}

static uint32_t pixel(const uint8_t *rgb, int w, int x, int y)
{
    const uint8_t *p = rgb + 3 * ((size_t)y * (size_t)w + (size_t)x);
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t grey(float v)
{
    uint32_t g = (uint32_t)lrintf(v * 255.f);
    return g << 16 | g << 8 | g;
}

/* ---- text ---------------------------------------------------------------- */

static int count_row(const uint8_t *rgb, int w, int y)
{
    int k = 0;
    for (int x = 0; x < w; x++)
        k += pixel(rgb, w, x, y) != 0;
    return k;
}

static void test_text(void)
{
    CHECK(irvi_text_width("", 1) == 0);
    CHECK(irvi_text_width(NULL, 1) == 0);
    CHECK(irvi_text_width("A", 1) == 5);
    CHECK(irvi_text_width("AB", 2) == 22);
    CHECK(irvi_text_height(3) == 21);

    /* 'F' at scale 2 at (1, 1): glyph rows #####, #...., #...., ####., #... */
    int w = 14, h = 18;
    uint8_t buf[14 * 18 * 3];
    memset(buf, 0, sizeof buf);
    int end = irvi_text_draw(buf, w, h, 1, 1, "F", 0x123456, 2);
    CHECK(end == 1 + 10);
    static const char *F[7] = {"#####", "#....", "#....", "####.", "#....", "#....", "#...."};
    int bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int gx = (x - 1) / 2, gy = (y - 1) / 2;
            int ink = x >= 1 && y >= 1 && gx < 5 && gy < 7 && F[gy][gx] == '#';
            bad += pixel(buf, w, x, y) != (ink ? 0x123456u : 0u);
        }
    CHECK_MSG(bad == 0, "%d pixels of the scaled F differ", bad);

    /* rotated: the stem of the F becomes the bottom row, its top bar the
     * left column, reading upwards */
    memset(buf, 0, sizeof buf);
    int top = irvi_text_draw_up(buf, w, h, 2, 12, "F", 0xFFFFFF, 1);
    CHECK(top == 12 - 5);
    bad = 0;
    for (int gy = 0; gy < 7; gy++)
        for (int gx = 0; gx < 5; gx++) {
            int ink = F[gy][gx] == '#';
            bad += pixel(buf, w, 2 + gy, 12 - 1 - gx) != (ink ? 0xFFFFFFu : 0u);
        }
    CHECK_MSG(bad == 0, "%d pixels of the rotated F differ", bad);

    /* clipping: partly or wholly outside must not write out of bounds (ASan) */
    irvi_text_draw(buf, w, h, -7, -3, "clip \x01\xff~", 0xFF00FF, 3);
    irvi_text_draw(buf, w, h, 100, 100, "far", 0xFF00FF, 1);
    irvi_text_draw_up(buf, w, h, -2, 3, "up", 0xFF00FF, 2);
    /* descenders reach the spacing row: 'g' has ink in glyph row 7, 'a' not */
    memset(buf, 0, sizeof buf);
    irvi_text_draw(buf, w, h, 0, 0, "g", 0xFFFFFF, 1);
    CHECK(count_row(buf, w, 7) > 0);
    memset(buf, 0, sizeof buf);
    irvi_text_draw(buf, w, h, 0, 0, "a", 0xFFFFFF, 1);
    CHECK(count_row(buf, w, 7) == 0 && count_row(buf, w, 6) > 0);

    /* non-ASCII draws as '?', same width */
    CHECK(irvi_text_width("\x01", 1) == irvi_text_width("?", 1));
}

/* ---- grid ---------------------------------------------------------------- */

static float truth_v(int j, int r, int c)
{
    static const char *F[R] = {"#####", "#....", "#....", "####.", "#....", "#....", "#...."};
    return F[r][c] == '#' ? (float)(j + 1) / N : 0.f;
}
static float unref_v(int j, int r, int c) { (void)r; return (float)(c + 5 * j) / (C - 1 + 5 * (N - 1)); }
static float ref_v(int j, int r, int c) { (void)c; return (float)(r * N + j) / (R * N); }

typedef float (*value_fn)(int j, int r, int c);
static const value_fn row_fn[3] = {truth_v, unref_v, ref_v};

/* images for the three rows, row-major or column-major, stride floats apart */
static void fill_images(float *rows3[3], int transposed, int stride)
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < N; j++)
            for (int r = 0; r < R; r++)
                for (int c = 0; c < C; c++)
                    rows3[i][(size_t)j * stride + (transposed ? c * R + r : r * C + c)] =
                        row_fn[i](j, r, c);
}

/* every pixel of every tile, and the background just outside each tile */
static int check_tiles(const irvi_grid *g, const irvi_grid_opts *o, const uint8_t *rgb, int w)
{
    int s = o->scale, bad = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < N; j++) {
            int x0 = -1, y0 = -1;
            CHECK_OK(irvi_grid_pixel_rect(g, o, i, j, &x0, &y0));
            for (int y = 0; y < R * s; y++)
                for (int x = 0; x < C * s; x++)
                    bad += pixel(rgb, w, x0 + x, y0 + y) != grey(row_fn[i](j, y / s, x / s));
            if (o->pad > 0) {
                bad += pixel(rgb, w, x0 - 1, y0) != IRVI_GRID_BG;
                bad += pixel(rgb, w, x0 + C * s, y0 + R * s - 1) != IRVI_GRID_BG;
                bad += pixel(rgb, w, x0, y0 + R * s) != IRVI_GRID_BG;
            }
        }
    return bad;
}

static int count_color(const uint8_t *rgb, int w, int xa, int ya, int xb, int yb, uint32_t c)
{
    int k = 0;
    for (int y = ya; y < yb; y++)
        for (int x = xa; x < xb; x++)
            k += pixel(rgb, w, x, y) == c;
    return k;
}

static void test_grid(void)
{
    /* stride 784 as in app_tiles (room for 28 x 28) with a 7 x 5 image */
    enum { STRIDE = 784 };
    float *a = calloc(3 * N * STRIDE, sizeof(float));
    float *b = calloc(3 * N * STRIDE, sizeof(float));
    float *rm[3] = {a, a + N * STRIDE, a + 2 * N * STRIDE};
    float *cm[3] = {b, b + N * STRIDE, b + 2 * N * STRIDE};
    fill_images(rm, 0, STRIDE);
    fill_images(cm, 1, STRIDE);

    irvi_grid g = {.n = N, .rows = R, .cols = C, .stride = STRIDE,
                   .truth = rm[0], .unrefined = rm[1], .refined = rm[2]};
    irvi_grid gt = g;
    gt.transposed = 1;
    gt.truth = cm[0];
    gt.unrefined = cm[1];
    gt.refined = cm[2];

    for (int scale = 1; scale <= 3; scale += 2) {
        for (int pad = 0; pad <= 2; pad += 2) {
            irvi_grid_opts o = {scale, pad, 0, 0};
            int w = 0, h = 0;
            CHECK_OK(irvi_grid_size(&g, &o, &w, &h));
            /* no labels: pad + n (tile + pad) by pad + 3 (tile + pad) */
            CHECK(w == pad + N * (C * scale + pad));
            CHECK(h == pad + 3 * (R * scale + pad));
            size_t cap = (size_t)w * h * 3;
            uint8_t *p1 = malloc(cap), *p2 = malloc(cap);
            CHECK_OK(irvi_grid_render(&g, &o, p1, cap));
            CHECK_OK(irvi_grid_render(&gt, &o, p2, cap));
            int bad = check_tiles(&g, &o, p1, w);
            CHECK_MSG(bad == 0, "scale %d pad %d: %d tile pixels differ", scale, pad, bad);
            CHECK_MSG(memcmp(p1, p2, cap) == 0,
                      "scale %d pad %d: column-major source renders differently", scale, pad);
            int x0, y0;
            CHECK_OK(irvi_grid_pixel_rect(&g, &o, 2, N - 1, &x0, &y0));
            CHECK(x0 == pad + (N - 1) * (C * scale + pad));
            CHECK(y0 == pad + 2 * (R * scale + pad));
            free(p1);
            free(p2);
        }
    }

    /* defaults (opts NULL): scale 4, pad 2, labels on */
    {
        int w1, h1, w2, h2;
        irvi_grid_opts d = IRVI_GRID_OPTS_DEFAULT;
        CHECK_OK(irvi_grid_size(&g, NULL, &w1, &h1));
        CHECK_OK(irvi_grid_size(&g, &d, &w2, &h2));
        CHECK(w1 == w2 && h1 == h2);
        irvi_grid_opts z = {0, -1, 0, 0};   /* 0 and -1 ask for the defaults */
        CHECK_OK(irvi_grid_size(&g, &z, &w1, &h1));
        CHECK(w1 == 2 + N * (C * 4 + 2) && h1 == 2 + 3 * (R * 4 + 2));
    }

    /* labels: tiles stay exact, text appears left, above and below */
    {
        int index[N] = {7, 1234, 59999};
        int label[N] = {3, -1, 9};
        double lb0[N] = {-101.25, -95.5, NAN};
        double lbK[N] = {-99.0, -90.04, -1e7};
        irvi_grid gl = g;
        gl.index = index;
        gl.label = label;
        gl.lb0 = lb0;
        gl.lbK = lbK;
        gl.steps = 20;
        irvi_grid_opts o = {2, 2, 1, 1};
        int w, h, wn, hn;
        CHECK_OK(irvi_grid_size(&gl, &o, &w, &h));
        irvi_grid_opts on = o;
        on.labels = 0;
        CHECK_OK(irvi_grid_size(&gl, &on, &wn, &hn));
        CHECK(w > wn && h > hn);
        size_t cap = (size_t)w * h * 3;
        uint8_t *p = malloc(cap);
        CHECK_OK(irvi_grid_render(&gl, &o, p, cap));
        int bad = check_tiles(&gl, &o, p, w);
        CHECK_MSG(bad == 0, "labelled grid: %d tile pixels differ", bad);
        int x0, y0, xl, yl;
        CHECK_OK(irvi_grid_pixel_rect(&gl, &o, 0, 0, &x0, &y0));
        CHECK_OK(irvi_grid_pixel_rect(&gl, &o, 2, N - 1, &xl, &yl));
        CHECK(x0 > 2 && y0 > 2);
        /* row labels left of the tiles, one per row */
        for (int i = 0; i < 3; i++) {
            int xi, yi;
            CHECK_OK(irvi_grid_pixel_rect(&gl, &o, i, 0, &xi, &yi));
            CHECK_MSG(count_color(p, w, 0, yi, xi, yi + R * 2, IRVI_GRID_TEXT) > 5,
                      "no label text left of row %d", i);
        }
        CHECK(count_color(p, w, x0, 0, w, y0, IRVI_GRID_TEXT) > 20);          /* headers */
        CHECK(count_color(p, w, 0, yl + R * 2, w, h, IRVI_GRID_TEXT) > 40);   /* bounds */
        free(p);

        /* pixel_rect agrees between scale and text: columns widen for text */
        int xa, xb;
        CHECK_OK(irvi_grid_pixel_rect(&gl, &o, 0, 0, &xa, NULL));
        CHECK_OK(irvi_grid_pixel_rect(&gl, &o, 0, 1, &xb, NULL));
        CHECK(xb - xa >= irvi_text_width("#1234", 1));
    }

    /* NaN shows red, out-of-range values are clamped */
    {
        float save0 = rm[1][0], save1 = rm[1][1], save2 = rm[1][2];
        rm[1][0] = NAN;
        rm[1][1] = -3.f;
        rm[1][2] = 7.f;
        irvi_grid_opts o = {1, 1, 0, 0};
        int w, h, x0, y0;
        CHECK_OK(irvi_grid_size(&g, &o, &w, &h));
        uint8_t *p = malloc((size_t)w * h * 3);
        CHECK_OK(irvi_grid_render(&g, &o, p, (size_t)w * h * 3));
        CHECK_OK(irvi_grid_pixel_rect(&g, &o, 1, 0, &x0, &y0));
        CHECK(pixel(p, w, x0, y0) == IRVI_GRID_NAN);
        CHECK(pixel(p, w, x0 + 1, y0) == 0x000000u);
        CHECK(pixel(p, w, x0 + 2, y0) == 0xFFFFFFu);
        free(p);
        rm[1][0] = save0;
        rm[1][1] = save1;
        rm[1][2] = save2;
    }

    /* errors */
    {
        int w, h;
        uint8_t small[16];
        irvi_grid bad = g;
        bad.n = 0;
        CHECK(irvi_grid_size(&bad, NULL, &w, &h) == IRVI_EINVAL);
        bad = g;
        bad.refined = NULL;
        CHECK(irvi_grid_size(&bad, NULL, &w, &h) == IRVI_EINVAL);
        bad = g;
        bad.stride = R * C - 1;
        CHECK(irvi_grid_size(&bad, NULL, &w, &h) == IRVI_EINVAL);
        bad = g;
        bad.rows = 100000;
        CHECK(irvi_grid_size(&bad, NULL, &w, &h) == IRVI_EINVAL);
        CHECK(irvi_grid_size(NULL, NULL, &w, &h) == IRVI_EINVAL);
        CHECK(irvi_grid_render(&g, NULL, small, sizeof small) == IRVI_EINVAL);
        CHECK(strstr(irvi_last_error(), "buffer") != NULL);
        CHECK(irvi_grid_pixel_rect(&g, NULL, 3, 0, &w, &h) == IRVI_EINVAL);
        CHECK(irvi_grid_pixel_rect(&g, NULL, 0, N, &w, &h) == IRVI_EINVAL);
        irvi_grid_opts o = {65, 2, 0, 0};
        CHECK(irvi_grid_size(&g, &o, &w, &h) == IRVI_EINVAL);
    }
    free(a);
    free(b);
}

/* ---- PNG ----------------------------------------------------------------- */

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(*buf, 1, (size_t)n, f);
    fclose(f);
    return *len == (size_t)n ? 0 : -1;
}

/* write rgb, read it back with stb_image, compare */
static void roundtrip(const char *path, const uint8_t *rgb, int w, int h)
{
    CHECK_OK(irvi_png_write(path, rgb, w, h));
    int rw = 0, rh = 0, comp = 0;
    uint8_t *back = stbi_load(path, &rw, &rh, &comp, 3);
    CHECK_MSG(back != NULL, "stb_image cannot read %s: %s", path,
              back ? "" : stbi_failure_reason());
    if (!back)
        return;
    CHECK(rw == w && rh == h && comp == 3);
    if (rw == w && rh == h) {
        int bad = 0;
        for (size_t i = 0; i < (size_t)w * h * 3; i++)
            bad += back[i] != rgb[i];
        CHECK_MSG(bad == 0, "%s: %d bytes differ after the round trip", path, bad);
    }
    stbi_image_free(back);
    /* no temporary left behind */
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CHECK(access(tmp, F_OK) != 0);
}

static void test_png(void)
{
    char path[1024], tmp[1100];

    /* stb's test picture: a 6 x 5 "F", red on blue */
    {
        static const char *F[5] = {"######", "#.....", "####..", "#.....", "#....."};
        uint8_t rgb[6 * 5 * 3];
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 6; x++) {
                uint8_t *p = rgb + 3 * (y * 6 + x);
                p[0] = F[y][x] == '#' ? 255 : 0;
                p[1] = (uint8_t)(10 * x + y);
                p[2] = F[y][x] == '#' ? 0 : 255;
            }
        snprintf(path, sizeof path, "%s/test_image_F.png", tmpdir());
        roundtrip(path, rgb, 6, 5);
    }

    /* a labelled grid */
    {
        static float imgs[3][N][R * C];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < N; j++)
                for (int r = 0; r < R; r++)
                    for (int c = 0; c < C; c++)
                        imgs[i][j][r * C + c] = row_fn[i](j, r, c);
        int index[N] = {0, 1, 2};
        double lb[N] = {-90.5, -91.25, -120};
        irvi_grid g = {.n = N, .rows = R, .cols = C, .truth = imgs[0][0],
                       .unrefined = imgs[1][0], .refined = imgs[2][0],
                       .index = index, .lbK = lb, .steps = 5};
        int w, h;
        CHECK_OK(irvi_grid_size(&g, NULL, &w, &h));
        uint8_t *rgb = malloc((size_t)w * h * 3);
        CHECK_OK(irvi_grid_render(&g, NULL, rgb, (size_t)w * h * 3));
        snprintf(path, sizeof path, "%s/test_image_grid.png", tmpdir());
        roundtrip(path, rgb, w, h);
        /* overwrite in place with a different picture: the new one wins */
        memset(rgb, 0x55, (size_t)w * h * 3);
        roundtrip(path, rgb, w, h);
        free(rgb);
    }

    uint8_t px[4 * 4 * 3];
    memset(px, 0x80, sizeof px);

    /* a directory that does not exist */
    {
        const char *bad = "/nonexistent-irvi-dir/sub/x.png";
        irvi_status st = irvi_png_write(bad, px, 4, 4);
        CHECK(st == IRVI_EIO);
        CHECK_MSG(strstr(irvi_last_error(), bad) != NULL, "error '%s' does not name the path",
                  irvi_last_error());
        CHECK(strstr(irvi_last_error(), "No such file") != NULL);
    }

    /* failure with an existing file at path: the file stays as it was.
     * The temporary name is taken by a directory, so creating it fails
     * (works as root too, unlike permission tricks). */
    {
        snprintf(path, sizeof path, "%s/test_image_keep.png", tmpdir());
        uint8_t old[2 * 2 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        CHECK_OK(irvi_png_write(path, old, 2, 2));
        uint8_t *before = NULL, *after = NULL;
        size_t nb = 0, na = 0;
        CHECK(read_file(path, &before, &nb) == 0);
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        rmdir(tmp);
        CHECK(mkdir(tmp, 0755) == 0);
        CHECK(irvi_png_write(path, px, 4, 4) == IRVI_EIO);
        CHECK(strstr(irvi_last_error(), path) != NULL);
        CHECK(read_file(path, &after, &na) == 0);
        CHECK(nb == na && nb > 0 && memcmp(before, after, nb) == 0);
        CHECK(rmdir(tmp) == 0);
        free(before);
        free(after);
    }

    /* rename fails (path is a non-empty directory): temporary removed */
    {
        char inner[1200];
        snprintf(path, sizeof path, "%s/test_image_dir.png", tmpdir());
        snprintf(inner, sizeof inner, "%s/inner", path);
        mkdir(path, 0755);
        FILE *f = fopen(inner, "w");
        CHECK(f != NULL);
        if (f)
            fclose(f);
        CHECK(irvi_png_write(path, px, 4, 4) == IRVI_EIO);
        CHECK(strstr(irvi_last_error(), path) != NULL);
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        CHECK_MSG(access(tmp, F_OK) != 0, "temporary %s left behind", tmp);
        remove(inner);
        rmdir(path);
    }

    /* arguments */
    CHECK(irvi_png_write("", px, 4, 4) == IRVI_EINVAL);
    CHECK(irvi_png_write(NULL, px, 4, 4) == IRVI_EINVAL);
    CHECK(irvi_png_write("x.png", px, 0, 4) == IRVI_EINVAL);
    CHECK(irvi_png_write("x.png", NULL, 4, 4) == IRVI_EINVAL);
}

/* ---- charts -------------------------------------------------------------- */

static int near_color(const uint8_t *rgb, int w, int h, int cx, int cy, int r, uint32_t c)
{
    for (int y = cy - r; y <= cy + r; y++)
        for (int x = cx - r; x <= cx + r; x++)
            if (x >= 0 && y >= 0 && x < w && y < h && pixel(rgb, w, x, y) == c)
                return 1;
    return 0;
}

static int map_px(const irvi_plot_frame *f, double u)
{
    return (int)lround(f->x0 + (u - f->xmin) / (f->xmax - f->xmin) * (f->x1 - f->x0));
}
static int map_py(const irvi_plot_frame *f, double v)
{
    return (int)lround(f->y1 - (v - f->ymin) / (f->ymax - f->ymin) * (f->y1 - f->y0));
}

static int is_multiple(double v, double step)
{
    double k = v / step;
    return fabs(k - round(k)) < 1e-6;
}

static void test_plot(void)
{
    enum { W = 480, H = 320, NP = 10 };
    const uint32_t RED = 0xD62728, BLUE = 0x1F77B4;
    double x[NP], ya[NP], yb[NP];
    for (int i = 0; i < NP; i++) {
        x[i] = i;
        ya[i] = i * i;
        yb[i] = 50 - 3 * i;
    }
    yb[4] = yb[5] = NAN;
    irvi_series s[2] = {{"squares", x, ya, NP, RED}, {"line with a gap", x, yb, NP, BLUE}};
    irvi_plot p = {.title = "Test chart", .xlabel = "epoch", .ylabel = "lower bound",
                   .series = s, .nseries = 2};
    irvi_plot_frame f;
    CHECK_OK(irvi_plot_layout(&p, W, H, &f));
    CHECK(f.x0 > 0 && f.x1 < W - 1 && f.y0 > 0 && f.y1 < H - 1 && f.x0 < f.x1 && f.y0 < f.y1);
    CHECK(f.xmin <= 0 && f.xmax >= 9 && f.ymin <= 0 && f.ymax >= 81);
    CHECK(is_multiple(f.xmin, f.xstep) && is_multiple(f.xmax, f.xstep));
    CHECK(is_multiple(f.ymin, f.ystep) && is_multiple(f.ymax, f.ystep));
    CHECK(f.xmax - f.xmin < 20 && f.ymax - f.ymin < 200);   /* not wildly widened */

    size_t cap = (size_t)W * H * 3;
    uint8_t *rgb = malloc(cap);
    CHECK_OK(irvi_plot_render(&p, W, H, rgb, cap));
    char path[1024];
    snprintf(path, sizeof path, "%s/test_image_plot.png", tmpdir());
    CHECK_OK(irvi_png_write(path, rgb, W, H));

    /* white background, black axes */
    CHECK(pixel(rgb, W, 0, 0) == 0xFFFFFFu && pixel(rgb, W, W - 1, H - 1) == 0xFFFFFFu);
    int bad = 0;
    for (int y = f.y0; y <= f.y1; y++)
        bad += pixel(rgb, W, f.x0, y) != 0;
    for (int x = f.x0; x <= f.x1; x++)
        bad += pixel(rgb, W, x, f.y1) != 0;
    CHECK_MSG(bad == 0, "%d axis pixels are not black", bad);

    /* every finite point has its colour within 2 pixels */
    for (int i = 0; i < NP; i++) {
        CHECK_MSG(near_color(rgb, W, H, map_px(&f, x[i]), map_py(&f, ya[i]), 2, RED),
                  "squares point %d not drawn", i);
        if (!isnan(yb[i]))
            CHECK_MSG(near_color(rgb, W, H, map_px(&f, x[i]), map_py(&f, yb[i]), 2, BLUE),
                      "gap series point %d not drawn", i);
    }
    /* the NaN gap: no blue between x = 3 and x = 6 inside the plot area */
    int blue_in_gap = count_color(rgb, W, map_px(&f, 3) + 3, f.y0, map_px(&f, 6) - 2, f.y1, BLUE);
    CHECK_MSG(blue_in_gap == 0, "%d blue pixels inside the NaN gap", blue_in_gap);
    /* legend swatches below the x axis, tick labels left of the y axis, title on top */
    CHECK(count_color(rgb, W, 0, f.y1 + 1, W, H, RED) > 10);
    CHECK(count_color(rgb, W, 0, f.y1 + 1, W, H, BLUE) > 10);
    CHECK(count_color(rgb, W, 0, f.y0, f.x0 - 1, f.y1, 0x202020) > 30);
    CHECK(count_color(rgb, W, 0, 0, W, f.y0 - 1, 0x202020) > 30);
    free(rgb);

    /* degenerate inputs render without trouble */
    double one_x = 3, one_y = -7, cx[5] = {0, 1, 2, 3, 4}, cy[5] = {5, 5, 5, 5, 5};
    double nx[3] = {NAN, 1, NAN}, ny[3] = {1, NAN, INFINITY};
    double vx[3] = {2, 2, 2}, vy[3] = {1, 2, 3};
    double hx[2] = {1e308, -1e308}, hy[2] = {0, 1};
    struct { irvi_series s; int expect_ok; const char *what; } cases[] = {
        {{"one point", &one_x, &one_y, 1, RED}, 1, "one point"},
        {{"constant", cx, cy, 5, RED}, 1, "constant series"},
        {{"all NaN", nx, ny, 3, RED}, 1, "no finite point"},
        {{"vertical", vx, vy, 3, RED}, 1, "constant x"},
        {{"empty", NULL, NULL, 0, RED}, 1, "empty series"},
        {{"huge", hx, hy, 2, RED}, 0, "infinite range"},
        {{"no data", NULL, NULL, 3, RED}, 0, "missing arrays"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        irvi_plot q = {.title = cases[k].what, .series = &cases[k].s, .nseries = 1};
        uint8_t *img = malloc((size_t)300 * 200 * 3);
        irvi_status st = irvi_plot_render(&q, 300, 200, img, (size_t)300 * 200 * 3);
        CHECK_MSG((st == IRVI_OK) == cases[k].expect_ok, "%s: status %d (%s)", cases[k].what,
                  st, irvi_last_error());
        if (st == IRVI_OK && k == 0) {   /* the lone point is a visible dot */
            irvi_plot_frame g;
            CHECK_OK(irvi_plot_layout(&q, 300, 200, &g));
            CHECK(count_color(img, 300, map_px(&g, 3) - 3, map_py(&g, -7) - 3,
                              map_px(&g, 3) + 4, map_py(&g, -7) + 4, RED) >= 9);
        }
        if (st == IRVI_OK && k == 1) {
            irvi_plot_frame g;
            CHECK_OK(irvi_plot_layout(&q, 300, 200, &g));
            CHECK(g.ymin < 5 && g.ymax > 5);
        }
        free(img);
    }

    /* fixed range narrower than the data: clipped, nothing outside the frame */
    {
        irvi_plot q = {.series = s, .nseries = 1, .xmin = 2, .xmax = 4, .ymin = 0, .ymax = 10};
        uint8_t *img = malloc(cap);
        CHECK_OK(irvi_plot_render(&q, W, H, img, cap));
        irvi_plot_frame g;
        CHECK_OK(irvi_plot_layout(&q, W, H, &g));
        CHECK(g.xmin == 2 && g.xmax == 4 && g.ymin == 0 && g.ymax == 10);
        int outside = count_color(img, W, g.x1 + 1, 0, W, g.y1, RED) +
                      count_color(img, W, 0, 0, W, g.y0, RED);
        CHECK_MSG(outside == 0, "%d red pixels outside the frame", outside);
        CHECK(count_color(img, W, g.x0, g.y0, g.x1 + 1, g.y1 + 1, RED) > 20);
        free(img);
    }

    /* log x axis: whole decades, a decade per tick, points placed by log10 x;
     * x <= 0 breaks the line like NaN */
    {
        double lx[5] = {0, 0.5, 1, 10, 50}, ly[5] = {1, 2, 3, 4, 5};
        irvi_series ls = {"log", lx, ly, 5, RED};
        irvi_plot q = {.series = &ls, .nseries = 1, .xlog = 1};
        irvi_plot_frame g;
        CHECK_OK(irvi_plot_layout(&q, W, H, &g));
        CHECK_MSG(fabs(g.xmin - 0.1) < 1e-12 && fabs(g.xmax - 100) < 1e-9 && g.xstep == 10,
                  "log axis range %g..%g step %g (want 0.1..100, 10)", g.xmin, g.xmax, g.xstep);
        uint8_t *img = malloc(cap);
        CHECK_OK(irvi_plot_render(&q, W, H, img, cap));
        /* x = 1 is one third of the way from 0.1 to 100; x = 10 two thirds */
        for (int i = 2; i <= 3; i++) {
            int px = (int)lround(g.x0 + (i - 1) / 3.0 * (g.x1 - g.x0));
            CHECK_MSG(near_color(img, W, H, px, map_py(&g, ly[i]), 2, RED),
                      "log point x = %g not drawn at its decade", lx[i]);
        }
        /* nothing drawn left of x = 0.5 (the x = 0 point is not drawable) */
        int px05 = (int)lround(g.x0 + (log10(0.5) + 1) / 3.0 * (g.x1 - g.x0));
        CHECK(count_color(img, W, g.x0 + 1, g.y0, px05 - 3, g.y1, RED) == 0);
        free(img);
    }

    /* log y axis (the watch PNG's distance to the best bound): decades, the
     * points placed by log10 y; y <= 0 is left out */
    {
        double lx[4] = {1, 2, 3, 4}, ly[4] = {0.5, 5, 50, 0};
        irvi_series ls = {"log y", lx, ly, 4, RED};
        irvi_plot q = {.series = &ls, .nseries = 1, .ylog = 1};
        irvi_plot_frame g;
        CHECK_OK(irvi_plot_layout(&q, W, H, &g));
        CHECK_MSG(fabs(g.ymin - 0.1) < 1e-12 && fabs(g.ymax - 100) < 1e-9 && g.ystep == 10,
                  "log y range %g..%g step %g (want 0.1..100, 10)", g.ymin, g.ymax, g.ystep);
        uint8_t *img = malloc(cap);
        CHECK_OK(irvi_plot_render(&q, W, H, img, cap));
        for (int i = 0; i < 3; i++) {
            int px = (int)lround(g.x0 + (lx[i] - g.xmin) / (g.xmax - g.xmin) * (g.x1 - g.x0));
            int py = (int)lround(g.y1 - (log10(ly[i]) + 1) / 3.0 * (g.y1 - g.y0));
            CHECK_MSG(near_color(img, W, H, px, py, 2, RED), "log y point %g not at its decade", ly[i]);
        }
        /* nothing right of x = 3 (the y = 0 point is not drawable) */
        int px3 = (int)lround(g.x0 + (3 - g.xmin) / (g.xmax - g.xmin) * (g.x1 - g.x0));
        CHECK(count_color(img, W, px3 + 4, g.y0, g.x1, g.y1, RED) == 0);
        free(img);
    }

    /* nothing at all, and errors */
    {
        irvi_plot q = {0};
        uint8_t *img = malloc(cap);
        CHECK_OK(irvi_plot_render(&q, W, H, img, cap));
        CHECK(irvi_plot_render(&q, 100, H, img, cap) == IRVI_EINVAL);
        CHECK(irvi_plot_render(&q, W, H, img, cap - 1) == IRVI_EINVAL);
        CHECK(irvi_plot_render(NULL, W, H, img, cap) == IRVI_EINVAL);
        q.nseries = 2;
        CHECK(irvi_plot_render(&q, W, H, img, cap) == IRVI_EINVAL);
        free(img);
    }
}

int main(void)
{
    test_text();
    test_grid();
    test_png();
    test_plot();
    return CHECK_DONE();
}
