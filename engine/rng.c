/* engine/rng.c — xoshiro256** (Blackman & Vigna) seeded through splitmix64;
 * stream k = k jumps of 2^128 from the seeded state, so per-thread streams
 * never overlap; block streams of parallel draws (pool.h) are seeded from a
 * draw's base value and the block number. Gaussians by the polar Box-Muller
 * method. */
#include "irvi/core.h"
#include "pool.h"

#include <math.h>
#include <string.h>

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* inlined into the fill loops (the public entry point is a call) */
static inline uint64_t next(irvi_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t irvi_rng_next(irvi_rng *r)
{
    return next(r);
}

static void jump(irvi_rng *r)
{
    static const uint64_t J[] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
                                 0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL};
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (J[i] & (1ULL << b)) {
                s0 ^= r->s[0];
                s1 ^= r->s[1];
                s2 ^= r->s[2];
                s3 ^= r->s[3];
            }
            next(r);
        }
    r->s[0] = s0;
    r->s[1] = s1;
    r->s[2] = s2;
    r->s[3] = s3;
}

void rng_block_seed(irvi_rng *r, uint64_t base, uint64_t block)
{
    /* the block number is hashed before it meets base, so neighbouring
     * blocks start splitmix64 at unrelated points */
    uint64_t x = base ^ splitmix64(&(uint64_t){block});
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

void rng_lanes_seed(rng_lanes *g, uint64_t base, uint64_t block)
{
    for (int j = 0; j < RNG_LANES; j++) {
        irvi_rng r;
        rng_block_seed(&r, base, block * RNG_LANES + j);
        for (int i = 0; i < 4; i++)
            g->s[i][j] = r.s[i];
    }
}

/* h = 1[u < p] for a 32-bit uniform u = k 2^-32: k < p 2^32 compared exactly in
 * double (both sides are exact there), so P(h = 1) = ceil(p 2^32) 2^-32 =
 * k_bern_grid(p), the value the density uses (k_bern_logq_tables). */
static inline float bern32(uint32_t k, float p)
{
    return (double)k < (double)p * 0x1.0p32 ? 1.0f : 0.0f;
}

/* The eight lanes as GCC/Clang vectors: one 512-bit (or 2 x 256-bit) register
 * per state word, so a step is a handful of vector instructions. */
typedef uint64_t u64x8 __attribute__((vector_size(64)));
typedef int64_t i64x8 __attribute__((vector_size(64)));
typedef double f64x8 __attribute__((vector_size(64)));
typedef float f32x8 __attribute__((vector_size(32)));

/* (macros and pointers: no vector passes a function boundary, whose ABI
 * would depend on the target's vector width) */
#define ROTL8(x, k) (((x) << (k)) | ((x) >> (64 - (k))))

/* 8 Bernoulli draws h = 1[u < p], u the 32-bit values in u (as doubles), the
 * comparison as bern32's. */
static inline void bern8(const f64x8 *u, const float *p, float *h)
{
    f32x8 pf;
    memcpy(&pf, p, sizeof pf);
    f64x8 thr = __builtin_convertvector(pf, f64x8) * 0x1.0p32;
    i64x8 hit = -(*u < thr); /* 1 or 0 */
    f32x8 hf = __builtin_convertvector(hit, f32x8);
    memcpy(h, &hf, sizeof hf);
}

void rng_lanes_bernoulli(rng_lanes *g, const float *p, float *h, size_t n)
{
    u64x8 s0, s1, s2, s3;
    memcpy(&s0, g->s[0], sizeof s0);
    memcpy(&s1, g->s[1], sizeof s1);
    memcpy(&s2, g->s[2], sizeof s2);
    memcpy(&s3, g->s[3], sizeof s3);
    for (size_t i = 0; i < n; i += 2 * RNG_LANES) {
        /* one step of every lane, as lanes_step */
        u64x8 x5 = s1 * 5, x = ROTL8(x5, 7) * 9, t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ROTL8(s3, 45);
        f64x8 uh = __builtin_convertvector(x >> 32, f64x8);
        f64x8 ul = __builtin_convertvector(x & 0xffffffffu, f64x8);
        if (i + 2 * RNG_LANES <= n) {
            bern8(&uh, p + i, h + i);
            bern8(&ul, p + i + RNG_LANES, h + i + RNG_LANES);
        } else { /* the tail: lane j's high half, then the low halves */
            for (size_t j = 0; i + j < n; j++) {
                double u = j < RNG_LANES ? uh[j] : ul[j - RNG_LANES];
                h[i + j] = u < (double)p[i + j] * 0x1.0p32 ? 1.0f : 0.0f;
            }
        }
    }
    memcpy(g->s[0], &s0, sizeof s0);
    memcpy(g->s[1], &s1, sizeof s1);
    memcpy(g->s[2], &s2, sizeof s2);
    memcpy(g->s[3], &s3, sizeof s3);
}

void irvi_rng_seed(irvi_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    for (uint64_t k = 0; k < stream; k++)
        jump(r);
}

float irvi_rng_uniform_f(irvi_rng *r)
{
    return (float)(next(r) >> 40) * 0x1.0p-24f;
}

double irvi_rng_uniform(irvi_rng *r)
{
    return (double)(next(r) >> 11) * 0x1.0p-53;
}

double irvi_rng_gauss(irvi_rng *r)
{
    double u, v, s;
    do {
        u = 2 * irvi_rng_uniform(r) - 1;
        v = 2 * irvi_rng_uniform(r) - 1;
        s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * sqrt(-2 * log(s) / s);
}

void irvi_rng_fill_uniform(irvi_rng *r, float *out, size_t n)
{
    /* Two 24-bit uniforms per 64-bit draw halves the generator cost. */
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        uint64_t x = next(r);
        out[i] = (float)(x >> 40) * 0x1.0p-24f;
        out[i + 1] = (float)((x >> 8) & 0xffffff) * 0x1.0p-24f;
    }
    if (i < n)
        out[i] = irvi_rng_uniform_f(r);
}

void irvi_rng_fill_gauss(irvi_rng *r, float *out, size_t n)
{
    size_t i = 0;
    while (i < n) {
        double u, v, s;
        do {
            u = 2 * irvi_rng_uniform(r) - 1;
            v = 2 * irvi_rng_uniform(r) - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double f = sqrt(-2 * log(s) / s);
        out[i++] = (float)(u * f);
        if (i < n)
            out[i++] = (float)(v * f);
    }
}

void irvi_rng_bernoulli(irvi_rng *r, const float *p, float *h, size_t n)
{
    /* two 32-bit uniforms per 64-bit draw */
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        uint64_t x = next(r);
        h[i] = bern32((uint32_t)(x >> 32), p[i]);
        h[i + 1] = bern32((uint32_t)x, p[i + 1]);
    }
    if (i < n)
        h[i] = bern32((uint32_t)(next(r) >> 32), p[i]);
}
