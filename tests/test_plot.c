/* tests/test_plot.c — curve rendering without curses: braille dot placement
 * for known points, "nice" tick steps and labels, auto-scaling of constant
 * and single-point series, NaN/Inf skipped, the ASCII fallback, the bounded
 * series history, the legend, and rendering at any size (run under ASan to
 * catch out-of-bounds writes). */
#include "check.h"
#include "picture/cellplot.h"
#include "picture/axis.h"

#include <math.h>
#include <string.h>

#define W_MAX 200
#define H_MAX 60
static plot_cell cells[W_MAX * H_MAX];

static uint32_t at(int w, int x, int y)
{
    return cells[y * w + x].ch;
}

static plot_spec spec1(const plot_series *s, int utf8)
{
    plot_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.nlines = 1;
    sp.line[0] = (plot_line){s, "train", 1, 0};
    sp.xaxis = PLOT_X_EPOCH;
    sp.xlabel = "epoch";
    sp.utf8 = utf8;
    return sp;
}

static void row_text(int w, int y, char *buf, size_t cap)
{
    plot_row_utf8(&cells[y * w], w, buf, cap);
}

/* Does any row contain the text? */
static int screen_has(int w, int h, const char *text)
{
    char buf[W_MAX * 4 + 1];
    for (int y = 0; y < h; y++) {
        row_text(w, y, buf, sizeof buf);
        if (strstr(buf, text))
            return 1;
    }
    return 0;
}

static void test_braille_bits(void)
{
    CHECK(plot_braille_bit(0, 0) == 0x01);
    CHECK(plot_braille_bit(0, 1) == 0x02);
    CHECK(plot_braille_bit(0, 2) == 0x04);
    CHECK(plot_braille_bit(1, 0) == 0x08);
    CHECK(plot_braille_bit(1, 1) == 0x10);
    CHECK(plot_braille_bit(1, 2) == 0x20);
    CHECK(plot_braille_bit(0, 3) == 0x40);
    CHECK(plot_braille_bit(1, 3) == 0x80);
    CHECK(plot_braille_bit(2, 0) == 0 && plot_braille_bit(0, 4) == 0 && plot_braille_bit(-1, 0) == 0);
}

/* A 4x2-cell canvas has no axes or legend: 8x8 dots of pure curve. The
 * points (0,0) and (1,1) span it corner to corner, so the line is the
 * anti-diagonal: dot (c, 7-c) for c = 0..7. */
static void test_dot_placement(void)
{
    plot_series s;
    CHECK(series_init(&s, 16) == 0);
    series_push(&s, 0, 0, 0, 0.0);
    series_push(&s, 1, 1, 1, 1.0);
    plot_spec sp = spec1(&s, 1);
    int n = plot_render(&sp, cells, 4, 2);
    CHECK(n == 8);
    /* cell (cx, cy) holds dots (2cx..2cx+1, 4cy..4cy+3) */
    for (int cy = 0; cy < 2; cy++)
        for (int cx = 0; cx < 4; cx++) {
            unsigned want = 0;
            for (int c = 2 * cx; c < 2 * cx + 2; c++) {
                int r = 7 - c;
                if (r / 4 == cy)
                    want |= plot_braille_bit(c - 2 * cx, r % 4);
            }
            uint32_t expect = want ? 0x2800 + want : ' ';
            CHECK_MSG(at(4, cx, cy) == expect, "cell (%d,%d) = U+%04X, want U+%04X", cx, cy,
                      (unsigned)at(4, cx, cy), (unsigned)expect);
        }
    /* spot checks written out: bottom-left cell has dots (0,3) and (1,2) */
    CHECK(at(4, 0, 1) == 0x2800 + 0x40 + 0x20);
    CHECK(at(4, 3, 0) == 0x2800 + 0x02 + 0x08);
    CHECK(cells[0 * 4 + 0].color == 0 || at(4, 0, 0) == ' ');
    CHECK(cells[1 * 4 + 0].color == 1);

    /* a horizontal line: y constant -> a single dot row across the width */
    series_clear(&s);
    for (int i = 0; i <= 10; i++)
        series_push(&s, i, i, i, 5.0);
    sp = spec1(&s, 1);
    n = plot_render(&sp, cells, 4, 2);
    CHECK(n == 8);
    int rowbits = -1, same = 1;
    for (int cy = 0; cy < 2; cy++)
        for (int cx = 0; cx < 4; cx++)
            if (at(4, cx, cy) != ' ') {
                int b = (int)(at(4, cx, cy) - 0x2800) + 100 * cy;
                if (rowbits < 0)
                    rowbits = b;
                same &= b == rowbits;
            }
    CHECK_MSG(same && rowbits >= 0, "constant series is not one straight dot row");
    series_free(&s);
}

static int is_nice_step(double step)
{
    double e = pow(10.0, floor(log10(step)));
    double m = step / e;
    return fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6 || fabs(m - 10) < 1e-6;
}

/* The terminal plot's use of the shared axis: at most max_ticks intervals
 * wanted, range widened to whole ticks. */
static int plot_nice_ticks(double lo, double hi, int max_ticks, double *t0, double *step)
{
    axis_ticks t;
    axis_linear(&t, lo, hi, max_ticks + 1, 0);
    *t0 = t.lo;
    *step = t.step;
    return t.n;
}

static void test_ticks(void)
{
    double t0, step;
    int n = plot_nice_ticks(0, 97, 5, &t0, &step);
    CHECK(n == 6);
    CHECK_NEAR(t0, 0, 1e-12);
    CHECK_NEAR(step, 20, 1e-12);

    n = plot_nice_ticks(-212.7, -88.1, 4, &t0, &step);
    CHECK_NEAR(step, 50, 1e-9);
    CHECK_NEAR(t0, -250, 1e-9);
    CHECK(n == 5); /* -250 -200 -150 -100 -50 */

    n = plot_nice_ticks(0.031, 0.187, 5, &t0, &step);
    CHECK_NEAR(step, 0.05, 1e-12);
    CHECK_NEAR(t0, 0.0, 1e-12);
    CHECK(n == 5);

    /* exactly on tick values: no extra tick */
    n = plot_nice_ticks(0, 100, 5, &t0, &step);
    CHECK(n == 6 && fabs(step - 20) < 1e-12);

    /* constant: widened around the value */
    n = plot_nice_ticks(-95, -95, 3, &t0, &step);
    CHECK(t0 < -95 && t0 + (n - 1) * step > -95);
    n = plot_nice_ticks(0, 0, 3, &t0, &step);
    CHECK(t0 < 0 && t0 + (n - 1) * step > 0);
    /* reversed and non-finite input still give a usable range */
    n = plot_nice_ticks(10, 0, 5, &t0, &step);
    CHECK(t0 <= 0 && t0 + (n - 1) * step >= 10);
    n = plot_nice_ticks(NAN, INFINITY, 5, &t0, &step);
    CHECK(n >= 2 && isfinite(t0) && step > 0);

    /* sweep: ticks cover the range with 1/2/5 steps and bounded count (the
     * shared axis rounds the step to the nearest nice number, as the PNG
     * charts always did) */
    int ok = 1;
    for (int i = 0; i < 2000; i++) {
        double lo = sin(i * 1.7) * pow(10, i % 9 - 3), span = (1 + cos(i * 0.3)) * pow(10, i % 7 - 2) + 1e-6;
        int mt = 1 + i % 7;
        n = plot_nice_ticks(lo, lo + span, mt, &t0, &step);
        double hi = t0 + (n - 1) * step;
        if (!(t0 <= lo + 1e-9 * step && hi >= lo + span - 1e-9 * step && is_nice_step(step) &&
              n >= 2 && 2 * n <= 3 * mt + 6)) { /* nearest nice step: < 1.5 mt + 2 intervals */
            ok = 0;
            fprintf(stderr, "ticks(%g, %g, %d): t0 %g step %g n %d\n", lo, lo + span, mt, t0, step, n);
            break;
        }
    }
    CHECK(ok);

    char b[32];
    axis_label_short(20, 20, b, sizeof b);
    CHECK(!strcmp(b, "20"));
    axis_label_short(0.25, 0.05, b, sizeof b);
    CHECK(!strcmp(b, "0.25"));
    axis_label_short(-1e-17, 0.1, b, sizeof b);
    CHECK_MSG(!strcmp(b, "0.0"), "%s", b);
    axis_label_short(-150, 50, b, sizeof b);
    CHECK(!strcmp(b, "-150"));
    axis_label_short(50000, 10000, b, sizeof b);
    CHECK_MSG(!strcmp(b, "50k"), "%s", b);
    axis_label_short(1500000, 500000, b, sizeof b);
    CHECK_MSG(!strcmp(b, "1500k"), "%s", b);
    axis_label_short(2000000, 1000000, b, sizeof b);
    CHECK_MSG(!strcmp(b, "2M"), "%s", b);
    plot_format_value(-98.2345, b, sizeof b);
    CHECK(!strcmp(b, "-98.23"));
    plot_format_value(0.31234, b, sizeof b);
    CHECK(!strcmp(b, "0.312"));
    plot_format_value(-123.45, b, sizeof b);
    CHECK(!strcmp(b, "-123.5"));
}

/* Axis labels of a full-size plot of y = 0..97 are the nice ticks. */
static void test_axes_and_legend(void)
{
    plot_series s;
    series_init(&s, 256);
    for (int i = 0; i <= 97; i++)
        series_push(&s, i / 10.0, i, i * 0.5, (double)i);
    int w = 60, h = 16;
    plot_spec sp = spec1(&s, 1);
    plot_render(&sp, cells, w, h);
    char row[W_MAX * 4 + 1];
    row_text(w, 0, row, sizeof row);
    CHECK_MSG(strstr(row, "train 97.00") != NULL, "legend: '%s'", row);
    CHECK(screen_has(w, h, "100┤"));
    CHECK(screen_has(w, h, " 0┤"));
    CHECK(screen_has(w, h, "epoch"));
    /* the top label is on the first plot row, the bottom one just above the axis */
    row_text(w, 1, row, sizeof row);
    CHECK_MSG(!strncmp(row, "100┤", strlen("100┤")), "row 1: '%s'", row);
    row_text(w, h - 3, row, sizeof row);
    CHECK_MSG(!strncmp(row, "  0┤", strlen("  0┤")), "row h-3: '%s'", row);
    row_text(w, h - 2, row, sizeof row);
    CHECK_MSG(!strncmp(row, "   └", strlen("   └")), "axis row: '%s'", row);
    /* x axis switch: updates reach 97, seconds 48.5 */
    sp.xaxis = PLOT_X_UPDATE;
    sp.xlabel = "updates";
    plot_render(&sp, cells, w, h);
    row_text(w, h - 1, row, sizeof row);
    CHECK_MSG(strstr(row, "80") && strstr(row, "updates"), "x labels: '%s'", row);
    sp.xaxis = PLOT_X_SECONDS;
    sp.xlabel = "seconds";
    plot_render(&sp, cells, w, h);
    row_text(w, h - 1, row, sizeof row);
    CHECK_MSG(strstr(row, "40") && !strstr(row, "80") && strstr(row, "seconds"), "x labels: '%s'", row);
    /* x labels never overlap: tokens are separated by spaces */
    series_free(&s);
}

static void test_single_point_and_empty(void)
{
    plot_series s;
    series_init(&s, 16);
    int w = 40, h = 12;
    plot_spec sp = spec1(&s, 1);
    sp.empty_note = "waiting for data";
    CHECK(plot_render(&sp, cells, w, h) == 0);
    CHECK(screen_has(w, h, "waiting for data"));
    CHECK(screen_has(w, h, "train -"));

    series_push(&s, 3, 30, 7, -95.5);
    int n = plot_render(&sp, cells, w, h);
    CHECK_MSG(n == 5, "single point drew %d dots, want a 5-dot cross", n);
    /* the cross sits mid-plot (both ranges widened symmetrically) */
    int x0 = w, x1 = -1, y0 = h, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (at(w, x, y) > 0x2800 && at(w, x, y) <= 0x28FF) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
    CHECK(x1 - x0 <= 1 && y1 - y0 <= 1);
    CHECK(x0 > w / 4 && x1 < w - 2);
    CHECK(y0 > 1 && y1 < h - 3);
    CHECK(!screen_has(w, h, "nan") && !screen_has(w, h, "inf"));
    CHECK(screen_has(w, h, "train -95.50"));
    series_free(&s);
}

static void test_nan_skipped(void)
{
    plot_series a, b;
    series_init(&a, 64);
    series_init(&b, 64);
    double ys[] = {1, NAN, 3, INFINITY, 2, -INFINITY, 5};
    for (int i = 0; i < 7; i++) {
        series_push(&a, i, i, i, ys[i]);
        if (isfinite(ys[i]))
            series_push(&b, i, i, i, ys[i]);
    }
    series_push(&a, NAN, 7, 7, 1.0); /* non-finite x is skipped too */
    CHECK(a.raw == 4 && a.n == 4);
    CHECK(a.last_y == 5);
    int w = 50, h = 14;
    static plot_cell other[W_MAX * H_MAX];
    plot_spec sa = spec1(&a, 1), sb = spec1(&b, 1);
    int na = plot_render(&sa, cells, w, h);
    int nb = plot_render(&sb, other, w, h);
    CHECK(na == nb && na > 0);
    CHECK(memcmp(cells, other, sizeof(plot_cell) * (size_t)(w * h)) == 0);
    series_free(&a);
    series_free(&b);
}

static void test_ascii(void)
{
    plot_series s, v;
    series_init(&s, 64);
    series_init(&v, 64);
    for (int i = 0; i < 40; i++) {
        series_push(&s, i, i, i, sin(i * 0.3));
        if (i % 10 == 9)
            series_push(&v, i, i, i, 0.5);
    }
    plot_spec sp = spec1(&s, 0);
    sp.nlines = 2;
    sp.line[1] = (plot_line){&v, "valid γ", 2, 0};
    int w = 50, h = 14;
    int n = plot_render(&sp, cells, w, h);
    CHECK(n > 0);
    int ascii = 1, curve = 0;
    for (int i = 0; i < w * h; i++) {
        ascii &= cells[i].ch >= 32 && cells[i].ch < 127;
        curve += cells[i].color == 1 && strchr(".-'|:", (int)cells[i].ch) != NULL;
    }
    CHECK(ascii);
    CHECK(curve > 10);
    CHECK(screen_has(w, h, "* train"));
    CHECK(screen_has(w, h, "* valid ?")); /* non-ASCII text is replaced */
    CHECK(screen_has(w, h, "+") && screen_has(w, h, "|"));
    /* known ASCII placement: 1x3 dots per cell, corner to corner on 3x2 */
    series_clear(&s);
    series_push(&s, 0, 0, 0, 0);
    series_push(&s, 1, 1, 1, 1);
    sp = spec1(&s, 0);
    n = plot_render(&sp, cells, 3, 2); /* 3x6 dots: (0,5) -> (2,0) */
    CHECK(n == 6 || n == 5 || n == 4);
    CHECK_MSG(at(3, 0, 1) != ' ' && at(3, 2, 0) != ' ', "'%c' '%c'", (char)at(3, 0, 1), (char)at(3, 2, 0));
    CHECK(at(3, 0, 0) == ' ' && at(3, 2, 1) == ' ');
    CHECK(at(3, 0, 1) == '.' || at(3, 0, 1) == '|' || at(3, 0, 1) == ':');
    series_free(&s);
    series_free(&v);
}

/* The refinement lab draws a curve per digit under one legend entry: lines
 * without a name stay out of the legend, no_value drops the last value, and
 * the line drawn last owns a shared cell's colour. */
static void test_group_legend(void)
{
    plot_series d[3];
    for (int k = 0; k < 3; k++) {
        series_init(&d[k], 64);
        for (int i = 0; i < 20; i++)
            series_push(&d[k], i, i, i, -100.0 - 10 * k);
    }
    plot_spec sp = spec1(&d[0], 1);
    sp.nlines = 3;
    sp.line[0] = (plot_line){&d[0], "each digit", 5, 1};
    sp.line[1] = (plot_line){&d[1], NULL, 5, 0};
    sp.line[2] = (plot_line){&d[2], "mean", 4, 0};
    int w = 60, h = 12;
    CHECK(plot_render(&sp, cells, w, h) > 0);
    char row[256];
    row_text(w, 0, row, sizeof row);
    CHECK_MSG(strstr(row, "each digit") && strstr(row, "mean -120"), "legend '%s'", row);
    CHECK_MSG(!strstr(row, "-100"), "group entry shows no value: '%s'", row);
    int legend_marks = 0, c4 = 0, c5 = 0;
    for (int x = 0; x < w; x++)
        legend_marks += cells[x].ch == 0x2501;
    CHECK_MSG(legend_marks == 2, "%d legend entries", legend_marks);
    for (int i = w; i < w * h; i++) {
        c4 += cells[i].color == 4;
        c5 += cells[i].color == 5;
    }
    CHECK(c4 > 5 && c5 > 5);
    /* the same series twice: the later line's colour wins every cell */
    sp.nlines = 2;
    sp.line[0] = (plot_line){&d[2], NULL, 5, 0};
    sp.line[1] = (plot_line){&d[2], "mean", 4, 0};
    CHECK(plot_render(&sp, cells, w, h) > 0);
    c4 = c5 = 0;
    for (int i = w; i < w * h; i++) {
        c4 += cells[i].color == 4;
        c5 += cells[i].color == 5;
    }
    CHECK_MSG(c4 > 5 && c5 == 0, "colour 4: %d cells, colour 5: %d", c4, c5);
    for (int k = 0; k < 3; k++)
        series_free(&d[k]);
}

static void test_history(void)
{
    plot_series s;
    CHECK(series_init(&s, 7) == 0);
    CHECK(s.cap == 8);
    for (int i = 0; i < 1000; i++)
        series_push(&s, i, i, i, 2.0 * i);
    CHECK(s.raw == 1000);
    CHECK(s.n <= 8 && s.n >= 4);
    CHECK(s.stride >= 64 && (s.stride & (s.stride - 1)) == 0);
    CHECK(s.last_y == 1998);
    CHECK(s.n * s.stride + s.acc_n == 1000);
    /* stored points are bucket means: increasing, y = 2x, first one near the start */
    int ok = 1;
    for (int i = 0; i < s.n; i++) {
        ok &= fabs(s.pts[i].y - 2 * s.pts[i].x[0]) < 1e-9;
        if (i)
            ok &= s.pts[i].x[0] > s.pts[i - 1].x[0];
    }
    CHECK(ok);
    CHECK_NEAR(s.pts[0].x[0], (s.stride - 1) / 2.0, 1e-9);
    /* the whole run is drawn: the curve reaches the right edge */
    plot_spec sp = spec1(&s, 1);
    int w = 40, h = 10;
    plot_render(&sp, cells, w, h);
    int right = 0;
    for (int y = 0; y < h; y++)
        right |= at(w, w - 1, y) > 0x2800 && at(w, w - 1, y) <= 0x28FF;
    CHECK(right);
    series_clear(&s);
    CHECK(s.n == 0 && s.raw == 0 && s.stride == 1 && s.cap == 8 && s.pts);
    series_free(&s);
    series_free(&s); /* idempotent */
}

static void test_all_sizes(void)
{
    plot_series s, e;
    series_init(&s, 128);
    series_init(&e, 16);
    for (int i = 0; i < 300; i++)
        series_push(&s, i / 100.0, i, i * 0.1, -100 + 20 * exp(-i / 50.0));
    int ok = 1;
    for (int utf8 = 0; utf8 < 2; utf8++)
        for (int h = 0; h <= 20; h++)
            for (int w = 0; w <= 90; w++) {
                plot_spec sp = spec1(&s, utf8);
                sp.nlines = 2;
                sp.line[1] = (plot_line){&e, "empty", 2, 0};
                sp.empty_note = "nothing yet";
                sp.xaxis = (plot_xaxis)((w + h) % PLOT_X_COUNT);
                int n = plot_render(&sp, cells, w, h);
                if (w >= 1 && h >= 1 && n <= 0)
                    ok = 0;
                for (int i = 0; i < w * h; i++)
                    if (!utf8 && cells[i].ch >= 128)
                        ok = 0;
            }
    CHECK(ok);
    plot_spec none;
    memset(&none, 0, sizeof none);
    CHECK(plot_render(&none, cells, 10, 5) == 0);
    series_free(&s);
    series_free(&e);
}

/* EMA smoothing: first value kept, the weights, NaN skipped; the step ladder */
static void test_smoothing(void)
{
    double y[5] = {10, 0, NAN, 0, 0};
    plot_ema(y, 5, 0.5);
    CHECK(y[0] == 10 && y[1] == 5 && isnan(y[2]) && y[3] == 2.5 && y[4] == 1.25);
    double z[3] = {1, 2, 3};
    plot_ema(z, 3, 0);
    CHECK(z[0] == 1 && z[1] == 2 && z[2] == 3);
    CHECK(plot_smooth_step(0, 1) == 0.5 && plot_smooth_step(0.5, 1) == 0.8);
    CHECK(plot_smooth_step(0.99, 1) == 0.99 && plot_smooth_step(0, -1) == 0);
    CHECK(plot_smooth_step(0.9, -1) == 0.8);

    /* a smoothed line is drawn twice: the raw curve dim, the smoothed one not */
    plot_series s;
    CHECK(series_init(&s, 64) == 0);
    for (int i = 0; i < 40; i++)
        series_push(&s, i, i, i, (i % 2) ? 10 : -10);
    plot_spec sp = spec1(&s, 1);
    sp.smooth = 0.9;
    int w = 60, h = 16, dim = 0, bright = 0;
    plot_render(&sp, cells, w, h);
    for (int i = 0; i < w * h; i++)
        if (cells[i].color == 1 && cells[i].ch >= 0x2800 && cells[i].ch <= 0x28FF)
            cells[i].dim ? dim++ : bright++;
    CHECK(dim > 0 && bright > 0);
    series_free(&s);
}

/* Log axes: the distance to the best value on a log scale with power-of-ten
 * labels; log x; the epsilon; zoom; the cursor readout in the legend */
static void test_log_cursor_zoom(void)
{
    CHECK(plot_log_eps(100) == 0.1 && plot_log_eps(0) == 1e-3);
    plot_series s;
    CHECK(series_init(&s, 256) == 0);
    for (int e = 1; e <= 100; e++) /* a bound converging to -90 */
        series_push(&s, e, 10 * e, e, -90 - 100.0 / e);
    plot_spec sp = spec1(&s, 1);
    int w = 80, h = 20;
    sp.ylog = 1;
    plot_area ar;
    plot_render_area(&sp, cells, w, h, &ar);
    CHECK(ar.best == -91 && fabs(ar.eps - 0.099) < 1e-9);
    CHECK(screen_has(w, h, "100┤") && screen_has(w, h, "0.1┤"));
    CHECK(!screen_has(w, h, "-150"));
    CHECK(ar.w > 0 && ar.x0 > 0);

    sp.ylog = 0;
    sp.xlog = 1;
    plot_render_area(&sp, cells, w, h, &ar);
    CHECK(ar.xlo == 1 && ar.xhi == 100);
    CHECK(screen_has(w, h, " 10 ") && screen_has(w, h, "100"));

    sp.xlog = 0;
    sp.zoom = 0.1; /* the last 10 % of 1..100 */
    plot_render_area(&sp, cells, w, h, &ar);
    CHECK(fabs(ar.xlo - 90.1) < 1e-9 && ar.xhi == 100);

    sp.zoom = 0;
    sp.cursor_on = 1;
    sp.cursor = 0.5; /* x = 50.5: nearest points 50 and 51, the first wins */
    plot_render_area(&sp, cells, w, h, &ar);
    CHECK(fabs(ar.cursor_x - 50.5) < 1e-9);
    char row[W_MAX * 4 + 1];
    row_text(w, 0, row, sizeof row);
    CHECK(strstr(row, "@50.50") != NULL && strstr(row, "train -92.00") != NULL);
    /* a second run that ended at x = 20 has no value at the cursor */
    plot_series s2;
    CHECK(series_init(&s2, 64) == 0);
    for (int e = 1; e <= 20; e++)
        series_push(&s2, e, 10 * e, e, -95 - 50.0 / e);
    sp.nlines = 2;
    sp.line[1] = (plot_line){&s2, "short", 2, 0};
    plot_render_area(&sp, cells, w, h, &ar);
    row_text(w, 0, row, sizeof row);
    CHECK_MSG(strstr(row, "short -") != NULL && strstr(row, "short -9") == NULL, "legend '%s'", row);
    sp.cursor = 0.1; /* x = 10.9: both have a point there */
    plot_render_area(&sp, cells, w, h, &ar);
    row_text(w, 0, row, sizeof row);
    CHECK_MSG(strstr(row, "short -9") != NULL, "legend '%s'", row);
    series_free(&s2);
    series_free(&s);
}

int main(void)
{
    test_smoothing();
    test_log_cursor_zoom();
    test_braille_bits();
    test_dot_placement();
    test_ticks();
    test_axes_and_legend();
    test_single_point_and_empty();
    test_nan_skipped();
    test_ascii();
    test_group_legend();
    test_history();
    test_all_sizes();
    return CHECK_DONE();
}
