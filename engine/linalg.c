/* engine/linalg.c — every cblas call of the engine lives here, so the BLAS
 * (and its threading) can be swapped or measured in one place.
 *
 * OpenBLAS runs single-threaded; a large sgemm is split over the engine's
 * pool (pool.h) into fixed blocks of rows of C (or columns, for short wide
 * C), one single-threaded BLAS call each, so the result does not depend on
 * the thread count, and no BLAS thread spins while the pool does elementwise
 * work. */
#include "linalg.h"
#include "pool.h"

#include <assert.h>
#include <cblas.h>
#include <pthread.h>

/* OpenBLAS exposes its thread control; other CBLAS builds may not. */
extern void openblas_set_num_threads(int) __attribute__((weak));

static CBLAS_TRANSPOSE tr(int t) { return t ? CblasTrans : CblasNoTrans; }

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static void blas_single(void)
{
    if (openblas_set_num_threads)
        openblas_set_num_threads(1);
}

#define SPLIT_FLOPS 4e6 /* below this a product is one BLAS call */

/* A large product is cut into at most 8 blocks of rows of C (or of columns,
 * for short wide C) whose size depends on the shape alone, so the same BLAS
 * calls are made whatever the thread count (OpenBLAS's results depend on a
 * call's extent: its small-matrix kernels sum in another order). */
typedef struct {
    int ta, tb, M, N, K, lda, ldb, ldc, rows, blk;
    float alpha, beta;
    const float *A, *B;
    float *C;
} gemm_job;

static void gemm_part(void *ctx, int lo, int hi)
{
    const gemm_job *j = ctx;
    int lim = j->rows ? j->M : j->N;
    for (int it = lo; it < hi; it++) {
        int a = it * j->blk, b = a + j->blk < lim ? a + j->blk : lim;
        if (j->rows) /* rows a..b of C: rows of op(A) */
            cblas_sgemm(CblasRowMajor, tr(j->ta), tr(j->tb), b - a, j->N, j->K, j->alpha,
                        j->A + (j->ta ? (size_t)a : (size_t)a * j->lda), j->lda, j->B, j->ldb,
                        j->beta, j->C + (size_t)a * j->ldc, j->ldc);
        else /* columns a..b of C: columns of op(B) */
            cblas_sgemm(CblasRowMajor, tr(j->ta), tr(j->tb), j->M, b - a, j->K, j->alpha, j->A,
                        j->lda, j->B + (j->tb ? (size_t)a * j->ldb : (size_t)a), j->ldb, j->beta,
                        j->C + a, j->ldc);
    }
}

void la_sgemm(int ta, int tb, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc)
{
    assert(M >= 0 && N >= 0 && K >= 0);
    if (M == 0 || N == 0)
        return;
    pthread_once(&blas_once, blas_single);
    if (!pool_nested() && 2.0 * M * N * K >= SPLIT_FLOPS) {
        int rows = M >= N || M >= 256, lim = rows ? M : N;
        int blk = ((lim + 7) / 8 + 15) / 16 * 16; /* <= 8 blocks, whole 16-row tiles */
        blk = blk < 64 ? 64 : blk;
        gemm_job j = {ta, tb, M, N, K, lda, ldb, ldc, rows, blk, alpha, beta, A, B, C};
        pool_run((lim + blk - 1) / blk, gemm_part, &j);
        return;
    }
    cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), M, N, K, alpha, A, lda, B, ldb,
                beta, C, ldc);
}

void la_dgemm(int ta, int tb, int M, int N, int K, double alpha,
              const double *A, int lda, const double *B, int ldb,
              double beta, double *C, int ldc)
{
    assert(M >= 0 && N >= 0 && K >= 0);
    if (M == 0 || N == 0)
        return;
    pthread_once(&blas_once, blas_single);
    cblas_dgemm(CblasRowMajor, tr(ta), tr(tb), M, N, K, alpha, A, lda, B, ldb,
                beta, C, ldc);
}

void la_sgemm_ref(int ta, int tb, int M, int N, int K, float alpha,
                  const float *A, int lda, const float *B, int ldb,
                  float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++) {
                float a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s += (double)a * b;
            }
            float *c = &C[(size_t)i * ldc + j];
            *c = (float)(alpha * s + (beta == 0 ? 0.0 : (double)beta * *c));
        }
}

void la_row_gemv(const float *x, const float *W, int K, int N, float *y)
{
    if (K == 0 || N == 0)
        return;
    pthread_once(&blas_once, blas_single);
    cblas_sgemv(CblasRowMajor, CblasTrans, K, N, 1.0f, W, N, x, 1, 1.0f, y, 1);
}

void la_saxpy(int n, float alpha, const float *x, float *y)
{
    cblas_saxpy(n, alpha, x, 1, y, 1);
}

void la_set_threads(int n)
{
    if (n > 0)
        irvi_set_threads(n);
}

int la_get_threads(void)
{
    return pool_threads();
}
