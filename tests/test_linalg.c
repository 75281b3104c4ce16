/* tests/test_linalg.c — engine/linalg.c against naive loops: la_sgemm vs
 * la_sgemm_ref in every transpose combination, odd shapes, alpha/beta
 * variants and padded (non-contiguous) leading dimensions; la_dgemm vs a
 * double loop; la_saxpy. Padding is filled with NaN, so a BLAS call that
 * reads outside the matrix poisons the result, and a write outside it is
 * seen in the padding of C. The engine's pool (pool.h): every item run once,
 * nested and concurrent dispatch run inline, and products large enough to be
 * split over it (by rows or by columns of C) give the same bits with 1, 2 and
 * 3 threads. */
#include "check.h"
#include "linalg.h"
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t lcg = 0x2545f4914f6cdd1dULL;
static double urand(void)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg >> 11) * 0x1.0p-53;
}

/* A stored matrix of `rows` x `cols` with row stride ld >= cols; the padding
 * is NaN. Storage has at least one element. */
static float *smat(int rows, int cols, int ld)
{
    size_t sz = (size_t)(rows > 0 ? rows : 1) * (size_t)(ld > 0 ? ld : 1);
    float *m = malloc(sz * sizeof *m);
    for (size_t i = 0; i < sz; i++)
        m[i] = NAN;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            m[(size_t)r * ld + c] = (float)(urand() * 2 - 1);
    return m;
}

/* |x| element-wise, padding kept (so the bound is NaN there too). */
static float *sabs(const float *m, size_t sz)
{
    float *a = malloc(sz * sizeof *a);
    for (size_t i = 0; i < sz; i++)
        a[i] = fabsf(m[i]);
    return a;
}

/* One sgemm case: C = alpha op(A) op(B) + beta C with op(A) (M,K),
 * op(B) (K,N), each stored with `pad` extra columns. Returns failures. */
static int sgemm_case(int ta, int tb, int M, int N, int K, float alpha, float beta,
                      int pad, int c_nan)
{
    int ar = ta ? K : M, ac = ta ? M : K; /* stored shape of A */
    int br = tb ? N : K, bc = tb ? K : N;
    int lda = (ac > 0 ? ac : 1) + pad, ldb = (bc > 0 ? bc : 1) + pad;
    int ldc = (N > 0 ? N : 1) + pad;
    float *A = smat(ar, ac, lda), *B = smat(br, bc, ldb), *C = smat(M, N, ldc);
    size_t csz = (size_t)(M > 0 ? M : 1) * ldc;
    if (c_nan) /* beta = 0 must not read C */
        for (int r = 0; r < M; r++)
            for (int c = 0; c < N; c++)
                C[(size_t)r * ldc + c] = NAN;
    float *Cref = malloc(csz * sizeof *Cref), *C0 = malloc(csz * sizeof *C0);
    memcpy(Cref, C, csz * sizeof *C);
    memcpy(C0, C, csz * sizeof *C);

    la_sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    la_sgemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, Cref, ldc);

    /* error bound: |alpha| |op(A)| |op(B)| + |beta C0| */
    size_t asz = (size_t)(ar > 0 ? ar : 1) * lda, bsz = (size_t)(br > 0 ? br : 1) * ldb;
    float *Aa = sabs(A, asz), *Ba = sabs(B, bsz), *bound = malloc(csz * sizeof *bound);
    for (size_t i = 0; i < csz; i++)
        bound[i] = c_nan ? 0.0f : fabsf(C0[i]);
    la_sgemm_ref(ta, tb, M, N, K, fabsf(alpha), Aa, lda, Ba, ldb, fabsf(beta), bound, ldc);

    int bad = 0;
    for (int r = 0; r < M; r++)
        for (int c = 0; c < ldc; c++) {
            size_t i = (size_t)r * ldc + c;
            if (c >= N) { /* padding untouched */
                if (!isnan(C[i]))
                    bad++;
                continue;
            }
            double tol = 2e-5 * bound[i] + 1e-30;
            if (!(fabs((double)C[i] - Cref[i]) <= tol)) {
                if (bad < 3)
                    fprintf(stderr,
                            "sgemm ta=%d tb=%d %dx%dx%d alpha=%g beta=%g pad=%d: C[%d,%d] = %.8g, ref %.8g\n",
                            ta, tb, M, N, K, alpha, beta, pad, r, c, C[i], Cref[i]);
                bad++;
            }
        }
    if (M == 0) /* nothing written at all */
        bad += memcmp(C, C0, csz * sizeof *C) != 0;
    free(A), free(B), free(C), free(Cref), free(C0), free(Aa), free(Ba), free(bound);
    return bad;
}

static void test_sgemm(void)
{
    static const int shapes[][3] = {
        {1, 1, 1}, {7, 5, 3}, {3, 7, 5}, {100, 784, 200}, {100, 200, 784},
        {0, 5, 3}, {5, 0, 3}, {33, 17, 1}, {2, 65, 129},
    };
    const float alphas[] = {1.0f, -0.5f, 0.0f};
    const float betas[] = {0.0f, 1.0f, 0.25f};
    for (int ta = 0; ta <= 1; ta++)
        for (int tb = 0; tb <= 1; tb++)
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
                int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
                int big = M * N * K > 1000000;
                for (int ai = 0; ai < 3; ai++)
                    for (int bi = 0; bi < 3; bi++) {
                        if (big && (ai + bi) % 3 != 0)
                            continue; /* keep the big shapes to 3 variants */
                        int bad = sgemm_case(ta, tb, M, N, K, alphas[ai], betas[bi], 0, 0);
                        CHECK_MSG(bad == 0,
                                  "%d bad entries: ta=%d tb=%d M=%d N=%d K=%d alpha=%g beta=%g",
                                  bad, ta, tb, M, N, K, alphas[ai], betas[bi]);
                    }
                /* padded leading dimensions, NaN in the padding */
                int bad = sgemm_case(ta, tb, M, N, K, 0.75f, 0.5f, 3, 0);
                CHECK_MSG(bad == 0, "padded: %d bad entries ta=%d tb=%d M=%d N=%d K=%d",
                          bad, ta, tb, M, N, K);
                /* beta = 0 overwrites a NaN C */
                bad = sgemm_case(ta, tb, M, N, K, 1.0f, 0.0f, 1, 1);
                CHECK_MSG(bad == 0, "beta=0 over NaN: %d bad ta=%d tb=%d M=%d N=%d K=%d",
                          bad, ta, tb, M, N, K);
            }

    /* a concrete product, by hand: [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50] */
    float A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8}, C[4] = {1, 1, 1, 1};
    la_sgemm(0, 0, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2);
    CHECK(C[0] == 19 && C[1] == 22 && C[2] == 43 && C[3] == 50);
    /* A^T B = [1 3; 2 4][5 6; 7 8] = [26 30; 38 44], then 2x + 1x C */
    la_sgemm(1, 0, 2, 2, 2, 2.0f, A, 2, B, 2, 1.0f, C, 2);
    CHECK(C[0] == 19 + 52 && C[1] == 22 + 60 && C[2] == 43 + 76 && C[3] == 50 + 88);
}

/* la_dgemm against a plain double loop. */
static void test_dgemm(void)
{
    static const int shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {40, 30, 50}, {0, 4, 4}};
    for (int ta = 0; ta <= 1; ta++)
        for (int tb = 0; tb <= 1; tb++)
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
                int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
                int pad = (int)s % 2 * 2;
                int ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
                int lda = ac + pad, ldb = bc + pad, ldc = N + pad;
                size_t asz = (size_t)(ar ? ar : 1) * lda, bsz = (size_t)(br ? br : 1) * ldb;
                size_t csz = (size_t)(M ? M : 1) * ldc;
                double *A = malloc(asz * sizeof *A), *B = malloc(bsz * sizeof *B);
                double *C = malloc(csz * sizeof *C), *R = malloc(csz * sizeof *R);
                for (size_t i = 0; i < asz; i++)
                    A[i] = urand() * 2 - 1;
                for (size_t i = 0; i < bsz; i++)
                    B[i] = urand() * 2 - 1;
                for (size_t i = 0; i < csz; i++)
                    C[i] = R[i] = urand() * 2 - 1;
                const double alpha = -1.5, beta = 0.5;
                la_dgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
                int bad = 0;
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < ldc; j++) {
                        size_t ci = (size_t)i * ldc + j;
                        if (j >= N) {
                            bad += C[ci] != R[ci]; /* padding untouched */
                            continue;
                        }
                        double acc = 0, mag = 0;
                        for (int k = 0; k < K; k++) {
                            double a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                            double b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                            acc += a * b;
                            mag += fabs(a * b);
                        }
                        double want = alpha * acc + beta * R[ci];
                        double tol = 1e-13 * (fabs(alpha) * mag + fabs(beta * R[ci])) + 1e-300;
                        if (!(fabs(C[ci] - want) <= tol))
                            bad++;
                    }
                if (M == 0)
                    bad += memcmp(C, R, csz * sizeof *C) != 0;
                CHECK_MSG(bad == 0, "dgemm ta=%d tb=%d M=%d N=%d K=%d: %d bad", ta, tb, M, N,
                          K, bad);
                free(A), free(B), free(C), free(R);
            }
}

static void test_saxpy(void)
{
    const int ns[] = {0, 1, 7, 1000};
    const float alphas[] = {0.0f, 1.0f, -2.5f};
    for (size_t t = 0; t < 4; t++)
        for (size_t k = 0; k < 3; k++) {
            int n = ns[t];
            float *x = malloc((size_t)(n + 1) * sizeof *x), *y = malloc((size_t)(n + 1) * sizeof *y);
            float *y0 = malloc((size_t)(n + 1) * sizeof *y0);
            for (int i = 0; i <= n; i++) {
                x[i] = (float)(urand() * 4 - 2);
                y[i] = y0[i] = (float)(urand() * 4 - 2);
            }
            la_saxpy(n, alphas[k], x, y);
            int bad = 0;
            for (int i = 0; i < n; i++) {
                double want = (double)y0[i] + (double)alphas[k] * x[i];
                bad += !(fabs(y[i] - want) <= 1e-6 * (fabs(y0[i]) + fabs(alphas[k] * x[i])));
            }
            bad += y[n] != y0[n]; /* element n is not part of the vector */
            CHECK_MSG(bad == 0, "saxpy n=%d alpha=%g: %d bad", n, alphas[k], bad);
            free(x), free(y), free(y0);
        }
    float x[3] = {1, 2, 3}, y[3] = {10, 20, 30};
    la_saxpy(3, 2.0f, x, y);
    CHECK(y[0] == 12 && y[1] == 24 && y[2] == 36);
}

static void test_threads(void)
{
    int before = la_get_threads();
    CHECK(before >= 1);
    la_set_threads(1);
    CHECK(la_get_threads() == 1 && irvi_get_threads() == 1);
    la_set_threads(0); /* ignored: stays as it was */
    CHECK(la_get_threads() == 1);
    /* big enough to be split (2 M N K >= 4e6): rows of C, then columns of C
     * (short wide C), every transpose combination, padded leading dimensions */
    static const int shapes[][3] = {{300, 200, 40}, {20, 3000, 60}, {333, 77, 101}};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++)
        for (int ta = 0; ta <= 1; ta++)
            for (int tb = 0; tb <= 1; tb++) {
                int M = shapes[si][0], N = shapes[si][1], K = shapes[si][2];
                int ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
                int lda = ac + 3, ldb = bc + 5, ldc = N + 7;
                float *A = smat(ar, ac, lda), *B = smat(br, bc, ldb);
                float *C0 = smat(M, N, ldc);
                size_t csz = (size_t)M * ldc;
                float *Cr = malloc(csz * sizeof *Cr), *Ct[3];
                memcpy(Cr, C0, csz * sizeof *Cr);
                la_sgemm_ref(ta, tb, M, N, K, 0.75f, A, lda, B, ldb, 0.5f, Cr, ldc);
                for (int t = 0; t < 3; t++) {
                    Ct[t] = malloc(csz * sizeof *Ct[t]);
                    memcpy(Ct[t], C0, csz * sizeof *Ct[t]);
                    la_set_threads(t + 1);
                    la_sgemm(ta, tb, M, N, K, 0.75f, A, lda, B, ldb, 0.5f, Ct[t], ldc);
                }
                int bad = 0, diff = 0, pad = 0;
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < ldc; j++) {
                        size_t o = (size_t)i * ldc + j;
                        if (j >= N) { /* padding untouched (NaN) */
                            pad += !isnan(Ct[0][o]) || !isnan(Ct[1][o]) || !isnan(Ct[2][o]);
                            continue;
                        }
                        bad += !(fabsf(Ct[0][o] - Cr[o]) <= 1e-4f * (1 + fabsf(Cr[o])));
                        diff += memcmp(&Ct[0][o], &Ct[1][o], sizeof(float)) != 0 ||
                                memcmp(&Ct[0][o], &Ct[2][o], sizeof(float)) != 0;
                    }
                CHECK_MSG(bad == 0 && diff == 0 && pad == 0,
                          "split sgemm %dx%dx%d ta=%d tb=%d: %d off the reference, %d differ "
                          "between 1/2/3 threads, %d padding writes",
                          M, N, K, ta, tb, bad, diff, pad);
                free(A), free(B), free(C0), free(Cr);
                for (int t = 0; t < 3; t++)
                    free(Ct[t]);
            }
    la_set_threads(before);
}

/* ---- pool_run ------------------------------------------------------------ */
typedef struct {
    int *hits;
    atomic_int calls, nested_ok;
} pool_t;

static void mark(void *ctx, int lo, int hi)
{
    pool_t *p = ctx;
    atomic_fetch_add(&p->calls, 1);
    for (int i = lo; i < hi; i++)
        p->hits[i]++; /* each item belongs to exactly one range */
}

static void inner_mark(void *ctx, int lo, int hi)
{
    int *v = ctx;
    for (int i = lo; i < hi; i++)
        v[i] = i;
}

static void nest(void *ctx, int lo, int hi)
{
    pool_t *p = ctx;
    /* no CHECK here: its counters are not thread-safe; nested_ok counts instead */
    int v[5] = {-1, -1, -1, -1, -1};
    pool_run(5, inner_mark, v); /* runs inline, on this thread */
    int ok = pool_nested();
    for (int i = 0; i < 5; i++)
        ok &= v[i] == i;
    if (ok)
        atomic_fetch_add(&p->nested_ok, 1);
    mark(ctx, lo, hi);
}

static void *other_dispatcher(void *arg)
{
    pool_t *p = arg;
    for (int k = 0; k < 200; k++)
        pool_run(1000, mark, p); /* hits[1000..1999]: a second engine thread */
    return NULL;
}

static void test_pool(void)
{
    int before = irvi_get_threads();
    enum { N = 1000 };
    int *hits = calloc(2 * N, sizeof *hits);
    for (int t = 1; t <= 4; t++) {
        irvi_set_threads(t);
        CHECK(pool_threads() == t && !pool_nested());
        for (int n = 0; n <= 9; n++) { /* fewer items than threads too */
            pool_t p = {hits, 0, 0};
            memset(hits, 0, sizeof(int) * n);
            pool_run(n, mark, &p);
            int ok = 1;
            for (int i = 0; i < n; i++)
                ok &= hits[i] == 1;
            CHECK_MSG(ok && atomic_load(&p.calls) == (n < t ? n : t),
                      "pool_run(%d) with %d threads: %d calls", n, t, atomic_load(&p.calls));
        }
        pool_t p = {hits, 0, 0};
        memset(hits, 0, sizeof(int) * N);
        pool_run(N, nest, &p);
        int ok = 1;
        for (int i = 0; i < N; i++)
            ok &= hits[i] == 1;
        CHECK_MSG(ok && atomic_load(&p.nested_ok) == t, "nested pool_run, %d threads", t);
    }
    /* two threads dispatching at once: one gets the pool, the other runs inline */
    irvi_set_threads(2);
    pool_t p1 = {hits, 0, 0}, p2 = {hits + N, 0, 0};
    memset(hits, 0, sizeof(int) * 2 * N);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, other_dispatcher, &p2) == 0);
    for (int k = 0; k < 200; k++)
        pool_run(N, mark, &p1);
    pthread_join(th, NULL);
    int ok = 1;
    for (int i = 0; i < 2 * N; i++)
        ok &= hits[i] == 200;
    CHECK_MSG(ok, "concurrent dispatch: items not run exactly 200 times");
    irvi_set_threads(before);
    free(hits);
}

int main(void)
{
    test_sgemm();
    test_dgemm();
    test_saxpy();
    test_threads();
    test_pool();
    return CHECK_DONE();
}
