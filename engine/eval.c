/* engine/eval.c — estimators under a posterior's current means (spec 6.1-6.3)
 * and average reconstructions (spec 7).
 *
 * Samples are drawn in chunks of at most CHUNK_ROWS rows (samples x examples)
 * and folded into per-example running accumulators in double: the max m of
 * log w, s = sum e^(lw - m), s2 = sum e^(2 (lw - m)), and the sums of log p and
 * log w. Memory is independent of N.
 */
#include "kernels.h"
#include "irvi/eval.h"
#include "posterior.h"
#include "vae.h"

#include <math.h>
#include <string.h>

#define CHUNK_ROWS 4000

static int chunk_samples(int n, int N)
{
    int c = CHUNK_ROWS / n;
    if (c < 1)
        c = 1;
    return c < N ? c : N;
}

irvi_status irvi_eval_posterior(irvi_posterior *q, const irvi_model *m, int N, irvi_rng *r,
                                irvi_eval_result *out, irvi_progress_fn progress, void *user)
{
    if (N < 1)
        return irvi_fail(IRVI_EINVAL, "N = %d evaluation samples (must be >= 1)", N);
    if (q->arch.latent == IRVI_LATENT_GAUSSIAN)
        return gdir_eval_posterior(q, m, N, r, out, progress, user);
    irvi_status st = posterior_check_model(q, m);
    if (st)
        return st;
    int n = q->n, C = chunk_samples(n, N);
    if ((st = posterior_reserve(q, m, C)))
        return st;
    double *mx = q->acc, *s = mx + n, *s2 = s + n, *slp = s2 + n, *slw = slp + n;
    for (int b = 0; b < n; b++) {
        mx[b] = -INFINITY;
        s[b] = s2[b] = slp[b] = slw[b] = 0;
    }
    model_ws *w = &q->ws;
    for (int done = 0; done < N;) {
        int S = N - done < C ? N - done : C;
        posterior_draw(q, S, r);
        model_log_joint(m, w, q->x, n, S, w->lp);
        model_log_q(m, w, n, S, (const float *const *)q->mu, w->lq);
        for (int b = 0; b < n; b++) {
            for (int k = 0; k < S; k++) {
                size_t i = (size_t)k * n + b;
                double lw = w->lp[i] - w->lq[i];
                w->lw[i] = lw;
                slp[b] += w->lp[i];
                slw[b] += lw;
            }
            if (!isfinite(k_lse_fold(&mx[b], &s[b], &s2[b], w->lw + b, S, (size_t)n)))
                return irvi_fail(IRVI_ENUMERIC, "non-finite log weight for example %d", b);
        }
        done += S;
        if (progress && progress(user, done, N))
            return irvi_fail(IRVI_ECANCELLED, "evaluation cancelled after %d of %d samples", done, N);
        if (irvi_cancel_requested())
            return irvi_fail(IRVI_ECANCELLED, "evaluation cancelled");
    }
    for (int b = 0; b < n; b++) {
        double ent = 0;
        for (int l = 0; l < m->arch.L; l++)
            ent += k_bern_entropy(q->mu[l] + (size_t)b * m->arch.H[l], m->arch.H[l]);
        out[b].lb = slp[b] / N + ent;
        out[b].lb_mc = slw[b] / N;
        out[b].ll = mx[b] + log(s[b]) - log((double)N);
        out[b].ess = s[b] * s[b] / (N * s2[b]);
    }
    return IRVI_OK;
}

irvi_status irvi_eval_recon(irvi_posterior *q, const irvi_model *m, int N, irvi_rng *r,
                            float *recon, double *energy)
{
    if (N < 1)
        return irvi_fail(IRVI_EINVAL, "N = %d reconstruction samples (must be >= 1)", N);
    if (q->arch.latent == IRVI_LATENT_GAUSSIAN)
        return gdir_eval_recon(q, m, N, r, recon, energy);
    irvi_status st = posterior_check_model(q, m);
    if (st)
        return st;
    int n = q->n, D = m->arch.D, C = chunk_samples(n, N);
    if ((st = posterior_reserve(q, m, C)))
        return st;
    double *en = q->acc;
    memset(recon, 0, sizeof(float) * (size_t)n * D);
    for (int b = 0; b < n; b++)
        en[b] = 0;
    model_ws *w = &q->ws;
    float inv = 1.0f / N;
    for (int done = 0; done < N;) {
        int S = N - done < C ? N - done : C;
        posterior_draw(q, S, r);
        model_log_joint(m, w, q->x, n, S, w->lp);
        for (int k = 0; k < S; k++)
            for (int b = 0; b < n; b++) {
                float *a = w->logit_x + ((size_t)k * n + b) * D;
                en[b] -= k_bern_logp_u8(q->x + (size_t)b * D, a, D, m->arch.squash);
                k_mean(a, a, D, m->arch.squash);
                float *out = recon + (size_t)b * D;
                for (int d = 0; d < D; d++)
                    out[d] += inv * a[d];
            }
        done += S;
    }
    if (energy)
        for (int b = 0; b < n; b++)
            energy[b] = en[b] / N;
    return IRVI_OK;
}
