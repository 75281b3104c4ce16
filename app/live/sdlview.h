/* app/live/sdlview.h — the SDL window showing the paper's Figure 2 live: ground
 * truth, unrefined (q0) and refined (q_K) average reconstructions of the
 * chosen test digits, with row labels, test-set indices and lower bounds.
 *
 * Threads: every function must be called on the main (UI) thread, the one
 * that also runs ncurses; SDL video wants that. The engine never calls here.
 *
 * The window is optional: sdlview_open returns NULL with a short reason when
 * there is no display, and the UI carries on in the terminal alone (the
 * reason goes to app_status.display_note). SDL's own SIGINT/SIGTERM
 * handlers are disabled so the terminal UI keeps those signals, and SDL's
 * log output is swallowed so it cannot scribble over the curses screen.
 *
 * Drawing: the grid is rendered by the engine (irvi_grid_render, options
 * from sdlview_grid_opts) into a streaming texture and shown scaled to the
 * window with its aspect ratio kept, nearest-neighbour (crisp pixels),
 * centred on the grid's background colour. The window is resizable; until
 * the user resizes it, it follows the grid at twice its pixel size (once if
 * that would not fit the screen).
 */
#ifndef IRVI_APP_SDLVIEW_H
#define IRVI_APP_SDLVIEW_H

#include "live/link.h"

#include "picture/picture.h"
#include <stddef.h>
#include <stdint.h>

typedef struct sdlview sdlview;

/* Open the window. Returns NULL when there is no display (neither DISPLAY
 * nor WAYLAND_DISPLAY set: note says "no display (DISPLAY unset)") or SDL
 * cannot start video or create the window (note has SDL's reason). note
 * (note_cap bytes, may be NULL) is written only on failure. */
sdlview *sdlview_open(const char *title, char *note, size_t note_cap);

/* Show t (copied into the view's own buffer; t is not kept). With no digits
 * chosen (t->n < 1) the window says so. */
void sdlview_draw(sdlview *v, const app_tiles *t);

/* Show a ready picture (w x h RGB8, copied), e.g. the inspector, filmstrip
 * or samples views; rgb NULL shows msg instead. */
void sdlview_draw_rgb(sdlview *v, const uint8_t *rgb, int w, int h, const char *msg);

/* Flags returned by sdlview_poll. */
#define SDLVIEW_CLOSED 1   /* the user closed the window: call sdlview_close
                              and keep training (the terminal UI stays) */
#define SDLVIEW_KEY 2      /* a key was pressed in the window: see *key */

/* Handle pending window events (redraws after expose and resize happen
 * here). Returns after at most one key so none is lost: call it again until
 * it returns 0 (or no SDLVIEW_KEY) to drain the queue. *key (may be NULL)
 * gets the key as the terminal would see it: printable characters as typed
 * (ASCII, shift applied: '+', '?', 'K'), Ctrl+letter as its control code
 * (1..26), other keys as SDL keycodes (SDLK_ESCAPE = 27, SDLK_RETURN = 13,
 * SDLK_BACKSPACE = 8, SDLK_TAB = 9, SDLK_UP/DOWN/LEFT/RIGHT, SDLK_F1..). */
int sdlview_poll(sdlview *v, int *key);

/* Destroy the window and shut SDL video down. NULL is a no-op. */
void sdlview_close(sdlview *v);

/* ---- for tests and screenshots -------------------------------------------- */

/* The options the view renders the grid with (scale 2, pad 2, labels on,
 * text scale 1), so a test can render the same picture itself. */
irvi_grid_opts sdlview_grid_opts(void);

/* The current picture size (tex_w x tex_h, as irvi_grid_size gives for the
 * last drawn tiles) and where it is shown in the window: dst = {x, y, w, h}
 * in window pixels. */
void sdlview_geometry(sdlview *v, int *tex_w, int *tex_h, int dst[4]);

/* Read back the window as the user sees it (RGB8, w x h window pixels).
 * With rgb NULL only *w and *h are set; otherwise *w and *h must be the
 * current size (first call with NULL) and rgb must hold 3 * w * h bytes.
 * Returns 0, or -1 (size changed, SDL failure). */
int sdlview_read_pixels(sdlview *v, uint8_t *rgb, int *w, int *h);

#endif
