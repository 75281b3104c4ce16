/* engine/kernels.c — elementwise maths (see kernels.h for the contract).
 *
 * The loops are plain and branch-light so the compiler can vectorize them;
 * the only transcendental calls are expf/log1pf/logf on arguments that cannot
 * overflow (exp of a non-positive number). */
#include "kernels.h"

#include <math.h>

#define SQ_SCALE 0.9999f
#define SQ_LO 5e-6f
#define SQ_HI_COMP 9.5e-5f /* 1 - (0.9999 + 5e-6) */

float k_sigmoid1(float a)
{
    /* Both branches evaluate exp of a non-positive number. */
    if (a >= 0) {
        float e = expf(-a);
        return 1.0f / (1.0f + e);
    }
    float e = expf(a);
    return e / (1.0f + e);
}

float k_softplus1(float a)
{
    return fmaxf(a, 0.0f) + log1pf(expf(-fabsf(a)));
}

double k_softplus1_d(double a)
{
    return fmax(a, 0.0) + log1p(exp(-fabs(a)));
}

void k_sigmoid(const float *a, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = k_sigmoid1(a[i]);
}

void k_softplus(const float *a, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = k_softplus1(a[i]);
}

void k_log_sigmoid(const float *a, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = -k_softplus1(-a[i]);
}

void k_mean(const float *a, float *out, size_t n, int squash)
{
    if (squash)
        for (size_t i = 0; i < n; i++)
            out[i] = SQ_SCALE * k_sigmoid1(a[i]) + SQ_LO;
    else
        k_sigmoid(a, out, n);
}

void k_mean_deriv(const float *a, float *out, size_t n, int squash)
{
    float sc = squash ? SQ_SCALE : 1.0f;
    for (size_t i = 0; i < n; i++)
        out[i] = sc * k_sigmoid1(a[i]) * k_sigmoid1(-a[i]);
}

void k_tanh(const float *a, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = tanhf(a[i]);
}

double k_logsumexp(const double *v, size_t n)
{
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    if (!(m > -INFINITY))
        return m; /* empty, all -inf, or NaN propagates */
    if (m == INFINITY)
        return m;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += exp(v[i] - m);
    return m + log(s);
}

void k_logsumexp_cols(const double *v, int rows, int cols, double *out)
{
    for (int j = 0; j < cols; j++) {
        double m = -INFINITY;
        for (int i = 0; i < rows; i++)
            if (v[(size_t)i * cols + j] > m)
                m = v[(size_t)i * cols + j];
        if (!(m > -INFINITY) || m == INFINITY) {
            out[j] = m;
            continue;
        }
        double s = 0;
        for (int i = 0; i < rows; i++)
            s += exp(v[(size_t)i * cols + j] - m);
        out[j] = m + log(s);
    }
}

/* log s(a) and log(1 - s(a)) of the squashed mean, without cancellation. */
static inline float sq_log1(float a) { return logf(SQ_SCALE * k_sigmoid1(a) + SQ_LO); }
static inline float sq_log0(float a) { return logf(SQ_SCALE * k_sigmoid1(-a) + SQ_HI_COMP); }

double k_bern_logp(const float *y, const float *a, size_t n, int squash)
{
    double s = 0;
    if (squash) {
        for (size_t i = 0; i < n; i++)
            s += y[i] != 0 ? sq_log1(a[i]) : sq_log0(a[i]);
    } else {
        /* y a - softplus(a): exact for y in {0,1}, one transcendental pair. */
        float acc = 0; /* per-chunk float sum, flushed to double */
        size_t i = 0;
        while (i < n) {
            size_t e = i + 256 < n ? i + 256 : n;
            acc = 0;
            for (; i < e; i++)
                acc += y[i] * a[i] - k_softplus1(a[i]);
            s += acc;
        }
    }
    return s;
}

double k_bern_logp_u8(const uint8_t *y, const float *a, size_t n, int squash)
{
    double s = 0;
    if (squash) {
        for (size_t i = 0; i < n; i++)
            s += y[i] ? sq_log1(a[i]) : sq_log0(a[i]);
    } else {
        size_t i = 0;
        while (i < n) {
            size_t e = i + 256 < n ? i + 256 : n;
            float acc = 0;
            for (; i < e; i++)
                acc += (float)y[i] * a[i] - k_softplus1(a[i]);
            s += acc;
        }
    }
    return s;
}

/* d/da log Bern(y; s(a)) = 0.9999 sig(a) sig(-a) [y / s(a) - (1-y) / (1-s(a))]. */
static inline float sq_grad(float y, float a)
{
    /* Linear in y, so soft targets (averages of samples) give the average gradient. */
    float sp = k_sigmoid1(a), sm = k_sigmoid1(-a);
    float d = SQ_SCALE * sp * sm;
    return d * (y / (SQ_SCALE * sp + SQ_LO) - (1 - y) / (SQ_SCALE * sm + SQ_HI_COMP));
}

void k_bern_grad(const float *y, const float *a, float *g, size_t n, int squash, float scale)
{
    if (squash)
        for (size_t i = 0; i < n; i++)
            g[i] = scale * sq_grad(y[i], a[i]);
    else
        for (size_t i = 0; i < n; i++)
            g[i] = scale * (y[i] - k_sigmoid1(a[i]));
}

void k_bern_grad_u8(const uint8_t *y, const float *a, float *g, size_t n, int squash, float scale)
{
    if (squash)
        for (size_t i = 0; i < n; i++)
            g[i] = scale * sq_grad((float)y[i], a[i]);
    else
        for (size_t i = 0; i < n; i++)
            g[i] = scale * ((float)y[i] - k_sigmoid1(a[i]));
}

double k_bern_logp_mu(const float *h, const float *mu, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += h[i] != 0 ? logf(mu[i]) : log1pf(-mu[i]);
    return s;
}

double k_bern_entropy(const float *mu, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        float p = mu[i];
        if (p > 0)
            s -= (double)p * logf(p);
        if (p < 1)
            s -= (double)(1 - p) * log1pf(-p);
    }
    return s;
}

void k_add_bias(float *x, const float *b, int rows, int n)
{
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * n;
        for (int i = 0; i < n; i++)
            row[i] += b[i];
    }
}

void k_colsum_add(const float *x, int rows, int cols, float *out)
{
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * cols;
        for (int j = 0; j < cols; j++)
            out[j] += row[j];
    }
}

void k_clamp(float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);
}

int k_all_finite(const float *x, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= isfinite(x[i]) ? 1 : 0;
    return ok;
}
