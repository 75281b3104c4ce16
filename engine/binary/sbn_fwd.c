/* engine/binary/sbn_fwd.c — batched log p(x, h), its gradient, and log q(h).
 *
 * The R = S*n sample rows go over the engine's pool (pool.h) in fixed blocks
 * of ROW_BLOCK rows; a thread runs the whole forward pass of a block (one
 * single-threaded GEMM per layer, then the log terms while the logits are
 * still in cache). The blocks do not depend on the thread count, nor do the
 * results. x is scored raw (never centred). Layer indexing: G[0] generates x from layer 0,
 * G[l] (l >= 1) generates layer l-1 from layer l; the top layer L-1 has the
 * prior (logits z, or DARN a = h R + z).
 */
#include "kernels.h"
#include "linalg.h"
#include "model_impl.h"
#include "pool.h"
#include "sbn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROW_BLOCK 512 /* rows per GEMM: few weight packings, logits in L2/L3 */

/* logits (R, out) = in (R, k) . W (k, out) + b: b is written first and the
 * product added (beta = 1), which spares BLAS a pass zeroing the output. */
static void affine(const float *in, int R, int k, const float *W, const float *b, int out,
                   float *logits)
{
    for (int r = 0; r < R; r++)
        memcpy(logits + (size_t)r * out, b, sizeof(float) * out);
    la_sgemm(0, 0, R, out, k, 1.0f, in, k, W, out, 1.0f, logits, out);
}

/* Output logits of rows r0..r1 (and their tanh layer). */
static void out_logits_rows(const irvi_model *m, model_ws *w, int r0, int r1)
{
    const irvi_arch *a = &m->arch;
    int H0 = a->H[0], D = a->D, Hd = a->gen_hidden, nr = r1 - r0;
    const float *h0 = w->h[0] + (size_t)r0 * H0;
    float *lx = w->logit_x + (size_t)r0 * D;
    if (Hd) {
        float *t = w->tanh_x + (size_t)r0 * Hd;
        affine(h0, nr, H0, P(m, m->A), P(m, m->alpha), Hd, t);
        k_tanh(t, t, (size_t)nr * Hd);
        affine(t, nr, Hd, P(m, m->C), P(m, m->c[0]), D, lx);
    } else {
        affine(h0, nr, H0, P(m, m->G[0]), P(m, m->c[0]), D, lx);
    }
}

/* The factorized prior's per-unit terms, once per call rather than per row
 * block: log p(h) = pbase + sum_i h_i pdiff_i (finite: the prior's logits are). */
static void prior_table(const irvi_model *m, model_ws *w)
{
    const irvi_arch *a = &m->arch;
    if (a->prior == IRVI_PRIOR_DARN)
        return;
    int HL = a->H[a->L - 1], sq = a->squash;
    const float *z = P(m, m->z);
    float one = 1, zero = 0;
    double base = 0;
    for (int i = 0; i < HL; i++) {
        double l1 = k_bern_logp(&one, &z[i], 1, sq), l0 = k_bern_logp(&zero, &z[i], 1, sq);
        base += l0;
        w->pdiff[i] = (float)(l1 - l0);
    }
    w->pbase = base;
}

/* out[r] += log p(h_top) for rows r0..r1 (after prior_table). */
static void prior_rows(const irvi_model *m, model_ws *w, int r0, int r1, double *out)
{
    const irvi_arch *a = &m->arch;
    int L = a->L, HL = a->H[L - 1], sq = a->squash;
    const float *hL = w->h[L - 1];
    if (a->prior == IRVI_PRIOR_DARN) {
        float *lg = w->logit[L - 1];
        affine(hL + (size_t)r0 * HL, r1 - r0, HL, P(m, m->R), P(m, m->z), HL,
               lg + (size_t)r0 * HL);
        for (int r = r0; r < r1; r++)
            out[r] += k_bern_logp(hL + (size_t)r * HL, lg + (size_t)r * HL, HL, sq);
        return;
    }
    for (int r = r0; r < r1; r++)
        out[r] += w->pbase + k_dot(hL + (size_t)r * HL, w->pdiff, HL);
}

typedef struct {
    const irvi_model *m;
    model_ws *w;
    const uint8_t *x;
    int n, R;
    double *out;
} rows_job;

static void out_logits_part(void *ctx, int lo, int hi)
{
    const rows_job *j = ctx;
    for (int blk = lo; blk < hi; blk++) {
        int r0 = blk * ROW_BLOCK, r1 = r0 + ROW_BLOCK < j->R ? r0 + ROW_BLOCK : j->R;
        out_logits_rows(j->m, j->w, r0, r1);
    }
}

static int nblocks(int R) { return (R + ROW_BLOCK - 1) / ROW_BLOCK; }

void model_out_logits(const irvi_model *m, model_ws *w, int R)
{
    rows_job j = {m, w, NULL, 0, R, NULL};
    pool_run(nblocks(R), out_logits_part, &j);
}

static void prior_part(void *ctx, int lo, int hi)
{
    const rows_job *j = ctx;
    for (int blk = lo; blk < hi; blk++) {
        int r0 = blk * ROW_BLOCK, r1 = r0 + ROW_BLOCK < j->R ? r0 + ROW_BLOCK : j->R;
        prior_rows(j->m, j->w, r0, r1, j->out);
    }
}

void model_prior_logp(const irvi_model *m, model_ws *w, int R, double *out)
{
    rows_job j = {m, w, NULL, 0, R, out};
    if (R <= 0) /* nothing reserved yet, nothing to do */
        return;
    prior_table(m, w);
    pool_run(nblocks(R), prior_part, &j);
}

static void log_joint_part(void *ctx, int lo, int hi)
{
    const rows_job *j = ctx;
    const irvi_model *m = j->m;
    const irvi_arch *a = &m->arch;
    model_ws *w = j->w;
    int n = j->n, D = a->D, sq = a->squash;
    double *out = j->out;
    for (int blk = lo; blk < hi; blk++) {
        int r0 = blk * ROW_BLOCK, r1 = r0 + ROW_BLOCK < j->R ? r0 + ROW_BLOCK : j->R, nr = r1 - r0;
        out_logits_rows(m, w, r0, r1);
        for (int r = r0; r < r1; r++)
            out[r] = k_bern_logp_u8(j->x + (size_t)(r % n) * D, w->logit_x + (size_t)r * D, D, sq);
        for (int l = 1; l < a->L; l++) {
            int Hl = a->H[l - 1];
            float *lg = w->logit[l - 1] + (size_t)r0 * Hl;
            affine(w->h[l] + (size_t)r0 * a->H[l], nr, a->H[l], P(m, m->G[l]), P(m, m->c[l]), Hl,
                   lg);
            for (int r = r0; r < r1; r++)
                out[r] += k_bern_logp(w->h[l - 1] + (size_t)r * Hl, w->logit[l - 1] + (size_t)r * Hl,
                                      Hl, sq);
        }
        prior_rows(m, w, r0, r1, out);
    }
}

void model_log_joint(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                     double *out)
{
    rows_job j = {m, w, x, n, S * n, out};
    if (S * n <= 0)
        return;
    prior_table(m, w);
    pool_run(nblocks(S * n), log_joint_part, &j);
}

typedef struct {
    const float *y, *logit, *weight;
    const uint8_t *x; /* instead of y: data rows, row r uses x row r % n */
    int n, cols, sq;
    float *delta;
} grad_job;

/* delta rows lo..hi = -weight[r] * dlog Bern(y; logit)/dlogit */
static void neg_grad_part(void *ctx, int lo, int hi)
{
    const grad_job *j = ctx;
    for (int r = lo; r < hi; r++) {
        size_t o = (size_t)r * j->cols;
        if (j->x)
            k_bern_grad_u8(j->x + (size_t)(r % j->n) * j->cols, j->logit + o, j->delta + o,
                           j->cols, j->sq, -j->weight[r]);
        else
            k_bern_grad(j->y + o, j->logit + o, j->delta + o, j->cols, j->sq, -j->weight[r]);
    }
}

static void neg_grad_rows(const float *y, const float *logit, const float *weight, int R,
                          int cols, int sq, float *delta)
{
    grad_job j = {y, logit, weight, NULL, 1, cols, sq, delta};
    pool_run(R, neg_grad_part, &j);
}

void model_grad_gen(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                    const float *weight, float *grad)
{
    const irvi_arch *a = &m->arch;
    int R = S * n, L = a->L, D = a->D, sq = a->squash;
    float *dl = w->delta;
    grad_job gx = {NULL, w->logit_x, weight, x, n, D, sq, dl};
    pool_run(R, neg_grad_part, &gx);
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

typedef struct {
    const irvi_model *m;
    model_ws *w;
    int n;
    const float *const *mu;
    double *out;
} logq_job;

/* per-example log mu and log(1 - mu) of every layer (n, Htot), computed once
 * and shared by the S samples */
static void logq_tables(void *ctx, int lo, int hi)
{
    const logq_job *j = ctx;
    const irvi_arch *a = &j->m->arch;
    size_t Ht = (size_t)j->m->Htot;
    for (int b = lo; b < hi; b++) {
        size_t off = (size_t)b * Ht;
        for (int l = 0; l < a->L; l++) {
            const float *mu = j->mu[l] + (size_t)b * a->H[l];
            /* the sampler's own probabilities (k_bern_grid), so q is exactly
             * the distribution the samples come from */
            k_bern_logq_tables(mu, j->w->ql1 + off, j->w->ql0 + off, (size_t)a->H[l]);
            off += a->H[l];
        }
    }
}

double model_logq_row(const irvi_model *m, const model_ws *w, int n, int r)
{
    const irvi_arch *a = &m->arch;
    size_t off = (size_t)(r % n) * (size_t)m->Htot;
    double lq = 0;
    for (int l = 0; l < a->L; l++) {
        size_t H = (size_t)a->H[l];
        lq += k_bern_logq_row(w->h[l] + (size_t)r * H, w->ql1 + off, w->ql0 + off, H);
        off += H;
    }
    return lq;
}

static void logq_rows(void *ctx, int lo, int hi)
{
    const logq_job *j = ctx;
    for (int r = lo; r < hi; r++)
        j->out[r] = model_logq_row(j->m, j->w, j->n, r);
}

void model_logq_tables(const irvi_model *m, model_ws *w, int n, const float *const *mu)
{
    logq_job j = {m, w, n, mu, NULL};
    pool_run(n, logq_tables, &j);
}

void model_log_q(const irvi_model *m, model_ws *w, int n, int S, const float *const *mu,
                 double *out)
{
    logq_job j = {m, w, n, mu, out};
    pool_run(n, logq_tables, &j);
    pool_run(S * n, logq_rows, &j);
}
