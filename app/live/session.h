/* app/live/session.h — live sessions: an engine thread that trains (or steps the
 * refinement lab) and a main thread that runs the terminal UI and the SDL
 * window, joined only by an app_link (link.h). */
#ifndef IRVI_APP_SESSION_H
#define IRVI_APP_SESSION_H

#include "run/train_loop.h"

#include <signal.h>
#include <stdint.h>

/* Live training of t (owned by the caller) with the TUI and the SDL window.
 * got_signal is the process's SIGINT/SIGTERM flag (set by its handler).
 * Returns the exit code; -1 if the terminal cannot host the UI (nothing was
 * done: the caller falls back to headless output). */
int session_train(const train_plan *plan, uint64_t seed, irvi_trainer *t,
                  const irvi_dataset *ds, volatile sig_atomic_t *got_signal);

/* The refinement lab on model m: q0 first, then one AIR step per key press.
 * digits (n of them, test-set indices; n = 0 for the default ten). Returns
 * the exit code, -1 if no terminal UI is possible. */
int session_refine(irvi_model *m, const irvi_dataset *ds, const int *digits, int n,
                   const irvi_refine_opts *air, int simplified, uint64_t seed, const char *export_dir,
                   volatile sig_atomic_t *got_signal);

#endif
