/* engine/eval.c — estimators under a posterior's current means (spec 6.1-6.3)
 * and average reconstructions (spec 7).
 *
 * Samples are drawn in chunks of at most CHUNK_ROWS rows (samples x examples)
 * and folded into per-example running accumulators in double: the max m of
 * log w, s = sum e^(lw - m), s2 = sum e^(2 (lw - m)), and the sums of log p and
 * log w. Memory is independent of N. The folds run in parallel over examples
 * (each example's sums in the same order whatever the split).
 */
#include "kernels.h"
#include "irvi/eval.h"
#include "pool.h"
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

typedef struct {
    irvi_posterior *q;
    int S;
    double *mx, *s, *s2, *slp, *slw, *bad;
    float *recon;
    float inv;
} fold_job;

static void fold_part(void *ctx, int lo, int hi)
{
    const fold_job *j = ctx;
    model_ws *w = &j->q->ws;
    int n = j->q->n;
    for (int b = lo; b < hi; b++) {
        for (int k = 0; k < j->S; k++) {
            size_t i = (size_t)k * n + b;
            double lw = w->lp[i] - w->lq[i];
            w->lw[i] = lw;
            j->slp[b] += w->lp[i];
            j->slw[b] += lw;
        }
        j->bad[b] = !isfinite(k_lse_fold(&j->mx[b], &j->s[b], &j->s2[b], w->lw + b, j->S,
                                         (size_t)n));
    }
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
    fold_job j = {q, 0, mx, s, s2, slp, slw, slw + n, NULL, 0};
    for (int done = 0; done < N;) {
        int S = N - done < C ? N - done : C;
        posterior_draw(q, S, r);
        model_log_joint(m, w, q->x, n, S, w->lp);
        model_log_q(m, w, n, S, (const float *const *)q->mu, w->lq);
        j.S = S;
        pool_run(n, fold_part, &j);
        for (int b = 0; b < n; b++)
            if (j.bad[b])
                return irvi_fail(IRVI_ENUMERIC, "non-finite log weight for example %d", b);
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

/* examples lo..hi: energy (in slw) and the average output means */
static void recon_part(void *ctx, int lo, int hi)
{
    const fold_job *j = ctx;
    const irvi_posterior *q = j->q;
    int n = q->n, D = q->arch.D, sq = q->arch.squash;
    for (int b = lo; b < hi; b++)
        for (int k = 0; k < j->S; k++) {
            float *a = q->ws.logit_x + ((size_t)k * n + b) * D;
            j->slw[b] -= k_bern_logp_u8(q->x + (size_t)b * D, a, D, sq);
            k_mean(a, a, D, sq);
            float *out = j->recon + (size_t)b * D;
            for (int d = 0; d < D; d++)
                out[d] += j->inv * a[d];
        }
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
    fold_job j = {q, 0, NULL, NULL, NULL, NULL, en, NULL, recon, 1.0f / N};
    for (int done = 0; done < N;) {
        int S = N - done < C ? N - done : C;
        posterior_draw(q, S, r);
        model_log_joint(m, w, q->x, n, S, w->lp);
        j.S = S;
        pool_run(n, recon_part, &j);
        done += S;
    }
    if (energy)
        for (int b = 0; b < n; b++)
            energy[b] = en[b] / N;
    return IRVI_OK;
}
