/* app/live/tui_view.c — reading the curve panels precisely (log axes,
 * smoothing, cursor, zoom, mouse) and the watch mode of the terminal UI
 * (irvi watch: runs followed from their metrics.jsonl). The keys are rows of
 * the one key table in tui.c; this file holds what they do. UI thread only. */
#include "live/tui_impl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const double tui_zooms[3] = {1.0, 0.5, 0.1};

static void dirty_plots(tui *t)
{
    t->dirty[PANEL_LB] = t->dirty[PANEL_ESS] = 1;
    t->urgent = 1;
}

/* ---- view keys (every curve panel) -------------------------------------------- */

void key_cursor(tui *t, int key)
{
    int right = key == KEY_RIGHT || key == KEY_SRIGHT;
    double step = key == KEY_SLEFT || key == KEY_SRIGHT ? 0.1 : 0.02;
    if (t->view.cursor < 0)
        t->view.cursor = 1.0; /* appears at the newest point */
    else
        t->view.cursor += right ? step : -step;
    if (t->view.cursor < 0)
        t->view.cursor = 0;
    if (t->view.cursor > 1)
        t->view.cursor = 1;
    dirty_plots(t);
}

void key_cursor_off(tui *t, int key)
{
    (void)key;
    if (t->view.cursor >= 0) {
        t->view.cursor = -1;
        dirty_plots(t);
        tui_msg(t, 0, "cursor off");
    }
}

void key_ylog(tui *t, int key)
{
    if (key == 'L') {
        t->view.xlog = !t->view.xlog;
        tui_msg(t, 0, "x axis: %s", t->view.xlog ? "log (x > 0 only)" : "linear");
    } else {
        t->view.ylog = !t->view.ylog;
        tui_msg(t, 0, "y axis: %s", t->view.ylog ? "log of best - value + eps" : "linear");
    }
    dirty_plots(t);
}

void key_smooth(tui *t, int key)
{
    t->view.smooth = plot_smooth_step(t->view.smooth, key == ']' ? 1 : -1);
    if (t->view.smooth > 0)
        tui_msg(t, 0, "smoothing: EMA weight %.2f (raw curve dim behind)", t->view.smooth);
    else
        tui_msg(t, 0, "smoothing: off");
    dirty_plots(t);
}

static void set_zoom(tui *t, int z)
{
    t->view.zoom = z < 0 ? 0 : z > 2 ? 2 : z;
    static const char *const names[3] = {"the whole run", "the last 50%", "the last 10%"};
    tui_msg(t, 0, "zoom: %s", names[t->view.zoom]);
    dirty_plots(t);
}

void key_zoom(tui *t, int key)
{
    (void)key;
    set_zoom(t, (t->view.zoom + 1) % 3);
}

void key_mouse(tui *t, int key)
{
    (void)key;
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return;
    if (ev.bstate & BUTTON4_PRESSED) {
        set_zoom(t, t->view.zoom + 1);
        return;
    }
    if (ev.bstate & BUTTON5_PRESSED) {
        set_zoom(t, t->view.zoom - 1);
        return;
    }
    if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED)))
        return;
    for (int p = PANEL_LB; p <= PANEL_ESS; p++) {
        ui_rect r = t->lay.panel[p];
        const plot_area *a = &t->area[p];
        /* the plot's cells start one in from the panel's box */
        int x = ev.x - r.x - 1 - a->x0;
        if (ev.y > r.y && ev.y < r.y + r.h - 1 && a->w > 1 && x >= 0 && x < a->w) {
            t->view.cursor = (double)x / (a->w - 1);
            dirty_plots(t);
            return;
        }
    }
}

/* the title suffix telling how a panel is read */
void tui_view_note(const tui *t, char *buf, size_t cap, double best)
{
    const char *dot = tui_sym(t, " · ", " - ");
    size_t n = 0;
    buf[0] = 0;
    if (t->view.ylog && n < cap) {
        char b[32];
        plot_format_value(best, b, sizeof b);
        n += (size_t)snprintf(buf + n, cap - n, "%slog y: best %s value + %s, best %s", dot,
                              tui_sym(t, "−", "-"), tui_sym(t, "ε", "eps"), b);
    }
    if (t->view.xlog && n < cap)
        n += (size_t)snprintf(buf + n, cap - n, "%slog x", dot);
    if (t->view.smooth > 0 && n < cap)
        n += (size_t)snprintf(buf + n, cap - n, "%sEMA %.2f", dot, t->view.smooth);
    if (t->view.zoom && n < cap)
        snprintf(buf + n, cap - n, "%slast %d%%", dot, (int)(tui_zooms[t->view.zoom] * 100 + 0.5));
}

void tui_view_apply(const tui *t, plot_spec *sp)
{
    sp->xlog = t->view.xlog;
    sp->ylog = t->view.ylog;
    sp->smooth = t->view.smooth;
    sp->zoom = tui_zooms[t->view.zoom];
    sp->cursor_on = t->view.cursor >= 0;
    sp->cursor = t->view.cursor;
}

/* ---- watch ------------------------------------------------------------------------ */

int tui_run_color(int i)
{
    static const int slots[] = {TC_TRAIN, TC_VALID, TC_VALID0, TC_REFINE, TC_DIGIT, TC_WARN};
    return slots[i % (int)(sizeof slots / sizeof slots[0])];
}

static void need_watch(tui *t, const char *what)
{
    tui_msg(t, 1, "%s: only in irvi watch (runs side by side)", what);
}

void key_run_toggle(tui *t, int key)
{
    if (!t->watch) {
        need_watch(t, "1-9");
        return;
    }
    int i = key - '1';
    if (i < 0 || i >= t->watch->n) {
        tui_msg(t, 1, "no run %d (%d runs)", i + 1, t->watch->n);
        return;
    }
    watch_run *r = &t->watch->run[i];
    r->hidden = !r->hidden;
    tui_msg(t, 0, "run %d %s: %s", i + 1, r->label, r->hidden ? "hidden" : "shown");
    dirty_plots(t);
    t->dirty[PANEL_STATUS] = 1;
}

void key_highlight(tui *t, int key)
{
    (void)key;
    if (!t->watch) {
        need_watch(t, "h / Tab");
        return;
    }
    t->whigh = t->whigh >= t->watch->n ? 0 : t->whigh + 1;
    if (t->whigh)
        tui_msg(t, 0, "highlighted: run %d %s", t->whigh, t->watch->run[t->whigh - 1].label);
    else
        tui_msg(t, 0, "no run highlighted");
    dirty_plots(t);
    t->dirty[PANEL_STATUS] = 1;
}

void key_wseries(tui *t, int key)
{
    (void)key;
    if (!t->watch) {
        need_watch(t, "v");
        return;
    }
    t->wseries = (watch_series)((t->wseries + 1) % WS_VALID_ESS); /* the bounds, not ESS */
    tui_msg(t, 0, "upper panel: %s", watch_series_key[t->wseries]);
    dirty_plots(t);
}

static void watch_log(void *ctx, const char *line)
{
    tui_log_line((tui *)ctx, line);
}

void tui_watch_started(tui *t)
{
    char line[200];
    for (int i = 0; i < t->watch->n; i++) {
        snprintf(line, sizeof line, "run %d %s: %.150s", i + 1, t->watch->run[i].label,
                 t->watch->run[i].file);
        tui_log_line(t, line);
    }
}

void tui_watch_drain(tui *t)
{
    long now = tui_now_ms();
    if (t->wpoll_ms && now - t->wpoll_ms < TUI_WATCH_POLL_MS)
        return;
    t->wpoll_ms = now;
    if (watch_poll(t->watch, watch_log, t) > 0) {
        t->dirty[PANEL_LB] = t->dirty[PANEL_ESS] = t->dirty[PANEL_STATUS] = 1;
    }
}

void tui_watch_export(tui *t)
{
    char stamp[32], png[64], csv[64], err[256];
    time_t now = time(NULL);
    struct tm tmv;
    localtime_r(&now, &tmv);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tmv);
    snprintf(png, sizeof png, "irvi-watch-%s.png", stamp);
    snprintf(csv, sizeof csv, "irvi-watch-%s.csv", stamp);
    watch_view v = {t->wseries, t->xaxis, t->view.xlog, t->view.ylog, t->view.smooth,
                    tui_zooms[t->view.zoom], t->whigh};
    if (watch_write_png(t->watch, png, &v, err, sizeof err) != 0 ||
        watch_write_csv(t->watch, csv, err, sizeof err) != 0)
        tui_msg(t, 1, "export failed: %s", err);
    else
        tui_msg(t, 0, "export: %s and %s", png, csv);
}

/* the watch curves of a panel: one line per shown run in the order given
 * (stable legend), the others dim while one is highlighted */
void tui_watch_lines(const tui *t, int panel, plot_spec *sp)
{
    watch_series ws = panel == PANEL_LB ? t->wseries : WS_VALID_ESS;
    int hi = t->whigh - 1;
    for (int i = 0; i < t->watch->n && sp->nlines < PLOT_MAX_LINES; i++) {
        const watch_run *r = &t->watch->run[i];
        if (r->hidden)
            continue;
        if (hi >= 0 && i != hi)
            sp->dim_lines |= 1u << sp->nlines;
        sp->line[sp->nlines++] = (plot_line){&r->s[ws], r->label, tui_run_color(r->color), 0};
    }
}
