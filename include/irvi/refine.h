/* irvi/refine.h — the approximate posterior of a set of examples and its
 * iterative refinement: adaptive importance sampling (AIR, paper Eq. 8-9)
 * for binary latents, gradient descent (GDIR) for Gaussian ones.
 *
 * An irvi_posterior holds, for n chosen examples, their data, the recognition
 * network's first guess mu0 and the current means mu (all layers), plus the
 * scratch buffers every refinement step and evaluation needs, so stepping
 * allocates nothing. The app steps it one iteration at a time; training calls
 * irvi_refine for K steps. Not thread-safe: one thread per posterior.
 *
 * Gaussian (VAE) models (arch.latent = IRVI_LATENT_GAUSSIAN): the posterior
 * is q(h|x) = N(mu, diag sigma^2) per example. mu0/mu of layer 0 hold the
 * means mu (n, Z) and irvi_posterior_logsigma0/_logsigma the log standard
 * deviations rho = log sigma (n, Z). The refinement step is then gradient-
 * descent iterative refinement (GDIR, paper Eq. 7, DESIGN §8) instead of AIR:
 * with M fresh noise draws eps_m ~ N(0, I) and h_m = mu + sigma eps_m, the
 * per-example gradient of L^ = (1/M) sum_m log p(x|h_m) - KL(q||N(0,I)),
 *   g_mu  = (1/M) sum_m dlog p(x|h_m)/dh - mu,
 *   g_rho = (1/M) sum_m dlog p(x|h_m)/dh * eps_m * sigma + 1 - sigma^2,
 * goes into a momentum step: v <- 0.9 v + gamma g; theta <- theta + v (for
 * both mu and rho; v = 0 after set_data / recognize / reset / simplify).
 * So the same K / M / gamma options mean steps / noise draws per step /
 * step size; use gamma = IRVI_GDIR_GAMMA_DEFAULT (0.003), not AIR's 0.1.
 * eps and bihm do not apply to GDIR.
 */
#ifndef IRVI_REFINE_H
#define IRVI_REFINE_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int K;          /* refinement steps */
    int M;          /* importance samples per step */
    float gamma;    /* inference rate: weight of the new estimate (paper's damping = 1 - gamma) */
    float eps;      /* clamp mu to [eps, 1 - eps] after each step (0: only into [0, 1]) */
    int bihm;       /* 1: weights sqrt(p/q) (bidirectional Helmholtz machine, supplement s4) */
} irvi_refine_opts;

/* The GDIR step size of DESIGN §8 (gamma for Gaussian models). */
#define IRVI_GDIR_GAMMA_DEFAULT 0.003f

/* The refinement of a model's latent family: "AIR" (binary) or "GDIR"
 * (Gaussian), and its default step size gamma (0.1, IRVI_GDIR_GAMMA_DEFAULT). */
const char *irvi_refine_method(const irvi_arch *a);
/* 1 for discrete latents (binary family: exact enumeration possible for
 * small one-layer models), 0 for continuous ones (mu and sigma per unit). */
int irvi_arch_discrete(const irvi_arch *a);
float irvi_refine_gamma_default(const irvi_arch *a);

/* K = 20, M = 20, gamma = 0.1, eps = 1e-6, bihm = 0. */
void irvi_refine_opts_default(irvi_refine_opts *o);
/* K >= 0 (K <= 100000), 1 <= M <= 100000, 0 < gamma <= 1, 0 <= eps < 0.5. */
irvi_status irvi_refine_opts_validate(const irvi_refine_opts *o);

typedef struct irvi_posterior irvi_posterior;

/* Room for up to n_max examples of model m's shape. */
irvi_status irvi_posterior_create(const irvi_model *m, int n_max, irvi_posterior **out);
void irvi_posterior_free(irvi_posterior *q);

/* Copy n rows of x (n, D) and set mu = mu0 = recognition(x); steps = 0. */
irvi_status irvi_posterior_set_data(irvi_posterior *q, const irvi_model *m,
                                    const uint8_t *x, int n);
/* Recompute mu0 from the (possibly updated) model and reset mu = mu0. */
irvi_status irvi_posterior_recognize(irvi_posterior *q, const irvi_model *m);
/* mu = mu0, steps = 0. */
void irvi_posterior_reset(irvi_posterior *q);
/* Simplified posterior (paper 5.3): each element of mu0 independently with
 * probability frac is set to 0.5; then mu = mu0. Gaussian models: each latent
 * independently with probability frac gets the prior's values, mu0 = 0 and
 * rho0 = 0 (sigma = 1); then the current posterior is reset to q0. */
void irvi_posterior_simplify(irvi_posterior *q, float frac, irvi_rng *r);

int irvi_posterior_n(const irvi_posterior *q);
int irvi_posterior_steps(const irvi_posterior *q);
const uint8_t *irvi_posterior_x(const irvi_posterior *q);   /* (n, D) */
/* Current means of layer l (0 = bottom), shape (n, H_l). */
const float *irvi_posterior_mu(const irvi_posterior *q, int l);
const float *irvi_posterior_mu0(const irvi_posterior *q, int l);
/* Writable current means (tests, importing a saved posterior). */
float *irvi_posterior_mu_mut(irvi_posterior *q, int l);
/* Gaussian models: current and initial log standard deviations rho (n, Z);
 * NULL for binary models. Writing through _mut does not reset the momentum. */
const float *irvi_posterior_logsigma(const irvi_posterior *q);
const float *irvi_posterior_logsigma0(const irvi_posterior *q);
float *irvi_posterior_logsigma_mut(irvi_posterior *q);

typedef struct {
    double mean_logw;   /* mean over samples and examples of log p(x,h) - log q(h) */
    double ess;         /* mean over examples of the step's normalized ESS in [1/M, 1] */
} irvi_refine_stats;

/* One refinement step on all examples. Binary models: one AIR step, M
 * samples per example from the current mu (all layers jointly),
 * self-normalized weights, mu <- (1-gamma) mu + gamma sum_m w_m h_m, clamp.
 * st may be NULL.
 * Gaussian models: one GDIR step (see the top of this file); st gets
 * the mean and the normalized ESS of log w = log p(x,h_m) - log q(h_m) of the
 * step's M samples under the pre-step posterior. IRVI_ENUMERIC (posterior
 * unchanged) if a weight or the gradient is not finite. */
irvi_status irvi_refine_step(irvi_posterior *q, const irvi_model *m,
                             const irvi_refine_opts *o, irvi_rng *r, irvi_refine_stats *st);
/* o->K steps of irvi_refine_step. */
irvi_status irvi_refine(irvi_posterior *q, const irvi_model *m, const irvi_refine_opts *o,
                        irvi_rng *r);

#ifdef __cplusplus
}
#endif
#endif
