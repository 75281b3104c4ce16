/* app/live/tui_draw.c — drawing the terminal UI's panels (state in tui_impl.h).
 *
 * Each panel has its own WINDOW, recreated on every resize from the pure
 * layout (layout.c). A panel is redrawn only when dirty; each redraw ends in
 * wnoutrefresh and the frame ends in one doupdate. The help overlay is a
 * window over the others and is refreshed last whenever anything under it
 * changed. Threading: UI thread only. */
#include "live/tui_impl.h"

#include "common/sysutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ---- text helpers ----------------------------------------------------------- */

/* Write UTF-8 (or plain) text at (y, x) clipped to maxw columns; invalid
 * bytes show as '?'. Returns the columns used. */
static int put_str(WINDOW *w, int y, int x, int maxw, int attr, const char *s)
{
    wchar_t buf[256];
    int n = 0, cols = 0;
    mbstate_t ms;
    memset(&ms, 0, sizeof ms);
    size_t len = strlen(s);
    while (len > 0 && n < 255) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, len, &ms);
        if (k == 0)
            break;
        if (k == (size_t)-1 || k == (size_t)-2) {
            wc = L'?';
            k = 1;
            memset(&ms, 0, sizeof ms);
        }
        int cw = wcwidth(wc);
        if (cw < 0) {
            wc = L'?';
            cw = 1;
        }
        if (cols + cw > maxw)
            break;
        buf[n++] = wc;
        cols += cw;
        s += k;
        len -= k;
    }
    buf[n] = 0;
    if (n > 0) {
        wattron(w, attr);
        mvwaddnwstr(w, y, x, buf, n);
        wattroff(w, attr);
    }
    return cols;
}

static int put_fmt(WINDOW *w, int y, int x, int maxw, int attr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int put_fmt(WINDOW *w, int y, int x, int maxw, int attr, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return put_str(w, y, x, maxw, attr, buf);
}

static int text_cols(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* s shortened from the left to fit maxw columns ("…/runs/a/checkpoint.irvi") */
static const char *tail_fit(const tui *t, const char *s, int maxw, char *buf, size_t cap)
{
    int n = text_cols(s);
    if (n <= maxw || maxw < 4)
        return s;
    const char *ell = tui_sym(t, "…", "...");
    int keep = maxw - text_cols(ell);
    const char *p = s;
    while (*p && text_cols(p) > keep)
        p++;
    while ((*p & 0xC0) == 0x80)
        p++;
    snprintf(buf, cap, "%s%s", ell, p);
    return buf;
}

static int cell_attr(const tui *t, int color)
{
    if (color == PLOT_COLOR_AXIS)
        return t->attr[TC_AXIS];
    if (color > 0 && color < TC_COUNT)
        return t->attr[color];
    return A_NORMAL;
}

static void put_cell(const tui *t, WINDOW *w, int y, int x, const plot_cell *c)
{
    int attr = cell_attr(t, c->color);
    if (c->dim)
        attr = (attr & ~A_BOLD) | A_DIM;
    if (t->utf8) {
        cchar_t cc;
        wchar_t wc[2] = {(wchar_t)c->ch, 0};
        setcchar(&cc, wc, (attr_t)(attr & ~A_COLOR), (short)PAIR_NUMBER(attr), NULL);
        mvwadd_wch(w, y, x, &cc);
    } else {
        mvwaddch(w, y, x, (chtype)(c->ch < 128 ? c->ch : '?') | (chtype)attr);
    }
}

static void frame_box(const tui *t, WINDOW *w, const char *title)
{
    box(w, 0, 0);
    int wd = getmaxx(w);
    if (wd > 6)
        put_fmt(w, 0, 2, wd - 4, A_BOLD, " %s ", title);
    (void)t;
}

/* ---- windows ------------------------------------------------------------------ */

void tui_windows_free(tui *t)
{
    for (int p = 0; p < PANEL_COUNT; p++) {
        if (t->win[p])
            delwin(t->win[p]);
        t->win[p] = NULL;
    }
    if (t->help_win)
        delwin(t->help_win);
    t->help_win = NULL;
}

void tui_windows_create(tui *t)
{
    if (t->lay.too_small)
        return;
    for (int p = 0; p < PANEL_COUNT; p++) {
        ui_rect r = t->lay.panel[p];
        if (!rect_empty(r))
            t->win[p] = newwin(r.h, r.w, r.y, r.x);
    }
    ui_rect h = t->lay.help;
    if (!rect_empty(h))
        t->help_win = newwin(h.h, h.w, h.y, h.x);
}

/* ---- panels ------------------------------------------------------------------- */

static const char *state_text(const tui *t, int *attr)
{
    *attr = t->attr[TC_REFINE];
    if (!t->have_status) {
        *attr = A_NORMAL;
        return "waiting for the engine";
    }
    if (t->watch)
        return "following";
    if (t->st.finished) {
        *attr = t->attr[TC_VALID];
        return "finished";
    }
    if (t->quit_wanted) {
        *attr = t->attr[TC_MSG];
        return "quitting";
    }
    if (t->st.paused) {
        *attr = t->attr[TC_MSG];
        return "paused";
    }
    return "running";
}

static void draw_title(tui *t, WINDOW *w)
{
    int wd = getmaxx(w);
    int a = t->attr[TC_TITLE];
    werase(w);
    wattron(w, a);
    mvwhline(w, 0, 0, ' ', wd);
    wattroff(w, a);
    const char *dot = tui_sym(t, " · ", " - ");
    char left[256];
    if (t->watch)
        snprintf(left, sizeof left, " irvi%swatch%s%d run%s", dot, dot, t->watch->n,
                 t->watch->n == 1 ? "" : "s");
    else if (t->have_status)
        snprintf(left, sizeof left, " irvi%s%s%s%s%s%s%s%s", dot,
                 t->st.mode == MODE_REFINE ? "refinement lab" : "training", dot, t->st.dataset, dot,
                 t->st.model, dot, t->st.algo);
    else
        snprintf(left, sizeof left, " irvi%sstarting", dot);
    int sa;
    const char *state = state_text(t, &sa);
    char right[96];
    snprintf(right, sizeof right, "[%s]  ? help  q quit ", state);
    int rw = text_cols(right);
    if (rw + 10 > wd)
        rw = 0;
    put_str(w, 0, 0, wd - rw - 1, a | A_BOLD, left);
    if (rw)
        put_str(w, 0, wd - rw, rw, a, right);
    wnoutrefresh(w);
}

static void draw_plot(tui *t, int panel)
{
    WINDOW *w = t->win[panel];
    int h, wd;
    getmaxyx(w, h, wd);
    werase(w);
    int refine = !t->watch && t->have_status && t->st.mode == MODE_REFINE;
    int lb = panel == PANEL_LB;
    plot_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.utf8 = t->utf8;
    char focus_name[48];
    if (refine) {
        /* every chosen digit dim, the highlighted one (f) and the means on
         * top; the lower panel's KL view (p) shows the exact KL instead of
         * the ESS curves */
        int kl = !lb && t->lab_kl;
        const curve_def *each = NULL;
        for (int k = 0; k < curve_count; k++)
            if (curve_table[k].lab && curve_table[k].panel == panel &&
                curve_table[k].from == CURVE_FROM_DIGIT && !kl)
                each = &curve_table[k];
        int nd = t->st.ndigits < LINK_MAX_DIGITS ? t->st.ndigits : LINK_MAX_DIGITS;
        int focus = t->focus - 1;
        for (int d = 0; each && d < nd; d++)
            if (d != focus) {
                const char *name = sp.nlines ? NULL : each->tui_name; /* one legend entry */
                sp.line[sp.nlines++] = (plot_line){&t->hist[each->id + d], name, each->tui_color, 1};
            }
        if (each && focus >= 0 && focus < nd) {
            snprintf(focus_name, sizeof focus_name, "digit %d", t->st.digits[focus]);
            sp.line[sp.nlines++] = (plot_line){&t->hist[each->id + focus], focus_name, TC_VALID, 0};
        }
        for (int k = 0; k < curve_count; k++) {
            const curve_def *c = &curve_table[k];
            if (!c->lab || c->panel != panel || c->from == CURVE_FROM_DIGIT)
                continue;
            if ((!lb && c->exact != kl) || (c->exact && t->hist[c->id].raw == 0))
                continue;
            sp.line[sp.nlines++] = (plot_line){&t->hist[c->id], c->tui_name, c->tui_color, 0};
        }
        sp.xaxis = PLOT_X_EPOCH;
        sp.xlabel = "refinement step";
        sp.empty_note = "r refines the chosen digits (d, c choose them)";
    } else if (t->watch) {
        tui_watch_lines(t, panel, &sp);
    } else {
        /* the panel's training curves in their legend order */
        for (int rank = 0; rank < curve_count; rank++)
            for (int k = 0; k < curve_count; k++) {
                const curve_def *c = &curve_table[k];
                if (!c->lab && c->panel == panel && c->tui_rank == rank)
                    sp.line[sp.nlines++] = (plot_line){&t->hist[c->id], c->tui_name, c->tui_color, 0};
            }
    }
    if (!refine) {
        static const char *const names[PLOT_X_COUNT] = {"epoch", "updates", "seconds"};
        sp.xaxis = t->xaxis;
        sp.xlabel = names[t->xaxis];
        sp.empty_note = tui_sym(t, "waiting for data…", "waiting for data...");
    }
    tui_view_apply(t, &sp);
    box(w, 0, 0);
    const char *title = lb ? (refine ? "lower bound of the chosen digits" : "lower bound")
                           : (refine ? (t->lab_kl ? "exact KL(q_k || p(h|x)) of the chosen digits, nats"
                                                  : "normalized ESS of the chosen digits")
                                     : "normalized ESS");
    if (t->watch)
        title = lb ? watch_series_key[t->wseries] : "valid_ess";
    int ih = h - 2, iw = wd - 2;
    if (ih > 0 && iw > 0) {
        size_t need = (size_t)ih * (size_t)iw;
        if (need > t->ncells) {
            plot_cell *c = realloc(t->cells, need * sizeof *c);
            if (!c)
                return;
            t->cells = c;
            t->ncells = need;
        }
        plot_render_area(&sp, t->cells, iw, ih, &t->area[panel]);
        for (int r = 0; r < ih; r++)
            for (int c = 0; c < iw; c++) {
                const plot_cell *pc = &t->cells[r * iw + c];
                if (pc->ch != ' ')
                    put_cell(t, w, 1 + r, 1 + c, pc);
            }
    }
    char note[160];
    tui_view_note(t, note, sizeof note, t->area[panel].best);
    if (wd > 6)
        put_fmt(w, 0, 2, wd - 4, A_BOLD, " %s%s ", title, note);
    wnoutrefresh(w);
}

typedef struct {
    WINDOW *w;
    int y, maxy, iw;
} rows;

static void row_kv(rows *r, const char *label, int attr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void row_kv(rows *r, const char *label, int attr, const char *fmt, ...)
{
    if (r->y >= r->maxy)
        return;
    char val[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(val, sizeof val, fmt, ap);
    va_end(ap);
    int lw = put_str(r->w, r->y, 2, r->iw - 1, A_NORMAL, label);
    int vx = lw < 11 ? 13 : 2 + lw + 1, vw = r->iw + 1 - vx;
    if (vw <= 0) {
        r->y++;
        return;
    }
    /* long values wrap onto further lines in the value column */
    const char *p = val;
    do {
        char chunk[300];
        int n = 0, cols = 0;
        int brk = 0; /* the last space that fits: wrap between words */
        while (p[n] && cols < vw) {
            n++;
            while ((p[n] & 0xC0) == 0x80)
                n++;
            cols++;
            if (p[n] == ' ')
                brk = n;
        }
        if (p[n] && p[n] != ' ' && brk > 0)
            n = brk;
        memcpy(chunk, p, (size_t)n);
        chunk[n] = 0;
        put_str(r->w, r->y++, vx, vw, attr, chunk);
        p += n;
        while (*p == ' ')
            p++;
    } while (*p && r->y < r->maxy);
}

static void draw_status(tui *t, WINDOW *w)
{
    int h, wd;
    getmaxyx(w, h, wd);
    werase(w);
    frame_box(t, w, t->watch ? "runs" : "status");
    rows r = {w, 1, h - 1, wd - 2};
    if (t->watch) {
        /* one row per run: key, colour, label, rows read, last epoch, best */
        for (int i = 0; i < t->watch->n && r.y < r.maxy; i++) {
            const watch_run *run = &t->watch->run[i];
            char best[32] = "-";
            double b = -1.0 / 0.0;
            for (int k = 0; k < run->n; k++)
                if (run->rec[k].v[WS_VALID_LB] > b)
                    b = run->rec[k].v[WS_VALID_LB];
            if (run->n)
                plot_format_value(b, best, sizeof best);
            int a = run->hidden ? (int)A_DIM : t->attr[tui_run_color(run->color)];
            if (t->whigh == i + 1)
                a |= A_REVERSE;
            int x = 2;
            x += put_fmt(w, r.y, x, r.iw - 1, A_NORMAL, "%d ", i + 1);
            x += put_fmt(w, r.y, x, r.iw - x + 1, a, "%s %s", tui_sym(t, "━", "*"), run->label);
            if (r.y + 1 < r.maxy)
                put_fmt(w, ++r.y, 4, r.iw - 3, run->hidden ? A_DIM : A_NORMAL,
                        "%s%s ep %g  best %s", run->hidden ? "hidden  " : "", run->seen ? "" : "no file  ",
                        run->n ? run->rec[run->n - 1].epoch : 0.0, best);
            r.y++;
        }
        return;
    }
    const app_status *s = &t->st;
    int sa;
    const char *state = state_text(t, &sa);
    if (t->have_status && s->finished && s->exit_code)
        row_kv(&r, "state", t->attr[TC_WARN], "%s (exit %d)", state, s->exit_code);
    else
        row_kv(&r, "state", sa, "%s", state);
    if (!t->have_status)
        return;
    char v[64], buf[300];
    row_kv(&r, "mode", A_NORMAL, "%s", s->mode == MODE_REFINE ? "refinement lab" : "training");
    row_kv(&r, "dataset", A_NORMAL, "%s", s->dataset);
    row_kv(&r, "model", A_NORMAL, "%s", s->model);
    row_kv(&r, "algorithm", A_NORMAL, "%s", s->algo);
    row_kv(&r, "K / M", A_NORMAL, "%d / %d", s->K, s->M);
    row_kv(&r, tui_sym(t, "γ", "gamma"), A_NORMAL, "%.4g", (double)s->gamma);
    row_kv(&r, "simplified", A_NORMAL, "%s", s->simplified ? "on" : "off");
    if (s->mode == MODE_REFINE) { /* the lab: no training fields */
        plot_format_value(s->last_lb, v, sizeof v);
        row_kv(&r, "mean LB", t->attr[TC_TRAIN], "%s", v);
        plot_format_value(s->last_ess, v, sizeof v);
        row_kv(&r, "mean ESS", t->attr[TC_TRAIN], "%s", v);
        const plot_series *kl = &t->hist[SERIES_EXACT_KL], *ll = &t->hist[SERIES_EXACT_LL];
        if (kl->raw > 0 && ll->raw > 0) { /* the truth the estimates aim at */
            plot_format_value(ll->last_y, v, sizeof v);
            row_kv(&r, "log p(x)", t->attr[TC_REFINE], "%s exact", v);
            plot_format_value(kl->last_y, v, sizeof v);
            row_kv(&r, "exact KL", t->attr[TC_REFINE], "%s (p: plot)", v);
        }
    } else {
        int ep = s->epoch + 1 > s->epochs && s->epochs > 0 ? s->epochs : s->epoch + 1;
        row_kv(&r, "epoch", A_NORMAL, "%d / %d", ep, s->epochs);
        row_kv(&r, "batch", A_NORMAL, "%d / %d", s->batch, s->batches);
        row_kv(&r, "updates", A_NORMAL, "%ld", s->updates);
        row_kv(&r, "speed", A_NORMAL, "%.0f ex/s", s->examples_per_s);
        char ve[32];
        app_fmt_duration(s->eta_run_seconds, v, sizeof v);
        app_fmt_duration(s->eta_seconds, ve, sizeof ve);
        row_kv(&r, "ETA", A_NORMAL, "%s (epoch %s)", v, ve);
        plot_format_value(s->last_lb, v, sizeof v);
        row_kv(&r, "last LB", t->attr[TC_TRAIN], "%s", v);
        plot_format_value(s->last_ess, v, sizeof v);
        row_kv(&r, "last ESS", t->attr[TC_TRAIN], "%s", v);
        if (isfinite(s->best_valid_lb))
            plot_format_value(s->best_valid_lb, v, sizeof v);
        else
            snprintf(v, sizeof v, "-");
        row_kv(&r, "best valid", t->attr[TC_VALID], "%s", v);
    }
    row_kv(&r, "refined", A_NORMAL, "%d steps", s->refine_steps);
    /* refinement that lowers the bound reads as "broken" unless something says
     * why: on a young model at gamma 0.1 the importance weights degenerate */
    if (isfinite(s->last_lb) && isfinite(s->last_lb0) && s->last_lb < s->last_lb0 - 0.05)
        row_kv(&r, "why", t->attr[TC_WARN],
               "refined LB below q0's (ESS %.3f): the weights degenerate on a young model; "
               "refinement helps once it has trained (irvi refine: the reference model)",
               s->last_ess);
    if (s->checkpoint[0] && r.y + 1 < r.maxy) {
        row_kv(&r, "checkpoint", A_NORMAL, "%s", "");
        put_str(w, r.y++, 3, r.iw - 2, A_NORMAL,
                tail_fit(t, s->checkpoint, r.iw - 2, buf, sizeof buf));
    }
    const char *note = t->note[0] ? t->note : s->display_note;
    if (note[0])
        row_kv(&r, "display", A_NORMAL, "%s", note);
    if (t->pt_dropped)
        row_kv(&r, "dropped", t->attr[TC_WARN], "%llu points", (unsigned long long)t->pt_dropped);
}

static void draw_log(tui *t, WINDOW *w)
{
    int h, wd;
    getmaxyx(w, h, wd);
    werase(w);
    frame_box(t, w, "log");
    int rowsn = h - 2, n = t->log_n < rowsn ? t->log_n : rowsn;
    for (int i = 0; i < n; i++) {
        int idx = (t->log_head + t->log_n - n + i) % TUI_LOG_KEEP;
        put_str(w, 1 + i, 2, wd - 3, A_NORMAL, t->log[idx]);
    }
}

static void draw_msg(tui *t, WINDOW *w)
{
    int wd = getmaxx(w);
    werase(w);
    if (t->prompt != PROMPT_NONE) {
        int dg = t->prompt == PROMPT_DIGITS;
        put_fmt(w, 0, 1, wd - 1, t->attr[TC_MSG], "%s %s_   Enter ok, Esc cancel (e.g. %s)",
                dg ? "digits:" : "class:", t->input, dg ? "3,17,42" : "7 x5");
    } else if (t->msg_until) {
        put_str(w, 0, 1, wd - 1, t->attr[t->msg_warn ? TC_WARN : TC_MSG], t->msg);
    } else if (t->watch) {
        put_str(w, 0, 1, wd - 1, A_DIM,
                "1-9 show/hide  h highlight  v series  x axis  l/L log  [ ] smooth  "
                "z zoom  arrows cursor  e export  ? help  q quit");
    } else if (0) {
        put_str(w, 0, 1, wd - 1, t->attr[t->msg_warn ? TC_WARN : TC_MSG], t->msg);
    } else {
        put_str(w, 0, 1, wd - 1, A_DIM,
                "space pause  n step  r refine  d/c digits  k/K m/M g/G  x axis  "
                "e export  w save  ? help  q quit");
    }
}

static void draw_help(tui *t, WINDOW *w)
{
    int h, wd;
    getmaxyx(w, h, wd);
    werase(w);
    frame_box(t, w, "keys");
    /* from the key table (tui.c), then how to close the overlay */
    char lines[48][128];
    int n = 0;
    for (int k = 0; k < t->nkeys && n < 46; k++) {
        const tui_key *key = &t->keys[k];
        if (key->help)
            /* pad by columns, not bytes: labels may hold arrows */
            snprintf(lines[n++], sizeof lines[0], "%s%*s%s", key->label,
                     text_cols(key->label) < 12 ? 12 - text_cols(key->label) : 1, "",
                     tui_sym(t, key->help, key->help_ascii ? key->help_ascii : key->help));
    }
    lines[n++][0] = 0;
    snprintf(lines[n++], sizeof lines[0], "? F1 Esc Enter close this help; other keys still work");

    for (int i = 0; i < n && 1 + i < h - 1; i++)
        put_str(w, 1 + i, 2, wd - 4, i == n - 1 ? A_DIM : A_NORMAL, lines[i]);
    wnoutrefresh(w);
}

static void draw_too_small(tui *t)
{
    int rows = LINES, cols = COLS;
    werase(stdscr);
    char need[64], have[64], one[160];
    snprintf(need, sizeof need, "need %dx%d", LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
    snprintf(have, sizeof have, "have %dx%d", cols, rows);
    snprintf(one, sizeof one, "terminal too small (%s, %s)", need, have);
    const char *lines[5];
    int n = 0;
    if ((int)strlen(one) <= cols) {
        lines[n++] = one;
    } else {
        lines[n++] = "terminal too small";
        lines[n++] = need;
        lines[n++] = have;
    }
    lines[n++] = "q quits";
    int y0 = (rows - n) / 2;
    if (y0 < 0)
        y0 = 0;
    for (int i = 0; i < n && y0 + i < rows; i++) {
        int len = (int)strlen(lines[i]), x = (cols - len) / 2;
        put_str(stdscr, y0 + i, x < 0 ? 0 : x, cols, i == 0 ? A_BOLD : A_NORMAL, lines[i]);
    }
    if (t->msg_until && rows >= n + 2)
        put_str(stdscr, rows - 1, 0, cols, t->attr[TC_MSG], t->msg);
    wnoutrefresh(stdscr);
}

/* ---- the frame ------------------------------------------------------------------ */

void tui_draw(tui *t)
{
    long now = (long)(app_now() * 1000);
    int any = 0;
    if (t->lay.too_small) {
        int want = t->full;
        for (int p = 0; p < PANEL_COUNT; p++) {
            want |= t->dirty[p] && (p == PANEL_MSG || p == PANEL_STATUS);
            t->dirty[p] = 0;
        }
        if (want)
            draw_too_small(t);
        t->full = t->urgent = 0;
        if (want)
            doupdate();
        return;
    }
    if (t->full) {
        werase(stdscr);
        wnoutrefresh(stdscr);
        t->full = 0;
        any = 1;
    }
    for (int p = 0; p < PANEL_COUNT; p++) {
        WINDOW *w = t->win[p];
        if (!t->dirty[p] || !w)
            continue;
        int throttled = p == PANEL_LB || p == PANEL_ESS || p == PANEL_STATUS;
        if (throttled && !t->urgent && now - t->drawn_ms[p] < TUI_PLOT_MIN_MS)
            continue;
        switch (p) {
        case PANEL_TITLE:
            draw_title(t, w);
            break;
        case PANEL_LB:
        case PANEL_ESS:
            draw_plot(t, p);
            break;
        case PANEL_STATUS:
            draw_status(t, w);
            break;
        case PANEL_LOG:
            draw_log(t, w);
            break;
        case PANEL_MSG:
            draw_msg(t, w);
            break;
        }
        wnoutrefresh(w);
        t->dirty[p] = 0;
        t->drawn_ms[p] = now;
        any = 1;
    }
    if (t->help && t->help_win && (any || t->urgent)) {
        draw_help(t, t->help_win);
        any = 1;
    }
    t->urgent = 0;
    if (any)
        doupdate();
}
