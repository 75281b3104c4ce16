/* app/live/export.h — PNG export of what the user watches: the Fig. 2 grid of
 * the chosen digits and the training or refinement-lab curves.
 *
 * Called from the engine thread (CMD_EXPORT_PNG) and from `irvi export`;
 * no UI library is involved, only the engine's renderers (irvi/image.h).
 * Both functions return 0, or -1 with a one-line reason in err (which names
 * the file) and nothing written at path: PNGs are replaced atomically, so a
 * failed export never damages an earlier one.
 */
#ifndef IRVI_APP_EXPORT_H
#define IRVI_APP_EXPORT_H

#include "live/link.h"

#include "picture/picture.h"
#include <stddef.h>

/* Describe t's three rows as an irvi_grid. g borrows t's arrays (truth,
 * unrefined, refined, index, label, lb0, lbK): valid while t is. */
void export_tiles_grid(const app_tiles *t, irvi_grid *g);

/* The grid of t as a PNG: scale (<= 0: 4), pad (< 0: 2), labels on or off
 * (row names, test-set indices, per-digit lower bounds under q0 and q_K).
 * Fails when t has no digits. */
int export_grid_png(const app_tiles *t, const char *path, int scale, int pad, int labels,
                    char *err, size_t errcap);

/* The curves as one PNG of two panels stacked (960 x 1000): lower bound on
 * top, normalized ESS (fixed range 0..1) below.
 *   lab = 0, training: x = fractional epoch; LB panel: minibatch LB (light)
 *     with its moving average, validation LB under q_K and under q0; ESS
 *     panel: minibatch ESS (light) with its moving average, validation ESS.
 *   lab = 1, refinement lab: x = AIR step; mean LB and mean ESS of the
 *     chosen digits.
 * Points of other series are ignored; a panel without data says "no data". */
int export_curves_png(const char *path, const metric_point *pts, int npts, int lab,
                      char *err, size_t errcap);

#endif
