/* app/live/lab.h — the refinement lab: the chosen test digits, their posterior
 * under q0 and under refinement, and the Fig. 2 tiles built from them.
 * Engine thread only. */
#ifndef IRVI_APP_LAB_H
#define IRVI_APP_LAB_H

#include "live/link.h"

#include <irvi/irvi.h>

typedef struct {
    irvi_posterior *q0;   /* stays at mu0: the unrefined row */
    irvi_posterior *q;    /* refined step by step */
    const irvi_dataset *ds;
    irvi_split split;     /* where the digits come from (test) */
    int n;
    int index[LINK_MAX_DIGITS];
    irvi_refine_opts air;    /* K (for whole refinements), M, gamma */
    int simplified;       /* start from the simplified posterior (80% of mu0 at 0.5) */
    int N;                /* samples for reconstructions and per-digit bounds */
    uint64_t seed;
    irvi_rng rng;
} lab;

/* Digits default to the first test digit of each class 0..9 (or the first
 * ten digits when there are no labels). */
irvi_status lab_init(lab *b, const irvi_model *m, const irvi_dataset *ds, uint64_t seed);
void lab_free(lab *b);
/* Choose digits by index (checked against the split size). */
irvi_status lab_pick(lab *b, const irvi_model *m, const int *idx, int n);
/* Choose n random digits of a class. */
irvi_status lab_pick_class(lab *b, const irvi_model *m, int cls, int n);
/* Recompute mu0 from the model (after training steps) and reset both posteriors. */
irvi_status lab_reset(lab *b, const irvi_model *m);
/* One AIR step on the chosen digits; mean LB and ESS of the step's samples in st. */
irvi_status lab_step(lab *b, const irvi_model *m, irvi_refine_stats *st);
/* Fill the tiles (truth, unrefined, refined, per-digit bounds). When mean_lb /
 * mean_ess are non-NULL they get the mean refined bound and ESS. */
irvi_status lab_tiles(lab *b, const irvi_model *m, app_tiles *t, double *mean_lb, double *mean_ess);

#endif
