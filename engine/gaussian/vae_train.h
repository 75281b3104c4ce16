/* engine/gaussian/vae_train.h — the Gaussian algorithms' minibatch loss and
 * its gradient (VAE and GDIR training, vae_train.c). */
#ifndef IRVI_VAE_TRAIN_H
#define IRVI_VAE_TRAIN_H

#include "train_impl.h"

/* The minibatch loss of the Gaussian algorithms for the fixed noise in
 * w->geps (N*n rows), batch-mean as in the reference (DESIGN §8, 12.7):
 *   VAE:  J = (1/n) sum_b [ -(1/N) sum_s log p(x_b | mu0_b + sigma0_b eps_sb)
 *                           + KL(q0_b || N(0,I)) ]                 + l2 sum ||W||^2
 *   GDIR: J = (1/n) sum_b [ -(1/N) sum_s log p(x_b | muK_b + sigmaK_b eps_sb)
 *                           + KL(qK_b || q0_b(psi)) ]              + l2 sum ||W||^2
 * with (mu0, rho0) the encoder's output (depending on psi) and muK, rhoK (n, Z)
 * constants (unused for VAE). Leaves log p(x|h) of the rows in w->lp and the
 * samples in w->h[0]. */
double vae_train_loss(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int N,
                      irvi_algo algo, const float *muK, const float *rhoK, float l2);
/* Add dJ/dtheta of vae_train_loss (same arguments) to grad; c is scratch of
 * N*n floats. Also leaves w->lp and w->h[0] as vae_train_loss does. */
void vae_train_grad(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int N,
                    irvi_algo algo, const float *muK, const float *rhoK, float l2, float *c,
                    float *grad);
/* The family table's train_update: fresh noise, t->grad, the step's bound and ESS. */
irvi_status vae_train_update(irvi_trainer *t, int n, const char *where, double *lb,
                             double *ess);

#endif
