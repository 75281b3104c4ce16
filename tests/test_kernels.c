/* tests/test_kernels.c — every function of engine/kernels.h against long-double
 * references (expl, log1pl), at ordinary inputs and at the extremes
 * (|a| up to 1e4 and FLT_MAX/2), where naive formulas overflow or return
 * -inf / NaN. */
#include "check.h"
#include "irvi/core.h"
#include "kernels.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- long-double references ------------------------------------------- */
static long double sig_l(long double a)
{
    if (a >= 0)
        return 1.0L / (1.0L + expl(-a));
    long double e = expl(a);
    return e / (1.0L + e);
}

static long double softplus_l(long double a)
{
    return fmaxl(a, 0.0L) + log1pl(expl(-fabsl(a)));
}

/* log Bern(y; mean(a)), plain or squashed, in long double. */
static long double bern_l(int y, long double a, int squash)
{
    if (!squash)
        return (y ? a : 0.0L) - softplus_l(a);
    if (y)
        return logl(0.9999L * sig_l(a) + 5e-6L);
    return logl(0.9999L * sig_l(-a) + 9.5e-5L);
}

/* d/da bern_l by central differences in long double. */
static long double bern_grad_fd(int y, long double a, int squash)
{
    long double h = 1e-6L * fmaxl(1.0L, fabsl(a));
    return (bern_l(y, a + h, squash) - bern_l(y, a - h, squash)) / (2 * h);
}

/* float result r against reference ref: relative error <= rel where the
 * reference is a normal float; below that (underflow) only an absolute error
 * of at most 2 FLT_MIN = 2^-125 is asked, so an implementation may flush or
 * clamp subnormal results. */
static int close_f(float r, long double ref, double rel)
{
    if (!isfinite(r))
        return 0;
    long double err = fabsl((long double)r - ref);
    if (fabsl(ref) < FLT_MIN)
        return err <= 2.0L * FLT_MIN;
    return err <= rel * fabsl(ref);
}

static const float A_ABS[] = {0.0f, 1e-8f, 0.5f, 10.0f, 20.0f, 50.0f, 88.0f,
                              89.0f, 100.0f, 1e3f, 1e4f, FLT_MAX / 2};
#define N_ABS (sizeof A_ABS / sizeof A_ABS[0])

/* The signed inputs: 0, then +-each non-zero magnitude. */
static int inputs(float *out)
{
    int n = 0;
    out[n++] = 0.0f;
    for (size_t i = 1; i < N_ABS; i++) {
        out[n++] = A_ABS[i];
        out[n++] = -A_ABS[i];
    }
    return n;
}

static uint64_t lcg = 0x9e3779b97f4a7c15ULL;
static double urand(void) /* deterministic uniform in [0,1) */
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg >> 11) * 0x1.0p-53;
}

/* ---- scalar and vector maps -------------------------------------------- */
static void test_sigmoid(const float *a, int n)
{
    float out[32];
    k_sigmoid(a, out, (size_t)n);
    for (int i = 0; i < n; i++) {
        float s = k_sigmoid1(a[i]);
        long double ref = sig_l(a[i]);
        CHECK_MSG(s >= 0.0f && s <= 1.0f, "sigmoid(%g) = %g", a[i], s);
        CHECK_MSG(close_f(s, ref, 1e-6), "sigmoid(%g) = %.9g, ref %.9Lg", a[i], s, ref);
        CHECK_MSG(out[i] == s, "k_sigmoid[%d] %g != k_sigmoid1 %g", i, out[i], s);
    }
    /* symmetry and saturation */
    CHECK(k_sigmoid1(0.0f) == 0.5f);
    CHECK(k_sigmoid1(FLT_MAX / 2) == 1.0f);
    CHECK(k_sigmoid1(-FLT_MAX / 2) >= 0.0f && k_sigmoid1(-FLT_MAX / 2) <= 2 * FLT_MIN);
    CHECK(k_sigmoid1(-10.0f) > 0.0f && k_sigmoid1(-50.0f) > 0.0f);
    CHECK_NEAR(k_sigmoid1(3.0f) + k_sigmoid1(-3.0f), 1.0, 1e-6);
}

static void test_softplus(const float *a, int n)
{
    float out[32];
    k_softplus(a, out, (size_t)n);
    for (int i = 0; i < n; i++) {
        float s = k_softplus1(a[i]);
        long double ref = softplus_l(a[i]);
        CHECK_MSG(s >= 0.0f && isfinite(s), "softplus(%g) = %g", a[i], s);
        CHECK_MSG(close_f(s, ref, 1e-6), "softplus(%g) = %.9g, ref %.9Lg", a[i], s, ref);
        CHECK_MSG(out[i] == s, "k_softplus[%d] %g != k_softplus1 %g", i, out[i], s);
        if (a[i] >= 20.0f)
            CHECK_MSG(s == a[i], "softplus(%g) = %.9g should equal a", a[i], s);
        if (a[i] <= -50.0f)
            CHECK_MSG(s < 1e-21f, "softplus(%g) = %g should be tiny", a[i], s);

        double sd = k_softplus1_d(a[i]);
        long double rd = softplus_l(a[i]);
        CHECK_MSG(isfinite(sd) && sd >= 0, "softplus_d(%g) = %g", a[i], sd);
        if (rd >= DBL_MIN)
            CHECK_MSG(fabsl(sd - rd) <= 1e-14L * rd, "softplus_d(%g) = %.17g, ref %.17Lg",
                      a[i], sd, rd);
    }
    CHECK_NEAR(k_softplus1(0.0f), log(2.0), 1e-7);
    CHECK_NEAR(k_softplus1_d(0.0), log(2.0), 1e-15);
    CHECK(k_softplus1_d(1e300) == 1e300);
    CHECK(k_softplus1_d(-1e300) == 0.0);
    CHECK_MSG(fabs(k_softplus1_d(-700.0) - exp(-700.0)) <= 1e-14 * exp(-700.0),
              "softplus_d(-700) = %.17g", k_softplus1_d(-700.0));
}

static void test_log_sigmoid(const float *a, int n)
{
    float out[32];
    k_log_sigmoid(a, out, (size_t)n);
    for (int i = 0; i < n; i++) {
        long double ref = -softplus_l(-(long double)a[i]);
        CHECK_MSG(isfinite(out[i]) && out[i] <= 0.0f, "log_sigmoid(%g) = %g", a[i], out[i]);
        CHECK_MSG(close_f(out[i], ref, 1e-6), "log_sigmoid(%g) = %.9g, ref %.9Lg", a[i],
                  out[i], ref);
        CHECK(out[i] == -k_softplus1(-a[i]));
    }
    /* never -inf for |a| <= 1e4 */
    float big[3] = {-1e4f, -9999.5f, -1e3f}, o[3];
    k_log_sigmoid(big, o, 3);
    CHECK(o[0] == -1e4f && o[1] == -9999.5f && o[2] == -1e3f);
}

static void test_mean_tanh(const float *a, int n)
{
    float m0[32], m1[32], th[32];
    k_mean(a, m0, (size_t)n, 0);
    k_mean(a, m1, (size_t)n, 1);
    k_tanh(a, th, (size_t)n);
    for (int i = 0; i < n; i++) {
        CHECK(m0[i] == k_sigmoid1(a[i]));
        long double ref = 0.9999L * sig_l(a[i]) + 5e-6L;
        CHECK_MSG(close_f(m1[i], ref, 1e-6), "squashed mean(%g) = %.9g, ref %.9Lg", a[i],
                  m1[i], ref);
        CHECK_MSG(m1[i] >= 4.99e-6f && m1[i] <= 0.999906f, "squashed mean(%g) = %g", a[i],
                  m1[i]);
        long double t = tanhl(a[i]);
        CHECK_MSG(close_f(th[i], t, 1e-6), "tanh(%g) = %.9g, ref %.9Lg", a[i], th[i], t);
    }
}

static void test_mean_deriv(const float *a, int n)
{
    float d0[32], d1[32], m[2];
    k_mean_deriv(a, d0, (size_t)n, 0);
    k_mean_deriv(a, d1, (size_t)n, 1);
    for (int i = 0; i < n; i++) {
        long double ref = sig_l(a[i]) * sig_l(-(long double)a[i]);
        CHECK_MSG(d0[i] >= 0.0f && d0[i] <= 0.25f, "mean_deriv(%g) = %g", a[i], d0[i]);
        CHECK_MSG(close_f(d0[i], ref, 2e-6), "mean_deriv(%g) = %.9g, ref %.9Lg", a[i], d0[i],
                  ref);
        CHECK_MSG(close_f(d1[i], 0.9999L * ref, 2e-6), "squashed mean_deriv(%g) = %.9g, ref %.9Lg",
                  a[i], d1[i], 0.9999L * ref);
    }
    /* against central differences of k_mean itself */
    for (int sq = 0; sq <= 1; sq++)
        for (float x = -6.0f; x <= 6.0f; x += 0.75f) {
            float xs[2] = {x - 1e-2f, x + 1e-2f}, d;
            k_mean(xs, m, 2, sq);
            k_mean_deriv(&x, &d, 1, sq);
            double fd = ((double)m[1] - m[0]) / ((double)xs[1] - xs[0]);
            CHECK_MSG(fabs(d - fd) <= 1e-4 + 1e-4 * fabs(fd), "mean_deriv(%g, sq=%d) = %g, fd %g",
                      x, sq, d, fd);
        }
}

/* ---- log-sum-exp -------------------------------------------------------- */
static long double lse_l(const double *v, size_t n)
{
    long double m = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    if (!(m > -INFINITY) || isinf(m))
        return m;
    long double s = 0;
    for (size_t i = 0; i < n; i++)
        s += expl(v[i] - m);
    return m + logl(s);
}

static void test_logsumexp(void)
{
    double v[8] = {0};

    CHECK(isinf(k_logsumexp(v, 0)) && k_logsumexp(v, 0) < 0); /* empty */
    v[0] = -INFINITY, v[1] = -INFINITY, v[2] = -INFINITY;
    CHECK(isinf(k_logsumexp(v, 3)) && k_logsumexp(v, 3) < 0); /* all -inf */
    v[0] = 3.25;
    CHECK(k_logsumexp(v, 1) == 3.25); /* single */
    v[0] = -INFINITY, v[1] = 0.0, v[2] = log(3.0);
    CHECK_NEAR(k_logsumexp(v, 3), log(4.0), 1e-15); /* -inf entries drop out */
    v[0] = 1e308, v[1] = 1e308;
    CHECK(k_logsumexp(v, 2) == 1e308); /* huge: no overflow */
    v[0] = 1000, v[1] = 1000;
    CHECK_NEAR(k_logsumexp(v, 2), 1000 + log(2.0), 1e-12);
    v[0] = -1000, v[1] = -1000;
    CHECK_NEAR(k_logsumexp(v, 2), -1000 + log(2.0), 1e-12); /* tiny: no underflow */
    v[0] = -1e308, v[1] = -1e308;
    CHECK(k_logsumexp(v, 2) == -1e308);
    for (int i = 0; i < 8; i++)
        v[i] = -7.5;
    CHECK_NEAR(k_logsumexp(v, 8), -7.5 + log(8.0), 1e-14); /* equal */
    v[0] = 0, v[1] = -800; /* second term underflows exp, must not matter */
    CHECK_NEAR(k_logsumexp(v, 2), 0.0, 1e-300);
    v[0] = 0, v[1] = INFINITY;
    CHECK(k_logsumexp(v, 2) == INFINITY);
    v[0] = 0, v[1] = NAN;
    CHECK(isnan(k_logsumexp(v, 2)));

    /* random vectors against the long-double reference */
    double r[1000];
    for (int t = 0; t < 20; t++) {
        double spread = t < 10 ? 50 : 5000;
        for (int i = 0; i < 1000; i++)
            r[i] = (urand() * 2 - 1) * spread;
        long double ref = lse_l(r, 1000);
        CHECK_MSG(fabsl(k_logsumexp(r, 1000) - ref) <= 1e-13L * fmaxl(1, fabsl(ref)),
                  "lse trial %d: %.17g vs %.17Lg", t, k_logsumexp(r, 1000), ref);
    }

    /* columns: each column is one of the cases above */
    enum { R = 5, C = 6 };
    double m[R * C], col[R], out[C + 1];
    for (int i = 0; i < R; i++) {
        m[i * C + 0] = urand() * 10 - 5;        /* ordinary */
        m[i * C + 1] = -INFINITY;               /* all -inf */
        m[i * C + 2] = 1e308;                   /* huge, equal */
        m[i * C + 3] = -1000.0 - i;             /* tiny */
        m[i * C + 4] = i == 2 ? 4.0 : -INFINITY; /* one finite */
        m[i * C + 5] = 0.5;                     /* equal */
    }
    out[C] = 12345.0; /* must stay untouched */
    k_logsumexp_cols(m, R, C, out);
    CHECK(out[C] == 12345.0);
    for (int j = 0; j < C; j++) {
        for (int i = 0; i < R; i++)
            col[i] = m[i * C + j];
        long double ref = lse_l(col, R);
        CHECK_MSG(out[j] == k_logsumexp(col, R), "col %d: %.17g vs lse %.17g", j, out[j],
                  k_logsumexp(col, R));
        if (isfinite(ref))
            CHECK_MSG(fabsl(out[j] - ref) <= 1e-14L * fmaxl(1, fabsl(ref)),
                      "col %d: %.17g vs ref %.17Lg", j, out[j], ref);
    }
    CHECK(isinf(out[1]) && out[1] < 0);
    CHECK(out[2] == 1e308);
    CHECK(out[4] == 4.0);
    CHECK_NEAR(out[5], 0.5 + log(5.0), 1e-14);
    /* zero rows: every column is an empty sum */
    k_logsumexp_cols(m, 0, C, out);
    for (int j = 0; j < C; j++)
        CHECK(isinf(out[j]) && out[j] < 0);
}

/* ---- Bernoulli log-mass and gradients ---------------------------------- */
static void test_bern_logp(const float *a, int n)
{
    float y[2] = {0, 1}, g[1], g8[1];
    uint8_t y8[2] = {0, 1};

    /* element by element over the extreme set */
    for (int sq = 0; sq <= 1; sq++)
        for (int i = 0; i < n; i++)
            for (int yi = 0; yi <= 1; yi++) {
                double lp = k_bern_logp(&y[yi], &a[i], 1, sq);
                long double ref = bern_l(yi, a[i], sq);
                CHECK_MSG(isfinite(lp) && lp <= 0, "bern_logp(y=%d, a=%g, sq=%d) = %g", yi,
                          a[i], sq, lp);
                CHECK_MSG(fabsl(lp - ref) <= 2e-6L * fmaxl(1, fabsl(ref)),
                          "bern_logp(y=%d, a=%g, sq=%d) = %.10g, ref %.10Lg", yi, a[i], sq,
                          lp, ref);
                CHECK(k_bern_logp_u8(&y8[yi], &a[i], 1, sq) == lp);
                if (sq)
                    CHECK_MSG(lp >= log(5e-6) - 1e-4, "squashed logp(y=%d, a=%g) = %g", yi,
                              a[i], lp);

                if (fabsf(a[i]) > 1e4f)
                    continue; /* the FD reference needs representable a +- h */
                k_bern_grad(&y[yi], &a[i], g, 1, sq, 1.0f);
                k_bern_grad_u8(&y8[yi], &a[i], g8, 1, sq, 1.0f);
                long double fd = bern_grad_fd(yi, a[i], sq);
                CHECK_MSG(isfinite(g[0]) && fabsl(g[0] - fd) <= 1e-6L + 1e-5L * fabsl(fd),
                          "bern_grad(y=%d, a=%g, sq=%d) = %.9g, fd %.9Lg", yi, a[i], sq, g[0],
                          fd);
                CHECK(g8[0] == g[0]);
            }

    /* whole vectors: random logits, some extreme, random targets */
    enum { NV = 1000 };
    float *av = malloc(NV * sizeof *av), *yv = malloc(NV * sizeof *yv);
    float *gv = malloc(NV * sizeof *gv), *gv8 = malloc(NV * sizeof *gv8);
    float *gs = malloc(NV * sizeof *gs);
    uint8_t *yv8 = malloc(NV);
    for (int i = 0; i < NV; i++) {
        av[i] = (float)((urand() * 2 - 1) * (i % 10 == 0 ? 1e4 : 12));
        yv8[i] = urand() < 0.3;
        yv[i] = yv8[i];
    }
    for (int sq = 0; sq <= 1; sq++) {
        long double ref = 0, absum = 0;
        for (int i = 0; i < NV; i++) {
            long double t = bern_l((int)yv[i], av[i], sq);
            ref += t;
            absum += fabsl(t);
        }
        double lp = k_bern_logp(yv, av, NV, sq);
        CHECK_MSG(fabsl(lp - ref) <= 1e-5L * absum + 1e-6L,
                  "bern_logp vector sq=%d: %.12g, ref %.12Lg", sq, lp, ref);
        CHECK(k_bern_logp_u8(yv8, av, NV, sq) == lp);
        CHECK(k_bern_logp(yv, av, 0, sq) == 0.0);

        k_bern_grad(yv, av, gv, NV, sq, 1.0f);
        k_bern_grad_u8(yv8, av, gv8, NV, sq, 1.0f);
        k_bern_grad(yv, av, gs, NV, sq, -0.25f);
        int bad = 0, bad8 = 0, bads = 0;
        for (int i = 0; i < NV; i++) {
            long double fd = bern_grad_fd((int)yv[i], av[i], sq);
            if (!(fabsl(gv[i] - fd) <= 1e-6L + 1e-5L * fabsl(fd))) {
                if (bad++ < 5)
                    fprintf(stderr, "grad sq=%d i=%d y=%g a=%g: %.9g vs fd %.9Lg\n", sq, i,
                            yv[i], av[i], gv[i], fd);
            }
            bad8 += gv8[i] != gv[i];
            bads += !(fabsf(gs[i] - (-0.25f * gv[i])) <= 1e-7f * fabsf(gv[i]) + 1e-30f);
        }
        CHECK_MSG(bad == 0, "%d gradients off (sq=%d)", bad, sq);
        CHECK_MSG(bad8 == 0, "%d u8 gradients differ from float ones (sq=%d)", bad8, sq);
        CHECK_MSG(bads == 0, "%d scaled gradients wrong (sq=%d)", bads, sq);
    }
    free(av), free(yv), free(gv), free(gv8), free(gs), free(yv8);

    /* long sums (a batch of images): 2e5 equal terms. The plain sum runs in
     * float chunks of 256 flushed to double, so its worst case is ~256 eps/2
     * relative (3e-6 seen here); one float accumulator over all terms would
     * drift far more. */
    enum { NL = 200000 };
    float *al = malloc(NL * sizeof *al), *yl = malloc(NL * sizeof *yl);
    uint8_t *yl8 = malloc(NL);
    for (int i = 0; i < NL; i++)
        al[i] = 0.3f, yl[i] = 1.0f, yl8[i] = 1;
    for (int sq = 0; sq <= 1; sq++) {
        long double ref = NL * bern_l(1, 0.3f, sq);
        double lp = k_bern_logp(yl, al, NL, sq), lp8 = k_bern_logp_u8(yl8, al, NL, sq);
        CHECK_MSG(fabsl(lp - ref) <= 2e-5L * fabsl(ref), "long sum sq=%d: %.12g, ref %.12Lg", sq,
                  lp, ref);
        CHECK_MSG(fabsl(lp8 - ref) <= 2e-5L * fabsl(ref), "long sum u8 sq=%d: %.12g, ref %.12Lg",
                  sq, lp8, ref);
    }
    free(al), free(yl), free(yl8);
}

static void test_bern_grad_exact(void)
{
    enum { NV = 1000 };
    float av[NV], yv[NV], gv[NV];
    for (int i = 0; i < NV; i++) {
        av[i] = (float)((urand() * 2 - 1) * 30);
        yv[i] = urand() < 0.5 ? 1.0f : 0.0f;
    }
    /* plain gradient is exactly y - sigmoid */
    k_bern_grad(yv, av, gv, NV, 0, 1.0f);
    int bad = 0;
    for (int i = 0; i < NV; i++)
        bad += gv[i] != yv[i] - k_sigmoid1(av[i]);
    CHECK(bad == 0);
}

static void test_bern_mu_entropy(void)
{
    float h[4], mu[4];
    /* never 0 log 0 */
    h[0] = 0, mu[0] = 0;
    CHECK(k_bern_logp_mu(h, mu, 1) == 0.0);
    h[0] = 1, mu[0] = 1;
    CHECK(k_bern_logp_mu(h, mu, 1) == 0.0);
    h[0] = 0, h[1] = 1, h[2] = 0, h[3] = 1;
    mu[0] = 0, mu[1] = 1, mu[2] = 0, mu[3] = 1;
    CHECK(k_bern_logp_mu(h, mu, 4) == 0.0);
    /* impossible outcomes are -inf, not NaN */
    h[0] = 1, mu[0] = 0;
    double v = k_bern_logp_mu(h, mu, 1);
    CHECK(isinf(v) && v < 0);
    h[0] = 0, mu[0] = 1;
    v = k_bern_logp_mu(h, mu, 1);
    CHECK(isinf(v) && v < 0);
    CHECK(k_bern_logp_mu(h, mu, 0) == 0.0);

    /* the sampler's probabilities: exact above 2^-9, rounded up to 2^-32 steps below */
    CHECK(k_bern_grid(0.0f) == 0.0f && k_bern_grid(1.0f) == 1.0f);
    CHECK(k_bern_grid(0.3f) == 0.3f && k_bern_grid(0x1.fffffep-1f) == 0x1.fffffep-1f);
    CHECK(k_bern_grid(0x1.0p-9f * 1.5f) == 0x1.0p-9f * 1.5f);
    CHECK(k_bern_grid(1e-38f) == 0x1.0p-32f && k_bern_grid(FLT_TRUE_MIN) == 0x1.0p-32f);
    CHECK(k_bern_grid(1e-7f) == 430 * 0x1.0p-32f);

    enum { NV = 500 };
    float hv[NV], mv[NV];
    long double ref = 0, ent = 0;
    for (int i = 0; i < NV; i++) {
        mv[i] = (float)(i % 50 == 0 ? 1e-7 : 0.001 + 0.998 * urand());
        hv[i] = urand() < 0.5 ? 1.0f : 0.0f;
        long double p = mv[i], g = ceill(p * 0x1.0p32L) * 0x1.0p-32L; /* the sampler's */
        ref += hv[i] != 0 ? logl(g) : log1pl(-g);
        ent -= p * logl(p) + (1 - p) * log1pl(-p);
    }
    double lp = k_bern_logp_mu(hv, mv, NV);
    CHECK_MSG(fabsl(lp - ref) <= 1e-6L * fabsl(ref), "logp_mu %.12g vs %.12Lg", lp, ref);
    double en = k_bern_entropy(mv, NV);
    CHECK_MSG(fabsl(en - ent) <= 1e-6L * ent, "entropy %.12g vs %.12Lg", en, ent);

    /* entropy at the corners and the middle */
    for (int i = 0; i < NV; i++)
        mv[i] = 0.0f;
    CHECK(k_bern_entropy(mv, NV) == 0.0);
    for (int i = 0; i < NV; i++)
        mv[i] = 1.0f;
    CHECK(k_bern_entropy(mv, NV) == 0.0);
    for (int i = 0; i < NV; i++)
        mv[i] = 0.5f;
    CHECK_REL(k_bern_entropy(mv, NV), NV * log(2.0), 1e-6);
    CHECK(k_bern_entropy(mv, 0) == 0.0);
    mv[0] = 1e-30f; /* near-deterministic: tiny, non-negative */
    v = k_bern_entropy(mv, 1);
    CHECK(v >= 0 && v < 1e-27);
}

/* ---- small utilities ----------------------------------------------------- */
static void test_utils(void)
{
    float x[8] = {-INFINITY, -5, -1, 0, 0.5f, 1, 7, INFINITY};
    k_clamp(x, 8, -1.0f, 1.0f);
    const float want[8] = {-1, -1, -1, 0, 0.5f, 1, 1, 1};
    for (int i = 0; i < 8; i++)
        CHECK_MSG(x[i] == want[i], "clamp[%d] = %g, want %g", i, x[i], want[i]);
    float y[3] = {-3, 2, 9};
    k_clamp(y, 2, 0.0f, 1.0f); /* n respected */
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 9);

    enum { NF = 1001 };
    float *f = malloc(NF * sizeof *f);
    for (int i = 0; i < NF; i++)
        f[i] = (float)(i - 500) * 1e3f;
    f[3] = FLT_MAX, f[4] = -FLT_MAX, f[5] = FLT_TRUE_MIN, f[6] = -0.0f;
    CHECK(k_all_finite(f, NF) == 1);
    CHECK(k_all_finite(f, 0) == 1);
    const float bad[] = {NAN, INFINITY, -INFINITY};
    const int pos[] = {0, 500, NF - 1};
    for (int b = 0; b < 3; b++)
        for (int p = 0; p < 3; p++) {
            float keep = f[pos[p]];
            f[pos[p]] = bad[b];
            CHECK_MSG(k_all_finite(f, NF) == 0, "non-finite %g at %d not seen", bad[b], pos[p]);
            f[pos[p]] = keep;
        }
    CHECK(k_all_finite(f, NF) == 1);
    f[NF - 1] = NAN;
    CHECK(k_all_finite(f, NF - 1) == 1); /* n respected */
    free(f);

    enum { R = 3, N = 5 };
    float m[R * N + 1], b[N];
    for (int i = 0; i < R * N; i++)
        m[i] = (float)i;
    m[R * N] = -42.0f;
    for (int j = 0; j < N; j++)
        b[j] = 0.5f * (float)(j + 1);
    k_add_bias(m, b, R, N);
    int wrong = 0;
    for (int r = 0; r < R; r++)
        for (int j = 0; j < N; j++)
            wrong += m[r * N + j] != (float)(r * N + j) + 0.5f * (float)(j + 1);
    CHECK(wrong == 0);
    CHECK(m[R * N] == -42.0f);
    k_add_bias(m, b, 0, N); /* no rows: no-op */
    CHECK(m[0] == 0.5f);

    /* column sums added into out (bias gradients) */
    enum { CR = 37, CC = 11 };
    float *xs = malloc(CR * CC * sizeof *xs), out[CC + 1];
    for (int i = 0; i < CR * CC; i++)
        xs[i] = (float)(urand() * 2 - 1);
    for (int j = 0; j <= CC; j++)
        out[j] = (float)j;
    k_colsum_add(xs, CR, CC, out);
    wrong = 0;
    for (int j = 0; j < CC; j++) {
        double want = j, mag = fabs((double)j);
        for (int r = 0; r < CR; r++) {
            want += xs[r * CC + j];
            mag += fabs(xs[r * CC + j]);
        }
        wrong += !(fabs(out[j] - want) <= 1e-6 * mag);
    }
    CHECK_MSG(wrong == 0, "%d column sums wrong", wrong);
    CHECK(out[CC] == (float)CC); /* past the last column: untouched */
    float keep[CC + 1];
    memcpy(keep, out, sizeof keep);
    k_colsum_add(xs, 0, CC, out); /* no rows: no-op */
    CHECK(memcmp(keep, out, sizeof keep) == 0);
    float one[CC]; /* one row: adds exactly that row */
    for (int j = 0; j < CC; j++)
        one[j] = 0.0f;
    k_colsum_add(xs, 1, CC, one);
    for (int j = 0; j < CC; j++)
        CHECK(one[j] == xs[j]);
    free(xs);
}

/* ---- long sums: softplus sum (products of 1 + e^-|a| per block) and the
 * shifted log-sum-exp of the exact enumeration --------------------------- */
static void test_sums(void)
{
    static const size_t lens[] = {0, 1, 15, 16, 17, 100, 784, 1023, 1024, 1025, 5000};
    enum { NMAX = 5000 };
    float *a = malloc(NMAX * sizeof *a), *tmp = malloc(NMAX * sizeof *tmp);
    double *c = malloc(NMAX * sizeof *c);
    for (int kind = 0; kind < 3; kind++)
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            long double ref = 0, absum = 0;
            for (size_t i = 0; i < n; i++) {
                /* kind 0: moderate; 1: some huge of either sign; 2: all >= 20 (factors ~1) */
                double v = kind == 2 ? 20 + 10 * urand() : (urand() * 2 - 1) * 30;
                if (kind == 1 && i % 7 == 3)
                    v = (i % 2 ? 1 : -1) * 1e4;
                a[i] = (float)v;
                long double t = softplus_l(a[i]);
                ref += t;
                absum += fabsl(t);
            }
            /* k_dot against a long double sum, with 0/1 weights as in log p(h) */
            long double dref = 0, dabs = 0;
            for (size_t i = 0; i < n; i++) {
                tmp[i] = (float)((i * 7 + (size_t)kind) % 3 == 0);
                dref += (long double)tmp[i] * a[i];
                dabs += fabsl((long double)tmp[i] * a[i]);
            }
            double dot = k_dot(tmp, a, n);
            CHECK_MSG(fabsl(dot - dref) <= 1e-6L * dabs + 1e-6L, "k_dot kind %d n=%zu: %.12g, ref %.12Lg",
                      kind, n, dot, dref);
            double got = k_softplus_sum(a, n);
            CHECK_MSG(fabsl(got - ref) <= 2e-6L * absum + 1e-6L,
                      "softplus_sum kind %d n=%zu: %.12g, ref %.12Lg", kind, n, got, ref);
            if (n == 0)
                continue;
            /* lse of t + c, with c large and negative as in the enumeration */
            long double m = -INFINITY, sl = 0;
            for (size_t i = 0; i < n; i++) {
                c[i] = -500 + 20 * urand();
                long double v = (long double)a[i] + c[i];
                m = v > m ? v : m;
            }
            for (size_t i = 0; i < n; i++)
                sl += expl((long double)a[i] + c[i] - m);
            double sum, mx = k_lse_tc(a, c, n, tmp, &sum);
            CHECK_MSG(mx == (double)m, "lse_tc kind %d n=%zu: max %.17g, ref %.17Lg", kind, n, mx,
                      m);
            CHECK_MSG(fabsl(sum - sl) <= 1e-6L * sl, "lse_tc kind %d n=%zu: sum %.12g, ref %.12Lg",
                      kind, n, sum, sl);
        }
    /* a NaN stays visible; +inf gives +inf */
    for (size_t i = 0; i < 100; i++)
        a[i] = 0.5f;
    a[37] = NAN;
    CHECK(isnan(k_softplus_sum(a, 100)));
    a[37] = INFINITY;
    CHECK(k_softplus_sum(a, 100) == INFINITY);
    /* the Bernoulli mass takes the same route: y a - softplus(a) summed, 784 terms */
    float y[784];
    long double ref = 0;
    for (int i = 0; i < 784; i++) {
        a[i] = (float)((urand() * 2 - 1) * 15);
        y[i] = urand() < 0.4 ? 1.0f : 0.0f;
        ref += y[i] * (long double)a[i] - softplus_l(a[i]);
    }
    CHECK_NEAR(k_bern_logp(y, a, 784, 0), (double)ref, 1e-7 * fabsl(ref) + 1e-6);
    free(a), free(tmp), free(c);
}

int main(void)
{
    float a[32];
    int n = inputs(a);
    CHECK(n == 23);
    test_sigmoid(a, n);
    test_softplus(a, n);
    test_log_sigmoid(a, n);
    test_mean_tanh(a, n);
    test_mean_deriv(a, n);
    test_logsumexp();
    test_bern_logp(a, n);
    test_bern_grad_exact();
    test_bern_mu_entropy();
    test_utils();
    test_sums();

    /* n = 0 writes nothing */
    float sentinel = 77.0f;
    k_sigmoid(a, &sentinel, 0);
    k_softplus(a, &sentinel, 0);
    k_log_sigmoid(a, &sentinel, 0);
    k_mean(a, &sentinel, 0, 1);
    k_tanh(a, &sentinel, 0);
    k_mean_deriv(a, &sentinel, 0, 0);
    CHECK(sentinel == 77.0f);
    return CHECK_DONE();
}
