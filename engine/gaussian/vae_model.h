/* engine/gaussian/vae_model.h — the Gaussian-latent model (VAE, DESIGN §8).
 *
 * Model (irvi/model.h): Z = H_1 Gaussian latents, prior N(0, I);
 *   encoder  a1 = (x - xbar) E1 + e1,  e = softplus(a1),  (mu | rho) = e E2 + e2
 *   decoder  a2 = h F1 + f1,           d = softplus(a2),  logits = d F2 + f2,
 *            p(x|h) = Bern(mean(logits))
 * h = mu + sigma eps, sigma = e^rho. Everything is written out by hand:
 * vae_model.c has the passes and densities, gdir.c (gdir.h) the posterior
 * side (noise, GDIR steps, estimators), vae_train.c (vae_train.h) the two
 * training algorithms.
 *
 * Buffers (model_ws, rows R = S*n sample-major as everywhere):
 *   h[0] (R, Z) samples, geps (R, Z) their noise, gsig (R, Hd) = sig(a2),
 *   tanh_x (R, Hd) = d, logit_x (R, D), gdh (R, Z), delta (R, >= D),
 *   delta2 (R, >= Hd); xt (n, D), rhid (n, Hr) = e, rsig (n, Hr) = sig(a1),
 *   rout (n, 2Z), rdelta / rdelta2 (n, >= max(2Z, Hr)).
 */
#ifndef IRVI_VAE_MODEL_H
#define IRVI_VAE_MODEL_H

#include "model_layout.h"
#include "workspace.h"

#define VAE_LOG_2PI 1.8378770664093453

/* ---- model (vae_model.c) --------------------------------------------------- */
irvi_status vae_arch_validate(const irvi_arch *a);
void vae_arch_describe(const irvi_arch *a, char *buf, size_t cap);
/* Lay out the tensors of a Gaussian model (called by model.c's layout). */
void vae_layout(irvi_model *m);
/* The family's workspace buffers (geps, gsig, gdh; rsig, rout). */
int vae_ws_reserve_rows(model_ws *w, const irvi_arch *a, size_t rows);
int vae_ws_reserve_n(model_ws *w, const irvi_arch *a, size_t n);

/* Encoder on n examples: w->rout (n, 2Z) = (mu | rho) per row (also xt, rhid, rsig). */
void vae_encode(const irvi_model *m, model_ws *w, const uint8_t *x, int n);
/* Add to grad the gradient of J given dJ/d(mu | rho) in dout (n, 2Z), after
 * vae_encode on the same x. dout must not be w->rdelta2 (used as scratch). */
void vae_encode_backward(const irvi_model *m, model_ws *w, int n, const float *dout, float *grad);
/* Decoder on the R rows of w->h[0]: logits into w->logit_x (also tanh_x, gsig). */
void vae_decode(const irvi_model *m, model_ws *w, int R);
/* out[r] = log p(x_{r mod n} | h_r) for R = S*n rows, after vae_decode. */
void vae_log_px(const irvi_model *m, const model_ws *w, const uint8_t *x, int n, int S,
                double *out);
/* For G = sum_r c[r] log p(x_{r mod n} | h_r), after vae_decode on the same rows:
 * add dG/dphi to grad (if grad != NULL) and write dG/dh_r to dh (R, Z) (if dh
 * != NULL). Uses w->delta and w->delta2. */
void vae_decode_backward(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                         const float *c, float *grad, float *dh);

/* h_r = mu_b + e^{rho_b} eps_r for the R = S*n rows (b = r mod n); eps, h (R, Z);
 * example b's mu and rho start at mu + b*ld and rho + b*ld. */
void vae_reparam(const float *mu, const float *rho, int ld, const float *eps, int n, int S,
                 int Z, float *h);
/* log N(h; 0, I) and log N(h; mu, sigma^2) = sum -log 2pi/2 - rho - eps^2/2. */
double vae_log_prior(const float *h, int Z);
double vae_log_q(const float *rho, const float *eps, int Z);
/* KL(N(mu, e^{2 rho}) || N(0, I)) = sum -rho + (e^{2 rho} + mu^2)/2 - 1/2. */
double vae_kl_prior(const float *mu, const float *rho, int Z);
/* KL(N(mu1, e^{2 rho1}) || N(mu0, e^{2 rho0})). */
double vae_kl(const float *mu1, const float *rho1, const float *mu0, const float *rho0, int Z);

/* Public entry points of Gaussian models (through the family table). */
irvi_status vae_model_log_joint(const irvi_model *m, const uint8_t *x, int n, int S,
                                const float *const *h, double *out);
irvi_status vae_model_recognize(const irvi_model *m, const uint8_t *x, int n, float *const *mu);
irvi_status vae_model_sample(const irvi_model *m, irvi_rng *r, int n, uint8_t *x,
                             float *const *h);

#endif
