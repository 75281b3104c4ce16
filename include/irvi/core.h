/* irvi/core.h — status codes, error detail, logging, threads, random numbers.
 *
 * Every engine call that can fail returns an irvi_status; the detail (file
 * name, offending shape, first NaN step) is kept per thread and read with
 * irvi_last_error() on the thread that made the failing call. The engine
 * never prints and never exits: messages go through irvi_set_log().
 */
#ifndef IRVI_CORE_H
#define IRVI_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IRVI_VERSION_STRING "0.1.0"

typedef enum {
    IRVI_OK = 0,
    IRVI_ENOMEM,      /* allocation failed */
    IRVI_EIO,         /* missing file, read or write failure */
    IRVI_EFORMAT,     /* file present but malformed (magic, size, values) */
    IRVI_EINVAL,      /* argument out of range, shapes that do not fit */
    IRVI_ENUMERIC,    /* NaN or Inf appeared in parameters, gradients or bounds */
    IRVI_ECANCELLED   /* a long computation was asked to stop */
} irvi_status;

/* Fixed text for a status ("out of memory", ...). Any thread. */
const char *irvi_status_str(irvi_status s);

/* Detail of the last failure on the calling thread (never NULL; "" if none).
 * Valid until the next failing engine call on the same thread. */
const char *irvi_last_error(void);

/* Record a failure: formats the detail into the calling thread's buffer and
 * returns s, so a call site can write `return irvi_fail(IRVI_EIO, "...")`. */
irvi_status irvi_fail(irvi_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Logging: the engine reports progress and warnings here. Default: dropped.
 * The callback runs on whatever thread the engine runs on. */
typedef enum { IRVI_LOG_DEBUG, IRVI_LOG_INFO, IRVI_LOG_WARN } irvi_log_level;
typedef void (*irvi_log_fn)(void *user, irvi_log_level level, const char *msg);
void irvi_set_log(irvi_log_fn fn, void *user);
void irvi_log(irvi_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Engine threads (0 = all cores): the engine's own workers run the sampling,
 * the elementwise maths and the BLAS calls (OpenBLAS itself stays at one
 * thread). Results do not depend on the count. Call from the engine thread. */
void irvi_set_threads(int n);
int irvi_get_threads(void);

/* Cooperative cancellation: long loops (evaluation, exact enumeration) poll
 * this flag and return IRVI_ECANCELLED. Any thread may set it. */
void irvi_request_cancel(int on);
int irvi_cancel_requested(void);

/* Progress callback for long computations: done out of total units. Return
 * non-zero to cancel. */
typedef int (*irvi_progress_fn)(void *user, double done, double total);

/* ---- the BLAS self-check ------------------------------------------------
 * Some OpenBLAS builds select kernels that compute wrong products (or crash)
 * on processors newer than the build. irvi_blas_check() compares, once per
 * process (a few ms; later calls return the cached result), small sgemm of
 * the engine's shapes and transposes against a plain loop. On a mismatch it
 * returns IRVI_ENUMERIC with a message naming the OpenBLAS core type and the
 * fix (OPENBLAS_CORETYPE=...). The environment variable
 * IRVI_BLAS_CHECK_CORRUPT=1 corrupts the reference, to test the refusal. */
irvi_status irvi_blas_check(void);

typedef struct {
    const char *library;      /* openblas_get_config(), or a generic name */
    const char *core;         /* openblas_get_corename(), or "unknown" */
    const char *coretype_env; /* OPENBLAS_CORETYPE, or NULL when unset */
    int threads;              /* openblas_get_num_threads(), -1 if unknown */
    int passed;               /* irvi_blas_check() == IRVI_OK (runs it) */
    const char *message;      /* why it failed, "" when passed */
    double check_ms;          /* how long the check took */
} irvi_blas_info;
void irvi_blas_get_info(irvi_blas_info *out);

/* ---- random numbers: xoshiro256**, independent streams by jump ---------- */
typedef struct { uint64_t s[4]; } irvi_rng;

/* Seed from (seed, stream): stream k is the seeded state advanced by k jumps
 * of 2^128, so streams never overlap. */
void irvi_rng_seed(irvi_rng *r, uint64_t seed, uint64_t stream);
uint64_t irvi_rng_next(irvi_rng *r);
/* Uniform in [0,1) with 24 (float) or 53 (double) random bits. */
float irvi_rng_uniform_f(irvi_rng *r);
double irvi_rng_uniform(irvi_rng *r);
double irvi_rng_gauss(irvi_rng *r);
/* Fill n floats: uniform [0,1), or standard normal. */
void irvi_rng_fill_uniform(irvi_rng *r, float *out, size_t n);
void irvi_rng_fill_gauss(irvi_rng *r, float *out, size_t n);
/* Bernoulli draws h_i = 1[u_i < p_i] as 0/1 floats, u_i uniforms of 32 bits (two per
 * 64-bit draw) compared exactly: P(h_i = 1) = ceil(p_i 2^32) / 2^32, which is p_i itself
 * for p_i >= 2^-9 (and 1 - p_i >= 2^-24 always holds exactly); p = 0 never fires, p = 1
 * always does. */
void irvi_rng_bernoulli(irvi_rng *r, const float *p, float *h, size_t n);

#ifdef __cplusplus
}
#endif
#endif
