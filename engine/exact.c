/* engine/exact.c — exact log p(x) of a one-layer model with H <= 24 by
 * enumerating all 2^H latent states (spec 6.4). Bit i of the state index is
 * unit i. States go in chunks of C; per chunk the output logits
 * A = Hbits G_0 + c_0 (C, D) and the per-state constant
 * k(h) = log p(h) + sum_d log(1 - mean(A_hd)) are computed once for all data
 * points, then T = X (l1 - l0)^T (n, C), with l1 - l0 the log-odds of the
 * output means, is one GEMM, folded into a running log-sum-exp per point in
 * double. For the plain sigmoid l1 - l0 = A exactly, so
 * T = (X G_0^T) Hbits^T + X c_0: a GEMM of depth H instead of D.
 */
#include "kernels.h"
#include "linalg.h"
#include "irvi/eval.h"
#include "model_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EXACT_CHUNK 2048
#define EXACT_POINTS 1024 /* data points per pass over the states' x-free part */

typedef struct {
    float *A, *T, *X, *U, *odds, *ev;
    double *kc, *mx, *s, *xc, *v;
    model_ws w;
} exact_buf;

static void exact_free(exact_buf *e)
{
    free(e->A);
    free(e->T);
    free(e->X);
    free(e->U);
    free(e->odds);
    free(e->ev);
    free(e->v);
    free(e->kc);
    free(e->mx);
    free(e->s);
    free(e->xc);
    model_ws_free(&e->w);
}

/* k(h) and (if not factored) the log-odds of the chunk's C states. */
static void chunk_states(const irvi_model *m, exact_buf *e, size_t s0, int C, int factored)
{
    const irvi_arch *a = &m->arch;
    int H = a->H[0], D = a->D;
    float *hb = e->w.h[0];
    for (int k = 0; k < C; k++)
        for (int i = 0; i < H; i++)
            hb[(size_t)k * H + i] = (float)(((s0 + k) >> i) & 1);
    for (int k = 0; k < C; k++)
        e->kc[k] = 0;
    model_prior_logp(m, &e->w, C, e->kc);
    model_out_logits(m, &e->w, C);
    const float *A = e->w.logit_x;
    float zero = 0, one = 1;
    for (int k = 0; k < C; k++) {
        const float *ak = A + (size_t)k * D;
        if (factored) {
            e->kc[k] -= k_softplus_sum(ak, D);
        } else {
            /* log-odds l1 - l0 and sum of l0 through the model's own Bernoulli code */
            float *od = e->odds + (size_t)k * D;
            double s0sum = 0;
            for (int d = 0; d < D; d++) {
                double l1 = k_bern_logp(&one, &ak[d], 1, a->squash);
                double l0 = k_bern_logp(&zero, &ak[d], 1, a->squash);
                od[d] = (float)(l1 - l0);
                s0sum += l0;
            }
            e->kc[k] += s0sum;
        }
    }
}

irvi_status irvi_exact_ll(const irvi_model *m, const uint8_t *x, int n, double *ll,
                          irvi_progress_fn progress, void *user)
{
    const irvi_arch *a = &m->arch;
    int H = a->H[0], D = a->D;
    if (a->latent != IRVI_LATENT_BERNOULLI)
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
    int P_ = n < EXACT_POINTS ? n : EXACT_POINTS;
    exact_buf e = {0};
    int fail = !(e.T = malloc(sizeof(float) * (size_t)P_ * C));
    fail |= !(e.X = malloc(sizeof(float) * (size_t)n * D));
    fail |= !(e.U = malloc(sizeof(float) * (size_t)n * H));
    fail |= !(e.odds = malloc(sizeof(float) * (size_t)(factored ? 1 : C) * D));
    fail |= !(e.kc = malloc(sizeof(double) * C));
    fail |= !(e.v = malloc(sizeof(double) * C));
    fail |= !(e.ev = malloc(sizeof(float) * C));
    fail |= !(e.mx = malloc(sizeof(double) * n));
    fail |= !(e.s = calloc(n, sizeof(double)));
    fail |= !(e.xc = malloc(sizeof(double) * n));
    fail = fail || model_ws_reserve(&e.w, m, C, 1);
    if (fail) {
        exact_free(&e);
        return irvi_fail(IRVI_ENOMEM, "exact enumeration buffers for %d points", n);
    }
    for (size_t i = 0; i < (size_t)n * D; i++)
        e.X[i] = x[i];
    const float *c0 = P(m, m->c[0]);
    for (int b = 0; b < n; b++) {
        double t = 0;
        if (factored)
            for (int d = 0; d < D; d++)
                t += e.X[(size_t)b * D + d] * c0[d];
        e.xc[b] = t;
        e.mx[b] = -INFINITY;
    }
    if (factored) /* U = X G_0^T (n, H) */
        la_sgemm(0, 1, n, H, D, 1.0f, e.X, D, P(m, m->G[0]), D, 0.0f, e.U, H);
    irvi_status st = IRVI_OK;
    for (size_t s0 = 0; s0 < nstates && !st; s0 += C) {
        chunk_states(m, &e, s0, C, factored);
        for (int p0 = 0; p0 < n; p0 += P_) {
            int np = n - p0 < P_ ? n - p0 : P_;
            if (factored)
                la_sgemm(0, 1, np, C, H, 1.0f, e.U + (size_t)p0 * H, H, e.w.h[0], H, 0.0f, e.T, C);
            else
                la_sgemm(0, 1, np, C, D, 1.0f, e.X + (size_t)p0 * D, D, e.odds, D, 0.0f, e.T, C);
            for (int b = 0; b < np; b++) {
                const float *t = e.T + (size_t)b * C;
                double *mx = &e.mx[p0 + b], *s = &e.s[p0 + b], xc = e.xc[p0 + b];
                double cm = -INFINITY;
                for (int k = 0; k < C; k++) {
                    double v = t[k] + xc + e.kc[k];
                    e.v[k] = v;
                    cm = v > cm ? v : cm;
                }
                if (cm > *mx) {
                    *s *= exp(*mx - cm);
                    *mx = cm;
                }
                /* exponents <= 0 in float: the vectorized exp; the sum stays in double */
                for (int k = 0; k < C; k++)
                    e.ev[k] = (float)(e.v[k] - *mx);
                k_exp_nonpos(e.ev, e.ev, C);
                double acc = k_sum(e.ev, C);
                *s += acc;
            }
        }
        if (progress && progress(user, (double)(s0 + C), (double)nstates))
            st = irvi_fail(IRVI_ECANCELLED, "exact enumeration cancelled");
        else if (irvi_cancel_requested())
            st = irvi_fail(IRVI_ECANCELLED, "exact enumeration cancelled");
    }
    for (int b = 0; b < n && !st; b++)
        ll[b] = e.mx[b] + log(e.s[b]);
    exact_free(&e);
    return st;
}
