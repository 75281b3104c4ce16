/* app/live/curves.h — the one curve table. Every curve the live session
 * plots is one row here: its series id (link.h), panel, the engine field it
 * is read from, and how the terminal UI (tui_draw.c) and the PNG export
 * (export.c) name, colour and smooth it. The session pushes points by
 * reading the table, the TUI routes and draws them by it, the export
 * renders them by it; a new curve is a new series id and a row here. */
#ifndef IRVI_APP_CURVES_H
#define IRVI_APP_CURVES_H

#include "live/layout.h"
#include "live/link.h"

#include <stddef.h>
#include <stdint.h>

/* Colour slots of the terminal UI: plot cells carry them (1..14) and the
 * TUI maps each to a curses pair; the curve rows name theirs. */
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

/* Which engine record a curve's values come from. */
typedef enum {
    CURVE_FROM_STEP,   /* irvi_step_metrics, after every training update */
    CURVE_FROM_EPOCH,  /* irvi_epoch_metrics, after every validation */
    CURVE_FROM_LAB,    /* curve_lab_mean, after every refinement-lab step */
    CURVE_FROM_DIGIT   /* app_tiles, per chosen digit: a double array */
} curve_from;

/* the lab's mean over the chosen digits; the exact ones are NaN when the
 * model is too large to enumerate (they are then not pushed) */
typedef struct {
    double lb, ess;
    double elbo_exact, ll_exact, kl_exact;
} curve_lab_mean;

typedef struct {
    series_id id;       /* the first id; a CURVE_FROM_DIGIT row is LINK_MAX_DIGITS
                           curves, id + i for the digit in tile i */
    int panel;          /* PANEL_LB or PANEL_ESS */
    int lab;            /* a refinement-lab curve (else a training curve) */
    curve_from from;
    size_t field;       /* offsetof the double (array) in that record */
    /* terminal UI */
    const char *tui_name;
    int tui_color;      /* TC_* */
    int tui_rank;       /* legend and drawing order among the panel's training curves */
    /* PNG export (the table's order is the drawing order) */
    const char *png_name;
    uint32_t png_color;
    const char *smooth_name; /* non-NULL: also a trailing mean, named so */
    uint32_t smooth_color;
    int exact;          /* by exact enumeration: pushed only when finite; in the
                           ESS panel it belongs to the lab's KL view (key p),
                           which shows it instead of the ESS curves */
} curve_def;

extern const curve_def curve_table[];
extern const int curve_count;

/* The row of series id, NULL for an unknown id. */
const curve_def *curve_of(int id);

/* The value of row c for digit i (0 unless CURVE_FROM_DIGIT) in rec, the
 * record c->from names. */
double curve_value(const curve_def *c, const void *rec, int i);

#endif
