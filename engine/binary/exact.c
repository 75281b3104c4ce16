/* engine/binary/exact.c — exact log p(x) of a one-layer model with H <= 24 by
 * enumerating all 2^H latent states (DESIGN §6.4). Bit i of the state index is
 * unit i. The states go in tasks of C; per task the output logits
 * A = Hbits G_0 + c_0 and the per-state constant
 * k(h) = log p(h) + sum_d log(1 - mean(A_hd)) are computed once for all data
 * points, then T = X (l1 - l0)^T (n, C), with l1 - l0 the log-odds of the
 * output means, is one GEMM, and each point's log-sum-exp over the task's
 * states is kept as a partial (max, sum). For the plain sigmoid l1 - l0 = A
 * exactly, so T = (X G_0^T) Hbits^T + X c_0: a GEMM of depth H instead of D,
 * and k(h) = log p(h) - sum_d softplus(A_hd), logits made EXACT_SUB states at
 * a time so they are summed while still in cache.
 *
 * Cost for plain models: 2^H D H multiply-adds and 2^H D softplus terms
 * (x-free, shared by all points), plus 2^H n H multiply-adds and 2^H n exps.
 *
 * Tasks run on the engine's pool EXACT_ROUND at a time; their partials are
 * merged in task order, so the result does not depend on the thread count.
 */
#include "kernels.h"
#include "linalg.h"
#include "irvi/eval.h"
#include "family.h"
#include "sbn.h"
#include "pool.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define EXACT_CHUNK 1024  /* states per task */
#define EXACT_SUB 128     /* states per logits GEMM (factored): (128, D) stays in L2 */
#define EXACT_ROUND 16    /* tasks per round: the partials held before merging */
#define EXACT_POINTS 1024 /* data points per T product */

typedef struct {
    const irvi_model *m;
    int n, H, D, C, P_, factored;
    const float *X, *U; /* (n, D) data as floats, (n, H) X G_0^T (factored) */
    const double *xc;   /* (n) X c_0 (factored), else 0 */
    size_t s_base;      /* first state of the round */
    double *pm, *ps;    /* (EXACT_ROUND, n) partial max and sum per task and point */
    atomic_int fail;
} exact_job;

typedef struct { /* one thread's scratch */
    model_ws w;      /* h[0]: (C, H) state bits; logit_x, delta: (C, ...) */
    float *T, *odds, *ev;
    double *kc;
} exact_tmp;

static void tmp_free(exact_tmp *t)
{
    free(t->T);
    free(t->odds);
    free(t->ev);
    free(t->kc);
    model_ws_free(&t->w);
}

static int tmp_alloc(exact_tmp *t, const exact_job *j)
{
    memset(t, 0, sizeof *t);
    int C = j->C;
    int fail = !(t->T = malloc(sizeof(float) * (size_t)j->P_ * C));
    fail |= !(t->odds = malloc(sizeof(float) * (size_t)(j->factored ? EXACT_SUB : C) * j->D));
    fail |= !(t->ev = malloc(sizeof(float) * C));
    fail |= !(t->kc = malloc(sizeof(double) * C));
    return fail || model_ws_reserve(&t->w, j->m, C, 1);
}

/* k(h) and (if not factored) the log-odds of the task's C states from s0. */
static void task_states(const exact_job *j, exact_tmp *t, size_t s0)
{
    const irvi_model *m = j->m;
    const irvi_arch *a = &m->arch;
    int H = j->H, D = j->D, C = j->C;
    float *hb = t->w.h[0];
    for (int k = 0; k < C; k++)
        for (int i = 0; i < H; i++)
            hb[(size_t)k * H + i] = (float)(((s0 + k) >> i) & 1);
    for (int k = 0; k < C; k++)
        t->kc[k] = 0;
    model_prior_logp(m, &t->w, C, t->kc);
    if (j->factored) {
        const float *c0 = P(m, m->c[0]);
        for (int k0 = 0; k0 < C; k0 += EXACT_SUB) {
            int nk = C - k0 < EXACT_SUB ? C - k0 : EXACT_SUB;
            float *A = t->odds;
            for (int k = 0; k < nk; k++)
                memcpy(A + (size_t)k * D, c0, sizeof(float) * D);
            la_sgemm(0, 0, nk, D, H, 1.0f, hb + (size_t)k0 * H, H, P(m, m->G[0]), D, 1.0f, A, D);
            for (int k = 0; k < nk; k++)
                t->kc[k0 + k] -= k_softplus_sum(A + (size_t)k * D, D);
        }
        return;
    }
    model_out_logits(m, &t->w, C);
    const float *A = t->w.logit_x;
    float zero = 0, one = 1;
    for (int k = 0; k < C; k++) {
        /* log-odds l1 - l0 and sum of l0 through the model's own Bernoulli code */
        const float *ak = A + (size_t)k * D;
        float *od = t->odds + (size_t)k * D;
        double s0sum = 0;
        for (int d = 0; d < D; d++) {
            double l1 = k_bern_logp(&one, &ak[d], 1, a->squash);
            double l0 = k_bern_logp(&zero, &ak[d], 1, a->squash);
            od[d] = (float)(l1 - l0);
            s0sum += l0;
        }
        t->kc[k] += s0sum;
    }
}

/* Tasks lo..hi of the round: per point, max and sum of e^(v - max) over the
 * task's states, v = log p(x, h). */
static void exact_tasks(void *ctx, int lo, int hi)
{
    exact_job *j = ctx;
    exact_tmp t;
    if (tmp_alloc(&t, j)) {
        atomic_store(&j->fail, 1);
        tmp_free(&t);
        return;
    }
    int C = j->C, n = j->n, H = j->H, D = j->D;
    for (int task = lo; task < hi; task++) {
        task_states(j, &t, j->s_base + (size_t)task * C);
        for (int p0 = 0; p0 < n; p0 += j->P_) {
            int np = n - p0 < j->P_ ? n - p0 : j->P_;
            if (j->factored)
                la_sgemm(0, 1, np, C, H, 1.0f, j->U + (size_t)p0 * H, H, t.w.h[0], H, 0.0f, t.T, C);
            else
                la_sgemm(0, 1, np, C, D, 1.0f, j->X + (size_t)p0 * D, D, t.odds, D, 0.0f, t.T, C);
            for (int b = 0; b < np; b++) {
                /* v = t + x c_0 + k(h): the point's constant x c_0 only shifts the max */
                size_t o = (size_t)task * n + p0 + b;
                j->pm[o] = k_lse_tc(t.T + (size_t)b * C, t.kc, C, t.ev, &j->ps[o]) + j->xc[p0 + b];
            }
        }
    }
    tmp_free(&t);
}

irvi_status irvi_exact_ll(const irvi_model *m, const uint8_t *x, int n, double *ll,
                          irvi_progress_fn progress, void *user)
{
    const irvi_arch *a = &m->arch;
    int H = a->H[0], D = a->D;
    if (!family_of(a)->discrete)
        return irvi_fail(IRVI_EINVAL, "exact likelihood enumerates binary latents; this model's "
                                      "are Gaussian");
    if (a->L != 1)
        return irvi_fail(IRVI_EINVAL, "exact likelihood needs a one-layer model (this one has %d)",
                         a->L);
    if (H > IRVI_EXACT_MAX_H)
        return irvi_fail(IRVI_EINVAL, "exact likelihood enumerates 2^H states; H = %d > %d", H,
                         IRVI_EXACT_MAX_H);
    if (n < 1)
        return irvi_fail(IRVI_EINVAL, "no data points");
    int factored = !a->squash && !a->gen_hidden;
    size_t nstates = (size_t)1 << H;
    int C = nstates < EXACT_CHUNK ? (int)nstates : EXACT_CHUNK;
    size_t ntasks = nstates / C;
    exact_job j = {.m = m, .n = n, .H = H, .D = D, .C = C, .factored = factored};
    j.P_ = n < EXACT_POINTS ? n : EXACT_POINTS;
    float *X = malloc(sizeof(float) * (size_t)n * D), *U = malloc(sizeof(float) * (size_t)n * H);
    double *xc = malloc(sizeof(double) * n), *mx = malloc(sizeof(double) * n),
           *s = calloc(n, sizeof(double)), *pm = malloc(sizeof(double) * EXACT_ROUND * n),
           *ps = malloc(sizeof(double) * EXACT_ROUND * n);
    irvi_status st = IRVI_OK;
    if (!X || !U || !xc || !mx || !s || !pm || !ps) {
        st = irvi_fail(IRVI_ENOMEM, "exact enumeration buffers for %d points", n);
        goto out;
    }
    for (size_t i = 0; i < (size_t)n * D; i++)
        X[i] = x[i];
    const float *c0 = P(m, m->c[0]);
    for (int b = 0; b < n; b++) {
        double t = 0;
        if (factored)
            for (int d = 0; d < D; d++)
                t += X[(size_t)b * D + d] * c0[d];
        xc[b] = t;
        mx[b] = -INFINITY;
    }
    if (factored) /* U = X G_0^T (n, H) */
        la_sgemm(0, 1, n, H, D, 1.0f, X, D, P(m, m->G[0]), D, 0.0f, U, H);
    j.X = X;
    j.U = U;
    j.xc = xc;
    j.pm = pm;
    j.ps = ps;
    for (size_t t0 = 0; t0 < ntasks; t0 += EXACT_ROUND) {
        int nt = ntasks - t0 < EXACT_ROUND ? (int)(ntasks - t0) : EXACT_ROUND;
        j.s_base = t0 * C;
        pool_run(nt, exact_tasks, &j);
        if (atomic_load(&j.fail)) {
            st = irvi_fail(IRVI_ENOMEM, "exact enumeration scratch for %d states", C);
            break;
        }
        for (int t = 0; t < nt; t++) /* merge in task order */
            for (int b = 0; b < n; b++) {
                double cm = pm[(size_t)t * n + b], cs = ps[(size_t)t * n + b];
                if (cm > mx[b]) {
                    s[b] = s[b] * exp(mx[b] - cm) + cs;
                    mx[b] = cm;
                } else {
                    s[b] += cs * exp(cm - mx[b]);
                }
            }
        double done = (double)((t0 + nt) * C);
        if (progress && progress(user, done, (double)nstates)) {
            st = irvi_fail(IRVI_ECANCELLED, "exact enumeration cancelled");
            break;
        }
        if (irvi_cancel_requested()) {
            st = irvi_fail(IRVI_ECANCELLED, "exact enumeration cancelled");
            break;
        }
    }
    for (int b = 0; b < n && !st; b++)
        ll[b] = mx[b] + log(s[b]);
out:
    free(X);
    free(U);
    free(xc);
    free(mx);
    free(s);
    free(pm);
    free(ps);
    return st;
}
