/* engine/binary/exact_posterior.c — exact posterior marginals, ELBO and KL of
 * a one-layer binary model by enumerating its 2^H states (DESIGN §6.4, the
 * same state layout as exact.c: bit i of the state index is unit i).
 *
 * v(h) = log p(x, h) = x.U h + x.c_0 + k(h) on the factored path (plain
 * sigmoid, no tanh layer), k(h) = log p(h) - sum_d softplus(A_hd) x-free and
 * cached in the table; otherwise v = x.(l1 - l0)(h) + k(h) with the log-odds
 * rebuilt per call. Per chunk of states and per example the running
 * (max, sum) of e^v is merged in double; the marginals' numerators
 * sum_h e^(v - max) h_i are one float GEMM per chunk, rescaled on merge.
 * ELBO = sum_h q(h) v(h) + H(q) with log q(h) = logit(mu).h + sum log(1-mu)
 * (another GEMM of depth H). Single-threaded: the lab calls it between steps
 * on a few digits, where the table makes it cheap.
 */
#include "kernels.h"
#include "linalg.h"
#include "irvi/eval.h"
#include "family.h"
#include "sbn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define XP_CHUNK 1024 /* states per block */

struct irvi_exact_table {
    int H, factored;
    uint64_t sum;  /* parameter fingerprint: the table is for these parameters only */
    double *kc;    /* (2^H) k(h), factored models only */
};

static uint64_t fingerprint(const irvi_model *m)
{
    const float *p = irvi_model_params_const(m);
    size_t n = irvi_model_nparams(m);
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &p[i], 4);
        h = (h ^ u) * 1099511628211ull;
    }
    return h;
}

static irvi_status check_model(const irvi_model *m)
{
    const irvi_arch *a = &m->arch;
    if (!family_of(a)->discrete)
        return irvi_fail(IRVI_EINVAL, "exact posterior enumerates binary latents; this model's "
                                      "are Gaussian");
    if (a->L != 1)
        return irvi_fail(IRVI_EINVAL, "exact posterior needs a one-layer model (this one has %d)",
                         a->L);
    if (a->H[0] > IRVI_EXACT_MAX_H)
        return irvi_fail(IRVI_EINVAL, "exact posterior enumerates 2^H states; H = %d > %d",
                         a->H[0], IRVI_EXACT_MAX_H);
    return IRVI_OK;
}

typedef struct { /* scratch for one block of C states */
    model_ws w;  /* h[0]: (C, H) bits; logit_x (non-factored) */
    float *odds; /* (C, D) log-odds (non-factored) or (XP_SUB, D) logits */
    double *kc;  /* (C) */
} xp_block;

static void block_free(xp_block *b)
{
    free(b->odds);
    free(b->kc);
    model_ws_free(&b->w);
}

static int block_alloc(xp_block *b, const irvi_model *m, int C)
{
    memset(b, 0, sizeof *b);
    int fail = !(b->odds = malloc(sizeof(float) * (size_t)C * m->arch.D));
    fail |= !(b->kc = malloc(sizeof(double) * C));
    return fail || model_ws_reserve(&b->w, m, C, 1);
}

/* Bits of states s0..s0+C-1, and unless kc_cached: k(h) (and the log-odds
 * when not factored), as exact.c's task_states. */
static void block_states(const irvi_model *m, int factored, xp_block *b, size_t s0, int C,
                         const double *kc_cached)
{
    const irvi_arch *a = &m->arch;
    int H = a->H[0], D = a->D;
    float *hb = b->w.h[0];
    for (int k = 0; k < C; k++)
        for (int i = 0; i < H; i++)
            hb[(size_t)k * H + i] = (float)(((s0 + k) >> i) & 1);
    if (kc_cached) {
        memcpy(b->kc, kc_cached + s0, sizeof(double) * C);
        return;
    }
    for (int k = 0; k < C; k++)
        b->kc[k] = 0;
    model_prior_logp(m, &b->w, C, b->kc);
    if (factored) {
        const float *c0 = P(m, m->c[0]);
        float *A = b->odds;
        for (int k = 0; k < C; k++)
            memcpy(A + (size_t)k * D, c0, sizeof(float) * D);
        la_sgemm(0, 0, C, D, H, 1.0f, hb, H, P(m, m->G[0]), D, 1.0f, A, D);
        for (int k = 0; k < C; k++)
            b->kc[k] -= k_softplus_sum(A + (size_t)k * D, D);
        return;
    }
    exact_state_odds(m, &b->w, C, b->odds, b->kc);
}

static int is_factored(const irvi_model *m)
{
    return !m->arch.squash && !m->arch.gen_hidden;
}

irvi_status irvi_exact_table_create(const irvi_model *m, irvi_exact_table **out)
{
    *out = NULL;
    irvi_status st = check_model(m);
    if (st)
        return st;
    irvi_exact_table *t = calloc(1, sizeof *t);
    if (!t)
        return irvi_fail(IRVI_ENOMEM, "exact posterior table");
    t->H = m->arch.H[0];
    t->factored = is_factored(m);
    t->sum = fingerprint(m);
    if (t->factored) {
        size_t ns = (size_t)1 << t->H;
        int C = ns < XP_CHUNK ? (int)ns : XP_CHUNK;
        xp_block b;
        t->kc = malloc(sizeof(double) * ns);
        if (!t->kc || block_alloc(&b, m, C)) {
            if (t->kc)
                block_free(&b);
            free(t->kc);
            free(t);
            return irvi_fail(IRVI_ENOMEM, "exact posterior table of %zu states", ns);
        }
        for (size_t s0 = 0; s0 < ns; s0 += C) {
            block_states(m, 1, &b, s0, C, NULL);
            memcpy(t->kc + s0, b.kc, sizeof(double) * C);
        }
        block_free(&b);
    }
    *out = t;
    return IRVI_OK;
}

void irvi_exact_table_free(irvi_exact_table *t)
{
    if (t)
        free(t->kc);
    free(t);
}

typedef struct { /* per-call buffers */
    float *X, *U, *Lq, *T, *Q, *W, *acc;
    double *xc, *mx, *s, *e, *macc, *lq0;
} xp_bufs;

static void bufs_free(xp_bufs *u)
{
    free(u->X), free(u->U), free(u->Lq), free(u->T), free(u->Q), free(u->W), free(u->acc);
    free(u->xc), free(u->mx), free(u->s), free(u->e), free(u->macc), free(u->lq0);
}

static int bufs_alloc(xp_bufs *u, int n, int H, int D, int C)
{
    memset(u, 0, sizeof *u);
    size_t nc = (size_t)n * C, nh = (size_t)n * H;
    u->X = malloc(sizeof(float) * (size_t)n * D);
    u->U = malloc(sizeof(float) * nh);
    u->Lq = malloc(sizeof(float) * nh);
    u->T = malloc(sizeof(float) * nc);
    u->Q = malloc(sizeof(float) * nc);
    u->W = malloc(sizeof(float) * nc);
    u->acc = malloc(sizeof(float) * nh);
    u->xc = calloc(n, sizeof(double));
    u->mx = malloc(sizeof(double) * n);
    u->s = calloc(n, sizeof(double));
    u->e = calloc(n, sizeof(double));
    u->macc = calloc(nh, sizeof(double));
    u->lq0 = calloc(n, sizeof(double));
    return !u->X || !u->U || !u->Lq || !u->T || !u->Q || !u->W || !u->acc || !u->xc || !u->mx ||
           !u->s || !u->e || !u->macc || !u->lq0;
}

irvi_status irvi_exact_posterior(const irvi_model *m, const irvi_exact_table *tab,
                                 const uint8_t *x, int n, const float *mu, float *marg,
                                 irvi_exact_post *out)
{
    irvi_status st = check_model(m);
    if (st)
        return st;
    if (n < 1)
        return irvi_fail(IRVI_EINVAL, "no data points");
    int H = m->arch.H[0], D = m->arch.D, factored = is_factored(m);
    if (tab && (tab->H != H || tab->factored != factored || tab->sum != fingerprint(m)))
        return irvi_fail(IRVI_EINVAL, "exact posterior table was made for other parameters");
    size_t ns = (size_t)1 << H;
    int C = ns < XP_CHUNK ? (int)ns : XP_CHUNK;
    const double *kcache = tab && tab->kc ? tab->kc : NULL;
    irvi_exact_table *own = NULL;
    if (factored && !kcache) {
        if ((st = irvi_exact_table_create(m, &own)))
            return st;
        kcache = own->kc;
    }
    xp_bufs u;
    xp_block b;
    int bfail = block_alloc(&b, m, C);
    if (bufs_alloc(&u, n, H, D, C) || bfail) {
        st = irvi_fail(IRVI_ENOMEM, "exact posterior buffers for %d points", n);
        goto out;
    }
    for (size_t i = 0; i < (size_t)n * D; i++)
        u.X[i] = x[i];
    if (factored) {
        const float *c0 = P(m, m->c[0]);
        for (int p = 0; p < n; p++)
            for (int d = 0; d < D; d++)
                u.xc[p] += u.X[(size_t)p * D + d] * c0[d];
        la_sgemm(0, 1, n, H, D, 1.0f, u.X, D, P(m, m->G[0]), D, 0.0f, u.U, H);
    }
    double *ent = u.lq0; /* reused below: lq0 first, then the entropies */
    double *Hq = mu ? malloc(sizeof(double) * n) : NULL;
    if (mu && !Hq) {
        st = irvi_fail(IRVI_ENOMEM, "exact posterior entropies");
        goto out;
    }
    if (mu) /* log q(h) = Lq.h + lq0, Lq = logit(mu), clamped away from 0 and 1 */
        for (int p = 0; p < n; p++) {
            double h = 0, c = 0;
            for (int i = 0; i < H; i++) {
                double q = mu[(size_t)p * H + i];
                q = q < 1e-12 ? 1e-12 : q > 1 - 1e-12 ? 1 - 1e-12 : q;
                u.Lq[(size_t)p * H + i] = (float)(log(q) - log1p(-q));
                c += log1p(-q);
                h -= q * log(q) + (1 - q) * log1p(-q);
            }
            ent[p] = c;
            Hq[p] = h;
        }
    for (int p = 0; p < n; p++)
        u.mx[p] = -INFINITY;
    for (size_t s0 = 0; s0 < ns; s0 += C) {
        block_states(m, factored, &b, s0, C, kcache ? kcache : NULL);
        const float *hb = b.w.h[0];
        if (factored)
            la_sgemm(0, 1, n, C, H, 1.0f, u.U, H, hb, H, 0.0f, u.T, C);
        else
            la_sgemm(0, 1, n, C, D, 1.0f, u.X, D, b.odds, D, 0.0f, u.T, C);
        if (mu)
            la_sgemm(0, 1, n, C, H, 1.0f, u.Lq, H, hb, H, 0.0f, u.Q, C);
        for (int p = 0; p < n; p++) {
            const float *t = u.T + (size_t)p * C;
            double cm = -INFINITY, e = 0;
            for (int k = 0; k < C; k++) {
                double v = t[k] + b.kc[k];
                cm = v > cm ? v : cm;
            }
            double cs = 0;
            float *w = u.W + (size_t)p * C;
            for (int k = 0; k < C; k++) {
                double v = t[k] + b.kc[k];
                double ev = exp(v - cm);
                w[k] = (float)ev;
                cs += ev;
                if (mu)
                    e += exp(u.Q[(size_t)p * C + k] + ent[p]) * (v + u.xc[p]);
            }
            u.e[p] += e;
            /* merge (cm, cs) into the running (mx, s); rescale the numerators */
            double sa = 1, sb = 1;
            if (cm > u.mx[p]) {
                sa = exp(u.mx[p] - cm);
                u.mx[p] = cm;
            } else
                sb = exp(cm - u.mx[p]);
            u.s[p] = u.s[p] * sa + cs * sb;
            double *ma = u.macc + (size_t)p * H;
            for (int i = 0; i < H; i++)
                ma[i] *= sa;
            for (int k = 0; k < C; k++)
                w[k] = (float)(w[k] * sb);
        }
        if (marg) {
            la_sgemm(0, 0, n, H, C, 1.0f, u.W, C, hb, H, 0.0f, u.acc, H);
            for (size_t i = 0; i < (size_t)n * H; i++)
                u.macc[i] += u.acc[i];
        }
        if (irvi_cancel_requested()) {
            st = irvi_fail(IRVI_ECANCELLED, "exact posterior cancelled");
            break;
        }
    }
    for (int p = 0; p < n && !st; p++) {
        out[p].ll = u.mx[p] + log(u.s[p]) + u.xc[p];
        out[p].elbo = mu ? u.e[p] + Hq[p] : NAN;
        out[p].kl = mu ? out[p].ll - out[p].elbo : NAN;
        if (marg)
            for (int i = 0; i < H; i++)
                marg[(size_t)p * H + i] = (float)(u.macc[(size_t)p * H + i] / u.s[p]);
    }
    free(Hq);
out:
    bufs_free(&u);
    block_free(&b);
    irvi_exact_table_free(own);
    return st;
}
