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

/* Exact posterior of a one-layer binary model (H <= 24) by enumeration:
 * per example the marginals E[h_i | x], log p(x) and, for a factorized
 * Bernoulli q with means mu, the exact ELBO E_q[log p(x,h)] + H(q) and
 * KL(q || p(h|x)) = log p(x) - ELBO. The table caches the x-free part
 * (log p(h) + the x-free part of log p(x|h) per state, 2^H doubles) so that
 * repeated calls on a fixed model cost about 2^H n H multiply-adds and
 * 2^H n exps; it is only valid while the model's parameters are unchanged
 * (a changed model gives IRVI_EINVAL). Models with a tanh layer or squashed
 * means cannot be cached (the table is then empty and each call pays the
 * full enumeration). */
typedef struct irvi_exact_table irvi_exact_table;
irvi_status irvi_exact_table_create(const irvi_model *m, irvi_exact_table **out);
void irvi_exact_table_free(irvi_exact_table *t);

typedef struct {
    double ll;    /* log p(x) */
    double elbo;  /* E_q[log p(x,h)] + H(q); NaN without mu */
    double kl;    /* KL(q || p(h|x)) = ll - elbo; NaN without mu */
} irvi_exact_post;

/* tab may be NULL (built and freed inside); mu (n, H) may be NULL; marg
 * (n, H) may be NULL; out has n entries. */
irvi_status irvi_exact_posterior(const irvi_model *m, const irvi_exact_table *tab,
                                 const uint8_t *x, int n, const float *mu, float *marg,
                                 irvi_exact_post *out);

#ifdef __cplusplus
}
#endif
#endif
