/* app/live/tui.c — the terminal UI: lifecycle, the frame loop, keys and the copy
 * of engine data into UI-owned state (drawing is in tui_draw.c).
 *
 * Design (htop's model): tui_frame waits for keys with a timeout, turns each
 * key into an app_cmd for the engine plus a visible message, drains the link
 * (points into per-series histories, log lines into a ring, the status
 * record), and redraws only dirty panels. Nothing here blocks on the engine:
 * a full command queue drops the command and says so on the message line.
 *
 * Threading: UI thread only (see tui.h). */
#include "live/tui.h"
#include "live/inspector.h"
#include "live/tui_impl.h"

#include "common/sysutil.h"

#include <locale.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_curses_active;

long tui_now_ms(void)
{
    return (long)(app_now() * 1000);
}

/* ---- messages and commands ------------------------------------------------ */

void tui_msg(tui *t, int warn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
    t->msg_warn = warn;
    t->msg_until = tui_now_ms() + TUI_MSG_MS;
    t->dirty[PANEL_MSG] = 1;
    t->urgent = 1;
}

/* Send a command; on a full queue say so. Returns 0 if sent. */
static int send_cmd(tui *t, const app_cmd *c)
{
    if (!t->link) { /* irvi watch */
        tui_msg(t, 1, "watch: no engine here, the key is for irvi train / refine");
        return -1;
    }
    if (link_send(t->link, c) == 0)
        return 0;
    tui_msg(t, 1, "engine busy: command queue full, key ignored");
    return -1;
}

static int send_simple(tui *t, cmd_kind kind)
{
    app_cmd c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    return send_cmd(t, &c);
}

/* The value a -/+ key starts from: what the user asked for a moment ago if
 * the status has not caught up yet, else what the engine reports. */
static int recent(long at_ms)
{
    return at_ms && tui_now_ms() - at_ms < 1500;
}

static void adjust_int(tui *t, cmd_kind kind, int delta)
{
    int is_k = kind == CMD_SET_K;
    int *want = is_k ? &t->want_K : &t->want_M;
    long *at = is_k ? &t->want_K_ms : &t->want_M_ms;
    int cur = recent(*at) ? *want : is_k ? t->st.K : t->st.M;
    int lo = is_k ? 0 : 1, v = cur + delta;
    if (v < lo || v > 100000) {
        tui_msg(t, 1, "%s stays %d (range %d..100000)", is_k ? "K" : "M", cur, lo);
        return;
    }
    app_cmd c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.ival = v;
    if (send_cmd(t, &c) == 0) {
        *want = v;
        *at = tui_now_ms();
        tui_msg(t, 0, "%s = %d%s", is_k ? "K" : "M", v,
                is_k ? " refinement steps" : " samples per step");
    }
}

static void adjust_gamma(tui *t, int up)
{
    float cur = recent(t->want_gamma_ms) ? t->want_gamma : t->st.gamma;
    if (!(cur > 0))
        cur = 0.1f;
    float v = up ? cur * 1.25f : cur / 1.25f;
    if (v > 1)
        v = 1;
    if (v < 1e-4f)
        v = 1e-4f;
    if (v == cur) {
        tui_msg(t, 1, "%s stays %.4g (range (0, 1])", tui_sym(t, "γ", "gamma"), (double)cur);
        return;
    }
    app_cmd c;
    memset(&c, 0, sizeof c);
    c.kind = CMD_SET_GAMMA;
    c.fval = v;
    if (send_cmd(t, &c) == 0) {
        t->want_gamma = v;
        t->want_gamma_ms = tui_now_ms();
        tui_msg(t, 0, "%s = %.4g", tui_sym(t, "γ", "gamma"), (double)v);
    }
}

static void export_png(tui *t)
{
    char stamp[32], dir[200] = ".";
    time_t now = time(NULL);
    struct tm tmv;
    localtime_r(&now, &tmv);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tmv);
    const char *slash = strrchr(t->st.checkpoint, '/');
    if (slash && (size_t)(slash - t->st.checkpoint) < sizeof dir) {
        size_t n = (size_t)(slash - t->st.checkpoint);
        memcpy(dir, t->st.checkpoint, n);
        dir[n] = 0;
        if (n == 0)
            strcpy(dir, "/");
    }
    app_cmd c;
    memset(&c, 0, sizeof c);
    c.kind = CMD_EXPORT_PNG;
    c.ival = t->focus > 0 ? t->focus - 1 : 0; /* the inspector's digit */
    int n = snprintf(c.path, sizeof c.path, "%s/irvi-export-%s.png", dir, stamp);
    if (n < 0 || (size_t)n >= sizeof c.path)
        snprintf(c.path, sizeof c.path, "./irvi-export-%s.png", stamp);
    if (send_cmd(t, &c) == 0)
        tui_msg(t, 0, "export: %s", c.path);
}

/* "3,17,42" or "3 17 42" -> CMD_PICK_DIGITS */
static void submit_digits(tui *t)
{
    app_cmd c;
    memset(&c, 0, sizeof c);
    c.kind = CMD_PICK_DIGITS;
    const char *p = t->input;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == ';')
            p++;
        if (!*p)
            break;
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 10000000) {
            tui_msg(t, 1, "digits: '%s' is not a list of test indices (e.g. 3,17,42)", t->input);
            return;
        }
        if (c.ndigits == LINK_MAX_DIGITS) {
            tui_msg(t, 1, "digits: at most %d", LINK_MAX_DIGITS);
            return;
        }
        c.digits[c.ndigits++] = (int)v;
        p = end;
    }
    if (c.ndigits == 0) {
        tui_msg(t, 0, "digits: nothing chosen");
        return;
    }
    if (send_cmd(t, &c) == 0) {
        char list[128];
        size_t n = 0;
        list[0] = 0;
        for (int i = 0; i < c.ndigits && n < sizeof list; i++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%d", i ? "," : "", c.digits[i]);
        tui_msg(t, 0, "digits: %s", list);
    }
}

/* "7", "7 x5", "7x5", "7 5" -> CMD_PICK_CLASS (default 8 digits) */
static void submit_class(tui *t)
{
    const char *p = t->input;
    char *end;
    while (*p == ' ')
        p++;
    long cls = strtol(p, &end, 10);
    if (end == p || cls < 0 || cls > 999) {
        tui_msg(t, 1, "class: '%s' is not 'CLASS [xCOUNT]' (e.g. 7 x5)", t->input);
        return;
    }
    p = end;
    while (*p == ' ' || *p == 'x' || *p == 'X' || *p == '*')
        p++;
    long count = 8;
    if (*p) {
        count = strtol(p, &end, 10);
        while (*end == ' ')
            end++;
        if (end == p || *end || count < 1) {
            tui_msg(t, 1, "class: '%s' is not 'CLASS [xCOUNT]' (e.g. 7 x5)", t->input);
            return;
        }
    }
    if (count > LINK_MAX_DIGITS)
        count = LINK_MAX_DIGITS;
    app_cmd c;
    memset(&c, 0, sizeof c);
    c.kind = CMD_PICK_CLASS;
    c.ival = (int)cls;
    c.ival2 = (int)count;
    if (send_cmd(t, &c) == 0)
        tui_msg(t, 0, "class %ld: %ld random digits", cls, count);
}

static void prompt_key(tui *t, int key)
{
    if (key == 27) {
        t->prompt = PROMPT_NONE;
        tui_msg(t, 0, "cancelled");
        return;
    }
    if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        tui_prompt p = t->prompt;
        t->prompt = PROMPT_NONE;
        if (p == PROMPT_DIGITS)
            submit_digits(t);
        else
            submit_class(t);
        return;
    }
    if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        if (t->input_len > 0)
            t->input[--t->input_len] = 0;
    } else if (key == 21) { /* Ctrl-U */
        t->input_len = 0;
        t->input[0] = 0;
    } else if (key >= 32 && key < 127 && t->input_len + 1 < (int)sizeof t->input) {
        t->input[t->input_len++] = (char)key;
        t->input[t->input_len] = 0;
    }
    t->dirty[PANEL_MSG] = 1;
    t->urgent = 1;
}

static void start_prompt(tui *t, tui_prompt p)
{
    t->prompt = p;
    t->input_len = 0;
    t->input[0] = 0;
    t->msg_until = 0;
    t->dirty[PANEL_MSG] = 1;
    t->urgent = 1;
}

static void mark_all(tui *t)
{
    for (int p = 0; p < PANEL_COUNT; p++)
        t->dirty[p] = 1;
    t->full = 1;
    t->urgent = 1;
}

static void on_resize(tui *t)
{
    tui_windows_free(t);
    layout_compute(LINES, COLS, &t->lay);
    tui_windows_create(t);
    clearok(curscr, TRUE);
    mark_all(t);
}

static const char *const xaxis_names[PLOT_X_COUNT] = {"epochs", "updates", "seconds"};

/* f: highlight the next chosen digit's curves in the lab (then none again) */
static void cycle_focus(tui *t)
{
    int n = t->have_status ? t->st.ndigits : 0;
    if (t->st.mode != MODE_REFINE || n < 1) {
        tui_msg(t, 1, "f highlights one digit's curves in the refinement lab (irvi refine)");
        return;
    }
    t->focus = t->focus >= n ? 0 : t->focus + 1;
    t->dirty[PANEL_LB] = t->dirty[PANEL_ESS] = 1;
    if (t->focus)
        tui_msg(t, 0, "curves: digit %d (%d of %d) highlighted; f for the next",
                t->st.digits[t->focus - 1], t->focus, n);
    else
        tui_msg(t, 0, "curves: every chosen digit and their mean");
}

/* ---- the keys --------------------------------------------------------------- */

static void key_help(tui *t, int key)
{
    (void)key;
    t->help = 1;
    t->urgent = 1;
}

static void key_redraw(tui *t, int key)
{
    (void)key;
    clearok(curscr, TRUE);
    mark_all(t);
}

static void key_pause(tui *t, int key)
{
    (void)key;
    int paused = recent(t->want_paused_ms) ? t->want_paused : t->st.paused;
    if (send_simple(t, CMD_PAUSE_TOGGLE) == 0) {
        t->want_paused = !paused;
        t->want_paused_ms = tui_now_ms();
        tui_msg(t, 0, "%s", paused ? "resumed" : "paused");
    }
}

static void key_step(tui *t, int key)
{
    (void)key;
    if (!(recent(t->want_paused_ms) ? t->want_paused : t->st.paused))
        tui_msg(t, 1, "step: pause first (space), then n steps one minibatch");
    else if (send_simple(t, CMD_STEP_BATCH) == 0)
        tui_msg(t, 0, "step: 1 minibatch");
}

static void key_refine(tui *t, int key)
{
    (void)key;
    if (send_simple(t, CMD_STEP_REFINE) == 0)
        tui_msg(t, 0, "refine: 1 iteration on the chosen digits");
}

static void key_digits(tui *t, int key)
{
    (void)key;
    start_prompt(t, PROMPT_DIGITS);
}

static void key_class(tui *t, int key)
{
    (void)key;
    start_prompt(t, PROMPT_CLASS);
}

static void key_K(tui *t, int key)
{
    adjust_int(t, CMD_SET_K, key == 'k' ? -1 : 1);
}

static void key_M(tui *t, int key)
{
    adjust_int(t, CMD_SET_M, key == 'm' ? -1 : 1);
}

static void key_gamma(tui *t, int key)
{
    adjust_gamma(t, key == 'G');
}

static void key_reset(tui *t, int key)
{
    (void)key;
    if (send_simple(t, CMD_RESET_POSTERIOR) == 0)
        tui_msg(t, 0, "posterior reset to q0");
}

static void key_simplified(tui *t, int key)
{
    (void)key;
    if (send_simple(t, CMD_TOGGLE_SIMPLIFIED) == 0)
        tui_msg(t, 0, "simplified posterior: %s", t->st.simplified ? "off" : "on");
}

static void key_xaxis(tui *t, int key)
{
    (void)key;
    t->xaxis = (plot_xaxis)((t->xaxis + 1) % PLOT_X_COUNT);
    t->dirty[PANEL_LB] = t->dirty[PANEL_ESS] = 1;
    if (t->st.mode == MODE_REFINE)
        tui_msg(t, 0, "x axis: %s (refine mode plots refinement steps)", xaxis_names[t->xaxis]);
    else
        tui_msg(t, 0, "x axis: %s", xaxis_names[t->xaxis]);
}

static void key_focus(tui *t, int key)
{
    (void)key;
    cycle_focus(t);
}

static void key_lab_kl(tui *t, int key)
{
    (void)key;
    if (t->hist[SERIES_EXACT_KL].raw == 0) {
        tui_msg(t, 1, "no exact KL: only one-layer binary models of up to %d units are enumerated "
                "(and only in the lab)", IRVI_EXACT_MAX_H);
        return;
    }
    t->lab_kl = !t->lab_kl;
    t->dirty[PANEL_ESS] = 1;
}

static void key_export(tui *t, int key)
{
    (void)key;
    if (t->watch)
        tui_watch_export(t);
    else
        export_png(t);
}

static void key_save(tui *t, int key)
{
    (void)key;
    if (send_simple(t, CMD_SAVE) == 0)
        tui_msg(t, 0, "saving checkpoint%s%s", t->st.checkpoint[0] ? ": " : "",
                t->st.checkpoint);
}

static void key_quit(tui *t, int key)
{
    (void)key;
    t->quit_wanted = 1;
    t->dirty[PANEL_STATUS] = t->dirty[PANEL_TITLE] = 1;
    if (t->watch)
        return;
    if (!t->quit_sent && send_simple(t, CMD_QUIT) == 0)
        t->quit_sent = 1;
    tui_msg(t, 0, "quitting: waiting for the engine to save and stop%s", tui_sym(t, "…", "..."));
}

/* v: what the SDL window shows (inspector.h's views) */
static void key_view(tui *t, int key)
{
    if (t->watch) { /* watch has no SDL window: v picks the upper panel's series */
        key_wseries(t, key);
        return;
    }
    t->sdl_view = (t->sdl_view + 1) % VIEW_COUNT;
    tui_msg(t, 0, "SDL window: %s%s", view_name(t->sdl_view),
            t->sdl_view == VIEW_INSPECT || t->sdl_view == VIEW_FILM ? " (f picks the digit)" : "");
}

int tui_sdl_view(const tui *t)
{
    return t ? t->sdl_view : 0;
}

int tui_focus(const tui *t)
{
    return t ? t->focus : 0;
}

/* The key table: every key, what it does, and its line in the help overlay
 * (in this order). */
static const tui_key keys[] = {
    {' ', 0, "space", "pause / resume training", NULL, key_pause},
    {'n', 0, "n", "step one minibatch (while paused)", NULL, key_step},
    {'r', 0, "r", "one refinement iteration on the chosen digits", NULL, key_refine},
    {'d', 0, "d", "choose digits by test index   (digits: 3,17,42)", NULL, key_digits},
    {'c', 0, "c", "random digits of a class      (class: 7 x5)", NULL, key_class},
    {'k', 'K', "k / K", "K - / + 1   (refinement steps)", NULL, key_K},
    {'m', 'M', "m / M", "M - / + 1   (samples per refinement step)", NULL, key_M},
    {'g', 'G', "g / G", "γ down / up by a factor 1.25, within (0, 1]",
     "gamma down / up by a factor 1.25, within (0, 1]", key_gamma},
    {'0', 0, "0", "reset the posterior of the chosen digits to q0", NULL, key_reset},
    {'s', 0, "s", "toggle the simplified starting posterior", NULL, key_simplified},
    {'x', 0, "x", "x axis: epochs / updates / seconds", NULL, key_xaxis},
    {'f', 0, "f", "lab: highlight one chosen digit's curves (cycles)", NULL, key_focus},
    {'p', 0, "p", "lab: lower panel ESS / exact KL(q_k || p(h|x)) (models of <= 24 units)", NULL,
     key_lab_kl},
    {'v', 0, "v", "SDL window: digits / inspector / filmstrip / samples;  watch: upper panel "
     "valid_lb / valid_lb0 / valid_ll / train_lb", NULL, key_view},
    {'e', 0, "e", "export a PNG of the digits and the curves (watch: PNG + CSV)", NULL, key_export},
    {'w', 0, "w", "save a checkpoint now", NULL, key_save},
    {KEY_LEFT, KEY_RIGHT, "← / →", "curves: cursor left / right, every value at it (Esc: off)",
     "curves: cursor left / right, every value at it (Esc: off)", key_cursor},
    {KEY_SLEFT, KEY_SRIGHT, "S-← / S-→", "curves: cursor in bigger steps",
     "curves: cursor in bigger steps", key_cursor},
    {'l', 'L', "l / L", "curves: log y (distance to the best value) / log x", NULL, key_ylog},
    {'[', ']', "[ / ]", "curves: EMA smoothing weight down / up (raw dim behind)", NULL, key_smooth},
    {'z', 0, "z", "curves: zoom to all / the last 50% / the last 10%", NULL, key_zoom},
    {KEY_MOUSE, 0, "mouse", "curves: click puts the cursor there, wheel zooms", NULL, key_mouse},
    {'1', '2', "1 .. 9", "watch: hide / show run i", NULL, key_run_toggle},
    {'3', '4', "3", NULL, NULL, key_run_toggle},
    {'5', '6', "5", NULL, NULL, key_run_toggle},
    {'7', '8', "7", NULL, NULL, key_run_toggle},
    {'9', 0, "9", NULL, NULL, key_run_toggle},
    {'h', '\t', "h / Tab", "watch: highlight the next run", NULL, key_highlight},
    {'q', 'Q', "q", "quit (the engine saves a checkpoint first)", NULL, key_quit},
    {'?', KEY_F(1), "? / F1", "this help;  Ctrl-L redraw", NULL, key_help},
    {12, 0, "Ctrl-L", NULL, NULL, key_redraw},
    {27, 0, "Esc", NULL, NULL, key_cursor_off},
};

void tui_handle_key(tui *t, int key)
{
    if (!t || key == ERR)
        return;
    if (key == KEY_RESIZE) {
        on_resize(t);
        return;
    }
    if (t->prompt != PROMPT_NONE) {
        prompt_key(t, key);
        return;
    }
    if (t->help && (key == 27 || key == '?' || key == KEY_F(1) || key == '\n' || key == '\r')) {
        t->help = 0;
        mark_all(t);
        return;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (key == keys[i].key || (keys[i].key2 && key == keys[i].key2)) {
            keys[i].run(t, key);
            return;
        }
    if (key >= 32 && key < 127)
        tui_msg(t, 1, "key '%c' does nothing (? lists the keys)", key);
}

/* ---- data from the engine ------------------------------------------------- */


void tui_log_line(tui *t, const char *line)
{
    int slot = (t->log_head + t->log_n) % TUI_LOG_KEEP;
    if (t->log_n == TUI_LOG_KEEP)
        t->log_head = (t->log_head + 1) % TUI_LOG_KEEP;
    else
        t->log_n++;
    size_t n = strnlen(line, LINK_LOG_LEN - 1);
    memcpy(t->log[slot], line, n);
    t->log[slot][n] = 0;
    t->dirty[PANEL_LOG] = 1;
}

static void drain(tui *t)
{
    if (t->watch) {
        tui_watch_drain(t);
        return;
    }
    for (int round = 0; round < 64; round++) {
        int n = link_points_since(t->link, &t->pt_since, t->ptbuf, 1024, &t->pt_dropped);
        for (int i = 0; i < n; i++) {
            const metric_point *p = &t->ptbuf[i];
            const curve_def *c = curve_of((int)p->series);
            if (!c)
                continue;
            plot_series *s = &t->hist[p->series];
            /* A refinement restarted (new digits, reset: the engine sends the
             * mean bound first, at step 0 or below the last step): start all
             * lab curves afresh, so digits no longer chosen disappear. */
            if (p->series == SERIES_REFINE_LB && s->raw > 0 &&
                (p->epoch <= 0 || p->epoch < s->last_x[PLOT_X_EPOCH])) {
                for (int k = 0; k < curve_count; k++) {
                    const curve_def *l = &curve_table[k];
                    for (int d = 0; l->lab && d < (l->from == CURVE_FROM_DIGIT ? LINK_MAX_DIGITS : 1); d++)
                        series_clear(&t->hist[l->id + d]);
                }
            }
            series_push(s, p->epoch, p->update, p->seconds, p->y);
            t->dirty[c->panel] = 1;
        }
        if (n < 1024)
            break;
    }

    char lines[16][LINK_LOG_LEN];
    int n;
    while ((n = link_log_since(t->link, &t->log_since, lines, 16)) > 0) {
        for (int i = 0; i < n; i++)
            tui_log_line(t, lines[i]);
    }

    app_mode old_mode = t->st.mode;
    int old_paused = t->st.paused, old_finished = t->st.finished;
    if (link_get_status(t->link, &t->st_gen, &t->st)) {
        if (!t->have_status || old_mode != t->st.mode) {
            t->dirty[PANEL_LB] = t->dirty[PANEL_ESS] = 1;
            t->urgent = 1;
        }
        if (old_paused != t->st.paused || old_finished != t->st.finished)
            t->urgent = 1;
        t->have_status = 1;
        t->dirty[PANEL_STATUS] = t->dirty[PANEL_TITLE] = 1;
    }
}

/* ---- lifecycle ------------------------------------------------------------ */

static void setup_colors(tui *t)
{
    t->colors = has_colors();
    if (t->colors && start_color() == OK) {
        short bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
        short fg = bg < 0 ? -1 : COLOR_WHITE;
        init_pair(TC_TRAIN, COLOR_CYAN, bg);
        init_pair(TC_VALID, COLOR_YELLOW, bg);
        init_pair(TC_VALID0, COLOR_MAGENTA, bg);
        init_pair(TC_REFINE, COLOR_GREEN, bg);
        init_pair(TC_TITLE, COLOR_BLACK, COLOR_CYAN);
        init_pair(TC_MSG, COLOR_YELLOW, bg);
        init_pair(TC_WARN, COLOR_RED, bg);
        init_pair(TC_AXIS, fg, bg);
        init_pair(TC_DIGIT, COLOR_BLUE, bg);
        for (int i = 1; i < TC_COUNT; i++)
            t->attr[i] = (int)COLOR_PAIR(i);
        t->attr[TC_VALID] |= A_BOLD;
        t->attr[TC_MSG] |= A_BOLD;
        t->attr[TC_WARN] |= A_BOLD;
    } else {
        t->colors = 0;
        t->attr[TC_TRAIN] = A_NORMAL;
        t->attr[TC_VALID] = A_BOLD;
        t->attr[TC_VALID0] = A_DIM;
        t->attr[TC_REFINE] = A_BOLD;
        t->attr[TC_TITLE] = A_REVERSE;
        t->attr[TC_MSG] = A_BOLD;
        t->attr[TC_WARN] = A_BOLD | A_UNDERLINE;
        t->attr[TC_AXIS] = A_NORMAL;
        t->attr[TC_DIGIT] = A_DIM;
    }
}

static void tui_free(tui *t)
{
    for (int s = 0; s < SERIES_COUNT; s++)
        series_free(&t->hist[s]);
    free(t->ptbuf);
    free(t->log);
    free(t->cells);
    free(t);
}

static tui *fail(tui *t, char *err, size_t errcap, const char *why)
{
    if (err && errcap)
        snprintf(err, errcap, "%s", why);
    if (t)
        tui_free(t);
    return NULL;
}

static tui *open_ui(app_link *link, watch_set *w, char *err, size_t errcap)
{
    if (!isatty(STDIN_FILENO))
        return fail(NULL, err, errcap, "stdin is not a terminal");
    switch (app_terminal(STDOUT_FILENO)) {
    case APP_TERM_NOT_TTY: return fail(NULL, err, errcap, "stdout is not a terminal");
    case APP_TERM_UNSET: return fail(NULL, err, errcap, "TERM is not set");
    case APP_TERM_DUMB: return fail(NULL, err, errcap, "TERM is dumb");
    case APP_TERM_OK: break;
    }
    if (g_curses_active)
        return fail(NULL, err, errcap, "a terminal UI is already open");

    tui *t = calloc(1, sizeof *t);
    if (!t)
        return fail(NULL, err, errcap, "out of memory");
    t->keys = keys;
    t->nkeys = (int)(sizeof keys / sizeof keys[0]);
    t->link = link;
    t->watch = w;
    t->view.cursor = -1;
    t->ptbuf = malloc(1024 * sizeof *t->ptbuf);
    t->log = calloc(TUI_LOG_KEEP, sizeof *t->log);
    if (!t->ptbuf || !t->log)
        return fail(t, err, errcap, "out of memory");
    for (int s = 0; s < SERIES_COUNT; s++)
        if (series_init(&t->hist[s], TUI_HISTORY) != 0)
            return fail(t, err, errcap, "out of memory");

    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    t->utf8 = plot_locale_utf8();

    t->screen = newterm(NULL, stdout, stdin);
    if (!t->screen) {
        char why[128];
        snprintf(why, sizeof why, "cannot use terminal type '%s'", getenv("TERM"));
        return fail(t, err, errcap, why);
    }
    set_term(t->screen);
    g_curses_active = 1;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
    setup_colors(t);
    t->st.best_valid_lb = -1.0 / 0.0;
    t->st.eta_seconds = -1;
    t->st.eta_run_seconds = -1;
    werase(stdscr);
    wnoutrefresh(stdscr);
    layout_compute(LINES, COLS, &t->lay);
    tui_windows_create(t);
    mark_all(t);
    tui_draw(t);
    return t;
}

tui *tui_open(app_link *link, char *err, size_t errcap)
{
    return open_ui(link, NULL, err, errcap);
}

tui *tui_open_watch(watch_set *w, const watch_view *v, char *err, size_t errcap)
{
    tui *t = open_ui(NULL, w, err, errcap);
    if (t) {
        t->have_status = 1; /* nothing to wait for */
        if (v) { /* the command line's reading, as the keys would set it */
            t->wseries = v->lb;
            t->xaxis = v->xaxis;
            t->view.xlog = v->xlog;
            t->view.ylog = v->ylog;
            t->view.smooth = v->smooth;
            for (int z = 0; z < 3; z++) /* the narrowest zoom that shows all v->zoom asks */
                if (tui_zooms[z] >= v->zoom)
                    t->view.zoom = z;
            t->whigh = v->highlight <= w->n ? v->highlight : 0;
        }
        tui_watch_started(t);
        drain(t);
        mark_all(t);
    }
    return t;
}

int tui_frame(tui *t, int timeout_ms)
{
    if (!t)
        return 1;
    wtimeout(stdscr, timeout_ms < 0 ? 0 : timeout_ms);
    int key = wgetch(stdscr);
    wtimeout(stdscr, 0);
    for (int n = 0; key != ERR && n < 64; n++) {
        tui_handle_key(t, key);
        key = n + 1 < 64 ? wgetch(stdscr) : ERR;
    }
    if (t->watch && t->quit_wanted)
        return 1;
    if (t->quit_wanted && !t->quit_sent && t->link && link_send(t->link, &(app_cmd){.kind = CMD_QUIT}) == 0)
        t->quit_sent = 1;
    drain(t);
    if (t->msg_until && tui_now_ms() >= t->msg_until) {
        t->msg_until = 0;
        t->dirty[PANEL_MSG] = 1;
    }
    tui_draw(t);
    return t->quit_wanted && t->have_status && t->st.finished ? 1 : 0;
}

void tui_set_note(tui *t, const char *note)
{
    if (!t)
        return;
    snprintf(t->note, sizeof t->note, "%s", note ? note : "");
    t->dirty[PANEL_STATUS] = 1;
}

void tui_emergency_restore(void)
{
    if (g_curses_active) {
        g_curses_active = 0;
        endwin();
        fflush(stdout);
    }
}

void tui_close(tui *t)
{
    if (!t)
        return;
    tui_windows_free(t);
    tui_emergency_restore();
    if (t->screen)
        delscreen(t->screen);
    tui_free(t);
}
