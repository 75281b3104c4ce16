/* tests/test_classify.c — the feed-forward classifier (engine/classify.c) and
 * its kernels: the softmax at extreme logits, the loss gradient against
 * central finite differences (dropout off, L2 on, several chunks), a
 * separable toy problem learned to 0 % error, determinism by seed, and the
 * rejections: bad options, empty input, labels out of range, non-finite
 * features (nothing changes), a non-finite update, cancellation. */
#include "check.h"
#include "irvi/classify.h"
#include "kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void test_softmax_kernel(void)
{
    /* Rows: moderate, huge spread, all equal, float extremes. */
    const float z[4][3] = {{1.0f, 2.0f, -0.5f}, {1e4f, -1e4f, 0.0f},
                           {-7.0f, -7.0f, -7.0f}, {3e38f, -3e38f, 1.0f}};
    float p[12];
    double lse[4];
    k_softmax_rows(&z[0][0], 4, 3, p, lse);
    for (int r = 0; r < 4; r++) {
        double s = 0;
        for (int j = 0; j < 3; j++) {
            CHECK(isfinite(p[r * 3 + j]) && p[r * 3 + j] >= 0 && p[r * 3 + j] <= 1);
            s += p[r * 3 + j];
        }
        CHECK_NEAR(s, 1.0, 1e-6);
        CHECK(isfinite(lse[r]));
    }
    double ref = log(exp(1.0) + exp(2.0) + exp(-0.5));
    CHECK_NEAR(lse[0], ref, 1e-6);
    CHECK_NEAR(p[1], exp(2.0 - ref), 1e-6);
    CHECK_NEAR(lse[1], 1e4, 1e-3);
    CHECK_NEAR(p[3], 1.0, 1e-7);
    CHECK(p[4] < 1e-30f);
    CHECK_NEAR(lse[2], -7.0 + log(3.0), 1e-6);
    CHECK_NEAR(p[6], 1.0 / 3, 1e-6);
    CHECK_NEAR(lse[3] / 3e38, 1.0, 1e-6);

    float g[3] = {1.0f, 2.0f, -4.0f}, s[3] = {0.5f, 0.0f, 0.9f};
    k_sigmoid_backprop(g, s, 3);
    CHECK_NEAR(g[0], 0.25, 1e-7);
    CHECK_NEAR(g[1], 0.0, 0);
    CHECK_NEAR(g[2], -4.0 * 0.9 * 0.1, 1e-6);
}

static void random_data(irvi_rng *r, float *x, uint8_t *y, int n, int F, int C)
{
    for (int i = 0; i < n * F; i++)
        x[i] = (float)irvi_rng_gauss(r);
    for (int i = 0; i < n; i++)
        y[i] = (uint8_t)(irvi_rng_next(r) % (uint64_t)C);
}

/* Central differences of the loss in every parameter against the analytic
 * gradient. n = 7 with batch 3 makes the loss span three chunks. */
static void test_gradient(int nhidden)
{
    enum { N = 7, F = 5, C = 3 };
    irvi_classifier_opts o;
    irvi_classifier_opts_default(&o);
    o.in_dim = F;
    o.nhidden = nhidden;
    o.hidden[0] = 4;
    o.hidden[1] = 3;
    o.n_classes = C;
    o.batch = 3;
    o.l2 = 0.05f;
    o.dropout_hidden = 0.5f; /* must not matter: the loss has dropout off */
    o.dropout_in = 0.5f;
    irvi_classifier *c = NULL;
    CHECK_OK(irvi_classifier_create(&o, 11 + (uint64_t)nhidden, &c));
    if (!c)
        return;
    irvi_rng r;
    irvi_rng_seed(&r, 5, 0);
    float x[N * F];
    uint8_t y[N];
    random_data(&r, x, y, N, F, C);
    size_t np = irvi_classifier_nparams(c);
    CHECK(np == (size_t)(nhidden == 1 ? F * 4 + 4 + 4 * C + C
                                      : F * 4 + 4 + 4 * 3 + 3 + 3 * C + C));
    float *th = irvi_classifier_params(c);
    for (size_t i = 0; i < np; i++) /* biases too, so their gradients are generic */
        th[i] = (float)(0.8 * irvi_rng_gauss(&r));
    float *g = malloc(sizeof(float) * np);
    double J = 0, J2 = 0;
    CHECK_OK(irvi_classifier_loss(c, x, y, N, &J, g));
    CHECK_OK(irvi_classifier_loss(c, x, y, N, &J2, NULL));
    CHECK(J == J2); /* no randomness at test time */
    CHECK(J > 0 && isfinite(J));
    const float h = 1e-2f;
    int bad = 0;
    double maxerr = 0;
    for (size_t i = 0; i < np; i++) {
        float t = th[i];
        double jp, jm;
        th[i] = t + h;
        irvi_classifier_loss(c, x, y, N, &jp, NULL);
        th[i] = t - h;
        irvi_classifier_loss(c, x, y, N, &jm, NULL);
        th[i] = t;
        double fd = (jp - jm) / (2.0 * h), err = fabs(fd - g[i]);
        maxerr = err > maxerr ? err : maxerr;
        if (err > 2e-3 * fmax(1.0, fabs(fd))) {
            bad++;
            fprintf(stderr, "param %zu: analytic %g, finite difference %g\n", i, g[i], fd);
        }
    }
    CHECK_MSG(bad == 0, "%d of %zu gradients off (max error %g)", bad, np, maxerr);
    /* A non-trivial gradient, or the check above proves nothing. */
    double gn = 0;
    for (size_t i = 0; i < np; i++)
        gn += (double)g[i] * g[i];
    CHECK(gn > 1e-2);
    free(g);
    irvi_classifier_free(c);
}

/* Four classes in 6 dimensions, centred at 3 e_k with noise 0.4 (so they are
 * separable with a wide margin): the classifier must reach 0 % error on
 * held-out points, and its training loss must fall. */
static void make_blobs(irvi_rng *r, float *x, uint8_t *y, int n)
{
    for (int i = 0; i < n; i++) {
        int k = (int)(irvi_rng_next(r) % 4);
        y[i] = (uint8_t)k;
        for (int d = 0; d < 6; d++)
            x[i * 6 + d] = (float)((d == k ? 3.0 : 0.0) + 0.4 * irvi_rng_gauss(r));
    }
}

static void test_toy(int nhidden)
{
    enum { NTR = 400, NTE = 300 };
    static float xtr[NTR * 6], xte[NTE * 6];
    static uint8_t ytr[NTR], yte[NTE], pred[NTE];
    irvi_rng r;
    irvi_rng_seed(&r, 21, 0);
    make_blobs(&r, xtr, ytr, NTR);
    make_blobs(&r, xte, yte, NTE);
    irvi_classifier_opts o;
    irvi_classifier_opts_default(&o);
    o.in_dim = 6;
    o.n_classes = 4;
    o.nhidden = nhidden;
    o.hidden[0] = 16;
    o.hidden[1] = 8;
    o.batch = 20;
    o.lr = 3e-3f;
    o.dropout_in = 0.1f;
    irvi_classifier *c = NULL;
    CHECK_OK(irvi_classifier_create(&o, 3, &c));
    if (!c)
        return;
    double err0 = -1, err = -1, l0 = 0, l = 0;
    CHECK_OK(irvi_classifier_error(c, xte, yte, NTE, &err0));
    for (int e = 0; e < 40; e++)
        CHECK_OK(irvi_classifier_train_epoch(c, xtr, ytr, NTR, e == 0 ? &l0 : &l));
    CHECK_OK(irvi_classifier_error(c, xte, yte, NTE, &err));
    CHECK_MSG(err == 0.0, "toy test error %g (before training %g)", err, err0);
    CHECK(err0 > 0.2); /* an untrained net is not already right */
    CHECK_MSG(l < 0.5 * l0, "training loss %g after the first epoch, %g at the end", l0, l);
    CHECK_OK(irvi_classifier_predict(c, xte, NTE, pred));
    int same = 1;
    for (int i = 0; i < NTE; i++)
        same &= pred[i] == yte[i];
    CHECK(same);
    irvi_classifier_free(c);
}

static void test_determinism(void)
{
    irvi_classifier_opts o;
    irvi_classifier_opts_default(&o);
    o.in_dim = 6;
    o.n_classes = 4;
    irvi_rng r;
    irvi_rng_seed(&r, 8, 0);
    float x[50 * 6];
    uint8_t y[50];
    make_blobs(&r, x, y, 50);
    irvi_classifier *a = NULL, *b = NULL, *d = NULL;
    CHECK_OK(irvi_classifier_create(&o, 99, &a));
    CHECK_OK(irvi_classifier_create(&o, 99, &b));
    CHECK_OK(irvi_classifier_create(&o, 100, &d));
    if (!a || !b || !d)
        return;
    size_t np = irvi_classifier_nparams(a);
    for (int e = 0; e < 2; e++) {
        CHECK_OK(irvi_classifier_train_epoch(a, x, y, 50, NULL));
        CHECK_OK(irvi_classifier_train_epoch(b, x, y, 50, NULL));
        CHECK_OK(irvi_classifier_train_epoch(d, x, y, 50, NULL));
    }
    CHECK(!memcmp(irvi_classifier_params(a), irvi_classifier_params(b), sizeof(float) * np));
    CHECK(memcmp(irvi_classifier_params(a), irvi_classifier_params(d), sizeof(float) * np));
    irvi_classifier_free(a);
    irvi_classifier_free(b);
    irvi_classifier_free(d);
}

static void test_bad_options(void)
{
    irvi_classifier_opts d, o;
    irvi_classifier_opts_default(&d);
    d.in_dim = 10;
    CHECK_OK(irvi_classifier_opts_validate(&d));
    irvi_classifier *c = (irvi_classifier *)&d; /* must be reset to NULL on failure */
    o = d, o.in_dim = 0;
    CHECK(irvi_classifier_create(&o, 1, &c) == IRVI_EINVAL && c == NULL);
    o = d, o.nhidden = 0;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.nhidden = 3;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.nhidden = 2, o.hidden[1] = 0;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.n_classes = 1;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.n_classes = 257;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.batch = 0;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.lr = 0;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.lr = NAN;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.l2 = -1;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.dropout_hidden = 1.0f;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    o = d, o.dropout_in = -0.1f;
    CHECK(irvi_classifier_opts_validate(&o) == IRVI_EINVAL);
    irvi_classifier_free(NULL);
}

/* Corrupted inputs are refused before anything changes. */
static void test_bad_inputs(void)
{
    enum { N = 30, F = 6, C = 4 };
    irvi_classifier_opts o;
    irvi_classifier_opts_default(&o);
    o.in_dim = F;
    o.n_classes = C;
    o.batch = 8;
    irvi_classifier *c = NULL;
    CHECK_OK(irvi_classifier_create(&o, 4, &c));
    if (!c)
        return;
    irvi_rng r;
    irvi_rng_seed(&r, 2, 0);
    float x[N * F];
    uint8_t y[N], pred[N];
    random_data(&r, x, y, N, F, C);
    size_t np = irvi_classifier_nparams(c);
    float *before = malloc(sizeof(float) * np);
    memcpy(before, irvi_classifier_params(c), sizeof(float) * np);
    double v = -1;

    CHECK(irvi_classifier_train_epoch(c, x, y, 0, &v) == IRVI_EINVAL);
    CHECK(irvi_classifier_loss(c, x, y, -1, &v, NULL) == IRVI_EINVAL);
    CHECK(irvi_classifier_loss(c, x, NULL, N, &v, NULL) == IRVI_EINVAL);
    CHECK(irvi_classifier_predict(c, NULL, N, pred) == IRVI_EINVAL);

    y[17] = C; /* label out of range */
    CHECK(irvi_classifier_train_epoch(c, x, y, N, &v) == IRVI_EINVAL);
    CHECK(strstr(irvi_last_error(), "row 17") != NULL);
    CHECK(irvi_classifier_error(c, x, y, N, &v) == IRVI_EINVAL);
    y[17] = 0;

    x[23 * F + 2] = NAN;
    CHECK(irvi_classifier_train_epoch(c, x, y, N, &v) == IRVI_EINVAL);
    CHECK(strstr(irvi_last_error(), "row 23") != NULL);
    CHECK(irvi_classifier_loss(c, x, y, N, &v, NULL) == IRVI_EINVAL);
    CHECK(irvi_classifier_predict(c, x, N, pred) == IRVI_EINVAL);
    CHECK(irvi_classifier_error(c, x, y, N, &v) == IRVI_EINVAL);
    x[23 * F + 2] = INFINITY;
    CHECK(irvi_classifier_train_epoch(c, x, y, N, &v) == IRVI_EINVAL);
    CHECK(v == -1);
    CHECK(!memcmp(before, irvi_classifier_params(c), sizeof(float) * np));
    x[23 * F + 2] = 0;

    irvi_request_cancel(1);
    CHECK(irvi_classifier_train_epoch(c, x, y, N, &v) == IRVI_ECANCELLED);
    irvi_request_cancel(0);
    CHECK(!memcmp(before, irvi_classifier_params(c), sizeof(float) * np));
    CHECK_OK(irvi_classifier_train_epoch(c, x, y, N, &v));
    CHECK(memcmp(before, irvi_classifier_params(c), sizeof(float) * np));
    free(before);
    irvi_classifier_free(c);

    /* SGD with an absurd step overflows: IRVI_ENUMERIC, parameters kept. */
    o.opt = IRVI_OPT_SGD;
    o.lr = 3.4e38f;
    o.l2 = 1.0f; /* 2 W lr overflows for any |W| > 0.5 */
    CHECK_OK(irvi_classifier_create(&o, 4, &c));
    if (!c)
        return;
    np = irvi_classifier_nparams(c);
    before = malloc(sizeof(float) * np);
    memcpy(before, irvi_classifier_params(c), sizeof(float) * np);
    CHECK(irvi_classifier_train_epoch(c, x, y, N, &v) == IRVI_ENUMERIC);
    CHECK(k_all_finite(irvi_classifier_params(c), np));
    CHECK(!memcmp(before, irvi_classifier_params(c), sizeof(float) * np));
    free(before);
    irvi_classifier_free(c);
}

int main(void)
{
    test_softmax_kernel();
    test_gradient(1);
    test_gradient(2);
    test_toy(1);
    test_toy(2);
    test_determinism();
    test_bad_options();
    test_bad_inputs();
    return CHECK_DONE();
}
