/* engine/gaussian/gdir.h — the Gaussian posterior q(h|x) = N(mu, diag
 * sigma^2) per example and its refinement by GDIR (gdir.c). */
#ifndef IRVI_GDIR_H
#define IRVI_GDIR_H

#include "posterior.h"

/* The Gaussian part of a posterior (q->fam): mu0[0] / mu[0] hold the means,
 * these the log standard deviations and the GDIR state, each (n_max, Z). */
typedef struct {
    float *rho0, *rho;          /* rho = log sigma of q0 and of the current q */
    float *vmu, *vrho;          /* GDIR momentum, zero after every reset */
    float *gmu, *grho;          /* GDIR gradient scratch */
} gdir_state;

static inline gdir_state *gdir_of(const irvi_posterior *q) { return (gdir_state *)q->fam; }

irvi_status gdir_posterior_alloc(struct irvi_posterior *q, const irvi_model *m);
void gdir_posterior_free(struct irvi_posterior *q);
/* mu0, rho0 from the encoder, then reset. */
void gdir_posterior_recognize(struct irvi_posterior *q, const irvi_model *m);
/* mu = mu0, rho = rho0, momentum 0. */
void gdir_posterior_reset(struct irvi_posterior *q);
void gdir_posterior_simplify(struct irvi_posterior *q, float frac, irvi_rng *r);
/* S draws per example from the current q: eps into ws.geps, h into ws.h[0]. */
void gdir_posterior_draw(struct irvi_posterior *q, int S, irvi_rng *r);
/* The per-example GDIR objective and its gradient for the M*n noise rows
 * already in q->ws.geps (row m*n + b): h = mu + sigma eps,
 *   obj_b = (1/M) sum_m log p(x_b | h_mb) - KL(q_b || N(0,I)),
 *   gmu, grho (n, Z) = d obj_b / d(mu_b, rho_b).
 * Also leaves log p(x|h) of the rows in ws.lp. obj may be NULL. Needs
 * posterior_reserve(q, m, M). */
void gdir_objective_grad(struct irvi_posterior *q, const irvi_model *m, int M, float *gmu,
                         float *grho, double *obj);
/* One GDIR step (options, shape and buffers already checked: the table's
 * refine_step). */
irvi_status gdir_step(struct irvi_posterior *q, const irvi_model *m, const irvi_refine_opts *o,
                      irvi_rng *r, irvi_refine_stats *st);
/* rho of the current q (initial = 0) or of q0 (the table's logsigma). */
float *gdir_logsigma(const struct irvi_posterior *q, int initial);
/* The estimator hooks of the family table (family.h). */
void gdir_draw_weigh(struct irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r);
double gdir_lb_term(const struct irvi_posterior *q, const irvi_model *m, int b);
void gdir_draw_decode(struct irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r);

#endif
