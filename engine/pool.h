/* engine/pool.h — the engine's own worker threads (engine/core.c) and the
 * random streams that keep parallel sampling independent of the thread count.
 *
 * pool_run(n, fn, ctx) splits the items [0, n) into pool_threads() contiguous
 * ranges and calls fn(ctx, lo, hi) once per non-empty range, the calling thread
 * taking the first; it returns when all are done. Called from inside a range
 * (nested), or with one thread, it runs fn(ctx, 0, n) inline. Only the engine
 * thread dispatches; fn must write disjoint outputs per item, so results do not
 * depend on how the items were split.
 *
 * OpenBLAS is kept at one internal thread: la_sgemm splits a large product
 * over this pool instead, so BLAS threads never spin while the elementwise
 * work runs (and vice versa).
 */
#ifndef IRVI_POOL_H
#define IRVI_POOL_H

#include "irvi/core.h"

typedef void (*pool_fn)(void *ctx, int lo, int hi);

void pool_run(int n, pool_fn fn, void *ctx);
/* Threads pool_run uses (>= 1): irvi_set_threads(n), or all cores by default. */
int pool_threads(void);
/* 1 on a pool worker or inside a range run by the engine thread. */
int pool_nested(void);

/* Stream of item block `block` for one parallel draw: xoshiro seeded by
 * splitmix64 from (base, block). A draw takes base = irvi_rng_next(r) once, so
 * the caller's generator advances by one step whatever the split. */
void rng_block_seed(irvi_rng *r, uint64_t base, uint64_t block);

/* Eight xoshiro256** generators side by side (lane j seeded as
 * rng_block_seed(base, 8 block + j)), so the compiler can run them in one
 * vector register: 16 uniforms of 32 bits per step (the two halves of each
 * lane's output). */
#define RNG_LANES 8
typedef struct { uint64_t s[4][RNG_LANES]; } rng_lanes;

void rng_lanes_seed(rng_lanes *g, uint64_t base, uint64_t block);
/* h_i = 1[u_i < p_i] as 0/1 floats, u_i the next uniforms in step order
 * compared exactly, so P(h_i = 1) = k_bern_grid(p_i), the density's value
 * (a step's unused uniforms are dropped at the end of a call). */
void rng_lanes_bernoulli(rng_lanes *g, const float *p, float *h, size_t n);

#endif
