/* engine/kernels.c — elementwise maths (see kernels.h for the contract).
 *
 * The loops are plain and branch-light so the compiler can vectorize them;
 * the only transcendental calls are expf/log1pf/logf on arguments that cannot
 * overflow (exp of a non-positive number). */
#include "kernels.h"

#include <math.h>
#include <string.h>

#define SQ_SCALE 0.9999f
#define SQ_LO 5e-6f
#define SQ_HI_COMP 9.5e-5f /* 1 - (0.9999 + 5e-6) */

/* exp(x) for x <= 0, branch-free so loops over it vectorize: x = k ln2 + r
 * with |r| <= ln2/2 (Cody-Waite split), e^r by its degree-7 Taylor polynomial
 * (relative error < 1e-8 before rounding), 2^k built in the exponent bits.
 * Below -87.3 the result would be subnormal; it is clamped to ~2^-126, which
 * is harmless wherever it is used (added to 1, or multiplied by a bound). */
static inline float exp_nonpos(float x)
{
    x = x < -87.3f ? -87.3f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float k = (x * 1.44269504089f + shifter) - shifter;
    float r = x - k * 0.693145751953125f - k * 1.428606765330187e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.6666667e-1f + r * (4.1666668e-2f +
              r * (8.3333338e-3f + r * (1.3888889e-3f + r * 1.9841270e-4f))))));
    /* k is NaN only for a NaN x; p is NaN then and carries it to the result,
     * but the float-to-int conversion of NaN would be undefined behaviour. */
    int32_t ki = k == k ? (int32_t)k : 0;
    uint32_t bits = (uint32_t)(ki + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* log(1 + e) for e in [0, 1]: 2 atanh(s), s = e / (2 + e) in [0, 1/3], by its
 * odd series; no cancellation, so it is accurate in relative terms even for
 * tiny e (where log1p(e) ~ e). Truncation error < 1e-9. */
static inline float log1p_unit(float e)
{
    float s = e / (2.0f + e), t = s * s;
    float q = 1.0f + t * (1.0f / 3 + t * (1.0f / 5 + t * (1.0f / 7 + t * (1.0f / 9 +
              t * (1.0f / 11 + t * (1.0f / 13 + t * (1.0f / 15)))))));
    return 2.0f * s * q;
}

static inline float sigmoid_f(float a)
{
    float e = exp_nonpos(a < 0 ? a : -a);
    float inv = 1.0f / (1.0f + e);
    return a >= 0 ? inv : e * inv;
}

static inline float softplus_f(float a)
{
    return (a > 0 ? a : 0.0f) + log1p_unit(exp_nonpos(a < 0 ? a : -a));
}

float k_sigmoid1(float a) { return sigmoid_f(a); }
float k_softplus1(float a) { return softplus_f(a); }

double k_softplus1_d(double a)
{
    return fmax(a, 0.0) + log1p(exp(-fabs(a)));
}

/* Sum of n floats with 16 independent partial sums (vectorizable, and a
 * fixed order, so results do not depend on the build's vector width). */
static double sum16(const float *v, size_t n)
{
    float acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++)
            acc[j] += v[i + j];
    double s = 0;
    for (int j = 0; j < 16; j++)
        s += acc[j];
    for (; i < n; i++)
        s += v[i];
    return s;
}

void k_sigmoid(const float *a, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = sigmoid_f(a[i]);
}

void k_softplus(const float *a, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = softplus_f(a[i]);
}

void k_log_sigmoid(const float *a, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = -softplus_f(-a[i]);
}

void k_mean(const float *a, float *out, size_t n, int squash)
{
    if (squash)
        for (size_t i = 0; i < n; i++)
            out[i] = SQ_SCALE * sigmoid_f(a[i]) + SQ_LO;
    else
        k_sigmoid(a, out, n);
}

void k_mean_deriv(const float *a, float *out, size_t n, int squash)
{
    float sc = squash ? SQ_SCALE : 1.0f;
    for (size_t i = 0; i < n; i++)
        out[i] = sc * sigmoid_f(a[i]) * sigmoid_f(-a[i]);
}

void k_tanh(const float *a, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = tanhf(a[i]);
}

double k_lse_tc(const float *t, const double *c, size_t n, float *tmp, double *sum)
{
    double mx[8];
    for (int j = 0; j < 8; j++)
        mx[j] = -INFINITY;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) /* 8 lanes: the max vectorizes */
        for (int j = 0; j < 8; j++) {
            double v = t[i + j] + c[i + j];
            mx[j] = v > mx[j] ? v : mx[j];
        }
    for (; i < n; i++) {
        double v = t[i] + c[i];
        mx[0] = v > mx[0] ? v : mx[0];
    }
    double m = mx[0];
    for (int j = 1; j < 8; j++)
        m = mx[j] > m ? mx[j] : m;
    for (i = 0; i < n; i++)
        tmp[i] = (float)((t[i] + c[i]) - m);
    k_exp_nonpos(tmp, tmp, n);
    *sum = sum16(tmp, n);
    return m;
}

double k_lse_ff(const float *t, const float *c, size_t n, double *sum)
{
    float mx[16], acc[16] = {0};
    for (int j = 0; j < 16; j++)
        mx[j] = -INFINITY;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) {
            float v = t[i + j] + c[i + j];
            mx[j] = v > mx[j] ? v : mx[j];
        }
    for (; i < n; i++) {
        float v = t[i] + c[i];
        mx[0] = v > mx[0] ? v : mx[0];
    }
    float m = mx[0];
    for (int j = 1; j < 16; j++)
        m = mx[j] > m ? mx[j] : m;
    for (i = 0; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) {
            float v = (t[i + j] + c[i + j]) - m;
            acc[j] += exp_nonpos(v < 0 ? v : 0.0f);
        }
    double s = 0;
    for (int j = 0; j < 16; j++)
        s += acc[j];
    for (; i < n; i++) {
        float v = (t[i] + c[i]) - m;
        s += exp_nonpos(v < 0 ? v : 0.0f);
    }
    *sum = s;
    return m;
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

double k_lse_fold(double *m, double *s, double *s2, const double *v, int n, size_t stride)
{
    double cmax = -INFINITY;
    for (int k = 0; k < n; k++)
        cmax = v[k * stride] > cmax ? v[k * stride] : cmax;
    if (!isfinite(cmax))
        return cmax;
    if (cmax > *m) { /* rescale the running sums to the new max */
        double f = exp(*m - cmax);
        *s *= f;
        *s2 *= f * f;
        *m = cmax;
    }
    for (int k = 0; k < n; k++) {
        double e = exp(v[k * stride] - *m);
        *s += e;
        *s2 += e * e;
    }
    return cmax;
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
static inline float sq_log1(float a) { return logf(SQ_SCALE * sigmoid_f(a) + SQ_LO); }
static inline float sq_log0(float a) { return logf(SQ_SCALE * sigmoid_f(-a) + SQ_HI_COMP); }

double k_sum(const float *x, size_t n)
{
    return sum16(x, n);
}

double k_dot(const float *x, const float *y, size_t n)
{
    float acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++)
            acc[j] += x[i + j] * y[i + j];
    double s = 0;
    for (int j = 0; j < 16; j++)
        s += acc[j];
    for (; i < n; i++)
        s += (double)x[i] * y[i];
    return s;
}

/* Sums of softplus terms without a log per term:
 *   sum_i softplus(a_i) = sum_i max(a_i, 0) + log prod_i (1 + e^-|a_i|)
 *   sum_i y_i a_i - softplus(a_i) = sum_i (y_i a_i - max(a_i, 0)) - log prod_i (...),
 * each factor in [1, 2]. 16 lanes each multiply at most PROD_BLOCK / 16 = 64
 * factors (< 2^64, no overflow) and sum the linear parts; per block the lanes'
 * exponents are added as integers and their mantissas (in [1, 2)) multiplied,
 * so one log per block remains. */
#define PROD_BLOCK 1024

static inline double log_prod16(const float *prod)
{
    int e_sum = 0;
    float mprod = 1.0f;
    for (int j = 0; j < 16; j++) {
        if (!(prod[j] >= 1.0f)) /* a NaN logit: keep it visible */
            return NAN;
        uint32_t bits;
        memcpy(&bits, &prod[j], sizeof bits);
        e_sum += (int)(bits >> 23) - 127; /* prod >= 1: positive, normal */
        bits = (bits & 0x007fffffu) | 0x3f800000u;
        float mant;
        memcpy(&mant, &bits, sizeof mant);
        mprod *= mant;
    }
    return e_sum * 0.69314718055994531 + log((double)mprod);
}

/* One block of at most PROD_BLOCK terms: softplus sum (y NULL) or Bernoulli mass. */
__attribute__((optimize("fp-contract=fast"))) static inline double prod_block(const float *a, const float *y, size_t m)
{
    double s = 0;
    size_t i = 0;
    if (m >= 16) {
        float lin[16] = {0}, prod[16];
        for (int j = 0; j < 16; j++)
            prod[j] = 1.0f;
        for (; i + 16 <= m; i += 16)
            for (int j = 0; j < 16; j++) {
                float x = a[i + j], pos = x > 0 ? x : 0.0f;
                lin[j] += y ? y[i + j] * x - pos : pos;
                prod[j] *= 1.0f + exp_nonpos(x < 0 ? x : -x);
            }
        double lp = log_prod16(prod);
        s = sum16(lin, 16) + (y ? -lp : lp);
    }
    float t[16];
    size_t r = 0;
    for (; i < m; i++, r++) /* the tail: term by term */
        t[r] = y ? y[i] * a[i] - softplus_f(a[i]) : softplus_f(a[i]);
    return s + sum16(t, r);
}

static double prod_sum(const float *a, const float *y, size_t n)
{
    double s = 0;
    for (size_t i0 = 0; i0 < n; i0 += PROD_BLOCK) {
        size_t m = n - i0 < PROD_BLOCK ? n - i0 : PROD_BLOCK;
        s += y ? prod_block(a + i0, y + i0, m) : prod_block(a + i0, NULL, m);
    }
    return s;
}

double k_softplus_sum(const float *a, size_t n)
{
    return prod_sum(a, NULL, n);
}

/* prod_block's softplus sum of a_i + b_i (the pair summed in float first). */
__attribute__((optimize("fp-contract=fast"))) static inline double sum2_block(const float *a, const float *b, size_t m)
{
    double s = 0;
    size_t i = 0;
    if (m >= 16) {
        float lin[16] = {0}, prod[16];
        for (int j = 0; j < 16; j++)
            prod[j] = 1.0f;
        for (; i + 16 <= m; i += 16)
            for (int j = 0; j < 16; j++) {
                float x = a[i + j] + b[i + j], pos = x > 0 ? x : 0.0f;
                lin[j] += pos;
                prod[j] *= 1.0f + exp_nonpos(-fabsf(x)); /* one sign-bit op; NaN stays NaN */
            }
        s = sum16(lin, 16) + log_prod16(prod);
    }
    float t[16];
    size_t r = 0;
    for (; i < m; i++, r++)
        t[r] = softplus_f(a[i] + b[i]);
    return s + sum16(t, r);
}

double k_softplus_sum2(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i0 = 0; i0 < n; i0 += PROD_BLOCK) {
        size_t m = n - i0 < PROD_BLOCK ? n - i0 : PROD_BLOCK;
        s += sum2_block(a + i0, b + i0, m);
    }
    return s;
}

void k_exp_nonpos(const float *x, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = exp_nonpos(x[i] < 0 ? x[i] : 0.0f);
}

double k_bern_logp(const float *y, const float *a, size_t n, int squash)
{
    double s = 0;
    if (squash) {
        for (size_t i = 0; i < n; i++)
            s += y[i] != 0 ? sq_log1(a[i]) : sq_log0(a[i]);
        return s;
    }
    /* y a - softplus(a): exact for y in {0,1} */
    return prod_sum(a, y, n);
}

double k_bern_logp_u8(const uint8_t *y, const float *a, size_t n, int squash)
{
    double s = 0;
    if (squash) {
        for (size_t i = 0; i < n; i++)
            s += y[i] ? sq_log1(a[i]) : sq_log0(a[i]);
        return s;
    }
    /* the same terms as k_bern_logp, bytes widened a block at a time */
    float yf[PROD_BLOCK];
    for (size_t i0 = 0; i0 < n; i0 += PROD_BLOCK) {
        size_t m = n - i0 < PROD_BLOCK ? n - i0 : PROD_BLOCK;
        for (size_t i = 0; i < m; i++)
            yf[i] = (float)y[i0 + i];
        s += prod_block(a + i0, yf, m);
    }
    return s;
}

/* d/da log Bern(y; s(a)) = 0.9999 sig(a) sig(-a) [y / s(a) - (1-y) / (1-s(a))]. */
static inline float sq_grad(float y, float a)
{
    /* Linear in y, so soft targets (averages of samples) give the average gradient. */
    float sp = sigmoid_f(a), sm = sigmoid_f(-a);
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
            g[i] = scale * (y[i] - sigmoid_f(a[i]));
}

void k_bern_grad_u8(const uint8_t *y, const float *a, float *g, size_t n, int squash, float scale)
{
    if (squash)
        for (size_t i = 0; i < n; i++)
            g[i] = scale * sq_grad((float)y[i], a[i]);
    else
        for (size_t i = 0; i < n; i++)
            g[i] = scale * ((float)y[i] - sigmoid_f(a[i]));
}

float k_bern_grid(float mu)
{
    /* mu 2^32 and the product back are exact (powers of two, mu <= 1) */
    return ceilf(mu * 0x1.0p32f) * 0x1.0p-32f;
}

void k_bern_logq_tables(const float *mu, float *l1, float *l0, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float g = k_bern_grid(mu[i]);
        l1[i] = logf(g);
        l0[i] = log1pf(-g);
    }
}

double k_bern_logq_row(const float *h, const float *l1, const float *l0, size_t n)
{
    float acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++)
            acc[j] += h[i + j] != 0 ? l1[i + j] : l0[i + j];
    double s = 0;
    for (int j = 0; j < 16; j++)
        s += acc[j];
    for (; i < n; i++)
        s += h[i] != 0 ? l1[i] : l0[i];
    return s;
}

double k_bern_logp_mu(const float *h, const float *mu, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        float g = k_bern_grid(mu[i]);
        s += h[i] != 0 ? logf(g) : log1pf(-g);
    }
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

void k_softmax_rows(const float *z, int rows, int cols, float *p, double *lse)
{
    for (int r = 0; r < rows; r++) {
        const float *zr = z + (size_t)r * cols;
        float *pr = p + (size_t)r * cols;
        float m = zr[0];
        for (int j = 1; j < cols; j++)
            m = zr[j] > m ? zr[j] : m;
        for (int j = 0; j < cols; j++)
            pr[j] = exp_nonpos(zr[j] - m);
        double s = sum16(pr, (size_t)cols); /* >= 1: the max term is e^0 */
        float inv = (float)(1.0 / s);
        for (int j = 0; j < cols; j++)
            pr[j] *= inv;
        if (lse)
            lse[r] = m + log(s);
    }
}

void k_sigmoid_backprop(float *g, const float *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g[i] *= s[i] * (1.0f - s[i]);
}
