/* irvi/eval.h — honest evaluation: lower bound, importance-sampled
 * log-likelihood and effective sample size under a posterior's current means,
 * average reconstructions, and exact likelihood of small one-layer SBNs.
 *
 * N may be large (1e5): samples are drawn in chunks and folded into running
 * log-sum-exp accumulators in double, so memory does not grow with N.
 */
#ifndef IRVI_EVAL_H
#define IRVI_EVAL_H

#include "refine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Gaussian (VAE) models: lb = (1/N) sum_n log p(x|h_n) - KL(q || N(0,I))
 * (analytic KL), and log w = log p(x|h) + log N(h; 0, I) - log q(h) with the
 * Gaussian proposal q for lb_mc, ll and ess. */
typedef struct {
    double lb;    /* (1/N) sum_n [log p(x,h_n)] + H(mu)   (reference form, Eq. 1) */
    double lb_mc; /* (1/N) sum_n log w_n                   (fully sampled form) */
    double ll;    /* log (1/N) sum_n w_n                   (Eq. 3) */
    double ess;   /* (sum w)^2 / (N sum w^2) in [1/N, 1] */
} irvi_eval_result;

/* Evaluate each of q's n examples with N fresh samples from the current mu.
 * out has n entries. progress (may be NULL) is called after each chunk with
 * samples done. Returns IRVI_ECANCELLED if progress asks to stop. */
irvi_status irvi_eval_posterior(irvi_posterior *q, const irvi_model *m, int N,
                                irvi_rng *r, irvi_eval_result *out,
                                irvi_progress_fn progress, void *user);

/* Average reconstruction (1/N) sum_n p(x | h_n), h_n ~ current q: recon is
 * (n, D) Bernoulli means in [0,1]; energy (may be NULL) gets the expected
 * reconstruction error -(1/N) sum_n log p(x | h_n) per example. */
irvi_status irvi_eval_recon(irvi_posterior *q, const irvi_model *m, int N,
                            irvi_rng *r, float *recon, double *energy);

/* Exact log p(x) of n examples under a one-layer SBN with H <= 24 by
 * enumerating all 2^H states (chunked GEMMs, double accumulation). */
#define IRVI_EXACT_MAX_H 24
irvi_status irvi_exact_ll(const irvi_model *m, const uint8_t *x, int n, double *ll,
                          irvi_progress_fn progress, void *user);

#ifdef __cplusplus
}
#endif
#endif
