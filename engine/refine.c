/* engine/refine.c — the posterior object and AIR (paper Eq. 8-9).
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
#include "posterior.h"
#include "vae.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void irvi_air_opts_default(irvi_air_opts *o)
{
    o->K = 20;
    o->M = 20;
    o->gamma = 0.1f;
    o->eps = 1e-6f;
    o->bihm = 0;
}

irvi_status irvi_air_opts_validate(const irvi_air_opts *o)
{
    if (o->K < 0 || o->K > 100000)
        return irvi_fail(IRVI_EINVAL, "K = %d refinement steps (must be 0..100000)", o->K);
    if (o->M < 1 || o->M > 100000)
        return irvi_fail(IRVI_EINVAL, "M = %d samples per step (must be 1..100000)", o->M);
    if (!(o->gamma > 0 && o->gamma <= 1))
        return irvi_fail(IRVI_EINVAL, "inference rate gamma = %g (must be in (0, 1])", o->gamma);
    if (!(o->eps >= 0 && o->eps < 0.5f))
        return irvi_fail(IRVI_EINVAL, "clamp eps = %g (must be in [0, 0.5))", o->eps);
    return IRVI_OK;
}

irvi_status irvi_posterior_create(const irvi_model *m, int n_max, irvi_posterior **out)
{
    *out = NULL;
    if (n_max < 1 || n_max > 1000000)
        return irvi_fail(IRVI_EINVAL, "posterior for %d examples (must be 1..1000000)", n_max);
    irvi_posterior *q = calloc(1, sizeof *q);
    if (!q)
        return irvi_fail(IRVI_ENOMEM, "posterior");
    q->n_max = n_max;
    q->arch = m->arch;
    int fail = !(q->x = calloc((size_t)n_max * m->arch.D, 1));
    fail |= !(q->acc = calloc((size_t)n_max * 6, sizeof(double)));
    for (int l = 0; l < m->arch.L && !fail; l++) {
        fail |= !(q->mu0[l] = calloc((size_t)n_max * m->arch.H[l], sizeof(float)));
        fail |= !(q->mu[l] = calloc((size_t)n_max * m->arch.H[l], sizeof(float)));
    }
    if (!fail && m->arch.latent == IRVI_LATENT_GAUSSIAN)
        fail = gdir_posterior_alloc(q, m) != IRVI_OK;
    if (fail || model_ws_reserve(&q->ws, m, n_max, n_max)) {
        irvi_posterior_free(q);
        return irvi_fail(IRVI_ENOMEM, "posterior for %d examples", n_max);
    }
    *out = q;
    return IRVI_OK;
}

void irvi_posterior_free(irvi_posterior *q)
{
    if (!q)
        return;
    free(q->x);
    free(q->acc);
    free(q->wt);
    for (int l = 0; l < IRVI_MAX_LAYERS; l++) {
        free(q->mu0[l]);
        free(q->mu[l]);
    }
    gdir_posterior_free(q);
    model_ws_free(&q->ws);
    free(q);
}

irvi_status posterior_check_model(const irvi_posterior *q, const irvi_model *m)
{
    const irvi_arch *a = &q->arch, *b = &m->arch;
    /* the deterministic layers size scratch buffers too (tanh_x, rhid) */
    int same = a->D == b->D && a->L == b->L && a->gen_hidden == b->gen_hidden &&
               a->rec_hidden == b->rec_hidden && a->latent == b->latent;
    for (int l = 0; same && l < a->L; l++)
        same = a->H[l] == b->H[l];
    if (!same)
        return irvi_fail(IRVI_EINVAL, "posterior and model have different shapes");
    return IRVI_OK;
}

irvi_status posterior_reserve(irvi_posterior *q, const irvi_model *m, int S)
{
    size_t rows = (size_t)S * q->n;
    if (rows > (size_t)1 << 30)
        return irvi_fail(IRVI_EINVAL, "%d samples of %d examples is too many at once", S, q->n);
    if (rows > q->wt_cap) {
        float *wt = realloc(q->wt, sizeof(float) * rows);
        if (!wt)
            return irvi_fail(IRVI_ENOMEM, "weights for %zu samples", rows);
        q->wt = wt;
        q->wt_cap = rows;
    }
    if (model_ws_reserve(&q->ws, m, (int)rows, q->n_max))
        return irvi_fail(IRVI_ENOMEM, "sample buffers for %zu rows", rows);
    return IRVI_OK;
}

typedef struct {
    irvi_posterior *q;
    int R;
    uint64_t base;
} draw_job;

static void draw_blocks(void *ctx, int lo, int hi)
{
    const draw_job *j = ctx;
    irvi_posterior *q = j->q;
    for (int blk = lo; blk < hi; blk++) {
        rng_lanes g;
        rng_lanes_seed(&g, j->base, (uint64_t)blk);
        int r1 = (blk + 1) * DRAW_BLOCK < j->R ? (blk + 1) * DRAW_BLOCK : j->R;
        for (int row = blk * DRAW_BLOCK; row < r1; row++)
            for (int l = 0; l < q->arch.L; l++) {
                size_t H = (size_t)q->arch.H[l];
                rng_lanes_bernoulli(&g, q->mu[l] + (size_t)(row % q->n) * H,
                                    q->ws.h[l] + (size_t)row * H, H);
            }
    }
}

void posterior_draw(irvi_posterior *q, int S, irvi_rng *r)
{
    draw_job j = {q, S * q->n, irvi_rng_next(r)};
    pool_run((j.R + DRAW_BLOCK - 1) / DRAW_BLOCK, draw_blocks, &j);
}

irvi_status irvi_posterior_set_data(irvi_posterior *q, const irvi_model *m, const uint8_t *x,
                                    int n)
{
    if (n < 1 || n > q->n_max)
        return irvi_fail(IRVI_EINVAL, "%d examples for a posterior of %d", n, q->n_max);
    irvi_status st = posterior_check_model(q, m);
    if (st)
        return st;
    memcpy(q->x, x, (size_t)n * m->arch.D);
    q->n = n;
    return irvi_posterior_recognize(q, m);
}

irvi_status irvi_posterior_recognize(irvi_posterior *q, const irvi_model *m)
{
    irvi_status st = posterior_check_model(q, m);
    if (st)
        return st;
    if (m->arch.latent == IRVI_LATENT_GAUSSIAN) {
        gdir_posterior_recognize(q, m);
        return IRVI_OK;
    }
    model_recognize(m, &q->ws, q->x, q->n);
    for (int l = 0; l < m->arch.L; l++)
        memcpy(q->mu0[l], q->ws.rmu[l], sizeof(float) * (size_t)q->n * m->arch.H[l]);
    irvi_posterior_reset(q);
    return IRVI_OK;
}

void irvi_posterior_reset(irvi_posterior *q)
{
    if (q->arch.latent == IRVI_LATENT_GAUSSIAN) {
        gdir_posterior_reset(q);
        return;
    }
    for (int l = 0; l < q->arch.L; l++)
        memcpy(q->mu[l], q->mu0[l], sizeof(float) * (size_t)q->n * q->arch.H[l]);
    q->steps = 0;
}

void irvi_posterior_simplify(irvi_posterior *q, float frac, irvi_rng *r)
{
    if (q->arch.latent == IRVI_LATENT_GAUSSIAN) {
        gdir_posterior_simplify(q, frac, r);
        return;
    }
    for (int l = 0; l < q->arch.L; l++)
        for (size_t i = 0; i < (size_t)q->n * q->arch.H[l]; i++)
            if (irvi_rng_uniform_f(r) < frac)
                q->mu0[l][i] = 0.5f;
    irvi_posterior_reset(q);
}

int irvi_posterior_n(const irvi_posterior *q) { return q->n; }
int irvi_posterior_steps(const irvi_posterior *q) { return q->steps; }
const uint8_t *irvi_posterior_x(const irvi_posterior *q) { return q->x; }
const float *irvi_posterior_mu(const irvi_posterior *q, int l) { return q->mu[l]; }
const float *irvi_posterior_mu0(const irvi_posterior *q, int l) { return q->mu0[l]; }
float *irvi_posterior_mu_mut(irvi_posterior *q, int l) { return q->mu[l]; }
const float *irvi_posterior_logsigma(const irvi_posterior *q) { return q->rho; }
const float *irvi_posterior_logsigma0(const irvi_posterior *q) { return q->rho0; }
float *irvi_posterior_logsigma_mut(irvi_posterior *q) { return q->rho; }

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

irvi_status irvi_refine_air_step(irvi_posterior *q, const irvi_model *m,
                                 const irvi_air_opts *o, irvi_rng *r, irvi_air_stats *st)
{
    if (q->arch.latent == IRVI_LATENT_GAUSSIAN)
        return gdir_step(q, m, o, r, st);
    irvi_status s = irvi_air_opts_validate(o);
    if (!s)
        s = posterior_check_model(q, m);
    if (!s)
        s = posterior_reserve(q, m, o->M);
    if (s)
        return s;
    int n = q->n, M = o->M, R = M * n;
    model_ws *w = &q->ws;
    posterior_draw(q, M, r);
    model_log_joint(m, w, q->x, n, M, w->lp);
    model_log_q(m, w, n, M, (const float *const *)q->mu, w->lq);
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

irvi_status irvi_refine_air(irvi_posterior *q, const irvi_model *m, const irvi_air_opts *o,
                            irvi_rng *r)
{
    for (int k = 0; k < o->K; k++) {
        irvi_status s = irvi_refine_air_step(q, m, o, r, NULL);
        if (s)
            return s;
    }
    return IRVI_OK;
}
