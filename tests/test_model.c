/* tests/test_model.c — the model (engine/model.c, binary/sbn_fwd.c, binary/recog.c)
 * against naive double-precision references written here from docs/DESIGN.md
 * (sections 1-2): log p(x,h) for SBNs of 1-3 layers, DARN, the tanh
 * generative layer and the squashed means; the recognition chain; central
 * finite differences of both analytic gradients; ancestral sampling against
 * the density (joint state frequencies, spec pitfall 8); architecture parsing
 * and validation; the tensor table; clone and copy. Seeds are fixed. */
#include "check.h"
#include "irvi/model.h"
#include "kernels.h"
#include "sbn.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXW 64 /* widest layer of the naive references */

/* ---- double-precision references ---------------------------------------- */
static double sig_d(double a)
{
    if (a >= 0)
        return 1.0 / (1.0 + exp(-a));
    double e = exp(a);
    return e / (1.0 + e);
}

static double softplus_d(double a) { return fmax(a, 0.0) + log1p(exp(-fabs(a))); }

static double mean_d(double a, int sq) { return sq ? 0.9999 * sig_d(a) + 5e-6 : sig_d(a); }

/* y log mean(a) + (1 - y) log(1 - mean(a)); y may be soft. */
static double lbern_d(double y, double a, int sq)
{
    if (!sq)
        return y * a - softplus_d(a);
    double l1 = log(0.9999 * sig_d(a) + 5e-6), l0 = log(0.9999 * sig_d(-a) + 9.5e-5);
    return (y != 0 ? y * l1 : 0) + (y != 1 ? (1 - y) * l0 : 0);
}

static const float *tens(const irvi_model *m, const char *name)
{
    const irvi_tensor *t = irvi_model_find_tensor(m, name);
    return t ? irvi_model_params_const(m) + t->offset : NULL;
}

/* log p(x, h) of one example; h[l] points at one row of layer l. */
static double ref_log_joint(const irvi_model *m, const uint8_t *x, const float *const *h)
{
    const irvi_arch *a = irvi_model_arch(m);
    int D = a->D, L = a->L, sq = a->squash;
    double lp = 0, t[MAXW];
    const float *c0 = tens(m, "c0");
    if (a->gen_hidden) {
        int Hd = a->gen_hidden, H = a->H[0];
        const float *A = tens(m, "A"), *al = tens(m, "alpha"), *C = tens(m, "C");
        for (int k = 0; k < Hd; k++) {
            double s = al[k];
            for (int i = 0; i < H; i++)
                s += (double)h[0][i] * A[i * Hd + k];
            t[k] = tanh(s);
        }
        for (int d = 0; d < D; d++) {
            double s = c0[d];
            for (int k = 0; k < Hd; k++)
                s += t[k] * C[k * D + d];
            lp += lbern_d(x[d], s, sq);
        }
    } else {
        const float *G = tens(m, "G0");
        for (int d = 0; d < D; d++) {
            double s = c0[d];
            for (int i = 0; i < a->H[0]; i++)
                s += (double)h[0][i] * G[i * D + d];
            lp += lbern_d(x[d], s, sq);
        }
    }
    for (int l = 1; l < L; l++) {
        char gn[16], cn[16];
        snprintf(gn, sizeof gn, "G%d", l);
        snprintf(cn, sizeof cn, "c%d", l);
        const float *G = tens(m, gn), *c = tens(m, cn);
        int Ho = a->H[l - 1], Hi = a->H[l];
        for (int j = 0; j < Ho; j++) {
            double s = c[j];
            for (int i = 0; i < Hi; i++)
                s += (double)h[l][i] * G[i * Ho + j];
            lp += lbern_d(h[l - 1][j], s, sq);
        }
    }
    int HL = a->H[L - 1];
    const float *z = tens(m, "z"), *R = tens(m, "R"), *top = h[L - 1];
    for (int i = 0; i < HL; i++) {
        double s = z[i];
        if (a->prior == IRVI_PRIOR_DARN) /* a_i = z_i + sum_{j<i} h_j R[j][i] */
            for (int j = 0; j < i; j++)
                s += (double)top[j] * R[j * HL + i];
        lp += lbern_d(top[i], s, sq);
    }
    return lp;
}

/* Recognition chain of one example: logits a[l][.] and means mu[l][.]. */
static void ref_recognize(const irvi_model *m, const uint8_t *x, double a[][MAXW],
                          double mu[][MAXW])
{
    const irvi_arch *ar = irvi_model_arch(m);
    int D = ar->D, in_w = D;
    const float *xbar = irvi_model_mean(m);
    double xt[MAXW], r[MAXW], *in = xt;
    for (int d = 0; d < D; d++)
        xt[d] = (double)x[d] - xbar[d];
    if (ar->rec_hidden) {
        int Hr = ar->rec_hidden;
        const float *U = tens(m, "U"), *u = tens(m, "u");
        for (int k = 0; k < Hr; k++) {
            double s = u[k];
            for (int d = 0; d < D; d++)
                s += xt[d] * U[d * Hr + k];
            r[k] = tanh(s);
        }
        in = r;
        in_w = Hr;
    }
    for (int l = 0; l < ar->L; l++) {
        char vn[16], bn[16];
        snprintf(vn, sizeof vn, "V%d", l + 1);
        snprintf(bn, sizeof bn, "v%d", l + 1);
        const float *V = tens(m, vn), *v = tens(m, bn);
        int H = ar->H[l];
        for (int j = 0; j < H; j++) {
            double s = v[j];
            for (int i = 0; i < in_w; i++)
                s += in[i] * V[i * H + j];
            a[l][j] = s;
            mu[l][j] = mean_d(s, ar->squash);
        }
        in = mu[l];
        in_w = H;
    }
}

/* ---- problem set-up -------------------------------------------------------- */
typedef struct {
    irvi_model *m;
    int n, S, R;
    uint8_t *x;                 /* (n, D) */
    float *h[IRVI_MAX_LAYERS];  /* (R, H_l) */
    float *wt;                  /* (R) positive weights */
    float *t[IRVI_MAX_LAYERS];  /* (n, H_l) soft targets */
} problem;

static irvi_arch arch_of(int D, int L, const int *H, irvi_prior prior, int gh, int rh, int sq)
{
    irvi_arch a;
    memset(&a, 0, sizeof a);
    a.D = D;
    a.L = L;
    for (int l = 0; l < L; l++)
        a.H[l] = H[l];
    a.prior = prior;
    a.gen_hidden = gh;
    a.rec_hidden = rh;
    a.squash = sq;
    return a;
}

/* Every parameter ~ N(0, std^2); DARN R keeps only its strictly upper part. */
static void randomize(irvi_model *m, double std, uint64_t seed)
{
    irvi_rng r;
    irvi_rng_seed(&r, seed, 0);
    float *p = irvi_model_params(m);
    for (size_t i = 0; i < irvi_model_nparams(m); i++)
        p[i] = (float)(std * irvi_rng_gauss(&r));
    const irvi_tensor *t = irvi_model_find_tensor(m, "R");
    if (t) {
        int H = t->rows;
        for (int j = 0; j < H; j++)
            for (int i = 0; i <= j; i++)
                p[t->offset + (size_t)j * H + i] = 0;
    }
    const irvi_arch *a = irvi_model_arch(m);
    float xbar[MAXW];
    for (int d = 0; d < a->D; d++)
        xbar[d] = (float)irvi_rng_uniform(&r);
    irvi_model_set_mean(m, xbar);
}

static problem make_problem(const irvi_arch *a, int n, int S, uint64_t seed)
{
    problem p;
    memset(&p, 0, sizeof p);
    CHECK_OK(irvi_model_create(a, seed, &p.m));
    randomize(p.m, 0.5, seed + 1);
    p.n = n;
    p.S = S;
    p.R = n * S;
    irvi_rng r;
    irvi_rng_seed(&r, seed + 2, 0);
    p.x = malloc((size_t)n * a->D);
    for (int i = 0; i < n * a->D; i++)
        p.x[i] = irvi_rng_uniform(&r) < 0.4;
    for (int l = 0; l < a->L; l++) {
        p.h[l] = malloc(sizeof(float) * p.R * a->H[l]);
        p.t[l] = malloc(sizeof(float) * n * a->H[l]);
        for (int i = 0; i < p.R * a->H[l]; i++)
            p.h[l][i] = irvi_rng_uniform(&r) < 0.5 ? 1.0f : 0.0f;
        for (int i = 0; i < n * a->H[l]; i++)
            p.t[l][i] = (float)(0.05 + 0.9 * irvi_rng_uniform(&r));
    }
    p.wt = malloc(sizeof(float) * p.R);
    for (int i = 0; i < p.R; i++)
        p.wt[i] = (float)(0.2 + 1.8 * irvi_rng_uniform(&r));
    return p;
}

static void free_problem(problem *p)
{
    irvi_model_free(p->m);
    free(p->x);
    free(p->wt);
    for (int l = 0; l < IRVI_MAX_LAYERS; l++) {
        free(p->h[l]);
        free(p->t[l]);
    }
}

static void row_ptrs(const problem *p, int r, const float **hr)
{
    const irvi_arch *a = irvi_model_arch(p->m);
    for (int l = 0; l < a->L; l++)
        hr[l] = p->h[l] + (size_t)r * a->H[l];
}

/* J_gen = -sum_r weight[r] log p(x_{r mod n}, h_r), naive. */
static double ref_jgen(const problem *p)
{
    const irvi_arch *a = irvi_model_arch(p->m);
    double J = 0;
    for (int r = 0; r < p->R; r++) {
        const float *hr[IRVI_MAX_LAYERS];
        row_ptrs(p, r, hr);
        J -= p->wt[r] * ref_log_joint(p->m, p->x + (size_t)(r % p->n) * a->D, hr);
    }
    return J;
}

/* J_rec = -sum_b sum_l scale * log Bern(t_l[b]; mu0_l[b]), naive. */
static double ref_jrec(const problem *p, double scale)
{
    const irvi_arch *a = irvi_model_arch(p->m);
    double J = 0, ra[IRVI_MAX_LAYERS][MAXW], mu[IRVI_MAX_LAYERS][MAXW];
    for (int b = 0; b < p->n; b++) {
        ref_recognize(p->m, p->x + (size_t)b * a->D, ra, mu);
        for (int l = 0; l < a->L; l++)
            for (int j = 0; j < a->H[l]; j++)
                J -= scale * lbern_d(p->t[l][(size_t)b * a->H[l] + j], ra[l][j], a->squash);
    }
    return J;
}

/* ---- 1. log p(x,h) against the reference ----------------------------------- */
static void check_log_joint(const char *what, const irvi_arch *a, uint64_t seed)
{
    problem p = make_problem(a, 4, 3, seed);
    double *out = malloc(sizeof(double) * p.R);
    CHECK_OK(irvi_model_log_joint(p.m, p.x, p.n, p.S, (const float *const *)p.h, out));
    double maxerr = 0;
    for (int r = 0; r < p.R; r++) {
        const float *hr[IRVI_MAX_LAYERS];
        row_ptrs(&p, r, hr);
        double ref = ref_log_joint(p.m, p.x + (size_t)(r % p.n) * a->D, hr);
        double err = fabs(out[r] - ref) / fmax(1.0, fabs(ref));
        maxerr = fmax(maxerr, err);
        CHECK_REL(out[r], ref, 1e-5);
    }
    printf("log_joint %-22s max rel err %.2e\n", what, maxerr);
    /* The workspace path gives the same numbers. */
    model_ws w = {0};
    CHECK(model_ws_reserve(&w, p.m, p.R, p.n) == 0);
    for (int l = 0; l < a->L; l++)
        memcpy(w.h[l], p.h[l], sizeof(float) * p.R * a->H[l]);
    model_log_joint(p.m, &w, p.x, p.n, p.S, w.lp);
    int same = 1;
    for (int r = 0; r < p.R; r++)
        same &= w.lp[r] == out[r];
    CHECK_MSG(same, "%s: workspace and public log-joint differ", what);
    model_ws_free(&w);
    free(out);
    free_problem(&p);
}

/* ---- 2. recognition against the reference ---------------------------------- */
static void check_recognize(const char *what, const irvi_arch *a, uint64_t seed)
{
    problem p = make_problem(a, 5, 1, seed);
    float *mu[IRVI_MAX_LAYERS] = {0};
    for (int l = 0; l < a->L; l++)
        mu[l] = malloc(sizeof(float) * p.n * a->H[l]);
    CHECK_OK(irvi_model_recognize(p.m, p.x, p.n, mu));
    double ra[IRVI_MAX_LAYERS][MAXW], rm[IRVI_MAX_LAYERS][MAXW], maxerr = 0;
    for (int b = 0; b < p.n; b++) {
        ref_recognize(p.m, p.x + (size_t)b * a->D, ra, rm);
        for (int l = 0; l < a->L; l++)
            for (int j = 0; j < a->H[l]; j++) {
                double e = fabs(mu[l][(size_t)b * a->H[l] + j] - rm[l][j]);
                maxerr = fmax(maxerr, e);
                CHECK_NEAR(mu[l][(size_t)b * a->H[l] + j], rm[l][j], 2e-6);
            }
    }
    printf("recognize %-22s max abs err %.2e\n", what, maxerr);
    for (int l = 0; l < a->L; l++)
        free(mu[l]);
    free_problem(&p);
}

/* ---- 3. gradients by central differences ----------------------------------- */
/* Compare analytic g against central differences of f over the entries of the
 * tensors with generative flag gen; entries of the other kind must stay 0. */
typedef double (*objective)(const problem *p, double scale);

static double jgen_obj(const problem *p, double scale) { (void)scale; return ref_jgen(p); }

static void fd_compare(const char *what, problem *p, const float *g, objective f, double scale,
                       int gen)
{
    irvi_model *m = p->m;
    float *par = irvi_model_params(m);
    double maxerr = 0;
    int nchk = 0, bad = 0;
    const irvi_tensor *tR = irvi_model_find_tensor(m, "R");
    for (int k = 0; k < irvi_model_ntensors(m); k++) {
        const irvi_tensor *t = irvi_model_tensor(m, k);
        size_t cnt = (size_t)t->rows * t->cols;
        for (size_t i = 0; i < cnt; i++) {
            size_t j = t->offset + i;
            if (t->generative != gen) {
                if (g[j] != 0) {
                    bad++;
                    if (bad < 5)
                        fprintf(stderr, "%s: %s[%zu] gradient %g should be untouched (0)\n", what,
                                t->name, i, g[j]);
                }
                continue;
            }
            if (t == tR && (int)(i % t->cols) <= (int)(i / t->cols)) { /* masked DARN entry */
                if (g[j] != 0.0f) {
                    bad++;
                    fprintf(stderr, "%s: masked R[%zu][%zu] gradient %g != 0\n", what,
                            i / t->cols, i % t->cols, g[j]);
                }
                continue;
            }
            float v = par[j];
            par[j] = v + 1e-3f;
            float vp = par[j];
            double Jp = f(p, scale);
            par[j] = v - 1e-3f;
            float vm = par[j];
            double Jm = f(p, scale);
            par[j] = v;
            double fd = (Jp - Jm) / ((double)vp - vm);
            double err = fabs(g[j] - fd), tol = 2e-4 + 1e-3 * fabs(fd);
            maxerr = fmax(maxerr, err / (1e-2 + fabs(fd)));
            nchk++;
            if (err > tol) {
                bad++;
                if (bad < 10)
                    fprintf(stderr, "%s: %s[%zu] analytic %.8g vs finite difference %.8g\n", what,
                            t->name, i, g[j], fd);
            }
        }
    }
    CHECK_MSG(bad == 0, "%s: %d gradient entries wrong", what, bad);
    CHECK(nchk > 0);
    printf("grad %-4s %-22s %4d entries, max rel err %.2e\n", gen ? "gen" : "rec", what, nchk,
           maxerr);
}

static void check_grad_gen(const char *what, const irvi_arch *a, uint64_t seed)
{
    problem p = make_problem(a, 3, 2, seed);
    size_t np = irvi_model_nparams(p.m);
    model_ws w = {0};
    CHECK(model_ws_reserve(&w, p.m, p.R, p.n) == 0);
    for (int l = 0; l < a->L; l++)
        memcpy(w.h[l], p.h[l], sizeof(float) * p.R * a->H[l]);
    float *g = calloc(np, sizeof(float)), *g2 = malloc(sizeof(float) * np);
    model_log_joint(p.m, &w, p.x, p.n, p.S, w.lp);
    model_grad_gen(p.m, &w, p.x, p.n, p.S, p.wt, g);
    fd_compare(what, &p, g, jgen_obj, 1.0, 1);
    /* "Accumulate into grad": starting from 0.25 everywhere adds the same gradient. */
    for (size_t i = 0; i < np; i++)
        g2[i] = 0.25f;
    model_log_joint(p.m, &w, p.x, p.n, p.S, w.lp);
    model_grad_gen(p.m, &w, p.x, p.n, p.S, p.wt, g2);
    int acc_ok = 1;
    const irvi_tensor *t = irvi_model_find_tensor(p.m, "R");
    for (size_t i = 0; i < np; i++) {
        if (t && i >= t->offset && i < t->offset + (size_t)t->rows * t->cols &&
            (int)((i - t->offset) % t->cols) <= (int)((i - t->offset) / t->cols))
            continue; /* masked entries are forced to 0 */
        acc_ok &= fabsf(g2[i] - 0.25f - g[i]) <= 1e-5f * (1 + fabsf(g[i]));
    }
    CHECK_MSG(acc_ok, "%s: model_grad_gen does not accumulate", what);
    free(g);
    free(g2);
    model_ws_free(&w);
    free_problem(&p);
}

static void check_grad_rec(const char *what, const irvi_arch *a, float scale, uint64_t seed)
{
    problem p = make_problem(a, 4, 1, seed);
    size_t np = irvi_model_nparams(p.m);
    model_ws w = {0};
    CHECK(model_ws_reserve(&w, p.m, 1, p.n) == 0);
    float *g = calloc(np, sizeof(float));
    model_recognize(p.m, &w, p.x, p.n);
    model_grad_rec(p.m, &w, p.n, (const float *const *)p.t, scale, g);
    fd_compare(what, &p, g, ref_jrec, scale, 0);
    free(g);
    model_ws_free(&w);
    free_problem(&p);
}

/* ---- 4. ancestral sampling against the density ------------------------------
 * All (x, h) states of a tiny model are enumerated; the frequencies of
 * NS ancestral draws are compared with exp(log p(x,h)) from the density code by
 * a chi-square statistic (dof = states - 1, mean dof, sd sqrt(2 dof)) and per
 * state within 5 standard errors. */
#define NS 200000

static void check_sampling(const char *what, const irvi_arch *a, double std, uint64_t seed)
{
    irvi_model *m;
    CHECK_OK(irvi_model_create(a, seed, &m));
    randomize(m, std, seed + 1);
    int L = a->L, bits = a->D;
    for (int l = 0; l < L; l++)
        bits += a->H[l];
    int ns = 1 << bits, HL = a->H[L - 1];
    /* exact probabilities of all states: state bits = x (D), then h_1 .. h_L */
    uint8_t *xs = malloc((size_t)ns * a->D);
    float *hs[IRVI_MAX_LAYERS];
    for (int l = 0; l < L; l++)
        hs[l] = malloc(sizeof(float) * ns * a->H[l]);
    for (int s = 0; s < ns; s++) {
        int bit = 0;
        for (int d = 0; d < a->D; d++)
            xs[(size_t)s * a->D + d] = (s >> bit++) & 1;
        for (int l = 0; l < L; l++)
            for (int i = 0; i < a->H[l]; i++)
                hs[l][(size_t)s * a->H[l] + i] = (float)((s >> bit++) & 1);
    }
    double *lp = malloc(sizeof(double) * ns), *pr = malloc(sizeof(double) * ns), tot = 0;
    CHECK_OK(irvi_model_log_joint(m, xs, ns, 1, (const float *const *)hs, lp));
    for (int s = 0; s < ns; s++)
        tot += pr[s] = exp(lp[s]);
    CHECK_NEAR(tot, 1.0, 1e-5);
    /* top-layer prior marginal from model_prior_logp on all 2^HL states */
    int nt = 1 << HL;
    model_ws w = {0};
    CHECK(model_ws_reserve(&w, m, nt, 1) == 0);
    for (int s = 0; s < nt; s++)
        for (int i = 0; i < HL; i++)
            w.h[L - 1][(size_t)s * HL + i] = (float)((s >> i) & 1);
    double *ltop = calloc(nt, sizeof(double));
    model_prior_logp(m, &w, nt, ltop);
    /* draws */
    irvi_rng r;
    irvi_rng_seed(&r, seed + 3, 0);
    uint8_t *x = malloc((size_t)NS * a->D);
    float *h[IRVI_MAX_LAYERS];
    for (int l = 0; l < L; l++)
        h[l] = malloc(sizeof(float) * (size_t)NS * a->H[l]);
    CHECK_OK(irvi_model_sample(m, &r, NS, x, h));
    long *cnt = calloc(ns, sizeof(long)), *ctop = calloc(nt, sizeof(long));
    for (int k = 0; k < NS; k++) {
        int s = 0, bit = 0, st = 0;
        for (int d = 0; d < a->D; d++)
            s |= x[(size_t)k * a->D + d] << bit++;
        for (int l = 0; l < L; l++)
            for (int i = 0; i < a->H[l]; i++)
                s |= (h[l][(size_t)k * a->H[l] + i] != 0) << bit++;
        for (int i = 0; i < HL; i++)
            st |= (h[L - 1][(size_t)k * HL + i] != 0) << i;
        cnt[s]++;
        ctop[st]++;
    }
    double chi = 0, chit = 0;
    int outl = 0;
    for (int s = 0; s < ns; s++) {
        double e = NS * pr[s], se = sqrt(NS * pr[s] * (1 - pr[s]));
        chi += (cnt[s] - e) * (cnt[s] - e) / e;
        outl += fabs(cnt[s] - e) > 5 * se + 1;
    }
    double ptot = 0;
    for (int s = 0; s < nt; s++) {
        double p = exp(ltop[s]), e = NS * p;
        ptot += p;
        chit += (ctop[s] - e) * (ctop[s] - e) / e;
    }
    CHECK_NEAR(ptot, 1.0, 1e-5);
    double dof = ns - 1, doft = nt - 1;
    printf("sampling %-18s joint chi2 %.1f (dof %.0f), top chi2 %.1f (dof %.0f)\n", what, chi,
           dof, chit, doft);
    CHECK_MSG(chi < dof + 6 * sqrt(2 * dof), "%s: joint chi2 %.1f, dof %.0f", what, chi, dof);
    CHECK_MSG(chit < doft + 6 * sqrt(2 * doft), "%s: top chi2 %.1f, dof %.0f", what, chit, doft);
    CHECK_MSG(outl == 0, "%s: %d states outside 5 SE", what, outl);
    free(cnt);
    free(ctop);
    free(x);
    for (int l = 0; l < L; l++) {
        free(h[l]);
        free(hs[l]);
    }
    free(xs);
    free(lp);
    free(pr);
    free(ltop);
    model_ws_free(&w);
    irvi_model_free(m);
}

/* ---- 5. architecture, tensor table, copies ---------------------------------- */
static void check_parse(void)
{
    irvi_arch a;
    memset(&a, 0, sizeof a);
    CHECK_OK(irvi_arch_parse_layers("200", &a));
    CHECK(a.L == 1 && a.H[0] == 200);
    CHECK_OK(irvi_arch_parse_layers("200,100", &a));
    CHECK(a.L == 2 && a.H[0] == 200 && a.H[1] == 100);
    CHECK_OK(irvi_arch_parse_layers("5,4,3", &a));
    CHECK(a.L == 3 && a.H[0] == 5 && a.H[1] == 4 && a.H[2] == 3);
    CHECK_OK(irvi_arch_parse_layers("200x200", &a));
    CHECK(a.L == 2 && a.H[0] == 200 && a.H[1] == 200);
    CHECK_OK(irvi_arch_parse_layers("7-8", &a));
    CHECK(a.L == 2 && a.H[0] == 7 && a.H[1] == 8);
    CHECK_OK(irvi_arch_parse_layers("65536", &a));
    CHECK(a.L == 1 && a.H[0] == 65536);
    const char *bad[] = {"", "0", "-5", "abc", "200,", "200,,200", "1,2,3,4", "200;200",
                         "65537", "200 ,200", "3,0", "12a", ",200", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        irvi_arch b;
        memset(&b, 0, sizeof b);
        irvi_status st = irvi_arch_parse_layers(bad[i], &b);
        CHECK_MSG(st == IRVI_EINVAL, "'%s' accepted (L = %d)", bad[i], b.L);
        CHECK(*irvi_last_error() != 0);
    }
    CHECK(irvi_arch_parse_layers(NULL, &a) == IRVI_EINVAL);
}

static void check_validate(void)
{
    int H[3] = {5, 4, 3};
    irvi_arch ok = arch_of(12, 3, H, IRVI_PRIOR_FACTORIZED, 0, 0, 0), a;
    CHECK_OK(irvi_arch_validate(&ok));
    a = ok; a.D = 0;
    CHECK(irvi_arch_validate(&a) == IRVI_EINVAL);
    a = ok; a.L = 0;
    CHECK(irvi_arch_validate(&a) == IRVI_EINVAL);
    a = ok; a.L = 4;
    CHECK(irvi_arch_validate(&a) == IRVI_EINVAL);
    a = ok; a.H[1] = 0;
    CHECK(irvi_arch_validate(&a) == IRVI_EINVAL);
    a = ok; a.H[2] = 65537;
    CHECK(irvi_arch_validate(&a) == IRVI_EINVAL);
    a = ok; a.gen_hidden = 10; /* tanh generative layer needs L = 1 */
    CHECK(irvi_arch_validate(&a) == IRVI_EINVAL);
    a = ok; a.L = 1; a.gen_hidden = -1;
    CHECK(irvi_arch_validate(&a) == IRVI_EINVAL);
    a = ok; a.rec_hidden = -3;
    CHECK(irvi_arch_validate(&a) == IRVI_EINVAL);
    a = ok; a.prior = (irvi_prior)2;
    CHECK(irvi_arch_validate(&a) == IRVI_EINVAL);
    a = ok; a.L = 1; a.gen_hidden = 10; a.prior = IRVI_PRIOR_DARN; a.rec_hidden = 7;
    CHECK_OK(irvi_arch_validate(&a));
    irvi_model *m = NULL;
    a = ok; a.D = -1;
    CHECK(irvi_model_create(&a, 1, &m) == IRVI_EINVAL && m == NULL);
    char buf[128];
    a = ok; a.L = 1; a.H[0] = 200; a.prior = IRVI_PRIOR_DARN; a.gen_hidden = 500;
    irvi_arch_describe(&a, buf, sizeof buf);
    CHECK_MSG(!strcmp(buf, "DARN 200 (tanh 500)"), "describe: '%s'", buf);
    irvi_arch_describe(&ok, buf, sizeof buf);
    CHECK_MSG(!strcmp(buf, "SBN 5-4-3"), "describe: '%s'", buf);
    irvi_arch_describe(&ok, buf, 6); /* truncates safely */
    CHECK(strlen(buf) == 5);
}

typedef struct { const char *name; int rows, cols, decay, gen; } tspec;

static void check_table(const char *what, const irvi_arch *a, const tspec *want, int nwant)
{
    irvi_model *m;
    CHECK_OK(irvi_model_create(a, 7, &m));
    int nt = irvi_model_ntensors(m);
    CHECK_MSG(nt == nwant, "%s: %d tensors, want %d", what, nt, nwant);
    size_t off = 0;
    for (int k = 0; k < nt && k < nwant; k++) {
        const irvi_tensor *t = irvi_model_tensor(m, k);
        CHECK_MSG(!strcmp(t->name, want[k].name), "%s: tensor %d is %s, want %s", what, k,
                  t->name, want[k].name);
        CHECK_MSG(t->offset == off, "%s: %s offset %zu, want %zu", what, t->name, t->offset, off);
        CHECK_MSG(t->rows == want[k].rows && t->cols == want[k].cols, "%s: %s is %dx%d, want %dx%d",
                  what, t->name, t->rows, t->cols, want[k].rows, want[k].cols);
        CHECK_MSG(t->decay == want[k].decay && t->generative == want[k].gen,
                  "%s: %s flags decay %d gen %d", what, t->name, t->decay, t->generative);
        CHECK(irvi_model_find_tensor(m, t->name) == t);
        off += (size_t)t->rows * t->cols;
        /* initialization: weights N(0, 0.001^2) (R masked), vectors 0 */
        const float *p = irvi_model_params_const(m) + t->offset;
        size_t cnt = (size_t)t->rows * t->cols;
        if (t->decay || !strcmp(t->name, "R")) {
            double ss = 0;
            size_t nz = 0;
            for (size_t i = 0; i < cnt; i++) {
                ss += (double)p[i] * p[i];
                nz += p[i] != 0;
            }
            size_t expect = cnt;
            if (!strcmp(t->name, "R")) {
                expect = (size_t)t->rows * (t->rows - 1) / 2;
                for (int j = 0; j < t->rows; j++)
                    for (int i = 0; i <= j; i++)
                        CHECK(p[(size_t)j * t->rows + i] == 0);
            }
            CHECK_MSG(nz == expect, "%s: %s has %zu non-zero of %zu", what, t->name, nz, expect);
            double sd = sqrt(ss / expect);
            CHECK_MSG(sd > 0.001 * (1 - 6 / sqrt(2.0 * expect)) &&
                          sd < 0.001 * (1 + 6 / sqrt(2.0 * expect)),
                      "%s: %s init sd %g", what, t->name, sd);
        } else {
            int zero = 1;
            for (size_t i = 0; i < cnt; i++)
                zero &= p[i] == 0;
            CHECK_MSG(zero, "%s: %s not zero-initialized", what, t->name);
        }
    }
    CHECK_MSG(off == irvi_model_nparams(m), "%s: tensors cover %zu of %zu", what, off,
              irvi_model_nparams(m));
    CHECK(irvi_model_tensor(m, -1) == NULL && irvi_model_tensor(m, nt) == NULL);
    CHECK(irvi_model_find_tensor(m, "nope") == NULL);
    int Htot = 0;
    for (int l = 0; l < a->L; l++)
        Htot += a->H[l];
    CHECK(irvi_model_total_hidden(m) == Htot);
    const float *xb = irvi_model_mean(m);
    int half = 1;
    for (int d = 0; d < a->D; d++)
        half &= xb[d] == 0.5f;
    CHECK(half);
    CHECK(irvi_model_finite(m));
    irvi_model_free(m);
}

static void check_tables(void)
{
    int H3[3] = {5, 4, 3}, H1[1] = {6};
    irvi_arch a = arch_of(12, 3, H3, IRVI_PRIOR_FACTORIZED, 0, 0, 0);
    const tspec sbn3[] = {
        {"G0", 5, 12, 1, 1}, {"c0", 12, 1, 0, 1}, {"G1", 4, 5, 1, 1}, {"c1", 5, 1, 0, 1},
        {"G2", 3, 4, 1, 1},  {"c2", 4, 1, 0, 1},  {"z", 3, 1, 0, 1},  {"V1", 12, 5, 1, 0},
        {"v1", 5, 1, 0, 0},  {"V2", 5, 4, 1, 0},  {"v2", 4, 1, 0, 0}, {"V3", 4, 3, 1, 0},
        {"v3", 3, 1, 0, 0}};
    check_table("SBN 5-4-3", &a, sbn3, 13);
    a = arch_of(12, 1, H1, IRVI_PRIOR_DARN, 9, 7, 1);
    const tspec darn[] = {{"A", 6, 9, 1, 1},  {"alpha", 9, 1, 0, 1}, {"C", 9, 12, 1, 1},
                          {"c0", 12, 1, 0, 1}, {"z", 6, 1, 0, 1},     {"R", 6, 6, 0, 1},
                          {"U", 12, 7, 1, 0},  {"u", 7, 1, 0, 0},     {"V1", 7, 6, 1, 0},
                          {"v1", 6, 1, 0, 0}};
    check_table("DARN 6 tanh", &a, darn, 10);
    /* width-1 layers: a (1 x k) or (k x 1) weight matrix is still a weight matrix */
    int Hw[2] = {1, 3};
    a = arch_of(1, 2, Hw, IRVI_PRIOR_FACTORIZED, 0, 0, 0);
    const tspec thin[] = {{"G0", 1, 1, 1, 1}, {"c0", 1, 1, 0, 1}, {"G1", 3, 1, 1, 1},
                          {"c1", 1, 1, 0, 1}, {"z", 3, 1, 0, 1},  {"V1", 1, 1, 1, 0},
                          {"v1", 1, 1, 0, 0}, {"V2", 1, 3, 1, 0}, {"v2", 3, 1, 0, 0}};
    /* layout, and weight matrices that are one unit wide are still initialized */
    irvi_model *m;
    CHECK_OK(irvi_model_create(&a, 3, &m));
    CHECK(irvi_model_ntensors(m) == 9);
    size_t off = 0;
    for (int k = 0; k < 9; k++) {
        const irvi_tensor *t = irvi_model_tensor(m, k);
        CHECK(!strcmp(t->name, thin[k].name) && t->rows == thin[k].rows &&
              t->cols == thin[k].cols && t->offset == off && t->decay == thin[k].decay);
        off += (size_t)t->rows * t->cols;
        if (t->decay) /* weight matrices are random even when one side is 1 */
            CHECK_MSG(irvi_model_params_const(m)[t->offset] != 0, "%s left at 0", t->name);
    }
    CHECK(off == irvi_model_nparams(m));
    irvi_model_free(m);
}

static void check_clone(void)
{
    int H[2] = {5, 4};
    irvi_arch a = arch_of(12, 2, H, IRVI_PRIOR_DARN, 0, 6, 1);
    irvi_model *m, *c, *o;
    CHECK_OK(irvi_model_create(&a, 11, &m));
    randomize(m, 0.5, 12);
    CHECK_OK(irvi_model_clone(m, &c));
    size_t np = irvi_model_nparams(m);
    CHECK(irvi_model_nparams(c) == np);
    CHECK(!memcmp(irvi_model_params_const(c), irvi_model_params_const(m), sizeof(float) * np));
    CHECK(!memcmp(irvi_model_mean(c), irvi_model_mean(m), sizeof(float) * a.D));
    CHECK(!memcmp(irvi_model_arch(c), irvi_model_arch(m), sizeof a));
    irvi_model_params(c)[0] += 1; /* independent storage */
    CHECK(irvi_model_params_const(m)[0] != irvi_model_params_const(c)[0]);
    CHECK_OK(irvi_model_create(&a, 99, &o));
    CHECK_OK(irvi_model_copy_params(o, m));
    CHECK(!memcmp(irvi_model_params_const(o), irvi_model_params_const(m), sizeof(float) * np));
    CHECK(!memcmp(irvi_model_mean(o), irvi_model_mean(m), sizeof(float) * a.D));
    irvi_model_free(o);
    irvi_arch b = a;
    b.H[1] = 3;
    CHECK_OK(irvi_model_create(&b, 1, &o));
    CHECK(irvi_model_copy_params(o, m) == IRVI_EINVAL);
    irvi_model_free(o);
    /* different seeds give different initializations, the same seed the same */
    CHECK_OK(irvi_model_create(&a, 5, &o));
    irvi_model *o2;
    CHECK_OK(irvi_model_create(&a, 5, &o2));
    CHECK(!memcmp(irvi_model_params_const(o), irvi_model_params_const(o2), sizeof(float) * np));
    irvi_model_free(o2);
    CHECK_OK(irvi_model_create(&a, 6, &o2));
    CHECK(memcmp(irvi_model_params_const(o), irvi_model_params_const(o2), sizeof(float) * np));
    irvi_model_free(o2);
    irvi_model_free(o);
    /* finite check */
    CHECK(irvi_model_finite(m));
    irvi_model_params(m)[np - 1] = NAN;
    CHECK(!irvi_model_finite(m));
    irvi_model_free(c);
    irvi_model_free(m);
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    int H1[1] = {5}, H2[2] = {5, 4}, H3[3] = {5, 4, 3}, H6[1] = {6};
    const irvi_prior F = IRVI_PRIOR_FACTORIZED, DA = IRVI_PRIOR_DARN;
    struct { const char *name; irvi_arch a; } cases[] = {
        {"SBN 5", arch_of(12, 1, H1, F, 0, 0, 0)},
        {"SBN 5-4", arch_of(12, 2, H2, F, 0, 0, 0)},
        {"SBN 5-4-3", arch_of(12, 3, H3, F, 0, 0, 0)},
        {"SBN 5-4-3 squash", arch_of(12, 3, H3, F, 0, 0, 1)},
        {"DARN 6", arch_of(12, 1, H6, DA, 0, 0, 0)},
        {"DARN 6 squash", arch_of(12, 1, H6, DA, 0, 0, 1)},
        {"DARN 6 tanh 7", arch_of(12, 1, H6, DA, 7, 0, 0)},
        {"SBN 5 tanh 7 squash", arch_of(12, 1, H1, F, 7, 0, 1)},
        {"SBN 5-4 DARN top", arch_of(12, 2, H2, DA, 0, 0, 0)},
        {"SBN 5-4 rec tanh 6", arch_of(12, 2, H2, F, 0, 6, 0)},
        {"SBN 5-4-3 rec tanh sq", arch_of(12, 3, H3, F, 0, 6, 1)},
    };
    int nc = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < nc; i++)
        check_log_joint(cases[i].name, &cases[i].a, seed * 100 + i);
    for (int i = 0; i < nc; i++)
        check_recognize(cases[i].name, &cases[i].a, seed * 200 + i);
    for (int i = 0; i < nc; i++)
        check_grad_gen(cases[i].name, &cases[i].a, seed * 300 + i);
    for (int i = 0; i < nc; i++)
        check_grad_rec(cases[i].name, &cases[i].a, i % 2 ? 0.7f : 1.0f, seed * 400 + i);

    int Hs4[1] = {4}, Hs22[2] = {2, 2}, Hs3[1] = {3};
    irvi_arch sd = arch_of(2, 1, Hs4, DA, 0, 0, 0);
    check_sampling("DARN 4 (D=2)", &sd, 1.5, seed * 500 + 1);
    sd = arch_of(2, 1, Hs4, DA, 0, 0, 1);
    check_sampling("DARN 4 squash", &sd, 1.5, seed * 500 + 2);
    sd = arch_of(2, 2, Hs22, F, 0, 0, 0);
    check_sampling("SBN 2-2 (D=2)", &sd, 1.5, seed * 500 + 3);
    sd = arch_of(2, 1, Hs3, F, 3, 0, 1);
    check_sampling("SBN 3 tanh 3 sq", &sd, 1.5, seed * 500 + 4);

    check_parse();
    check_validate();
    check_tables();
    check_clone();
    return CHECK_DONE();
}
