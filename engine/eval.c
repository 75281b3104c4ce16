/* engine/eval.c — estimators under a posterior's current q (DESIGN §6.1-6.3)
 * and average reconstructions (DESIGN §7), for both families: the family's
 * table draws the samples and weighs them (draw_weigh, draw_decode) and
 * gives the analytic part of the bound (lb_term); the loop is shared.
 *
 * Samples are drawn in chunks of at most CHUNK_ROWS rows (samples x examples)
 * and folded into per-example running accumulators in double: the max m of
 * log w, s = sum e^(lw - m), s2 = sum e^(2 (lw - m)), and the sums of ws.lp
 * and log w. Memory is independent of N. The folds run in parallel over
 * examples (each example's sums in the same order whatever the split).
 */
#include "family.h"
#include "kernels.h"
#include "pool.h"
#include "posterior.h"

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
            j->slp[b] += w->lp[i];
            j->slw[b] += w->lw[i];
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
    irvi_status st = posterior_check_model(q, m);
    if (st)
        return st;
    const family_ops *f = family_of(&q->arch);
    int n = q->n, C = chunk_samples(n, N);
    if ((st = posterior_reserve(q, m, C)))
        return st;
    double *mx = q->acc, *s = mx + n, *s2 = s + n, *slp = s2 + n, *slw = slp + n;
    for (int b = 0; b < n; b++) {
        mx[b] = -INFINITY;
        s[b] = s2[b] = slp[b] = slw[b] = 0;
    }
    fold_job j = {q, 0, mx, s, s2, slp, slw, slw + n, NULL, 0};
    for (int done = 0; done < N;) {
        int S = N - done < C ? N - done : C;
        f->draw_weigh(q, m, S, r);
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
        out[b].lb = slp[b] / N + f->lb_term(q, m, b);
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
            size_t i = (size_t)k * n + b;
            float *a = q->ws.logit_x + i * D;
            j->slw[b] -= q->ws.lp[i];
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
    irvi_status st = posterior_check_model(q, m);
    if (st)
        return st;
    const family_ops *f = family_of(&q->arch);
    int n = q->n, D = m->arch.D, C = chunk_samples(n, N);
    if ((st = posterior_reserve(q, m, C)))
        return st;
    double *en = q->acc;
    memset(recon, 0, sizeof(float) * (size_t)n * D);
    for (int b = 0; b < n; b++)
        en[b] = 0;
    fold_job j = {q, 0, NULL, NULL, NULL, NULL, en, NULL, recon, 1.0f / N};
    for (int done = 0; done < N;) {
        int S = N - done < C ? N - done : C;
        f->draw_decode(q, m, S, r);
        j.S = S;
        pool_run(n, recon_part, &j);
        done += S;
    }
    if (energy)
        for (int b = 0; b < n; b++)
            energy[b] = en[b] / N;
    return IRVI_OK;
}
