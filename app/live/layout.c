/* app/live/layout.c — pure panel geometry (see layout.h). */
#include "live/layout.h"

#include <string.h>

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static ui_rect rect(int y, int x, int h, int w)
{
    ui_rect r = {y, x, h, w};
    return r;
}

void layout_compute(int rows, int cols, ui_layout *out)
{
    memset(out, 0, sizeof *out);
    out->rows = rows;
    out->cols = cols;
    if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
        out->too_small = 1;
        return;
    }
    int body_y = 1, body_h = rows - 2;
    int log_h = clampi(body_h / 4, 3, 12);
    int upper_h = body_h - log_h;
    int status_w = clampi(cols * 3 / 10, 30, 44);
    int plot_w = cols - status_w;
    int lb_h = (upper_h + 1) / 2;

    out->panel[PANEL_TITLE] = rect(0, 0, 1, cols);
    out->panel[PANEL_LB] = rect(body_y, 0, lb_h, plot_w);
    out->panel[PANEL_ESS] = rect(body_y + lb_h, 0, upper_h - lb_h, plot_w);
    out->panel[PANEL_STATUS] = rect(body_y, plot_w, upper_h, status_w);
    out->panel[PANEL_LOG] = rect(body_y + upper_h, 0, log_h, cols);
    out->panel[PANEL_MSG] = rect(rows - 1, 0, 1, cols);

    int hh = clampi(34, 1, rows - 2), hw = clampi(80, 1, cols - 4); /* every key of the table */
    out->help = rect((rows - hh) / 2, (cols - hw) / 2, hh, hw);
}

int rect_empty(ui_rect r)
{
    return r.h <= 0 || r.w <= 0;
}

int rect_inside(ui_rect r, int rows, int cols)
{
    return r.y >= 0 && r.x >= 0 && r.h >= 0 && r.w >= 0 && r.y + r.h <= rows && r.x + r.w <= cols;
}

int rect_overlap(ui_rect a, ui_rect b)
{
    if (rect_empty(a) || rect_empty(b))
        return 0;
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
