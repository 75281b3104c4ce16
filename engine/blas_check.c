/* engine/blas_check.c — a once-per-process self-check of the BLAS (see
 * irvi_blas_check in irvi/core.h).
 *
 * Some OpenBLAS builds (DYNAMIC_ARCH or not) pick kernels for a processor
 * newer than they know that compute wrong products or crash. The check runs
 * a few small sgemm through la_sgemm, with the transposes the engine uses
 * (forward NN, weight gradient TN with beta = 1, backward NT) and sizes that
 * reach both the blocked and the edge kernels, against a plain loop. The
 * entries are multiples of 1/16 in [-1, 1], so every product and partial sum
 * is exact in float whatever the summation order: any difference is a wrong
 * kernel, not rounding. */
#include "irvi/core.h"
#include "linalg.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* OpenBLAS's introspection; absent from other CBLAS libraries. */
extern char *openblas_get_config(void) __attribute__((weak));
extern char *openblas_get_corename(void) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));

static pthread_once_t once = PTHREAD_ONCE_INIT;
static irvi_status result;
static char message[900];
static double check_ms;

static float A[128 * 128], B[128 * 128], C[128 * 128], R[128 * 128]; /* shapes <= 128 */

static const char *core_name(void)
{
    const char *s = openblas_get_corename ? openblas_get_corename() : NULL;
    return s && *s ? s : "unknown";
}

static const char *library_name(void)
{
    const char *s = openblas_get_config ? openblas_get_config() : NULL;
    return s && *s ? s : "a CBLAS library (not OpenBLAS: no core type to report)";
}

/* one product: 0 if BLAS and the loop agree, else the message is set */
static int one(int ta, int tb, int M, int N, int K, float beta, uint32_t *seed, int corrupt)
{
    /* op(A) is M x K, op(B) K x N, row-major as stored */
    int lda = ta ? M : K, ldb = tb ? K : N;
    uint32_t s = *seed;
    float *fill[3] = {A, B, C};
    size_t len[3] = {(size_t)M * K, (size_t)K * N, (size_t)M * N};
    for (int f = 0; f < 3; f++)
        for (size_t i = 0; i < len[f]; i++) {
            s = s * 1664525u + 1013904223u;
            fill[f][i] = (float)((int)(s >> 27) - 16) / 16.0f; /* k/16, |.| <= 1 */
        }
    *seed = s;
    memcpy(R, C, len[2] * sizeof *C);
    la_sgemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, N);
    la_sgemm_ref(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, R, N);
    if (corrupt)
        R[len[2] / 2] += 1.0f; /* the test hook: a "wrong" reference */
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float c = C[(size_t)i * N + j], r = R[(size_t)i * N + j];
            if (fabsf(c - r) <= 1e-3f) /* exact in theory; any real fault is far larger */
                continue;
            const char *env = getenv("OPENBLAS_CORETYPE"), *core = core_name();
            /* an older core type than the one in use */
            const char *fix = strcasecmp(core, "Haswell") == 0
                ? "OPENBLAS_CORETYPE=Sandybridge (or OPENBLAS_CORETYPE=Prescott, the most "
                  "conservative)"
                : "OPENBLAS_CORETYPE=Haswell (or OPENBLAS_CORETYPE=Prescott, the most "
                  "conservative)";
            snprintf(message, sizeof message,
                     "the BLAS computes wrong matrix products on this machine: sgemm(%s, %s) of "
                     "%dx%dx%d gives C[%d][%d] = %g where a plain loop gives %g. BLAS: %s; "
                     "OpenBLAS core type: %s%s%s%s. Such an OpenBLAS build selects kernels "
                     "that do not work on this processor: run with an older core type it "
                     "knows, e.g. %s, or install an OpenBLAS built for this CPU",
                     ta ? "T" : "N", tb ? "T" : "N", M, N, K, i, j, (double)c, (double)r,
                     library_name(), core, env ? " (OPENBLAS_CORETYPE=" : "",
                     env ? env : "", env ? ")" : "", fix);
            return 1;
        }
    return 0;
}

static void run_check(void)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *c = getenv("IRVI_BLAS_CHECK_CORRUPT");
    int corrupt = c && *c && strcmp(c, "0") != 0;
    /* the engine's shapes: forward x W (NN), gradient x^T d += (TN, beta 1),
     * backward d W^T (NT); large enough for the blocked kernels, plus odd
     * small ones for the edge and small-matrix kernels */
    static const struct { int ta, tb, M, N, K; float beta; } shapes[] = {
        {0, 0, 64, 128, 96, 0.0f}, {1, 0, 96, 128, 64, 1.0f}, {0, 1, 64, 96, 128, 0.0f},
        {0, 0, 7, 13, 5, 0.0f},    {1, 0, 5, 3, 17, 1.0f},    {0, 1, 1, 9, 33, 0.0f},
        {0, 0, 33, 1, 31, 1.0f},
    };
    uint32_t seed = 12345;
    result = IRVI_OK;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        int M = shapes[i].M, N = shapes[i].N, K = shapes[i].K;
        if (one(shapes[i].ta, shapes[i].tb, M, N, K, shapes[i].beta, &seed, corrupt && i == 0)) {
            result = IRVI_ENUMERIC;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    check_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6;
}

irvi_status irvi_blas_check(void)
{
    pthread_once(&once, run_check);
    if (result != IRVI_OK)
        return irvi_fail(result, "%s", message);
    return IRVI_OK;
}

void irvi_blas_get_info(irvi_blas_info *out)
{
    memset(out, 0, sizeof *out);
    out->passed = irvi_blas_check() == IRVI_OK; /* first: la_sgemm sets the BLAS threads */
    out->library = library_name();
    out->core = core_name();
    out->coretype_env = getenv("OPENBLAS_CORETYPE");
    out->threads = openblas_get_num_threads ? openblas_get_num_threads() : -1;
    out->message = out->passed ? "" : message;
    out->check_ms = check_ms;
}
