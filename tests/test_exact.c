/* tests/test_exact.c — irvi_exact_ll (engine/exact.c) against a direct
 * enumeration written here in double precision: all 2^H states, the output
 * logits A = h G_0 + c_0 and log p(x|h) + log p(h) summed per state in double,
 * then a log-sum-exp per data point. Covers the factored path (plain sigmoid)
 * and the general path (squash; DARN prior with a tanh layer), several tasks
 * of 1024 states (H = 13: 8) and several rounds of 16 tasks (H = 15: 2),
 * more than 1024 data points (the point blocking), 1 and 2 threads giving the
 * same bits, progress, cancellation and the argument checks. */
#include "check.h"
#include "irvi/eval.h"
#include "irvi/model.h"
#include "kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double sig_d(double a)
{
    if (a >= 0)
        return 1.0 / (1.0 + exp(-a));
    double e = exp(a);
    return e / (1.0 + e);
}

static double softplus_d(double a) { return fmax(a, 0.0) + log1p(exp(-fabs(a))); }

static const float *tens(const irvi_model *m, const char *name)
{
    return irvi_model_params_const(m) + irvi_model_find_tensor(m, name)->offset;
}

/* log p(x_b) for n points of a one-layer SBN with a factorized prior, by a
 * direct double enumeration. */
static void direct_ll(const irvi_model *m, const uint8_t *x, int n, double *ll)
{
    const irvi_arch *a = irvi_model_arch(m);
    int H = a->H[0], D = a->D, sq = a->squash;
    const float *G = tens(m, "G0"), *c = tens(m, "c0"), *z = tens(m, "z");
    double *A = malloc(sizeof(double) * D), *l1 = malloc(sizeof(double) * D),
           *l0 = malloc(sizeof(double) * D), *mx = malloc(sizeof(double) * n),
           *s = calloc(n, sizeof(double));
    size_t ns = (size_t)1 << H;
    double *v = malloc(sizeof(double) * n * 2048);
    for (int b = 0; b < n; b++)
        mx[b] = -INFINITY;
    for (size_t s0 = 0; s0 < ns; s0 += 2048) { /* blocks of states, then LSE */
        size_t cnt = ns - s0 < 2048 ? ns - s0 : 2048;
        for (size_t k = 0; k < cnt; k++) {
            size_t st = s0 + k;
            double lph = 0;
            for (int i = 0; i < H; i++) {
                int h = (st >> i) & 1;
                if (sq)
                    lph += h ? log(0.9999 * sig_d(z[i]) + 5e-6) : log(0.9999 * sig_d(-z[i]) + 9.5e-5);
                else
                    lph += h * (double)z[i] - softplus_d(z[i]);
            }
            double base = lph;
            for (int d = 0; d < D; d++) {
                double t = c[d];
                for (int i = 0; i < H; i++)
                    if ((st >> i) & 1)
                        t += G[(size_t)i * D + d];
                A[d] = t;
                if (sq) {
                    l1[d] = log(0.9999 * sig_d(t) + 5e-6);
                    l0[d] = log(0.9999 * sig_d(-t) + 9.5e-5);
                } else {
                    l1[d] = t - softplus_d(t);
                    l0[d] = -softplus_d(t);
                }
                base += l0[d];
            }
            for (int b = 0; b < n; b++) {
                double lp = base;
                const uint8_t *xb = x + (size_t)b * D;
                for (int d = 0; d < D; d++)
                    if (xb[d])
                        lp += l1[d] - l0[d];
                v[(size_t)b * 2048 + k] = lp;
            }
        }
        for (int b = 0; b < n; b++) {
            double *vb = v + (size_t)b * 2048, cm = -INFINITY;
            for (size_t k = 0; k < cnt; k++)
                cm = vb[k] > cm ? vb[k] : cm;
            if (cm > mx[b]) {
                s[b] *= exp(mx[b] - cm);
                mx[b] = cm;
            }
            for (size_t k = 0; k < cnt; k++)
                s[b] += exp(vb[k] - mx[b]);
        }
    }
    for (int b = 0; b < n; b++)
        ll[b] = mx[b] + log(s[b]);
    free(A);
    free(l1);
    free(l0);
    free(mx);
    free(s);
    free(v);
}

static irvi_model *random_model(int D, int H, irvi_prior prior, int gh, int sq, double wstd,
                                uint64_t seed)
{
    irvi_arch a;
    memset(&a, 0, sizeof a);
    a.D = D;
    a.L = 1;
    a.H[0] = H;
    a.prior = prior;
    a.gen_hidden = gh;
    a.squash = sq;
    irvi_model *m = NULL;
    CHECK_OK(irvi_model_create(&a, seed, &m));
    irvi_rng r;
    irvi_rng_seed(&r, seed, 1);
    float *p = irvi_model_params(m);
    for (int k = 0; k < irvi_model_ntensors(m); k++) {
        const irvi_tensor *t = irvi_model_tensor(m, k);
        if (!t->generative)
            continue;
        double sd = t->cols > 1 ? wstd : 0.5;
        for (int i = 0; i < t->rows * t->cols; i++)
            p[t->offset + i] = (float)(sd * irvi_rng_gauss(&r));
        if (!strcmp(t->name, "R"))
            for (int j = 0; j < t->rows; j++)
                for (int i = 0; i <= j; i++)
                    p[t->offset + (size_t)j * t->rows + i] = 0;
    }
    return m;
}

/* half the points sampled from the model, half uniformly random */
static uint8_t *data_for(const irvi_model *m, int n, uint64_t seed)
{
    int D = irvi_model_arch(m)->D, ns = n / 2;
    uint8_t *x = malloc((size_t)n * D);
    irvi_rng r;
    irvi_rng_seed(&r, seed, 2);
    CHECK_OK(irvi_model_sample(m, &r, ns, x, NULL));
    for (size_t i = (size_t)ns * D; i < (size_t)n * D; i++)
        x[i] = irvi_rng_uniform(&r) < 0.5;
    return x;
}

typedef struct { int calls; double last, total; int stop_at; } prog_t;

static int progress_cb(void *user, double done, double total)
{
    prog_t *p = user;
    p->calls++;
    CHECK(done > p->last && done <= total);
    p->last = done;
    p->total = total;
    return p->stop_at && p->calls >= p->stop_at;
}

static void check_direct(const char *what, int D, int H, int sq, int n, uint64_t seed)
{
    irvi_model *m = random_model(D, H, IRVI_PRIOR_FACTORIZED, 0, sq, 0.5, seed);
    uint8_t *x = data_for(m, n, seed);
    double *ll = malloc(sizeof(double) * n), *ref = malloc(sizeof(double) * n);
    prog_t pg = {0, 0, 0, 0};
    CHECK_OK(irvi_exact_ll(m, x, n, ll, progress_cb, &pg));
    size_t ns = (size_t)1 << H;
    int chunks = (int)((ns + 16383) / 16384); /* one call per round of 16 x 1024 states */
    CHECK_MSG(pg.calls == chunks && pg.last == (double)ns && pg.total == (double)ns,
              "%s: progress %d calls, last %g of %g", what, pg.calls, pg.last, pg.total);
    direct_ll(m, x, n, ref);
    double maxrel = 0;
    int bad = 0;
    for (int b = 0; b < n; b++) {
        double rel = fabs(ll[b] - ref[b]) / fabs(ref[b]);
        maxrel = fmax(maxrel, rel);
        if (!(rel <= 1e-5)) {
            if (bad++ < 5)
                fprintf(stderr, "%s: point %d: exact_ll %.10g, direct %.10g\n", what, b, ll[b],
                        ref[b]);
        }
    }
    CHECK_MSG(bad == 0, "%s: %d of %d points off by more than 1e-5 relative", what, bad, n);
    printf("exact %-26s D=%-3d H=%d n=%-4d %d rounds: log p(x) ~ %8.2f, max rel err %.2e\n", what,
           D, H, n, pg.calls, ref[0], maxrel);
    free(ll);
    free(ref);
    free(x);
    irvi_model_free(m);
}

/* Tasks run on the pool: the result must not depend on the thread count. */
static void check_threads(uint64_t seed)
{
    int n = 9, sqs[2] = {0, 1};
    for (int k = 0; k < 2; k++) {
        irvi_model *m = random_model(64, 15, IRVI_PRIOR_FACTORIZED, 0, sqs[k], 0.5, seed + k);
        uint8_t *x = data_for(m, n, seed);
        double l1[9], l2[9], l3[9];
        int before = irvi_get_threads();
        irvi_set_threads(1);
        CHECK_OK(irvi_exact_ll(m, x, n, l1, NULL, NULL));
        irvi_set_threads(2);
        CHECK_OK(irvi_exact_ll(m, x, n, l2, NULL, NULL));
        irvi_set_threads(3);
        CHECK_OK(irvi_exact_ll(m, x, n, l3, NULL, NULL));
        irvi_set_threads(before);
        int same = 1;
        for (int b = 0; b < n; b++)
            same &= l1[b] == l2[b] && l1[b] == l3[b];
        CHECK_MSG(same, "exact (squash %d): 1, 2 and 3 threads differ: %.17g %.17g %.17g",
                  sqs[k], l1[0], l2[0], l3[0]);
        free(x);
        irvi_model_free(m);
    }
}

/* The general path with a DARN prior and a tanh layer, against the
 * log-sum-exp of irvi_model_log_joint over all states (itself checked
 * against a naive reference in test_model). */
static void check_general(uint64_t seed)
{
    int D = 30, H = 12, n = 5, ns = 1 << H;
    irvi_model *m = random_model(D, H, IRVI_PRIOR_DARN, 9, 1, 0.7, seed);
    uint8_t *x = data_for(m, n, seed);
    float *h = malloc(sizeof(float) * ns * H);
    for (int s = 0; s < ns; s++)
        for (int i = 0; i < H; i++)
            h[(size_t)s * H + i] = (float)((s >> i) & 1);
    double *lj = malloc(sizeof(double) * ns), ll[5];
    CHECK_OK(irvi_exact_ll(m, x, n, ll, NULL, NULL));
    const float *hp[1] = {h};
    double maxerr = 0;
    for (int b = 0; b < n; b++) {
        CHECK_OK(irvi_model_log_joint(m, x + (size_t)b * D, 1, ns, hp, lj));
        double ref = k_logsumexp(lj, ns);
        CHECK_NEAR(ll[b], ref, 1e-5 * fabs(ref) + 1e-5);
        maxerr = fmax(maxerr, fabs(ll[b] - ref));
    }
    printf("exact DARN 12 tanh 9 squash (2 chunks)     vs log-joint enumeration: max |err| %.2e\n",
           maxerr);
    free(h);
    free(lj);
    free(x);
    irvi_model_free(m);
}

static void check_rejects(void)
{
    irvi_arch a;
    memset(&a, 0, sizeof a);
    a.D = 4;
    a.L = 2;
    a.H[0] = 3;
    a.H[1] = 2;
    irvi_model *m;
    uint8_t x[8] = {0, 1, 1, 0, 1, 1, 1, 1};
    double ll[2] = {0, 0};
    CHECK_OK(irvi_model_create(&a, 1, &m));
    CHECK(irvi_exact_ll(m, x, 2, ll, NULL, NULL) == IRVI_EINVAL);
    irvi_model_free(m);
    a.L = 1;
    a.H[0] = 25;
    CHECK_OK(irvi_model_create(&a, 1, &m));
    CHECK(irvi_exact_ll(m, x, 2, ll, NULL, NULL) == IRVI_EINVAL);
    irvi_model_free(m);
    a.H[0] = 3;
    CHECK_OK(irvi_model_create(&a, 1, &m));
    CHECK(irvi_exact_ll(m, x, 0, ll, NULL, NULL) == IRVI_EINVAL);
    CHECK(ll[0] == 0 && ll[1] == 0);
    /* a 3-unit model with all parameters 0: p(x) = 2^-D exactly */
    memset(irvi_model_params(m), 0, sizeof(float) * irvi_model_nparams(m));
    CHECK_OK(irvi_exact_ll(m, x, 2, ll, NULL, NULL));
    CHECK_NEAR(ll[0], -4 * log(2.0), 1e-6);
    CHECK_NEAR(ll[1], -4 * log(2.0), 1e-6);
    irvi_model_free(m);
    /* cancellation: by the progress callback and by the global flag */
    m = random_model(6, 16, IRVI_PRIOR_FACTORIZED, 0, 0, 0.5, 3); /* 4 rounds */
    uint8_t *xx = data_for(m, 4, 3);
    double l4[4];
    prog_t pg = {0, 0, 0, 2};
    CHECK(irvi_exact_ll(m, xx, 4, l4, progress_cb, &pg) == IRVI_ECANCELLED);
    CHECK(pg.calls == 2);
    irvi_request_cancel(1);
    CHECK(irvi_exact_ll(m, xx, 4, l4, NULL, NULL) == IRVI_ECANCELLED);
    irvi_request_cancel(0);
    CHECK_OK(irvi_exact_ll(m, xx, 4, l4, NULL, NULL));
    free(xx);
    irvi_model_free(m);
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) * 100 : 100;
    check_direct("plain (factored)", 784, 12, 0, 6, seed + 1);
    check_direct("squash (general)", 784, 12, 1, 6, seed + 2);
    check_direct("plain, 8 tasks", 784, 13, 0, 4, seed + 3);
    check_direct("squash, 8 tasks", 784, 13, 1, 4, seed + 4);
    check_direct("plain, 2 rounds", 40, 15, 0, 5, seed + 9);
    check_direct("squash, 2 rounds", 20, 15, 1, 3, seed + 10);
    check_threads(seed + 11);
    check_direct("plain, 1100 points", 20, 13, 0, 1100, seed + 5);
    check_direct("squash, 1100 points", 20, 13, 1, 1100, seed + 6);
    check_direct("plain, H=3", 50, 3, 0, 7, seed + 7);
    check_general(seed + 8);
    check_rejects();
    return CHECK_DONE();
}
