/* engine/binary/air.c — the binary posterior and AIR (paper Eq. 8-9).
 *
 * One step: M samples per example from the current means of all layers
 * (mean field, not ancestral), one joint importance weight per sample,
 * w = p(x,h) / q(h) (or its square root for BiHM), normalized per example in
 * log space, and every layer re-centred with the same weights:
 * mu <- (1 - gamma) mu + gamma sum_m w_m h_m, then mu is clamped to
 * [eps, 1 - eps] so float32 rounding can never make it absorbing at 0 or 1.
 */
#include "kernels.h"
#include "pool.h"
#include "sbn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    irvi_posterior *q;
    int R;
    uint64_t base;
    const irvi_model *m; /* with lq: log q of every row, right after its draw */
    double *lq;
} draw_job;

static void draw_blocks(void *ctx, int lo, int hi)
{
    const draw_job *j = ctx;
    irvi_posterior *q = j->q;
    for (int blk = lo; blk < hi; blk++) {
        rng_lanes g;
        rng_lanes_seed(&g, j->base, (uint64_t)blk);
        int r1 = (blk + 1) * DRAW_BLOCK < j->R ? (blk + 1) * DRAW_BLOCK : j->R;
        for (int row = blk * DRAW_BLOCK; row < r1; row++) {
            for (int l = 0; l < q->arch.L; l++) {
                size_t H = (size_t)q->arch.H[l];
                rng_lanes_bernoulli(&g, q->mu[l] + (size_t)(row % q->n) * H,
                                    q->ws.h[l] + (size_t)row * H, H);
            }
            if (j->lq) /* the row is still in L1 */
                j->lq[row] = model_logq_row(j->m, &q->ws, q->n, row);
        }
    }
}

void posterior_draw(irvi_posterior *q, int S, irvi_rng *r)
{
    draw_job j = {q, S * q->n, irvi_rng_next(r), NULL, NULL};
    pool_run((j.R + DRAW_BLOCK - 1) / DRAW_BLOCK, draw_blocks, &j);
}

void posterior_draw_lq(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r, double *lq)
{
    model_logq_tables(m, &q->ws, q->n, (const float *const *)q->mu);
    draw_job j = {q, S * q->n, irvi_rng_next(r), m, lq};
    pool_run((j.R + DRAW_BLOCK - 1) / DRAW_BLOCK, draw_blocks, &j);
}

void air_posterior_recognize(irvi_posterior *q, const irvi_model *m)
{
    model_recognize(m, &q->ws, q->x, q->n);
    for (int l = 0; l < m->arch.L; l++)
        memcpy(q->mu0[l], q->ws.rmu[l], sizeof(float) * (size_t)q->n * m->arch.H[l]);
    air_posterior_reset(q);
}

void air_posterior_reset(irvi_posterior *q)
{
    for (int l = 0; l < q->arch.L; l++)
        memcpy(q->mu[l], q->mu0[l], sizeof(float) * (size_t)q->n * q->arch.H[l]);
    q->steps = 0;
}

void air_posterior_simplify(irvi_posterior *q, float frac, irvi_rng *r)
{
    for (int l = 0; l < q->arch.L; l++)
        for (size_t i = 0; i < (size_t)q->n * q->arch.H[l]; i++)
            if (irvi_rng_uniform_f(r) < frac)
                q->mu0[l][i] = 0.5f;
    air_posterior_reset(q);
}

typedef struct {
    irvi_posterior *q;
    const irvi_model *m;
    int M;
    float gamma, eps;
    double *ess; /* (n) per-example ESS / M */
} air_job;

/* Examples lo..hi: normalized weights from q->ws.lw, then the means. */
static void air_update(void *ctx, int lo, int hi)
{
    const air_job *j = ctx;
    irvi_posterior *q = j->q;
    const model_ws *w = &q->ws;
    int n = q->n, M = j->M;
    float g = j->gamma, lo_clamp = j->eps, hi_clamp = 1.0f - j->eps;
    for (int b = lo; b < hi; b++) {
        double mx = -INFINITY, s = 0, s2 = 0;
        k_lse_fold(&mx, &s, &s2, w->lw + b, M, (size_t)n);
        double lse = mx + log(s), sw2 = 0;
        for (int k = 0; k < M; k++) {
            double wk = exp(w->lw[(size_t)k * n + b] - lse);
            q->wt[(size_t)k * n + b] = (float)wk;
            sw2 += wk * wk;
        }
        j->ess[b] = sw2 > 0 ? 1.0 / (sw2 * M) : 0;
        for (int l = 0; l < j->m->arch.L; l++) {
            int H = j->m->arch.H[l];
            float *mb = q->mu[l] + (size_t)b * H;
            for (int i = 0; i < H; i++)
                mb[i] *= 1.0f - g;
            for (int k = 0; k < M; k++) {
                float wk = g * q->wt[(size_t)k * n + b];
                if (wk == 0)
                    continue;
                const float *h = w->h[l] + ((size_t)k * n + b) * H;
                for (int i = 0; i < H; i++)
                    mb[i] += wk * h[i];
            }
            /* also with eps = 0: the float sum of the weights may exceed 1 by an ulp */
            k_clamp(mb, (size_t)H, lo_clamp, hi_clamp);
        }
    }
}

irvi_status air_step(irvi_posterior *q, const irvi_model *m, const irvi_refine_opts *o,
                     irvi_rng *r, irvi_refine_stats *st)
{
    int n = q->n, M = o->M, R = M * n;
    model_ws *w = &q->ws;
    posterior_draw_lq(q, m, M, r, w->lq);
    model_log_joint(m, w, q->x, n, M, w->lp);
    double scale = o->bihm ? 0.5 : 1.0, sum_lw = 0, sum_ess = 0;
    for (int i = 0; i < R; i++) {
        w->lw[i] = scale * (w->lp[i] - w->lq[i]);
        sum_lw += w->lp[i] - w->lq[i];
    }
    if (!isfinite(sum_lw))
        return irvi_fail(IRVI_ENUMERIC, "non-finite importance weight in AIR step %d", q->steps + 1);
    air_job j = {q, m, M, o->gamma, o->eps, q->acc};
    pool_run(n, air_update, &j);
    for (int b = 0; b < n; b++)
        sum_ess += j.ess[b];
    q->steps++;
    if (st) {
        st->mean_logw = sum_lw / R;
        st->ess = sum_ess / n;
    }
    return IRVI_OK;
}


/* ---- the estimator hooks of the family table (eval.c) ------------------- */

void air_draw_weigh(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r)
{
    model_ws *w = &q->ws;
    posterior_draw_lq(q, m, S, r, w->lq);
    model_log_joint(m, w, q->x, q->n, S, w->lp);
    for (size_t i = 0; i < (size_t)S * q->n; i++)
        w->lw[i] = w->lp[i] - w->lq[i];
}

double air_lb_term(const irvi_posterior *q, const irvi_model *m, int b)
{
    double ent = 0;
    for (int l = 0; l < m->arch.L; l++)
        ent += k_bern_entropy(q->mu[l] + (size_t)b * m->arch.H[l], m->arch.H[l]);
    return ent;
}

typedef struct {
    irvi_posterior *q;
    int D, sq;
} logpx_job;

static void logpx_rows(void *ctx, int lo, int hi)
{
    const logpx_job *j = ctx;
    const irvi_posterior *q = j->q;
    for (int i = lo; i < hi; i++)
        q->ws.lp[i] = k_bern_logp_u8(q->x + (size_t)(i % q->n) * j->D,
                                     q->ws.logit_x + (size_t)i * j->D, (size_t)j->D, j->sq);
}

void air_draw_decode(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r)
{
    posterior_draw(q, S, r);
    model_log_joint(m, &q->ws, q->x, q->n, S, q->ws.lp);
    logpx_job j = {q, m->arch.D, m->arch.squash};
    pool_run(S * q->n, logpx_rows, &j); /* log p(x|h) from the logits, over lp */
}
