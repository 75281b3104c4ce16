/* engine/binary/sbn.h — the binary-latent family (SBN, DARN): the model's
 * batched passes (sbn_fwd.c, recog.c), its construction (sbn_model.c) and
 * its posterior with AIR (air.c). Tables only through family.h. */
#ifndef IRVI_SBN_H
#define IRVI_SBN_H

#include "posterior.h"

/* ---- model (sbn_model.c) ------------------------------------------------ */
void sbn_arch_describe(const irvi_arch *a, char *buf, size_t cap);
void sbn_layout(irvi_model *m);
void sbn_mask_darn(irvi_model *m);
irvi_status sbn_model_sample(const irvi_model *m, irvi_rng *r, int n, uint8_t *x, float *const *h);
irvi_status sbn_model_log_joint(const irvi_model *m, const uint8_t *x, int n, int S,
                                const float *const *h, double *out);
irvi_status sbn_model_recognize(const irvi_model *m, const uint8_t *x, int n, float *const *mu);

/* ---- batched passes (sbn_fwd.c, recog.c) -------------------------------- */
/* Output logits w->logit_x (R, D) of the R rows of w->h[0] (and w->tanh_x). */
void model_out_logits(const irvi_model *m, model_ws *w, int R);
/* out[r] += log p(h_top) of the R rows of w->h[L-1]. */
void model_prior_logp(const irvi_model *m, model_ws *w, int R, double *out);
/* log p(x_b, h_r) for R = S*n rows (h in w->h, filled by the caller); keeps
 * logits for model_grad_gen. out may be w->lp. */
void model_log_joint(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                     double *out);
/* Accumulate into grad (np floats) the gradient of
 * J = -sum_r weight[r] log p(x_b, h_r) after model_log_joint on the same rows. */
void model_grad_gen(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                    const float *weight, float *grad);

/* Recognition means of n examples into w->rmu (logits in w->ra). */
void model_recognize(const irvi_model *m, model_ws *w, const uint8_t *x, int n);
/* Accumulate into grad the gradient of the cross-entropy
 * J = -sum_b sum_l scale * log Bern(t_l[b]; mu0_l[b]) with soft targets t_l (n, H_l),
 * after model_recognize on the same x. */
void model_grad_rec(const irvi_model *m, model_ws *w, int n, const float *const *t,
                    float scale, float *grad);

/* log q(h_r) under per-example means mu[l] (n, H_l) for the R = S*n rows in w->h,
 * into out. */
void model_log_q(const irvi_model *m, model_ws *w, int n, int S, const float *const *mu,
                 double *out);
/* Its two parts: the per-example tables log g(mu), log(1 - g(mu)) (k_bern_logq_tables)
 * into w->ql1/ql0, then log q of row r of w->h from them. */
void model_logq_tables(const irvi_model *m, model_ws *w, int n, const float *const *mu);
double model_logq_row(const irvi_model *m, const model_ws *w, int n, int r);


/* ---- posterior and AIR (air.c) ------------------------------------------ */
/* Draw S samples per example from the current means into q->ws.h, in
 * parallel: base = irvi_rng_next(r) once, then the sample rows (row s*n + b)
 * in blocks of DRAW_BLOCK, block j from rng_lanes_seed(base, j), row by row
 * and within a row layer 0 first, each by rng_lanes_bernoulli over H_l units.
 * The samples depend on r alone, not on the thread count. */
#define DRAW_BLOCK 16
void posterior_draw(irvi_posterior *q, int S, irvi_rng *r);
/* The same draws, and lq[row] = log q(h_row) under the same means computed in
 * the same pass (equal to model_log_q's values). */
void posterior_draw_lq(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r, double *lq);
void air_posterior_recognize(irvi_posterior *q, const irvi_model *m);
void air_posterior_reset(irvi_posterior *q);
void air_posterior_simplify(irvi_posterior *q, float frac, irvi_rng *r);
irvi_status air_step(irvi_posterior *q, const irvi_model *m, const irvi_refine_opts *o,
                     irvi_rng *r, irvi_refine_stats *st);
void air_draw_weigh(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r);
double air_lb_term(const irvi_posterior *q, const irvi_model *m, int b);
void air_draw_decode(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r);

/* Exact enumeration (exact.c), for any one-layer binary model: for the C
 * states whose bits are already in w's samples, the log-odds l1 - l0 of every
 * pixel into odds (C x D) and the sum of l0 added to kc (C), through the
 * model's own Bernoulli code (squashed means included). */
void exact_state_odds(const irvi_model *m, model_ws *w, int C, float *odds, double *kc);

#endif
