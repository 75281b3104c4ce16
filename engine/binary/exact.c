/* engine/binary/exact.c — exact log p(x) of a one-layer model with H <= 24 by
 * enumerating all 2^H latent states (DESIGN §6.4). Bit i of the state index is
 * unit i. The states go in tasks of C; per task a per-state constant k(h) is
 * computed once for all data points, and each point's log-sum-exp over the
 * task's states is kept as a partial (max, sum).
 *
 * Factored path (plain sigmoid, no tanh layer): the logits of state
 * h = (h_hi, h_lo) (h_lo the low EXACT_LO bits) are A_hi[h_hi] + A_lo[h_lo]
 * with A_lo = c_0 + h_lo G_0,lo (a table of 2^EXACT_LO rows, made once) and
 * A_hi = h_hi G_0,hi (a few rows per task), so no 2^H x H x D product is left:
 * k(h) = log p(h) - sum_d softplus(A_hi + A_lo) is the softplus sum per state,
 * x-independent and paid once for all points. For the points, log p(x|h) =
 * x A - sum_d softplus(A) with x A = U_hi(h_hi) + U_lo(h_lo) + x c_0, U = X G_0^T:
 * U_lo is a per-point table (n, 2^EXACT_LO), U_hi a short dot per point and
 * high state, so a point costs one add and one exp per state.
 *
 * Otherwise (squashed means or the tanh layer) the output logits A of the
 * task's states go through the model, k(h) = log p(h) + sum_d log(1 - mean(A_hd)),
 * and T = X (l1 - l0)^T (n, C), with l1 - l0 the log-odds of the output means,
 * is one GEMM of depth D.
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
#define EXACT_LO 8        /* low state bits of the A_lo table (factored): (256, D) in L2 */
#define EXACT_ROUND 16    /* tasks per round: the partials held before merging */
#define EXACT_POINTS 1024 /* data points per T product */

typedef struct {
    const irvi_model *m;
    int n, H, D, C, P_, factored;
    int Hlo, NL;        /* factored: low bits and rows of the tables */
    const float *X, *U; /* (n, D) data as floats, (n, H) X G_0^T (factored) */
    const float *Alo;   /* (NL, D) c_0 + h_lo G_0 (factored) */
    const float *Ulo;   /* (n, NL) x . (h_lo G_0) (factored) */
    const double *xc;   /* (n) X c_0 (factored), else 0 */
    size_t s_base;      /* first state of the round */
    double *pm, *ps;    /* (EXACT_ROUND, n) partial max and sum per task and point */
    atomic_int fail;
    int nslots;         /* scratch sets, one per concurrent range (pool_threads) */
    struct exact_tmp *slot;
    atomic_int *busy, *made;
} exact_job;

typedef struct exact_tmp { /* one range's scratch, kept over the rounds */
    model_ws w;      /* h[0]: (C, H) state bits; logit_x, delta: (C, ...) */
    float *T, *odds, *ev, *kcf;
    double *kc;
} exact_tmp;

static void tmp_free(exact_tmp *t)
{
    free(t->T);
    free(t->odds);
    free(t->ev);
    free(t->kc);
    free(t->kcf);
    model_ws_free(&t->w);
}

static int tmp_alloc(exact_tmp *t, const exact_job *j)
{
    memset(t, 0, sizeof *t);
    int C = j->C;
    int fail = !(t->T = malloc(sizeof(float) * (size_t)(j->factored ? 1 : j->P_) * C));
    fail |= !(t->odds = malloc(sizeof(float) * (size_t)(j->factored ? C / j->NL : C) * j->D));
    fail |= !(t->ev = malloc(sizeof(float) * C));
    fail |= !(t->kc = malloc(sizeof(double) * C));
    fail |= !(t->kcf = malloc(sizeof(float) * C));
    return fail || model_ws_reserve(&t->w, j->m, C, 1);
}

/* k(h) and (if not factored) the log-odds of the task's C states from s0. */
void exact_state_odds(const irvi_model *m, model_ws *w, int C, float *odds, double *kc)
{
    const int D = m->arch.D;
    model_out_logits(m, w, C);
    const float *A = w->logit_x;
    float zero = 0, one = 1;
    for (int k = 0; k < C; k++) {
        /* log-odds l1 - l0 and sum of l0 through the model's own Bernoulli code */
        const float *ak = A + (size_t)k * D;
        float *od = odds + (size_t)k * D;
        double s0sum = 0;
        for (int d = 0; d < D; d++) {
            double l1 = k_bern_logp(&one, &ak[d], 1, m->arch.squash);
            double l0 = k_bern_logp(&zero, &ak[d], 1, m->arch.squash);
            od[d] = (float)(l1 - l0);
            s0sum += l0;
        }
        kc[k] += s0sum;
    }
}

static void task_states(const exact_job *j, exact_tmp *t, size_t s0)
{
    const irvi_model *m = j->m;
    int H = j->H, D = j->D, C = j->C;
    float *hb = t->w.h[0];
    for (int k = 0; k < C; k++)
        for (int i = 0; i < H; i++)
            hb[(size_t)k * H + i] = (float)(((s0 + k) >> i) & 1);
    for (int k = 0; k < C; k++)
        t->kc[k] = 0;
    model_prior_logp(m, &t->w, C, t->kc);
    if (j->factored) {
        /* A_hi of the task's high states (units Hlo.., summed in unit order),
         * then the softplus sum of every state's logits A_hi + A_lo */
        const float *G = P(m, m->G[0]);
        int NL = j->NL, nhi = C / NL;
        size_t hi0 = s0 >> j->Hlo;
        for (int q = 0; q < nhi; q++) {
            float *Ah = t->odds + (size_t)q * D;
            memset(Ah, 0, sizeof(float) * D);
            for (int i = j->Hlo; i < H; i++)
                if (((hi0 + q) >> (i - j->Hlo)) & 1)
                    la_saxpy(D, 1.0f, G + (size_t)i * D, Ah);
            for (int lo = 0; lo < NL; lo++)
                t->kc[(size_t)q * NL + lo] -= k_softplus_sum2(Ah, j->Alo + (size_t)lo * D, D);
        }
        return;
    }
    exact_state_odds(m, &t->w, C, t->odds, t->kc);
}

/* Tasks lo..hi of the round: per point, max and sum of e^(v - max) over the
 * task's states, v = log p(x, h). */
static void exact_tasks(void *ctx, int lo, int hi)
{
    exact_job *j = ctx;
    /* a free scratch set (at most nslots ranges run at once), made on first use */
    int sl = 0;
    while (atomic_exchange(&j->busy[sl], 1))
        sl = (sl + 1) % j->nslots;
    exact_tmp *tp = &j->slot[sl];
    if (!atomic_load(&j->made[sl])) {
        if (tmp_alloc(tp, j)) {
            atomic_store(&j->fail, 1);
            tmp_free(tp);
            atomic_store(&j->busy[sl], 0);
            return;
        }
        atomic_store(&j->made[sl], 1);
    }
#define t (*tp)
    int C = j->C, n = j->n, H = j->H, D = j->D;
    for (int task = lo; task < hi; task++) {
        task_states(j, &t, j->s_base + (size_t)task * C);
        if (j->factored) {
            /* per point: v = U_hi + U_lo + k(h) + x c_0, one (max, sum) per high
             * state from the U_lo row, combined in double */
            int NL = j->NL, nhi = C / NL;
            size_t hi0 = (j->s_base + (size_t)task * C) >> j->Hlo;
            /* k(h) relative to the task's max, in float: the sums below are
             * relative to each point's max anyway */
            double kmax = -INFINITY;
            for (int k = 0; k < C; k++)
                kmax = t.kc[k] > kmax ? t.kc[k] : kmax;
            for (int k = 0; k < C; k++)
                t.kcf[k] = (float)(t.kc[k] - kmax);
            for (int b = 0; b < n; b++) {
                const float *u = j->U + (size_t)b * H;
                double mx = -INFINITY, sm = 0;
                for (int q = 0; q < nhi; q++) {
                    double uh = 0, sq;
                    for (int i = j->Hlo; i < H; i++)
                        if (((hi0 + q) >> (i - j->Hlo)) & 1)
                            uh += u[i];
                    double mq = k_lse_ff(j->Ulo + (size_t)b * NL, t.kcf + (size_t)q * NL, NL,
                                         &sq) + uh + kmax;
                    if (mq > mx) {
                        sm = sm * exp(mx - mq) + sq;
                        mx = mq;
                    } else {
                        sm += sq * exp(mq - mx);
                    }
                }
                size_t o = (size_t)task * n + b;
                j->pm[o] = mx + j->xc[b];
                j->ps[o] = sm;
            }
            continue;
        }
        for (int p0 = 0; p0 < n; p0 += j->P_) {
            int np = n - p0 < j->P_ ? n - p0 : j->P_;
            la_sgemm(0, 1, np, C, D, 1.0f, j->X + (size_t)p0 * D, D, t.odds, D, 0.0f, t.T, C);
            for (int b = 0; b < np; b++) {
                size_t o = (size_t)task * n + p0 + b;
                j->pm[o] = k_lse_tc(t.T + (size_t)b * C, t.kc, C, t.ev, &j->ps[o]) + j->xc[p0 + b];
            }
        }
    }
#undef t
    atomic_store(&j->busy[sl], 0);
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
    j.Hlo = factored ? (H < EXACT_LO ? H : EXACT_LO) : 0;
    j.NL = 1 << j.Hlo;
    j.P_ = n < EXACT_POINTS ? n : EXACT_POINTS;
    float *X = malloc(sizeof(float) * (size_t)n * D), *U = malloc(sizeof(float) * (size_t)n * H);
    double *xc = malloc(sizeof(double) * n), *mx = malloc(sizeof(double) * n),
           *s = calloc(n, sizeof(double)), *pm = malloc(sizeof(double) * EXACT_ROUND * n),
           *ps = malloc(sizeof(double) * EXACT_ROUND * n);
    float *Alo = malloc(sizeof(float) * (size_t)j.NL * D),
          *Ulo = malloc(sizeof(float) * (size_t)n * j.NL);
    irvi_status st = IRVI_OK;
    if (!X || !U || !xc || !mx || !s || !pm || !ps || !Alo || !Ulo) {
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
    if (factored) { /* U = X G_0^T (n, H), and the low-bit tables */
        la_sgemm(0, 1, n, H, D, 1.0f, X, D, P(m, m->G[0]), D, 0.0f, U, H);
        const float *G = P(m, m->G[0]);
        for (int lo = 0; lo < j.NL; lo++) { /* A_lo: c_0, then the units in order */
            float *A = Alo + (size_t)lo * D;
            memcpy(A, c0, sizeof(float) * D);
            for (int i = 0; i < j.Hlo; i++)
                if ((lo >> i) & 1)
                    la_saxpy(D, 1.0f, G + (size_t)i * D, A);
        }
        for (int b = 0; b < n; b++) /* U_lo, summed in double in unit order */
            for (int lo = 0; lo < j.NL; lo++) {
                double v = 0;
                for (int i = 0; i < j.Hlo; i++)
                    if ((lo >> i) & 1)
                        v += U[(size_t)b * H + i];
                Ulo[(size_t)b * j.NL + lo] = (float)v;
            }
    }
    j.Alo = Alo;
    j.Ulo = Ulo;
    j.nslots = pool_threads();
    j.slot = calloc(j.nslots, sizeof *j.slot);
    j.busy = calloc(j.nslots, sizeof *j.busy);
    j.made = calloc(j.nslots, sizeof *j.made);
    if (!j.slot || !j.busy || !j.made) {
        st = irvi_fail(IRVI_ENOMEM, "exact enumeration scratch");
        goto out;
    }
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
    for (int k = 0; j.slot && k < j.nslots; k++)
        if (j.made && j.made[k])
            tmp_free(&j.slot[k]);
    free(j.slot);
    free(j.busy);
    free(j.made);
    free(Alo);
    free(Ulo);
    free(X);
    free(U);
    free(xc);
    free(mx);
    free(s);
    free(pm);
    free(ps);
    return st;
}
