/* engine/core.c — status texts, per-thread error detail, the log hook,
 * thread count and the cancellation flag. */
#include "irvi/core.h"
#include "linalg.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static _Thread_local char last_error[1024];
static irvi_log_fn log_fn;
static void *log_user;
static atomic_int cancel_flag;
static int n_threads;

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

void irvi_set_threads(int n)
{
    if (n <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)c : 1;
    }
    n_threads = n;
    la_set_threads(n);
}

int irvi_get_threads(void)
{
    return n_threads > 0 ? n_threads : la_get_threads();
}

void irvi_request_cancel(int on)
{
    atomic_store(&cancel_flag, on);
}

int irvi_cancel_requested(void)
{
    return atomic_load(&cancel_flag);
}
