/* tests/check.h — a tiny assertion kit: failures are reported with file and
 * line and counted; CHECK_DONE() prints the tally and yields the exit code
 * (0 all passed, 1 any failed, 77 = skipped for meson). */
#ifndef IRVI_CHECK_H
#define IRVI_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_pass_, check_fail_;

#define CHECK(c)                                                              \
    do {                                                                      \
        if (c)                                                                \
            check_pass_++;                                                    \
        else {                                                                \
            check_fail_++;                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,  \
                    #c);                                                      \
        }                                                                     \
    } while (0)

#define CHECK_MSG(c, ...)                                                     \
    do {                                                                      \
        if (c)                                                                \
            check_pass_++;                                                    \
        else {                                                                \
            check_fail_++;                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__,  \
                    #c);                                                      \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

/* |a - b| <= tol, reporting both values. NaN never passes. */
#define CHECK_NEAR(a, b, tol)                                                 \
    do {                                                                      \
        double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);        \
        if (fabs(a_ - b_) <= t_)                                              \
            check_pass_++;                                                    \
        else {                                                                \
            check_fail_++;                                                    \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.10g, %s = %.10g, tol %.3g\n", \
                    __FILE__, __LINE__, #a, a_, #b, b_, t_);                  \
        }                                                                     \
    } while (0)

/* relative closeness: |a-b| <= tol * max(1, |b|) */
#define CHECK_REL(a, b, tol) CHECK_NEAR(a, b, (tol) * fmax(1.0, fabs((double)(b))))

#define CHECK_OK(expr)                                                        \
    do {                                                                      \
        int st_ = (int)(expr);                                                \
        if (st_ == 0)                                                         \
            check_pass_++;                                                    \
        else {                                                                \
            check_fail_++;                                                    \
            fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, \
                    #expr, st_, irvi_last_error());                           \
        }                                                                     \
    } while (0)

#define SKIP_TEST(...)                                                        \
    do {                                                                      \
        printf("SKIP: ");                                                     \
        printf(__VA_ARGS__);                                                  \
        printf("\n");                                                         \
        exit(77);                                                             \
    } while (0)

#define CHECK_DONE()                                                          \
    (printf("%d checks passed, %d failed\n", check_pass_, check_fail_),       \
     check_fail_ ? 1 : 0)

#endif
