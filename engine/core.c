/* engine/core.c — status texts, per-thread error detail, the log hook,
 * the thread count and the worker pool (pool.h), and the cancellation flag. */
#include "irvi/core.h"
#include "pool.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static _Thread_local char last_error[1024];
static irvi_log_fn log_fn;
static void *log_user;
static atomic_int cancel_flag;
static atomic_int n_threads; /* 0: not set, all cores */

const char *irvi_status_str(irvi_status s)
{
    switch (s) {
    case IRVI_OK: return "ok";
    case IRVI_ENOMEM: return "out of memory";
    case IRVI_EIO: return "i/o error";
    case IRVI_EFORMAT: return "bad file format";
    case IRVI_EINVAL: return "invalid argument";
    case IRVI_ENUMERIC: return "numerical failure (NaN or Inf)";
    case IRVI_ECANCELLED: return "cancelled";
    }
    return "unknown status";
}

const char *irvi_last_error(void)
{
    return last_error;
}

irvi_status irvi_fail(irvi_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return s;
}

void irvi_set_log(irvi_log_fn fn, void *user)
{
    log_fn = fn;
    log_user = user;
}

void irvi_log(irvi_log_level level, const char *fmt, ...)
{
    if (!log_fn)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_fn(log_user, level, buf);
}

/* ---- the worker pool ------------------------------------------------------
 * Workers are created on first use and live as long as the process. They
 * sleep on a condition variable between jobs (no spinning: the machine is
 * shared, and a job is large next to a wake-up). */
#define POOL_MAX 64

static struct {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    pthread_mutex_t dispatch; /* one job at a time; a second caller runs inline */
    unsigned long gen;        /* job number, bumped per job */
    int nworkers, parts, pending, n;
    pool_fn fn;
    void *ctx;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, NULL, NULL};
static _Thread_local int in_pool;

static int n_cores(void)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)(c < POOL_MAX ? c : POOL_MAX) : 1;
}

static void part_range(int n, int parts, int i, int *lo, int *hi)
{
    *lo = (int)((long long)n * i / parts);
    *hi = (int)((long long)n * (i + 1) / parts);
}

static void *pool_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    unsigned long seen = 0;
    in_pool = 1;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.gen == seen)
            pthread_cond_wait(&pool.go, &pool.mu);
        seen = pool.gen;
        if (id >= pool.parts)
            continue;
        pool_fn fn = pool.fn;
        void *ctx = pool.ctx;
        int lo, hi;
        part_range(pool.n, pool.parts, id, &lo, &hi);
        pthread_mutex_unlock(&pool.mu);
        if (hi > lo)
            fn(ctx, lo, hi);
        pthread_mutex_lock(&pool.mu);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool.done);
    }
    return NULL;
}

int pool_threads(void)
{
    int n = atomic_load(&n_threads);
    return n > 0 ? n : n_cores();
}

int pool_nested(void)
{
    return in_pool;
}

void pool_run(int n, pool_fn fn, void *ctx)
{
    if (n <= 0)
        return;
    int parts = pool_threads();
    parts = parts < n ? parts : n;
    if (parts <= 1 || in_pool || pthread_mutex_trylock(&pool.dispatch) != 0) {
        int was = in_pool;
        in_pool = 1;
        fn(ctx, 0, n);
        in_pool = was;
        return;
    }
    pthread_mutex_lock(&pool.mu);
    while (pool.nworkers < parts - 1) { /* worker ids 1 .. parts-1 */
        pthread_t t;
        if (pthread_create(&t, NULL, pool_worker, (void *)(intptr_t)(pool.nworkers + 1)))
            break;
        pthread_detach(t);
        pool.nworkers++;
    }
    if (pool.nworkers < parts - 1) /* could not start threads: use the ones there are */
        parts = pool.nworkers + 1;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.parts = parts;
    pool.pending = parts - 1;
    pool.gen++;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    int lo, hi;
    part_range(n, parts, 0, &lo, &hi);
    in_pool = 1;
    if (hi > lo)
        fn(ctx, lo, hi);
    in_pool = 0;
    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&pool.dispatch);
}

void irvi_set_threads(int n)
{
    if (n <= 0)
        n = n_cores();
    atomic_store(&n_threads, n < POOL_MAX ? n : POOL_MAX);
}

int irvi_get_threads(void)
{
    return pool_threads();
}

void irvi_request_cancel(int on)
{
    atomic_store(&cancel_flag, on);
}

int irvi_cancel_requested(void)
{
    return atomic_load(&cancel_flag);
}
