/* app/live/tui.h — the ncurses front end of a live session, driven only through
 * app_link (link.h): it sends commands, and reads metric points, the status
 * record and log lines. It never touches the engine.
 *
 * Threading: every function here (and every curses call in the process) must
 * run on ONE thread, the one that calls tui_frame — normally the main thread,
 * which also runs SDL. The engine thread only talks to the link.
 *
 * Signals: tui_open lets ncurses install its SIGWINCH handler (KEY_RESIZE
 * depends on it) unless the caller already has one, so do not catch SIGWINCH
 * yourself; block it in the engine thread. For SIGINT/SIGTERM the session
 * should install its own handler BEFORE tui_open (ncurses then leaves them
 * alone); that handler sets a flag, the main loop sends CMD_QUIT or leaves,
 * and tui_close / tui_emergency_restore put the terminal back.
 *
 * Locale: tui_open calls setlocale(LC_ALL, "") and then resets LC_NUMERIC to
 * "C", so printf/strtod everywhere keep the '.' decimal point. Braille
 * curves and γ/…/· glyphs are used only when the codeset is UTF-8; otherwise
 * everything is plain ASCII.
 *
 * Screen: see layout.h. Below LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS (60x16) only
 * a centred "terminal too small (need 60x16, have WxH)" notice is drawn; keys
 * still work (q quits) and the panels come back when the terminal grows. */
#ifndef IRVI_APP_TUI_H
#define IRVI_APP_TUI_H

#include "live/link.h"

#include <stddef.h>

typedef struct tui tui;

/* Take over the terminal. Returns NULL with a reason in err (e.g. "stdout is
 * not a terminal", "TERM is dumb") when the terminal cannot be used; the app
 * then falls back to headless progress lines. link is borrowed and must
 * outlive the tui. */
tui *tui_open(app_link *link, char *err, size_t errcap);

/* The same UI following the runs of w (irvi watch) instead of an engine:
 * no commands, the curves come from w (polled about once a second), q
 * quits at once (tui_frame returns 1). w is borrowed. */
struct watch_set;
struct watch_view;
tui *tui_open_watch(struct watch_set *w, const struct watch_view *v, char *err, size_t errcap);

/* One frame: wait up to timeout_ms (>= 0) for a key, handle every pending key
 * (up to 64), copy new points / log lines / status out of the link, redraw
 * the panels that changed (wnoutrefresh each, one doupdate). Curves and the
 * status panel are redrawn at most ~10 times a second unless a key asked for
 * more. Returns 0 normally, 1 once the user has quit (q) and the engine has
 * reported status.finished — then the caller joins the engine and calls
 * tui_close. A NULL t returns 1. */
int tui_frame(tui *t, int timeout_ms);

/* Handle one key as if typed in the terminal (so the SDL window can forward
 * its keys). Codes are curses codes: ASCII for printable keys, '\n' Enter,
 * 27 Escape, 127/KEY_BACKSPACE, KEY_F(1), KEY_RESIZE. */
void tui_handle_key(tui *t, int key);

/* Display note shown in the status panel, e.g. "no display: SDL window off"
 * (overrides status.display_note). NULL or "" clears it. */
void tui_set_note(tui *t, const char *note);

/* The SDL window's view (v cycles VIEW_*, inspector.h) and the lab's
 * highlighted digit + 1 (f; 0 = none). */
int tui_sdl_view(const tui *t);
int tui_focus(const tui *t);

/* Leave curses (endwin) and free everything. Safe with NULL and safe to call
 * after tui_emergency_restore. */
void tui_close(tui *t);

/* Restore the terminal if curses is still active; idempotent, no allocation.
 * Meant for an atexit handler and for fatal paths (print the message after
 * calling it). Does not free the tui. */
void tui_emergency_restore(void);

#endif
