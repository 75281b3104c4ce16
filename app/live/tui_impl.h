/* app/tui_impl.h — state shared by tui.c (lifecycle, frame loop, keys) and
 * tui_draw.c (panel drawing). Private to the terminal UI. */
#ifndef IRVI_APP_TUI_IMPL_H
#define IRVI_APP_TUI_IMPL_H

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "live/layout.h"
#include "live/link.h"
#include "picture/cellplot.h"
#include "live/tui.h"

#define TUI_LOG_KEEP 200     /* log lines the UI keeps */
#define TUI_HISTORY 2048     /* stored points per series (see plot_series) */
#define TUI_MSG_MS 4000      /* how long a transient message stays */
#define TUI_PLOT_MIN_MS 100  /* curves/status redrawn at most every 100 ms */

/* colour indices used in plot cells and for curses pairs */
enum {
    TC_TRAIN = 1, /* cyan */
    TC_VALID = 2, /* yellow */
    TC_VALID0 = 3, /* magenta */
    TC_REFINE = 4, /* green */
    TC_TITLE = 5, /* title bar */
    TC_MSG = 6,   /* message line */
    TC_WARN = 7,  /* warnings */
    TC_AXIS = 8,  /* axes and labels */
    TC_DIGIT = 9, /* refinement lab: the curves of the single digits (blue) */
    TC_COUNT
};

typedef enum { PROMPT_NONE, PROMPT_DIGITS, PROMPT_CLASS } tui_prompt;

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
    int focus;               /* refinement lab: highlighted digit + 1 (0 = none) */
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
};

/* tui.c */
long tui_now_ms(void);
const char *tui_sym(const tui *t, const char *utf8, const char *ascii);

/* tui_draw.c: (re)create the panel windows for t->lay, draw the dirty
 * panels, the help overlay and the too-small notice, then doupdate. */
void tui_windows_free(tui *t);
void tui_windows_create(tui *t);
void tui_draw(tui *t);

#endif
