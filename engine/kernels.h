/* engine/kernels.h — all elementwise maths of the engine, in one place.
 *
 * Stable for |a| up to 1e4 and beyond: softplus(a) = max(a,0) + log1p(e^-|a|),
 * log sig(a) = -softplus(-a). "squash" selects the reference code's mean map
 * s(a) = 0.9999 sig(a) + 5e-6, whose log terms are
 * log s(a) = log(0.9999 sig(a) + 5e-6), log(1 - s(a)) = log(0.9999 sig(-a) + 9.5e-5).
 * Sums of many terms are accumulated in double.
 */
#ifndef IRVI_KERNELS_H
#define IRVI_KERNELS_H

#include <stddef.h>
#include <stdint.h>

float k_sigmoid1(float a);
float k_softplus1(float a);
double k_softplus1_d(double a);

void k_sigmoid(const float *a, float *out, size_t n);
void k_softplus(const float *a, float *out, size_t n);
void k_log_sigmoid(const float *a, float *out, size_t n);
/* Bernoulli means of logits: sig(a) or s(a). */
void k_mean(const float *a, float *out, size_t n, int squash);
void k_tanh(const float *a, float *out, size_t n);
/* d mean / d a at logits a (sig' or the squash's 0.9999 sig'). */
void k_mean_deriv(const float *a, float *out, size_t n, int squash);

/* sum of softplus(a_i) over n floats: the linear parts summed in float lanes,
 * the log1p parts as the log of a product of factors in [1, 2] (one log per
 * 1024 terms), blocks added in double. k_bern_logp (plain) works the same way. */
double k_softplus_sum(const float *a, size_t n);
/* sum of softplus(a_i + b_i), the same way (a + b rounded to float first): the
 * exact likelihood's split logit tables. */
double k_softplus_sum2(const float *a, const float *b, size_t n);
/* out_i = exp(x_i) for x_i <= 0 (vectorized; x > 0 is clamped to 0). */
void k_exp_nonpos(const float *x, float *out, size_t n);
/* sum of n floats in a fixed order (vectorized), returned in double. */
double k_sum(const float *x, size_t n);
/* sum of x_i y_i in 16 float lanes (a fixed order), returned in double. */
double k_dot(const float *x, const float *y, size_t n);

/* Fold n values v[0], v[stride], ... into a running log-sum-exp held as
 * (m, s = sum e^(v - m), s2 = sum e^(2 (v - m))), rescaling when the max
 * grows. Returns the max of the new values (non-finite: caller reports). */
double k_lse_fold(double *m, double *s, double *s2, const double *v, int n, size_t stride);

/* Log-sum-exp pieces of v_k = t_k + c_k (n >= 1, finite): returns m = max_k v_k
 * and sets *sum = sum_k e^(v_k - m) (exponents in float through tmp, n floats;
 * the sum in double). Vectorized: the exact enumeration's per-point fold. */
double k_lse_tc(const float *t, const double *c, size_t n, float *tmp, double *sum);

/* The same in float for v_k = t_k + c_k (n >= 1, finite, moderate: both
 * relative to a max), without scratch: returns m, *sum = sum_k e^(v_k - m). */
double k_lse_ff(const float *t, const float *c, size_t n, double *sum);

/* log sum exp of n doubles (-inf for n = 0 or all -inf). */
double k_logsumexp(const double *v, size_t n);
/* For each of the `cols` columns of v (rows, cols), row-major: log-sum-exp
 * over the rows into out[cols]. (The AIR weights: rows = samples, cols = examples.) */
void k_logsumexp_cols(const double *v, int rows, int cols, double *out);

/* Softmax of each row of z (rows, cols >= 1) into p, and if lse != NULL
 * lse[r] = log sum_j e^(z_rj) in double, so a cross-entropy is lse - z_ry
 * without the log of a tiny p. The row max is subtracted first: any finite
 * logits are safe (terms below e^-87 become ~1e-38, not NaN). */
void k_softmax_rows(const float *z, int rows, int cols, float *p, double *lse);
/* g_i *= s_i (1 - s_i): back through sigmoid units, given their outputs s. */
void k_sigmoid_backprop(float *g, const float *s, size_t n);

/* log-mass of binary targets y under logits a: sum_i log Bern(y_i; mean(a_i)). */
double k_bern_logp(const float *y, const float *a, size_t n, int squash);
double k_bern_logp_u8(const uint8_t *y, const float *a, size_t n, int squash);
/* g_i = scale * d/da_i log Bern(y_i; mean(a_i)). Plain: scale (y - sig(a)).
 * Linear in y, so y may be a soft target in [0,1] (cross-entropy gradient). */
void k_bern_grad(const float *y, const float *a, float *g, size_t n, int squash, float scale);
void k_bern_grad_u8(const uint8_t *y, const float *a, float *g, size_t n, int squash, float scale);

/* The probability the engine's Bernoulli sampler (32-bit uniforms, rng.c) gives
 * h = 1 at mean mu in [0,1]: ceil(mu 2^32) 2^-32, exact in float. It equals mu for
 * mu >= 2^-9 or mu = 0, otherwise rounds mu up by less than 2^-32 (a nonzero mu
 * never goes below 2^-32). Every log q of sampled h uses it, so the density is
 * exactly the sampling distribution. */
float k_bern_grid(float mu);
/* l1_i = log g_i, l0_i = log(1 - g_i), g_i = k_bern_grid(mu_i). */
void k_bern_logq_tables(const float *mu, float *l1, float *l0, size_t n);
/* sum_i (h_i != 0 ? l1_i : l0_i) in 16 float lanes (a fixed order), in double:
 * log q of one sample row from k_bern_logq_tables' tables. */
double k_bern_logq_row(const float *h, const float *l1, const float *l0, size_t n);
/* log q(h) for binary h under means k_bern_grid(mu), branching on h (never 0 log 0). */
double k_bern_logp_mu(const float *h, const float *mu, size_t n);
/* Entropy of a factorized Bernoulli with means mu (0 log 0 = 0). */
double k_bern_entropy(const float *mu, size_t n);

/* Add a bias row to each of `rows` rows of x (rows, n). */
void k_add_bias(float *x, const float *b, int rows, int n);
/* out[j] += sum over the rows of x (rows, cols) — bias gradients. */
void k_colsum_add(const float *x, int rows, int cols, float *out);
/* Clamp into [lo, hi]. */
void k_clamp(float *x, size_t n, float lo, float hi);
/* 1 if all n values are finite. */
int k_all_finite(const float *x, size_t n);

#endif
