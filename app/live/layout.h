/* app/live/layout.h — the terminal UI's panel geometry: a pure function from the
 * terminal size to panel rectangles. No curses here, so it is unit-tested
 * directly (tests/test_layout.c).
 *
 * Screen plan (rows x cols, at least LAYOUT_MIN_ROWS x LAYOUT_MIN_COLS):
 *
 *   +--------------------------------------------------------------+
 *   | title bar (1 row)                                            |
 *   +-------------------------------------------+------------------+
 *   | lower bound plot                          | status           |
 *   +-------------------------------------------+                  |
 *   | ESS plot                                  |                  |
 *   +-------------------------------------------+------------------+
 *   | log pane (full width)                                        |
 *   +--------------------------------------------------------------+
 *   | message / prompt line (1 row)                                |
 *   +--------------------------------------------------------------+
 *
 * Below the minimum the layout is flagged too_small and every panel rect is
 * empty: the UI then shows only a centred "terminal too small" notice (which
 * still answers q and recovers when the terminal grows). Any size, including
 * 0x0 and negative, is accepted. */
#ifndef IRVI_APP_LAYOUT_H
#define IRVI_APP_LAYOUT_H

/* Smallest usable terminal. 60 columns leave a 30-column plot beside a
 * 30-column status panel; 16 rows leave each plot four inner rows. */
#define LAYOUT_MIN_COLS 60
#define LAYOUT_MIN_ROWS 16

typedef struct {
    int y, x, h, w; /* top-left corner and size in cells; h or w 0 = empty */
} ui_rect;

typedef enum {
    PANEL_TITLE,  /* one-line title bar */
    PANEL_LB,     /* lower bound curves */
    PANEL_ESS,    /* effective sample size curves */
    PANEL_STATUS, /* run status */
    PANEL_LOG,    /* engine log lines */
    PANEL_MSG,    /* transient message / input prompt */
    PANEL_COUNT
} panel_id;

typedef struct {
    int rows, cols;            /* the size this layout was computed for */
    int too_small;             /* below LAYOUT_MIN_*: panels are all empty */
    ui_rect panel[PANEL_COUNT];
    ui_rect help;              /* centred overlay for the help text; overlaps
                                  the panels by design; empty if too_small */
} ui_layout;

/* Fill *out for a rows x cols terminal. Panels tile the screen exactly: every
 * cell belongs to exactly one panel (when not too_small). */
void layout_compute(int rows, int cols, ui_layout *out);

/* Rect predicates (used by the layout tests and the UI). */
int rect_empty(ui_rect r);
int rect_inside(ui_rect r, int rows, int cols);
int rect_overlap(ui_rect a, ui_rect b);

#endif
