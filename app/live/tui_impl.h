/* app/live/tui_impl.h — state shared by tui.c (lifecycle, frame loop, keys) and
 * tui_draw.c (panel drawing). Private to the terminal UI. */
#ifndef IRVI_APP_TUI_IMPL_H
#define IRVI_APP_TUI_IMPL_H

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "live/curves.h"
#include "live/layout.h"
#include "live/link.h"
#include "live/watch.h"
#include "picture/cellplot.h"

typedef struct tui tui; /* as in tui.h, the public face this state sits behind */

#define TUI_LOG_KEEP 200     /* log lines the UI keeps */
#define TUI_HISTORY 2048     /* stored points per series (see plot_series) */
#define TUI_MSG_MS 4000      /* how long a transient message stays */
#define TUI_PLOT_MIN_MS 100  /* curves/status redrawn at most every 100 ms */

/* colour slots (TC_*): live/curves.h, beside the curves that use them */

/* One row of the key table (tui.c): what a key does and the help line
 * the overlay (tui_draw.c) shows for it, side by side. */
typedef struct tui_key {
    int key, key2;          /* the key codes (key2: another key for the same, or 0) */
    const char *label;      /* the keys as the help shows them: "k / K" */
    const char *help;       /* the help line (NULL: not listed) */
    const char *help_ascii; /* its spelling for ASCII terminals (NULL: as help) */
    void (*run)(tui *t, int key);
} tui_key;

typedef enum { PROMPT_NONE, PROMPT_DIGITS, PROMPT_CLASS } tui_prompt;

/* How every curve panel (training, lab, watch) is read: the plot_spec
 * fields of the same names (cellplot.h); zoom indexes tui_zooms. */
typedef struct {
    int xlog, ylog, zoom;
    double smooth;
    double cursor;           /* fraction of the x range shown; < 0: off */
} tui_view;

#define TUI_WATCH_POLL_MS 1000 /* irvi watch: how often the files are looked at */

struct tui {
    app_link *link;
    SCREEN *screen;
    int utf8, colors;
    int attr[TC_COUNT];      /* curses attributes (pair or mono fallback) */

    ui_layout lay;
    WINDOW *win[PANEL_COUNT];
    WINDOW *help_win;
    int dirty[PANEL_COUNT];
    long drawn_ms[PANEL_COUNT];
    int urgent;              /* redraw now, ignoring the throttle */
    int full;                /* whole screen must be repainted */
    int help;                /* help overlay visible */

    /* engine state as last seen */
    app_status st;
    uint64_t st_gen;
    int have_status;

    /* metric history, owned by the UI */
    uint64_t pt_since, pt_dropped;
    metric_point *ptbuf;
    plot_series hist[SERIES_COUNT];
    plot_xaxis xaxis;
    int sdl_view;                /* what the SDL window shows (VIEW_*, inspector.h) */
    int focus;               /* refinement lab: highlighted digit + 1 (0 = none) */
    int lab_kl;              /* refinement lab: the lower panel shows the exact KL */
    plot_cell *cells;
    size_t ncells;

    /* log ring */
    char (*log)[LINK_LOG_LEN];
    int log_n, log_head;     /* lines held, index of the oldest */
    uint64_t log_since;

    /* message line */
    char msg[160];
    int msg_warn;
    long msg_until;
    tui_prompt prompt;
    char input[64];
    int input_len;

    /* values the user asked for but the status may not show yet */
    int want_K, want_M, want_paused;
    float want_gamma;
    long want_K_ms, want_M_ms, want_gamma_ms, want_paused_ms;

    int quit_wanted, quit_sent;
    char note[96];
    const tui_key *keys;    /* the key table, for the help overlay */
    int nkeys;

    tui_view view;
    plot_area area[PANEL_COUNT]; /* where the last plots went (mouse clicks) */

    /* irvi watch: runs followed from their files instead of an engine
     * (link is NULL then) */
    watch_set *watch;
    watch_series wseries;   /* the series of the lower-bound panel */
    int whigh;              /* highlighted run + 1 (0: none) */
    long wpoll_ms;
};

extern const double tui_zooms[3]; /* all, the last 50 %, the last 10 % */

/* tui.c */
long tui_now_ms(void);
void tui_msg(tui *t, int warn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tui_log_line(tui *t, const char *line); /* into the log pane's ring */

/* tui_view.c: the view keys of every curve panel and the watch mode */
void key_cursor(tui *t, int key);
void key_cursor_off(tui *t, int key);
void key_ylog(tui *t, int key);
void key_smooth(tui *t, int key);
void key_zoom(tui *t, int key);
void key_mouse(tui *t, int key);
void key_run_toggle(tui *t, int key);
void key_highlight(tui *t, int key);
void key_wseries(tui *t, int key);
void tui_view_apply(const tui *t, plot_spec *sp);
void tui_view_note(const tui *t, char *buf, size_t cap, double best);
int tui_run_color(int i);       /* curses colour slot of watch run colour i */
void tui_watch_drain(tui *t);
void tui_watch_started(tui *t); /* the runs into the log pane */
void tui_watch_export(tui *t);
void tui_watch_lines(const tui *t, int panel, plot_spec *sp);

/* the UTF-8 or the ASCII spelling, as the terminal can show */
static inline const char *tui_sym(const tui *t, const char *utf8, const char *ascii)
{
    return t->utf8 ? utf8 : ascii;
}

/* tui_draw.c: (re)create the panel windows for t->lay, draw the dirty
 * panels, the help overlay and the too-small notice, then doupdate. */
void tui_windows_free(tui *t);
void tui_windows_create(tui *t);
void tui_draw(tui *t);

#endif
