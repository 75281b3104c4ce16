/* engine/model_fwd.c — batched log p(x, h), its gradient, and log q(h).
 *
 * All R = S*n sample rows of a step go through one GEMM per layer; x is
 * scored raw (never centred). Layer indexing: G[0] generates x from layer 0,
 * G[l] (l >= 1) generates layer l-1 from layer l; the top layer L-1 has the
 * prior (logits z, or DARN a = h R + z).
 */
#include "kernels.h"
#include "linalg.h"
#include "model_impl.h"
#include "vae.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int grow(void **p, size_t bytes)
{
    void *q = realloc(*p, bytes ? bytes : 1);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

static int max_width(const irvi_model *m)
{
    const irvi_arch *a = &m->arch;
    int w = a->D > a->gen_hidden ? a->D : a->gen_hidden;
    if (a->rec_hidden > w)
        w = a->rec_hidden;
    for (int l = 0; l < a->L; l++)
        w = a->H[l] > w ? a->H[l] : w;
    if (a->latent == IRVI_LATENT_GAUSSIAN && 2 * a->H[0] > w) /* the encoder's (mu | rho) */
        w = 2 * a->H[0];
    return w;
}

int model_ws_reserve(model_ws *w, const irvi_model *m, int rows, int n)
{
    const irvi_arch *a = &m->arch;
    size_t W = (size_t)max_width(m);
    int fail = 0;
    if (rows > w->rows_cap) {
        size_t R = (size_t)rows;
        for (int l = 0; l < a->L; l++) {
            fail |= grow((void **)&w->h[l], sizeof(float) * R * a->H[l]);
            fail |= grow((void **)&w->logit[l], sizeof(float) * R * a->H[l]);
        }
        fail |= grow((void **)&w->logit_x, sizeof(float) * R * a->D);
        fail |= grow((void **)&w->tanh_x, sizeof(float) * R * (a->gen_hidden ? a->gen_hidden : 1));
        fail |= grow((void **)&w->delta, sizeof(float) * R * W);
        fail |= grow((void **)&w->delta2, sizeof(float) * R * W);
        fail |= grow((void **)&w->lp, sizeof(double) * R);
        fail |= grow((void **)&w->lq, sizeof(double) * R);
        fail |= grow((void **)&w->lw, sizeof(double) * R);
        if (a->latent == IRVI_LATENT_GAUSSIAN) {
            fail |= grow((void **)&w->geps, sizeof(float) * R * a->H[0]);
            fail |= grow((void **)&w->gsig, sizeof(float) * R * a->gen_hidden);
            fail |= grow((void **)&w->gdh, sizeof(float) * R * a->H[0]);
        }
        if (fail)
            return -1;
        w->rows_cap = rows;
    }
    if (n > w->n_cap) {
        size_t N = (size_t)n;
        fail |= grow((void **)&w->xt, sizeof(float) * N * a->D);
        fail |= grow((void **)&w->rhid, sizeof(float) * N * (a->rec_hidden ? a->rec_hidden : 1));
        for (int l = 0; l < a->L; l++) {
            fail |= grow((void **)&w->ra[l], sizeof(float) * N * a->H[l]);
            fail |= grow((void **)&w->rmu[l], sizeof(float) * N * a->H[l]);
        }
        fail |= grow((void **)&w->rdelta, sizeof(float) * N * W);
        fail |= grow((void **)&w->rdelta2, sizeof(float) * N * W);
        fail |= grow((void **)&w->ql1, sizeof(float) * N * m->Htot);
        fail |= grow((void **)&w->ql0, sizeof(float) * N * m->Htot);
        if (a->latent == IRVI_LATENT_GAUSSIAN) {
            fail |= grow((void **)&w->rsig, sizeof(float) * N * a->rec_hidden);
            fail |= grow((void **)&w->rout, sizeof(float) * N * 2 * a->H[0]);
        }
        if (fail)
            return -1;
        w->n_cap = n;
    }
    return 0;
}

void model_ws_free(model_ws *w)
{
    for (int l = 0; l < IRVI_MAX_LAYERS; l++) {
        free(w->h[l]);
        free(w->logit[l]);
        free(w->ra[l]);
        free(w->rmu[l]);
    }
    free(w->logit_x);
    free(w->tanh_x);
    free(w->delta);
    free(w->delta2);
    free(w->lp);
    free(w->lq);
    free(w->lw);
    free(w->xt);
    free(w->rhid);
    free(w->rdelta);
    free(w->rdelta2);
    free(w->ql1);
    free(w->ql0);
    free(w->geps);
    free(w->gsig);
    free(w->gdh);
    free(w->rsig);
    free(w->rout);
    memset(w, 0, sizeof *w);
}

/* logits (R, out) = in (R, k) . W (k, out) + b */
static void affine(const float *in, int R, int k, const float *W, const float *b, int out,
                   float *logits)
{
    la_sgemm(0, 0, R, out, k, 1.0f, in, k, W, out, 0.0f, logits, out);
    k_add_bias(logits, b, R, out);
}

void model_out_logits(const irvi_model *m, model_ws *w, int R)
{
    const irvi_arch *a = &m->arch;
    if (a->gen_hidden) {
        affine(w->h[0], R, a->H[0], P(m, m->A), P(m, m->alpha), a->gen_hidden, w->tanh_x);
        k_tanh(w->tanh_x, w->tanh_x, (size_t)R * a->gen_hidden);
        affine(w->tanh_x, R, a->gen_hidden, P(m, m->C), P(m, m->c[0]), a->D, w->logit_x);
    } else {
        affine(w->h[0], R, a->H[0], P(m, m->G[0]), P(m, m->c[0]), a->D, w->logit_x);
    }
}

void model_prior_logp(const irvi_model *m, model_ws *w, int R, double *out)
{
    const irvi_arch *a = &m->arch;
    int L = a->L, HL = a->H[L - 1], sq = a->squash;
    const float *hL = w->h[L - 1];
    if (a->prior == IRVI_PRIOR_DARN) {
        affine(hL, R, HL, P(m, m->R), P(m, m->z), HL, w->logit[L - 1]);
        for (int r = 0; r < R; r++)
            out[r] += k_bern_logp(hL + (size_t)r * HL, w->logit[L - 1] + (size_t)r * HL, HL, sq);
        return;
    }
    /* log p(h) = sum_i l0_i + h_i (l1_i - l0_i): per-unit terms computed once. */
    const float *z = P(m, m->z);
    float one = 1, zero = 0;
    double base = 0;
    float *diff = w->delta; /* (HL) scratch; the backward pass overwrites it */
    for (int i = 0; i < HL; i++) {
        double l1 = k_bern_logp(&one, &z[i], 1, sq), l0 = k_bern_logp(&zero, &z[i], 1, sq);
        base += l0;
        diff[i] = (float)(l1 - l0);
    }
    for (int r = 0; r < R; r++) {
        const float *h = hL + (size_t)r * HL;
        double sum = 0;
        for (int i = 0; i < HL; i++)
            sum += h[i] * diff[i];
        out[r] += base + sum;
    }
}

void model_log_joint(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                     double *out)
{
    const irvi_arch *a = &m->arch;
    int R = S * n, L = a->L, D = a->D, sq = a->squash;
    model_out_logits(m, w, R);
    for (int r = 0; r < R; r++)
        out[r] = k_bern_logp_u8(x + (size_t)(r % n) * D, w->logit_x + (size_t)r * D, D, sq);
    for (int l = 1; l < L; l++) {
        int Hl = a->H[l - 1];
        affine(w->h[l], R, a->H[l], P(m, m->G[l]), P(m, m->c[l]), Hl, w->logit[l - 1]);
        for (int r = 0; r < R; r++)
            out[r] += k_bern_logp(w->h[l - 1] + (size_t)r * Hl, w->logit[l - 1] + (size_t)r * Hl,
                                  Hl, sq);
    }
    model_prior_logp(m, w, R, out);
}

/* delta (R, cols) = -weight[r] * dlog Bern(y; logit)/dlogit, y float rows */
static void neg_grad_rows(const float *y, const float *logit, const float *weight, int R,
                          int cols, int sq, float *delta)
{
    for (int r = 0; r < R; r++)
        k_bern_grad(y + (size_t)r * cols, logit + (size_t)r * cols, delta + (size_t)r * cols,
                    cols, sq, -weight[r]);
}

void model_grad_gen(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                    const float *weight, float *grad)
{
    const irvi_arch *a = &m->arch;
    int R = S * n, L = a->L, D = a->D, sq = a->squash;
    float *dl = w->delta;
    for (int r = 0; r < R; r++)
        k_bern_grad_u8(x + (size_t)(r % n) * D, w->logit_x + (size_t)r * D, dl + (size_t)r * D, D,
                       sq, -weight[r]);
    k_colsum_add(dl, R, D, grad + m->c[0]);
    if (a->gen_hidden) {
        int Hd = a->gen_hidden;
        la_sgemm(1, 0, Hd, D, R, 1.0f, w->tanh_x, Hd, dl, D, 1.0f, grad + m->C, D);
        /* back through C and tanh: d2 = (dl C^T) * (1 - t^2) */
        la_sgemm(0, 1, R, Hd, D, 1.0f, dl, D, P(m, m->C), D, 0.0f, w->delta2, Hd);
        for (size_t i = 0; i < (size_t)R * Hd; i++)
            w->delta2[i] *= 1.0f - w->tanh_x[i] * w->tanh_x[i];
        la_sgemm(1, 0, a->H[0], Hd, R, 1.0f, w->h[0], a->H[0], w->delta2, Hd, 1.0f,
                 grad + m->A, Hd);
        k_colsum_add(w->delta2, R, Hd, grad + m->alpha);
    } else {
        la_sgemm(1, 0, a->H[0], D, R, 1.0f, w->h[0], a->H[0], dl, D, 1.0f, grad + m->G[0], D);
    }
    for (int l = 1; l < L; l++) {
        int Hl = a->H[l - 1];
        neg_grad_rows(w->h[l - 1], w->logit[l - 1], weight, R, Hl, sq, dl);
        la_sgemm(1, 0, a->H[l], Hl, R, 1.0f, w->h[l], a->H[l], dl, Hl, 1.0f, grad + m->G[l], Hl);
        k_colsum_add(dl, R, Hl, grad + m->c[l]);
    }
    int HL = a->H[L - 1];
    const float *hL = w->h[L - 1];
    if (a->prior == IRVI_PRIOR_DARN) {
        neg_grad_rows(hL, w->logit[L - 1], weight, R, HL, sq, dl);
        float *gR = grad + m->R;
        la_sgemm(1, 0, HL, HL, R, 1.0f, hL, HL, dl, HL, 1.0f, gR, HL);
        for (int j = 0; j < HL; j++) /* keep the autoregressive mask */
            for (int i = 0; i <= j; i++)
                gR[(size_t)j * HL + i] = 0;
        k_colsum_add(dl, R, HL, grad + m->z);
    } else {
        const float *z = P(m, m->z);
        float *gz = grad + m->z;
        for (int r = 0; r < R; r++) {
            k_bern_grad(hL + (size_t)r * HL, z, dl, HL, sq, -weight[r]);
            for (int i = 0; i < HL; i++)
                gz[i] += dl[i];
        }
    }
}

void model_log_q(const irvi_model *m, model_ws *w, int n, int S, const float *const *mu,
                 double *out)
{
    const irvi_arch *a = &m->arch;
    int R = S * n;
    for (int r = 0; r < R; r++)
        out[r] = 0;
    for (int l = 0; l < a->L; l++) {
        int H = a->H[l];
        /* per-example log mu and log(1 - mu), computed once and shared by the S samples */
        for (size_t i = 0; i < (size_t)n * H; i++) {
            w->ql1[i] = logf(mu[l][i]);
            w->ql0[i] = log1pf(-mu[l][i]);
        }
        for (int r = 0; r < R; r++) {
            const float *h = w->h[l] + (size_t)r * H;
            const float *l1 = w->ql1 + (size_t)(r % n) * H, *l0 = w->ql0 + (size_t)(r % n) * H;
            float s = 0;
            for (int i = 0; i < H; i++)
                s += h[i] != 0 ? l1[i] : l0[i];
            out[r] += s;
        }
    }
}

irvi_status irvi_model_log_joint(const irvi_model *m, const uint8_t *x, int n, int S,
                                 const float *const *h, double *out)
{
    if (n < 0 || S < 0)
        return irvi_fail(IRVI_EINVAL, "negative batch size");
    if (m->arch.latent == IRVI_LATENT_GAUSSIAN)
        return vae_model_log_joint(m, x, n, S, h, out);
    model_ws w = {0};
    int R = S * n;
    if (model_ws_reserve(&w, m, R, n)) {
        model_ws_free(&w);
        return irvi_fail(IRVI_ENOMEM, "log-joint buffers for %d rows", R);
    }
    for (int l = 0; l < m->arch.L; l++)
        memcpy(w.h[l], h[l], sizeof(float) * (size_t)R * m->arch.H[l]);
    model_log_joint(m, &w, x, n, S, out);
    model_ws_free(&w);
    return IRVI_OK;
}
