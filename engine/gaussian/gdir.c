/* engine/gaussian/gdir.c — the Gaussian posterior: its parameters (mu, rho = log
 * sigma) per example, gradient-descent iterative refinement (GDIR, paper
 * Eq. 7, DESIGN §8) and the estimators with the Gaussian proposal (DESIGN §6).
 *
 * GDIR step (per example b, M fresh eps_m ~ N(0, I), h_m = mu + sigma eps_m):
 *   g_mu  = (1/M) sum_m dlog p(x|h_m)/dh - mu
 *   g_rho = (1/M) sum_m dlog p(x|h_m)/dh * eps_m * sigma + 1 - sigma^2
 *   v <- 0.9 v + gamma g;  theta <- theta + v     (theta = mu and rho)
 * The gradient is the example's own (not divided by the batch size, DESIGN
 * §12.7), and the decoder is a constant. The candidate is checked before it
 * is committed, so a non-finite step leaves the posterior as it was. rho is
 * not clamped (the reference clamps rho >= -10 inside its Gaussian densities;
 * the entropy term 1 - sigma^2 of g_rho keeps sigma away from 0 here).
 *
 * Estimators (the shared loop of eval.c through the family table): log w =
 * log p(x|h) + log N(h; 0, I) - log q(h) with log q computed from the noise
 * itself (exact, no cancellation); lb = (1/N) sum log p(x|h_n) - KL(q ||
 * N(0,I)) (analytic KL).
 */
#include "kernels.h"
#include "gdir.h"
#include "vae_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GDIR_MOMENTUM 0.9f

irvi_status gdir_posterior_alloc(irvi_posterior *q, const irvi_model *m)
{
    size_t k = (size_t)q->n_max * m->arch.H[0];
    gdir_state *g = calloc(1, sizeof *g);
    q->fam = g;
    int fail = !g;
    if (g) {
        fail |= !(g->rho0 = calloc(k, sizeof(float)));
        fail |= !(g->rho = calloc(k, sizeof(float)));
        fail |= !(g->vmu = calloc(k, sizeof(float)));
        fail |= !(g->vrho = calloc(k, sizeof(float)));
        fail |= !(g->gmu = calloc(k, sizeof(float)));
        fail |= !(g->grho = calloc(k, sizeof(float)));
    }
    return fail ? irvi_fail(IRVI_ENOMEM, "Gaussian posterior for %d examples", q->n_max) : IRVI_OK;
}

void gdir_posterior_free(irvi_posterior *q)
{
    gdir_state *g = gdir_of(q);
    if (g) {
        free(g->rho0);
        free(g->rho);
        free(g->vmu);
        free(g->vrho);
        free(g->gmu);
        free(g->grho);
        free(g);
    }
    q->fam = NULL;
}

float *gdir_logsigma(const irvi_posterior *q, int initial)
{
    return initial ? gdir_of(q)->rho0 : gdir_of(q)->rho;
}

void gdir_posterior_recognize(irvi_posterior *q, const irvi_model *m)
{
    int n = q->n, Z = m->arch.H[0];
    vae_encode(m, &q->ws, q->x, n);
    for (int b = 0; b < n; b++) {
        const float *row = q->ws.rout + (size_t)b * 2 * Z;
        memcpy(q->mu0[0] + (size_t)b * Z, row, sizeof(float) * Z);
        memcpy(gdir_of(q)->rho0 + (size_t)b * Z, row + Z, sizeof(float) * Z);
    }
    gdir_posterior_reset(q);
}

void gdir_posterior_reset(irvi_posterior *q)
{
    size_t k = (size_t)q->n * q->arch.H[0];
    memcpy(q->mu[0], q->mu0[0], sizeof(float) * k);
    memcpy(gdir_of(q)->rho, gdir_of(q)->rho0, sizeof(float) * k);
    memset(gdir_of(q)->vmu, 0, sizeof(float) * k);
    memset(gdir_of(q)->vrho, 0, sizeof(float) * k);
    q->steps = 0;
}

void gdir_posterior_simplify(irvi_posterior *q, float frac, irvi_rng *r)
{
    size_t k = (size_t)q->n * q->arch.H[0];
    for (size_t i = 0; i < k; i++)
        if (irvi_rng_uniform_f(r) < frac) {
            q->mu0[0][i] = 0;
            gdir_of(q)->rho0[i] = 0;
        }
    gdir_posterior_reset(q);
}

void gdir_posterior_draw(irvi_posterior *q, int S, irvi_rng *r)
{
    int n = q->n, Z = q->arch.H[0];
    irvi_rng_fill_gauss(r, q->ws.geps, (size_t)S * n * Z);
    vae_reparam(q->mu[0], gdir_of(q)->rho, Z, q->ws.geps, n, S, Z, q->ws.h[0]);
}

void gdir_objective_grad(irvi_posterior *q, const irvi_model *m, int M, float *gmu, float *grho,
                         double *obj)
{
    model_ws *w = &q->ws;
    int n = q->n, Z = m->arch.H[0], R = M * n;
    const float *mu = q->mu[0], *rho = gdir_of(q)->rho;
    vae_reparam(mu, rho, Z, w->geps, n, M, Z, w->h[0]);
    vae_decode(m, w, R);
    vae_log_px(m, w, q->x, n, M, w->lp);
    for (int r = 0; r < R; r++)
        q->wt[r] = 1.0f / (float)M;
    vae_decode_backward(m, w, q->x, n, M, q->wt, NULL, w->gdh);
    for (size_t i = 0; i < (size_t)n * Z; i++) {
        float s = expf(rho[i]);
        gmu[i] = -mu[i];
        grho[i] = 1.0f - s * s;
    }
    for (int r = 0; r < R; r++) {
        int b = r % n;
        const float *dh = w->gdh + (size_t)r * Z, *e = w->geps + (size_t)r * Z;
        const float *rb = rho + (size_t)b * Z;
        float *gm = gmu + (size_t)b * Z, *gr = grho + (size_t)b * Z;
        for (int i = 0; i < Z; i++) {
            gm[i] += dh[i];
            gr[i] += dh[i] * e[i] * expf(rb[i]);
        }
    }
    if (obj) {
        for (int b = 0; b < n; b++)
            obj[b] = -vae_kl_prior(mu + (size_t)b * Z, rho + (size_t)b * Z, Z);
        for (int r = 0; r < R; r++)
            obj[r % n] += w->lp[r] / M;
    }
}

irvi_status gdir_step(irvi_posterior *q, const irvi_model *m, const irvi_refine_opts *o,
                      irvi_rng *r, irvi_refine_stats *st)
{
    model_ws *w = &q->ws;
    int n = q->n, Z = m->arch.H[0], M = o->M, R = M * n;
    irvi_rng_fill_gauss(r, w->geps, (size_t)R * Z);
    gdir_objective_grad(q, m, M, gdir_of(q)->gmu, gdir_of(q)->grho, NULL);

    /* monitoring: log w of the step's samples under the pre-step posterior */
    double sum_lw = 0, sum_ess = 0;
    for (int i = 0; i < R; i++) {
        const float *h = w->h[0] + (size_t)i * Z, *e = w->geps + (size_t)i * Z;
        w->lw[i] = w->lp[i] + vae_log_prior(h, Z) - vae_log_q(gdir_of(q)->rho + (size_t)(i % n) * Z, e, Z);
        sum_lw += w->lw[i];
    }
    if (!isfinite(sum_lw))
        return irvi_fail(IRVI_ENUMERIC, "non-finite importance weight in GDIR step %d",
                         q->steps + 1);
    double *lse = q->acc;
    k_logsumexp_cols(w->lw, M, n, lse);
    for (int b = 0; b < n; b++) {
        double s2 = 0;
        for (int k = 0; k < M; k++) {
            double wk = exp(w->lw[(size_t)k * n + b] - lse[b]);
            s2 += wk * wk;
        }
        sum_ess += s2 > 0 ? 1.0 / (s2 * M) : 0;
    }

    /* candidate: velocities into the gradient buffers, then check, then commit */
    size_t k = (size_t)n * Z;
    float g = o->gamma;
    int ok = 1;
    for (size_t i = 0; i < k; i++) {
        float vm = GDIR_MOMENTUM * gdir_of(q)->vmu[i] + g * gdir_of(q)->gmu[i];
        float vr = GDIR_MOMENTUM * gdir_of(q)->vrho[i] + g * gdir_of(q)->grho[i];
        gdir_of(q)->gmu[i] = vm;
        gdir_of(q)->grho[i] = vr;
        float nm = q->mu[0][i] + vm, nr = gdir_of(q)->rho[i] + vr;
        ok &= (isfinite(nm) && isfinite(nr) && isfinite(expf(2.0f * nr))) ? 1 : 0;
    }
    if (!ok)
        return irvi_fail(IRVI_ENUMERIC, "GDIR step %d gives a non-finite posterior (step size "
                                        "gamma = %g too large?)", q->steps + 1, (double)g);
    for (size_t i = 0; i < k; i++) {
        gdir_of(q)->vmu[i] = gdir_of(q)->gmu[i];
        gdir_of(q)->vrho[i] = gdir_of(q)->grho[i];
        q->mu[0][i] += gdir_of(q)->vmu[i];
        gdir_of(q)->rho[i] += gdir_of(q)->vrho[i];
    }
    q->steps++;
    if (st) {
        st->mean_logw = sum_lw / R;
        st->ess = sum_ess / n;
    }
    return IRVI_OK;
}

/* log w = log p(x|h) + log N(h; 0, I) - log q(h), log q from the noise itself */
void gdir_draw_weigh(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r)
{
    model_ws *w = &q->ws;
    int n = q->n, Z = m->arch.H[0];
    gdir_posterior_draw(q, S, r);
    vae_decode(m, w, S * n);
    vae_log_px(m, w, q->x, n, S, w->lp);
    for (int b = 0; b < n; b++) {
        const float *rb = gdir_of(q)->rho + (size_t)b * Z;
        for (int k = 0; k < S; k++) {
            size_t i = (size_t)k * n + b;
            w->lw[i] = w->lp[i] + vae_log_prior(w->h[0] + i * Z, Z) -
                       vae_log_q(rb, w->geps + i * Z, Z);
        }
    }
}

double gdir_lb_term(const irvi_posterior *q, const irvi_model *m, int b)
{
    int Z = m->arch.H[0];
    return -vae_kl_prior(q->mu[0] + (size_t)b * Z, gdir_of(q)->rho + (size_t)b * Z, Z);
}

void gdir_draw_decode(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r)
{
    gdir_posterior_draw(q, S, r);
    vae_decode(m, &q->ws, S * q->n);
    vae_log_px(m, &q->ws, q->x, q->n, S, q->ws.lp);
}
