/* engine/linalg.c — every cblas call of the engine lives here, so the BLAS
 * (and its threading) can be swapped or measured in one place. Only the
 * engine thread calls into it. */
#include "linalg.h"

#include <assert.h>
#include <cblas.h>

/* OpenBLAS exposes its thread control; other CBLAS builds may not. */
extern void openblas_set_num_threads(int) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));

static CBLAS_TRANSPOSE tr(int t) { return t ? CblasTrans : CblasNoTrans; }

void la_sgemm(int ta, int tb, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc)
{
    assert(M >= 0 && N >= 0 && K >= 0);
    if (M == 0 || N == 0)
        return;
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
    cblas_sgemv(CblasRowMajor, CblasTrans, K, N, 1.0f, W, N, x, 1, 1.0f, y, 1);
}

void la_saxpy(int n, float alpha, const float *x, float *y)
{
    cblas_saxpy(n, alpha, x, 1, y, 1);
}

void la_set_threads(int n)
{
    if (openblas_set_num_threads && n > 0)
        openblas_set_num_threads(n);
}

int la_get_threads(void)
{
    return openblas_get_num_threads ? openblas_get_num_threads() : 1;
}
