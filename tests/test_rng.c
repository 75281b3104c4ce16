/* tests/test_rng.c — the xoshiro256** generator of engine/rng.c: reference
 * outputs, determinism, independent streams, and the moments of every
 * distribution it draws from (tolerances of about 5 standard errors; the
 * seeds are fixed, so a pass is reproducible). */
#include "check.h"
#include "irvi/core.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define N_BIG 1000000

/* Mean, variance, and 4th central moment of n doubles. */
typedef struct { double mean, var, m4; } moments;

static moments moments_of(const double *x, size_t n)
{
    moments m = {0, 0, 0};
    long double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    m.mean = (double)(s / n);
    long double s2 = 0, s4 = 0;
    for (size_t i = 0; i < n; i++) {
        long double d = x[i] - m.mean;
        s2 += d * d;
        s4 += d * d * d * d;
    }
    m.var = (double)(s2 / n);
    m.m4 = (double)(s4 / n);
    return m;
}

static double corr(const double *x, const double *y, size_t n)
{
    moments mx = moments_of(x, n), my = moments_of(y, n);
    long double c = 0;
    for (size_t i = 0; i < n; i++)
        c += (x[i] - mx.mean) * (y[i] - my.mean);
    return (double)(c / n) / sqrt(mx.var * my.var);
}

/* Chi-square statistic of 16 equal bins over n uniforms in [0,1). */
static double chi2_16(const double *u, size_t n)
{
    size_t bins[16] = {0};
    for (size_t i = 0; i < n; i++)
        bins[(int)(u[i] * 16)]++;
    double e = (double)n / 16, c = 0;
    for (int b = 0; b < 16; b++)
        c += (bins[b] - e) * (bins[b] - e) / e;
    return c;
}

static void test_reference(void)
{
    /* splitmix64 from 0 (published values) seeds the state ... */
    irvi_rng r;
    irvi_rng_seed(&r, 0, 0);
    CHECK(r.s[0] == 0xe220a8397b1dcdafULL);
    CHECK(r.s[1] == 0x6e789e6aa1b965f4ULL);
    CHECK(r.s[2] == 0x06c45d188009454fULL);
    CHECK(r.s[3] == 0xf88bb8a8724c81ecULL);
    /* ... and xoshiro256** (Blackman & Vigna) runs from it. */
    CHECK(irvi_rng_next(&r) == 0x99ec5f36cb75f2b4ULL);
    CHECK(irvi_rng_next(&r) == 0xbf6e1f784956452aULL);
    CHECK(irvi_rng_next(&r) == 0x1a5f849d4933e6e0ULL);
}

static void test_determinism(void)
{
    irvi_rng a, b;
    int same = 1;
    for (uint64_t stream = 0; stream < 3; stream++) {
        irvi_rng_seed(&a, 1234, stream);
        irvi_rng_seed(&b, 1234, stream);
        for (int i = 0; i < 10000; i++)
            same &= irvi_rng_next(&a) == irvi_rng_next(&b);
    }
    CHECK_MSG(same, "same seed and stream gave different sequences");

    /* the float/double draws are deterministic too */
    irvi_rng_seed(&a, 99, 1);
    irvi_rng_seed(&b, 99, 1);
    float fa[101], fb[101];
    irvi_rng_fill_gauss(&a, fa, 101);
    irvi_rng_fill_gauss(&b, fb, 101);
    int eq = 1;
    for (int i = 0; i < 101; i++)
        eq &= fa[i] == fb[i];
    CHECK(eq);

    /* different seeds, different streams: different sequences */
    int diff_seed = 0, diff_stream = 0;
    irvi_rng_seed(&a, 1234, 0);
    irvi_rng_seed(&b, 1235, 0);
    for (int i = 0; i < 100; i++)
        diff_seed += irvi_rng_next(&a) != irvi_rng_next(&b);
    irvi_rng_seed(&a, 1234, 0);
    irvi_rng_seed(&b, 1234, 1);
    for (int i = 0; i < 100; i++)
        diff_stream += irvi_rng_next(&a) != irvi_rng_next(&b);
    CHECK(diff_seed == 100);
    CHECK(diff_stream == 100);
    /* stream 1 is not stream 0 shifted by a few steps */
    irvi_rng_seed(&a, 1234, 0);
    irvi_rng_seed(&b, 1234, 1);
    uint64_t first_b = irvi_rng_next(&b);
    int hit = 0;
    for (int i = 0; i < 100000; i++)
        hit += irvi_rng_next(&a) == first_b;
    CHECK(hit == 0);
}

static void test_streams_uncorrelated(double *x, double *y)
{
    enum { N = 100000 };
    for (uint64_t s = 0; s < 3; s++) {
        irvi_rng a, b;
        irvi_rng_seed(&a, 7, s);
        irvi_rng_seed(&b, 7, s + 1);
        for (int i = 0; i < N; i++) {
            x[i] = irvi_rng_uniform(&a);
            y[i] = irvi_rng_uniform(&b);
        }
        double c = corr(x, y, N);
        CHECK_MSG(fabs(c) < 0.02, "corr(stream %d, stream %d) = %g", (int)s, (int)s + 1, c);
        /* lagged: stream s against stream s+1 shifted by one draw */
        c = corr(x, y + 1, N - 1);
        CHECK_MSG(fabs(c) < 0.02, "lagged corr = %g", c);
    }
    /* a stream against itself is perfectly correlated (the test can fail) */
    CHECK_NEAR(corr(x, x, N), 1.0, 1e-12);
}

static void test_uniform(double *u)
{
    const double n = N_BIG;
    const double se_mean = sqrt(1.0 / 12 / n);
    const double se_var = sqrt((1.0 / 80 - 1.0 / 144) / n);
    irvi_rng r;

    /* double uniforms */
    irvi_rng_seed(&r, 2024, 0);
    int in_range = 1;
    for (int i = 0; i < N_BIG; i++) {
        u[i] = irvi_rng_uniform(&r);
        in_range &= u[i] >= 0 && u[i] < 1;
    }
    CHECK(in_range);
    moments m = moments_of(u, N_BIG);
    CHECK_NEAR(m.mean, 0.5, 5 * se_mean);
    CHECK_NEAR(m.var, 1.0 / 12, 5 * se_var);
    double c = chi2_16(u, N_BIG);
    /* 15 degrees of freedom: 0.1% and 99.9% quantiles are 3.48 and 37.70 */
    CHECK_MSG(c > 3.48 && c < 37.70, "chi-square (uniform) = %g", c);

    /* float uniforms, one at a time */
    irvi_rng_seed(&r, 2024, 1);
    in_range = 1;
    for (int i = 0; i < N_BIG; i++) {
        float f = irvi_rng_uniform_f(&r);
        in_range &= f >= 0.0f && f < 1.0f;
        u[i] = f;
    }
    CHECK_MSG(in_range, "uniform_f left [0,1)");
    m = moments_of(u, N_BIG);
    CHECK_NEAR(m.mean, 0.5, 5 * se_mean);
    CHECK_NEAR(m.var, 1.0 / 12, 5 * se_var);
    c = chi2_16(u, N_BIG);
    CHECK_MSG(c > 3.48 && c < 37.70, "chi-square (uniform_f) = %g", c);

    /* fill_uniform (two floats per draw), odd length */
    const size_t nf = N_BIG - 1;
    float *f = malloc(nf * sizeof *f);
    irvi_rng_seed(&r, 2024, 2);
    irvi_rng_fill_uniform(&r, f, nf);
    in_range = 1;
    for (size_t i = 0; i < nf; i++) {
        in_range &= f[i] >= 0.0f && f[i] < 1.0f;
        u[i] = f[i];
    }
    CHECK_MSG(in_range, "fill_uniform left [0,1)");
    m = moments_of(u, nf);
    CHECK_NEAR(m.mean, 0.5, 5 * se_mean);
    CHECK_NEAR(m.var, 1.0 / 12, 5 * se_var);
    c = chi2_16(u, nf);
    CHECK_MSG(c > 3.48 && c < 37.70, "chi-square (fill_uniform) = %g", c);
    /* the two halves of one draw are not correlated */
    size_t half = nf / 2;
    double *ev = malloc(half * sizeof *ev), *od = malloc(half * sizeof *od);
    for (size_t i = 0; i < half; i++)
        ev[i] = f[2 * i], od[i] = f[2 * i + 1];
    double cc = corr(ev, od, half);
    CHECK_MSG(fabs(cc) < 5 / sqrt((double)half), "corr of paired floats = %g", cc);
    free(ev), free(od), free(f);

    /* every bit of the raw output is fair */
    irvi_rng_seed(&r, 31337, 0);
    enum { NB = 100000 };
    int ones[64] = {0};
    for (int i = 0; i < NB; i++) {
        uint64_t x = irvi_rng_next(&r);
        for (int b = 0; b < 64; b++)
            ones[b] += (int)((x >> b) & 1);
    }
    int unfair = 0;
    for (int b = 0; b < 64; b++)
        unfair += fabs(ones[b] - NB / 2.0) > 5 * sqrt(NB / 4.0);
    CHECK_MSG(unfair == 0, "%d unfair bits", unfair);
}

static void test_gauss(double *g)
{
    const double n = N_BIG;
    irvi_rng r;
    irvi_rng_seed(&r, 77, 0);
    int finite = 1;
    for (int i = 0; i < N_BIG; i++) {
        g[i] = irvi_rng_gauss(&r);
        finite &= isfinite(g[i]);
    }
    CHECK(finite);
    moments m = moments_of(g, N_BIG);
    /* SE: mean 1/sqrt(n); variance sqrt(2/n); 4th moment sqrt(96/n) */
    CHECK_NEAR(m.mean, 0.0, 5 / sqrt(n));
    CHECK_NEAR(m.var, 1.0, 5 * sqrt(2 / n));
    CHECK_NEAR(m.m4, 3.0, 5 * sqrt(96 / n));
    size_t tail = 0; /* P(|z| > 3) = 0.0026998 */
    for (int i = 0; i < N_BIG; i++)
        tail += fabs(g[i]) > 3;
    CHECK_NEAR(tail / n, 0.0026998, 5 * sqrt(0.0027 * (1 - 0.0027) / n));

    /* fill_gauss, odd length (the last pair is cut) */
    const size_t nf = N_BIG + 1;
    float *f = malloc(nf * sizeof *f);
    double *d = malloc(nf * sizeof *d);
    irvi_rng_seed(&r, 77, 1);
    irvi_rng_fill_gauss(&r, f, nf);
    finite = 1;
    for (size_t i = 0; i < nf; i++) {
        d[i] = f[i];
        finite &= isfinite(f[i]);
    }
    CHECK(finite);
    m = moments_of(d, nf);
    CHECK_NEAR(m.mean, 0.0, 5 / sqrt(n));
    CHECK_NEAR(m.var, 1.0, 5 * sqrt(2 / n));
    CHECK_NEAR(m.m4, 3.0, 5 * sqrt(96 / n));
    /* the two values of one polar pair are uncorrelated */
    size_t half = nf / 2;
    double *ev = malloc(half * sizeof *ev), *od = malloc(half * sizeof *od);
    for (size_t i = 0; i < half; i++)
        ev[i] = f[2 * i], od[i] = f[2 * i + 1];
    double c = corr(ev, od, half);
    CHECK_MSG(fabs(c) < 5 / sqrt((double)half), "corr of polar pair = %g", c);
    /* squares are uncorrelated too (independent, not just orthogonal) */
    for (size_t i = 0; i < half; i++)
        ev[i] *= ev[i], od[i] *= od[i];
    c = corr(ev, od, half);
    CHECK_MSG(fabs(c) < 5 / sqrt((double)half), "corr of squared polar pair = %g", c);
    free(ev), free(od), free(f), free(d);
}

static void test_bernoulli(void)
{
    const float ps[] = {0.0f, 1e-3f, 0.3f, 0.5f, 0.999f, 1.0f};
    const size_t n = N_BIG + 1; /* odd: the one-at-a-time tail runs too */
    float *p = malloc(n * sizeof *p), *h = malloc(n * sizeof *h);
    irvi_rng r;
    irvi_rng_seed(&r, 5, 0);
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        for (size_t i = 0; i < n; i++)
            p[i] = ps[k];
        irvi_rng_bernoulli(&r, p, h, n);
        size_t ones = 0, binary = 1;
        for (size_t i = 0; i < n; i++) {
            ones += h[i] == 1.0f;
            binary &= h[i] == 0.0f || h[i] == 1.0f;
        }
        CHECK_MSG(binary, "bernoulli p=%g gave a value not in {0,1}", ps[k]);
        double pk = ps[k], freq = (double)ones / (double)n;
        if (pk == 0)
            CHECK_MSG(ones == 0, "p=0 fired %zu times", ones);
        else if (pk == 1)
            CHECK_MSG(ones == n, "p=1 missed %zu times", n - ones);
        else
            CHECK_MSG(fabs(freq - pk) <= 5 * sqrt(pk * (1 - pk) / (double)n),
                      "bernoulli p=%g: frequency %g", pk, freq);
    }
    /* mixed probabilities in one call, each position its own p */
    for (size_t i = 0; i < n; i++)
        p[i] = (i % 2) ? 0.9f : 0.1f;
    irvi_rng_bernoulli(&r, p, h, n);
    size_t odd1 = 0, even1 = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 2)
            odd1 += h[i] == 1.0f;
        else
            even1 += h[i] == 1.0f;
    }
    double ne = (double)((n + 1) / 2), no = (double)(n / 2);
    CHECK_NEAR(even1 / ne, 0.1, 5 * sqrt(0.09 / ne));
    CHECK_NEAR(odd1 / no, 0.9, 5 * sqrt(0.09 / no));
    free(p), free(h);

    /* The boundary u = 0 exactly: a state with s[1] = 0 outputs 0 first, so
     * both 32-bit uniforms of that draw are 0. A p = 0 must still not fire
     * there (strict u < p), and the smallest positive p must (its sampling
     * probability is k_bern_grid(p) = 2^-32: u = 0 is the one value below it). */
    irvi_rng z0 = {{1, 0, 0, 0}};
    r = z0;
    CHECK_MSG(irvi_rng_next(&r) == 0, "precondition: state (1,0,0,0) starts at 0");
    float pz[3] = {0, 0, 0}, hz[3] = {-1, -1, -1};
    r = z0;
    irvi_rng_bernoulli(&r, pz, hz, 3); /* pair path */
    CHECK_MSG(hz[0] == 0.0f && hz[1] == 0.0f, "p=0 fired at u=0 (pair path)");
    r = z0;
    irvi_rng_bernoulli(&r, pz, hz, 1); /* single path */
    CHECK_MSG(hz[0] == 0.0f, "p=0 fired at u=0 (single path)");
    pz[0] = pz[1] = FLT_TRUE_MIN;
    r = z0;
    irvi_rng_bernoulli(&r, pz, hz, 2);
    CHECK_MSG(hz[0] == 1.0f && hz[1] == 1.0f, "p=FLT_TRUE_MIN did not fire at u=0");
}

int main(void)
{
    double *buf = malloc(N_BIG * sizeof *buf);
    double *buf2 = malloc(N_BIG * sizeof *buf2);
    if (!buf || !buf2)
        return 1;
    test_reference();
    test_determinism();
    test_streams_uncorrelated(buf, buf2);
    test_uniform(buf);
    test_gauss(buf);
    test_bernoulli();
    free(buf);
    free(buf2);
    return CHECK_DONE();
}
