/* engine/gaussian/vae_train.c — training Gaussian (VAE) models (DESIGN §8): the VAE
 * baseline and GDIR training, with the trainer's optimizer, validation and
 * checkpoints unchanged (train.c's step skeleton calls vae_train_update
 * through the family table).
 *
 * Both minimize a batch-MEAN loss, as the reference does for these models
 * (DESIGN §12.7; the binary algorithms sum over the batch), see vae_train.h:
 *   VAE   h = mu0 + sigma0 eps (reparameterized: the decoder's gradient with
 *         respect to h flows back into the encoder), loss -log p(x|h) + KL(q0||p);
 *   GDIR  mu_K, rho_K from air.K GDIR steps (constants, no backprop through
 *         the refinement); decoder from N samples of q_K, encoder toward q_K
 *         through KL(q_K || q0(psi)) (DESIGN §8):
 *           dKL/dmu0  = (mu0 - muK) / sigma0^2
 *           dKL/drho0 = 1 - (sigmaK^2 + (muK - mu0)^2) / sigma0^2.
 * L2: l2 ||W||^2 on every weight matrix (not the biases).
 *
 * Step metrics (per example, fully sampled as for the binary algorithms):
 * lb = mean of log w = log p(x|h) + log N(h; 0, I) - log q(h) over the N
 * update samples of the proposal (q0 for VAE, q_K for GDIR); lb0 = lb for
 * VAE, the first GDIR step's mean log w (samples of q0) for GDIR with K >= 1.
 */
#include "kernels.h"
#include "gdir.h"
#include "vae_model.h"
#include "vae_train.h"

#include <math.h>
#include <string.h>

/* 1: the samples are q0's, reparameterized through the encoder (VAE);
 * 0: they are q_K's (constants) and q0 is pulled toward q_K by KL (GDIR). */
static int through_encoder(irvi_algo algo)
{
    return irvi_algo_info_get(algo)->target == IRVI_TARGET_ELBO;
}

/* Encoder, samples and decoder for the loss: returns the data term
 * -(1/(N n)) sum log p(x|h) and leaves w->lp, w->h[0], w->rout. */
static double forward(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int N,
                      irvi_algo algo, const float *muK, const float *rhoK)
{
    int Z = m->arch.H[0], R = N * n;
    vae_encode(m, w, x, n);
    if (through_encoder(algo))
        vae_reparam(w->rout, w->rout + Z, 2 * Z, w->geps, n, N, Z, w->h[0]);
    else
        vae_reparam(muK, rhoK, Z, w->geps, n, N, Z, w->h[0]);
    vae_decode(m, w, R);
    vae_log_px(m, w, x, n, N, w->lp);
    double s = 0;
    for (int r = 0; r < R; r++)
        s += w->lp[r];
    return -s / ((double)N * n);
}

double vae_train_loss(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int N,
                      irvi_algo algo, const float *muK, const float *rhoK, float l2)
{
    int Z = m->arch.H[0];
    double J = forward(m, w, x, n, N, algo, muK, rhoK), kl = 0;
    for (int b = 0; b < n; b++) {
        const float *mu0 = w->rout + (size_t)b * 2 * Z, *rho0 = mu0 + Z;
        if (through_encoder(algo))
            kl += vae_kl_prior(mu0, rho0, Z);
        else
            kl += vae_kl(muK + (size_t)b * Z, rhoK + (size_t)b * Z, mu0, rho0, Z);
    }
    J += kl / n;
    return J + train_l2_loss(m, l2);
}

void vae_train_grad(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int N,
                    irvi_algo algo, const float *muK, const float *rhoK, float l2, float *c,
                    float *grad)
{
    int Z = m->arch.H[0], R = N * n, vae = through_encoder(algo);
    forward(m, w, x, n, N, algo, muK, rhoK);
    float cr = -1.0f / ((float)N * (float)n), inv_n = 1.0f / (float)n;
    for (int r = 0; r < R; r++)
        c[r] = cr;
    vae_decode_backward(m, w, x, n, N, c, grad, vae ? w->gdh : NULL);
    float *dout = w->rdelta; /* (n, 2Z): dJ/dmu0 | dJ/drho0 */
    for (int b = 0; b < n; b++) {
        const float *mu0 = w->rout + (size_t)b * 2 * Z, *rho0 = mu0 + Z;
        float *dm = dout + (size_t)b * 2 * Z, *dr = dm + Z;
        for (int i = 0; i < Z; i++) {
            float s0 = expf(rho0[i]);
            if (vae) {
                dm[i] = inv_n * mu0[i];
                dr[i] = inv_n * (s0 * s0 - 1.0f);
            } else {
                float d = muK[(size_t)b * Z + i] - mu0[i], sK = expf(rhoK[(size_t)b * Z + i]);
                float iv = 1.0f / (s0 * s0);
                dm[i] = -inv_n * d * iv;
                dr[i] = inv_n * (1.0f - (sK * sK + d * d) * iv);
            }
        }
    }
    if (vae) /* through h = mu0 + sigma0 eps */
        for (int r = 0; r < R; r++) {
            int b = r % n;
            const float *dh = w->gdh + (size_t)r * Z, *e = w->geps + (size_t)r * Z;
            const float *rho0 = w->rout + (size_t)b * 2 * Z + Z;
            float *dm = dout + (size_t)b * 2 * Z, *dr = dm + Z;
            for (int i = 0; i < Z; i++) {
                dm[i] += dh[i];
                dr[i] += dh[i] * e[i] * expf(rho0[i]);
            }
        }
    vae_encode_backward(m, w, n, dout, grad);
    train_l2_grad(m, l2, grad);
}

irvi_status vae_train_update(irvi_trainer *t, int n, const char *where, double *lb,
                             double *ess)
{
    irvi_model *m = t->m;
    const irvi_train_opts *o = &t->o;
    irvi_posterior *q = t->q;
    int Z = m->arch.H[0], N = o->N;
    model_ws *w = &q->ws;
    size_t R = (size_t)N * n;
    irvi_rng_fill_gauss(&t->rng, w->geps, R * Z);
    memset(t->grad, 0, sizeof(float) * m->np);
    vae_train_grad(m, w, q->x, n, N, o->algo, q->mu[0], gdir_of(q)->rho, o->l2, t->wt, t->grad);

    /* metrics from the update samples (h and eps of the proposal, log p(x|h) in lp) */
    double sum_lw = 0, ess_sum = 0;
    for (size_t r = 0; r < R; r++) {
        const float *h = w->h[0] + r * Z, *e = w->geps + r * Z;
        w->lw[r] = w->lp[r] + vae_log_prior(h, Z) - vae_log_q(gdir_of(q)->rho + (r % n) * Z, e, Z);
        sum_lw += w->lw[r];
    }
    *lb = sum_lw / (double)R;
    if (!isfinite(*lb))
        return irvi_fail(IRVI_ENUMERIC, "%s: non-finite log weight of an update sample "
                                        "(parameters left unchanged)", where);
    for (int b = 0; b < n; b++) {
        double mx = -INFINITY, z = 0, z2 = 0;
        for (int s = 0; s < N; s++)
            mx = fmax(mx, w->lw[(size_t)s * n + b]);
        for (int s = 0; s < N; s++) {
            double e = exp(w->lw[(size_t)s * n + b] - mx);
            z += e;
            z2 += e * e;
        }
        ess_sum += z * z / (N * z2);
    }
    *ess = ess_sum / n;
    return IRVI_OK;
}
