/* engine/posterior.h — the posterior object's insides, shared by refine.c,
 * eval.c and the families' posterior code (binary/air.c, gaussian/gdir.c). */
#ifndef IRVI_POSTERIOR_H
#define IRVI_POSTERIOR_H

#include "irvi/refine.h"
#include "workspace.h"

struct irvi_posterior {
    int n_max, n, steps;
    irvi_arch arch;             /* shape it was made for */
    uint8_t *x;                 /* (n_max, D) */
    float *mu0[IRVI_MAX_LAYERS], *mu[IRVI_MAX_LAYERS]; /* (n_max, H_l) */
    /* The family's parameters beyond the means, if any (NULL for binary
     * latents; Gaussian: log sigma and the GDIR state, gaussian/gdir.h). */
    void *fam;
    model_ws ws;
    float *wt;                  /* (wt_cap) normalized weights */
    size_t wt_cap;
    double *acc;                /* (n_max * 6) per-example accumulators */
};

/* Make room for S samples of every example; IRVI_ENOMEM on failure. */
irvi_status posterior_reserve(irvi_posterior *q, const irvi_model *m, int S);
/* Check that model m has the shape q was created for. */
irvi_status posterior_check_model(const irvi_posterior *q, const irvi_model *m);

#endif
