/* tests/test_layout.c — the pure panel layout: every rect inside the screen,
 * panels never overlap and tile the screen exactly, the help overlay fits,
 * and sizes below LAYOUT_MIN_* (including 0x0, 1x1 and negatives) are
 * flagged too_small with every rect empty. No curses involved. */
#include "check.h"
#include "live/layout.h"

static void check_size(int rows, int cols)
{
    ui_layout l;
    layout_compute(rows, cols, &l);
    CHECK(l.rows == rows && l.cols == cols);
    int small = rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS;
    CHECK_MSG(l.too_small == small, "%dx%d too_small=%d", cols, rows, l.too_small);
    if (small) {
        int all_empty = rect_empty(l.help);
        for (int p = 0; p < PANEL_COUNT; p++)
            all_empty &= rect_empty(l.panel[p]);
        CHECK_MSG(all_empty, "%dx%d: too small but a rect is set", cols, rows);
        return;
    }
    long area = 0;
    int ok_inside = 1, ok_nonempty = 1, ok_disjoint = 1;
    for (int p = 0; p < PANEL_COUNT; p++) {
        ui_rect r = l.panel[p];
        ok_inside &= rect_inside(r, rows, cols);
        ok_nonempty &= !rect_empty(r);
        area += (long)r.h * r.w;
        for (int q = p + 1; q < PANEL_COUNT; q++)
            if (rect_overlap(r, l.panel[q])) {
                ok_disjoint = 0;
                fprintf(stderr, "%dx%d: panels %d and %d overlap\n", cols, rows, p, q);
            }
    }
    CHECK_MSG(ok_inside, "%dx%d: a panel leaves the screen", cols, rows);
    CHECK_MSG(ok_nonempty, "%dx%d: an empty panel", cols, rows);
    CHECK(ok_disjoint);
    CHECK_MSG(area == (long)rows * cols, "%dx%d: panels cover %ld of %ld cells", cols, rows, area,
              (long)rows * cols);
    CHECK_MSG(rect_inside(l.help, rows, cols) && !rect_empty(l.help), "%dx%d: help rect", cols, rows);
    /* the plots and the status panel leave room for a boxed body */
    CHECK_MSG(l.panel[PANEL_LB].h >= 5 && l.panel[PANEL_ESS].h >= 5 && l.panel[PANEL_LB].w >= 30,
              "%dx%d: plots too small", cols, rows);
    CHECK_MSG(l.panel[PANEL_STATUS].w >= 30 && l.panel[PANEL_LOG].h >= 3, "%dx%d: status/log", cols,
              rows);
    CHECK(l.panel[PANEL_TITLE].y == 0 && l.panel[PANEL_TITLE].h == 1);
    CHECK(l.panel[PANEL_MSG].y == rows - 1 && l.panel[PANEL_MSG].h == 1);
}

int main(void)
{
    /* rect helpers */
    ui_rect a = {0, 0, 2, 2}, b = {1, 1, 2, 2}, c = {2, 0, 1, 5}, e = {0, 0, 0, 9};
    CHECK(rect_overlap(a, b) && rect_overlap(b, a));
    CHECK(!rect_overlap(a, c));
    CHECK(!rect_overlap(a, e) && rect_empty(e));
    CHECK(rect_inside(a, 2, 2) && !rect_inside(b, 2, 2));

    int sizes[][2] = {{0, 0},   {1, 1},    {5, 20},   {8, 30},   {-3, -7},  {12, 40},
                      {15, 60}, {16, 59},  {16, 60},  {24, 80},  {40, 120}, {50, 200},
                      {17, 61}, {300, 60}, {16, 1000}, {100, 400}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_size(sizes[i][0], sizes[i][1]);
    for (int rows = 0; rows <= 70; rows++)
        for (int cols = 0; cols <= 260; cols += (cols < 70 ? 1 : 7))
            check_size(rows, cols);

    ui_layout l;
    layout_compute(LAYOUT_MIN_ROWS, LAYOUT_MIN_COLS, &l);
    CHECK(!l.too_small);
    layout_compute(LAYOUT_MIN_ROWS - 1, LAYOUT_MIN_COLS, &l);
    CHECK(l.too_small);
    layout_compute(LAYOUT_MIN_ROWS, LAYOUT_MIN_COLS - 1, &l);
    CHECK(l.too_small);
    return CHECK_DONE();
}
