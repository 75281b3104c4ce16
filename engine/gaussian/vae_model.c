/* engine/gaussian/vae_model.c — the Gaussian-latent model (DESIGN §8): architecture, tensor
 * layout, encoder and decoder passes with their hand-written backward passes,
 * Gaussian densities, and the public model entry points for such models.
 *
 * Backward of the decoder for G = sum_r c_r log p(x|h_r):
 *   dG/dlogits  = c_r (x - mean)             (k_bern_grad: also the squash)
 *   dG/dF2 = d^T dlogits, dG/df2 = colsum, dG/dd = dlogits F2^T
 *   dG/da2 = dG/dd * sig(a2)                 (softplus' = sig)
 *   dG/dF1 = h^T dG/da2, dG/df1 = colsum, dG/dh = dG/da2 F1^T.
 * Encoder, given dJ/d(mu | rho) = dout:
 *   dJ/dE2 = e^T dout, dJ/de2 = colsum, dJ/da1 = (dout E2^T) * sig(a1),
 *   dJ/dE1 = (x - xbar)^T dJ/da1, dJ/de1 = colsum.
 */
#include "kernels.h"
#include "linalg.h"
#include "vae_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

irvi_status vae_arch_validate(const irvi_arch *a)
{
    if (a->L != 1)
        return irvi_fail(IRVI_EINVAL, "a Gaussian (VAE) model has one latent layer, not %d", a->L);
    if (a->prior != IRVI_PRIOR_FACTORIZED)
        return irvi_fail(IRVI_EINVAL, "a Gaussian (VAE) model has the N(0, I) prior, not DARN");
    if (a->gen_hidden < 1 || a->rec_hidden < 1)
        return irvi_fail(IRVI_EINVAL, "a Gaussian (VAE) model needs decoder and encoder hidden "
                                      "layers (gen_hidden %d, rec_hidden %d; each >= 1)",
                         a->gen_hidden, a->rec_hidden);
    if (a->H[0] > 32768)
        return irvi_fail(IRVI_EINVAL, "%d Gaussian latents (at most 32768)", a->H[0]);
    return IRVI_OK;
}

void vae_arch_describe(const irvi_arch *a, char *buf, size_t cap)
{
    snprintf(buf, cap, "VAE %d (softplus %d / %d)%s", a->H[0], a->rec_hidden, a->gen_hidden,
             a->squash ? " squashed" : "");
}

void vae_layout(irvi_model *m)
{
    const irvi_arch *a = &m->arch;
    int Z = a->H[0], Hd = a->gen_hidden, Hr = a->rec_hidden, D = a->D;
    m->F1 = model_add_tensor(m, "F1", Z, Hd, 1, 1);
    m->f1 = model_add_tensor(m, "f1", Hd, 1, 0, 1);
    m->F2 = model_add_tensor(m, "F2", Hd, D, 1, 1);
    m->f2 = model_add_tensor(m, "f2", D, 1, 0, 1);
    m->E1 = model_add_tensor(m, "E1", D, Hr, 1, 0);
    m->e1 = model_add_tensor(m, "e1", Hr, 1, 0, 0);
    m->E2 = model_add_tensor(m, "E2", Hr, 2 * Z, 1, 0);
    m->e2 = model_add_tensor(m, "e2", 2 * Z, 1, 0, 0);
}

int vae_ws_reserve_rows(model_ws *w, const irvi_arch *a, size_t R)
{
    int fail = ws_grow((void **)&w->geps, sizeof(float) * R * a->H[0]);
    fail |= ws_grow((void **)&w->gsig, sizeof(float) * R * a->gen_hidden);
    fail |= ws_grow((void **)&w->gdh, sizeof(float) * R * a->H[0]);
    return fail;
}

int vae_ws_reserve_n(model_ws *w, const irvi_arch *a, size_t N)
{
    int fail = ws_grow((void **)&w->rsig, sizeof(float) * N * a->rec_hidden);
    fail |= ws_grow((void **)&w->rout, sizeof(float) * N * 2 * a->H[0]);
    return fail;
}

/* ---- passes ------------------------------------------------------------- */

void vae_encode(const irvi_model *m, model_ws *w, const uint8_t *x, int n)
{
    const irvi_arch *a = &m->arch;
    int D = a->D, Hr = a->rec_hidden, Z2 = 2 * a->H[0];
    for (int b = 0; b < n; b++)
        for (int d = 0; d < D; d++)
            w->xt[(size_t)b * D + d] = (float)x[(size_t)b * D + d] - m->xbar[d];
    la_sgemm(0, 0, n, Hr, D, 1.0f, w->xt, D, P(m, m->E1), Hr, 0.0f, w->rsig, Hr);
    k_add_bias(w->rsig, P(m, m->e1), n, Hr);
    k_softplus(w->rsig, w->rhid, (size_t)n * Hr);
    k_sigmoid(w->rsig, w->rsig, (size_t)n * Hr);
    la_sgemm(0, 0, n, Z2, Hr, 1.0f, w->rhid, Hr, P(m, m->E2), Z2, 0.0f, w->rout, Z2);
    k_add_bias(w->rout, P(m, m->e2), n, Z2);
}

void vae_encode_backward(const irvi_model *m, model_ws *w, int n, const float *dout, float *grad)
{
    const irvi_arch *a = &m->arch;
    int D = a->D, Hr = a->rec_hidden, Z2 = 2 * a->H[0];
    float *da = w->rdelta2;
    la_sgemm(1, 0, Hr, Z2, n, 1.0f, w->rhid, Hr, dout, Z2, 1.0f, grad + m->E2, Z2);
    k_colsum_add(dout, n, Z2, grad + m->e2);
    la_sgemm(0, 1, n, Hr, Z2, 1.0f, dout, Z2, P(m, m->E2), Z2, 0.0f, da, Hr);
    for (size_t i = 0; i < (size_t)n * Hr; i++)
        da[i] *= w->rsig[i];
    la_sgemm(1, 0, D, Hr, n, 1.0f, w->xt, D, da, Hr, 1.0f, grad + m->E1, Hr);
    k_colsum_add(da, n, Hr, grad + m->e1);
}

void vae_decode(const irvi_model *m, model_ws *w, int R)
{
    const irvi_arch *a = &m->arch;
    int Z = a->H[0], Hd = a->gen_hidden, D = a->D;
    la_sgemm(0, 0, R, Hd, Z, 1.0f, w->h[0], Z, P(m, m->F1), Hd, 0.0f, w->gsig, Hd);
    k_add_bias(w->gsig, P(m, m->f1), R, Hd);
    k_softplus(w->gsig, w->tanh_x, (size_t)R * Hd);
    k_sigmoid(w->gsig, w->gsig, (size_t)R * Hd);
    la_sgemm(0, 0, R, D, Hd, 1.0f, w->tanh_x, Hd, P(m, m->F2), D, 0.0f, w->logit_x, D);
    k_add_bias(w->logit_x, P(m, m->f2), R, D);
}

void vae_log_px(const irvi_model *m, const model_ws *w, const uint8_t *x, int n, int S,
                double *out)
{
    int D = m->arch.D, sq = m->arch.squash;
    for (int r = 0; r < S * n; r++)
        out[r] = k_bern_logp_u8(x + (size_t)(r % n) * D, w->logit_x + (size_t)r * D, D, sq);
}

void vae_decode_backward(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                         const float *c, float *grad, float *dh)
{
    const irvi_arch *a = &m->arch;
    int R = S * n, Z = a->H[0], Hd = a->gen_hidden, D = a->D, sq = a->squash;
    float *dl = w->delta, *da = w->delta2;
    for (int r = 0; r < R; r++)
        k_bern_grad_u8(x + (size_t)(r % n) * D, w->logit_x + (size_t)r * D, dl + (size_t)r * D, D,
                       sq, c[r]);
    if (grad) {
        la_sgemm(1, 0, Hd, D, R, 1.0f, w->tanh_x, Hd, dl, D, 1.0f, grad + m->F2, D);
        k_colsum_add(dl, R, D, grad + m->f2);
    }
    la_sgemm(0, 1, R, Hd, D, 1.0f, dl, D, P(m, m->F2), D, 0.0f, da, Hd);
    for (size_t i = 0; i < (size_t)R * Hd; i++)
        da[i] *= w->gsig[i];
    if (grad) {
        la_sgemm(1, 0, Z, Hd, R, 1.0f, w->h[0], Z, da, Hd, 1.0f, grad + m->F1, Hd);
        k_colsum_add(da, R, Hd, grad + m->f1);
    }
    if (dh)
        la_sgemm(0, 1, R, Z, Hd, 1.0f, da, Hd, P(m, m->F1), Hd, 0.0f, dh, Z);
}

/* ---- Gaussian densities -------------------------------------------------- */

void vae_reparam(const float *mu, const float *rho, int ld, const float *eps, int n, int S,
                 int Z, float *h)
{
    for (int s = 0; s < S; s++)
        for (int b = 0; b < n; b++) {
            size_t r = (size_t)s * n + b;
            const float *mb = mu + (size_t)b * ld, *rb = rho + (size_t)b * ld;
            const float *e = eps + r * Z;
            float *hr = h + r * Z;
            for (int i = 0; i < Z; i++)
                hr[i] = mb[i] + expf(rb[i]) * e[i];
        }
}

double vae_log_prior(const float *h, int Z)
{
    double s = 0;
    for (int i = 0; i < Z; i++)
        s += (double)h[i] * h[i];
    return -0.5 * (s + Z * VAE_LOG_2PI);
}

double vae_log_q(const float *rho, const float *eps, int Z)
{
    double s = 0;
    for (int i = 0; i < Z; i++)
        s += (double)rho[i] + 0.5 * (double)eps[i] * eps[i];
    return -s - 0.5 * Z * VAE_LOG_2PI;
}

double vae_kl_prior(const float *mu, const float *rho, int Z)
{
    double s = 0;
    for (int i = 0; i < Z; i++) {
        double r = rho[i], u = mu[i];
        s += -r + 0.5 * (exp(2 * r) + u * u) - 0.5;
    }
    return s;
}

double vae_kl(const float *mu1, const float *rho1, const float *mu0, const float *rho0, int Z)
{
    double s = 0;
    for (int i = 0; i < Z; i++) {
        double d = (double)mu1[i] - mu0[i];
        s += (double)rho0[i] - rho1[i] + (exp(2.0 * rho1[i]) + d * d) / (2 * exp(2.0 * rho0[i])) -
             0.5;
    }
    return s;
}

/* ---- public entry points -------------------------------------------------- */

irvi_status vae_model_log_joint(const irvi_model *m, const uint8_t *x, int n, int S,
                                const float *const *h, double *out)
{
    model_ws w = {0};
    int R = S * n, Z = m->arch.H[0];
    if (model_ws_reserve(&w, m, R, n)) {
        model_ws_free(&w);
        return irvi_fail(IRVI_ENOMEM, "log-joint buffers for %d rows", R);
    }
    memcpy(w.h[0], h[0], sizeof(float) * (size_t)R * Z);
    vae_decode(m, &w, R);
    vae_log_px(m, &w, x, n, S, out);
    for (int r = 0; r < R; r++)
        out[r] += vae_log_prior(w.h[0] + (size_t)r * Z, Z);
    model_ws_free(&w);
    return IRVI_OK;
}

irvi_status vae_model_recognize(const irvi_model *m, const uint8_t *x, int n, float *const *mu)
{
    model_ws w = {0};
    int Z = m->arch.H[0];
    if (model_ws_reserve(&w, m, 1, n)) {
        model_ws_free(&w);
        return irvi_fail(IRVI_ENOMEM, "recognition buffers for %d examples", n);
    }
    vae_encode(m, &w, x, n);
    for (int b = 0; b < n; b++)
        memcpy(mu[0] + (size_t)b * Z, w.rout + (size_t)b * 2 * Z, sizeof(float) * Z);
    model_ws_free(&w);
    return IRVI_OK;
}

irvi_status vae_model_sample(const irvi_model *m, irvi_rng *r, int n, uint8_t *x,
                             float *const *h)
{
    const irvi_arch *a = &m->arch;
    int Z = a->H[0], D = a->D;
    model_ws w = {0};
    if (n < 1)
        return IRVI_OK;
    if (model_ws_reserve(&w, m, n, 1)) {
        model_ws_free(&w);
        return irvi_fail(IRVI_ENOMEM, "sampling buffers for %d examples", n);
    }
    irvi_rng_fill_gauss(r, w.h[0], (size_t)n * Z);
    vae_decode(m, &w, n);
    k_mean(w.logit_x, w.logit_x, (size_t)n * D, a->squash);
    /* 32-bit Bernoulli draws, in place over the means */
    irvi_rng_bernoulli(r, w.logit_x, w.logit_x, (size_t)n * D);
    for (size_t i = 0; i < (size_t)n * D; i++)
        x[i] = w.logit_x[i] != 0;
    if (h)
        memcpy(h[0], w.h[0], sizeof(float) * (size_t)n * Z);
    model_ws_free(&w);
    return IRVI_OK;
}
