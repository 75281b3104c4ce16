/* engine/linalg.h — the one door to BLAS. Row-major only.
 *
 * C (M, N) = alpha * op(A) op(B) + beta * C, op(A) (M, K), op(B) (K, N);
 * ta/tb = 1 means the stored matrix is transposed. lda/ldb/ldc are row strides.
 * la_gemm_ref is the naive reference (tests, and the behaviour to match).
 */
#ifndef IRVI_LINALG_H
#define IRVI_LINALG_H

void la_sgemm(int ta, int tb, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc);
void la_dgemm(int ta, int tb, int M, int N, int K, double alpha,
              const double *A, int lda, const double *B, int ldb,
              double beta, double *C, int ldc);
void la_sgemm_ref(int ta, int tb, int M, int N, int K, float alpha,
                  const float *A, int lda, const float *B, int ldb,
                  float beta, float *C, int ldc);
/* y (N) += x (K) . W (K, N): a row vector times a [in][out] matrix. */
void la_row_gemv(const float *x, const float *W, int K, int N, float *y);
/* y += alpha * x (n floats). */
void la_saxpy(int n, float alpha, const float *x, float *y);
void la_set_threads(int n);
int la_get_threads(void);

#endif
