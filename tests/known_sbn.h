/* tests/known_sbn.h — fixtures shared by the training tests: Gaussian
 * parameters that keep the DARN mask, and a known small SBN (16 visible,
 * 6 hidden units) with data sampled from it and its exact test NLL, so a
 * trained model's exact NLL can be compared with the generating model's.
 * Header-only (static): each test is its own program. */
#ifndef IRVI_TESTS_KNOWN_SBN_H
#define IRVI_TESTS_KNOWN_SBN_H

#include "check.h"

#include <irvi/irvi.h>
#include <stdlib.h>
#include <string.h>

static void fill_gauss(irvi_model *m, irvi_rng *r, double sd)
{
    float *p = irvi_model_params(m);
    for (size_t i = 0; i < irvi_model_nparams(m); i++)
        p[i] = (float)(sd * irvi_rng_gauss(r));
    /* keep the DARN mask: R[j][i] = 0 for i <= j */
    const irvi_tensor *R = irvi_model_find_tensor(m, "R");
    if (R)
        for (int j = 0; j < R->rows; j++)
            for (int i = 0; i <= j; i++)
                p[R->offset + (size_t)j * R->cols + i] = 0;
}

static int masked(const irvi_model *m, size_t k)
{
    const irvi_tensor *R = irvi_model_find_tensor(m, "R");
    if (!R || k < R->offset || k >= R->offset + (size_t)R->rows * R->cols)
        return 0;
    size_t o = k - R->offset;
    return (int)(o % R->cols) <= (int)(o / R->cols);
}

/* ---- a known small SBN -------------------------------------------------- */

#define GD 16
#define GH 6
#define NTRAIN 2000
#define NVALID 300
#define NTEST 1000

static irvi_dataset *g_ds;
static uint8_t *g_test;
static double g_gen_nll;

static void make_data(void)
{
    irvi_arch a = {.D = GD, .L = 1, .H = {GH}};
    irvi_model *gen;
    CHECK_OK(irvi_model_create(&a, 3, &gen));
    irvi_rng r;
    irvi_rng_seed(&r, 2024, 0);
    float *p = irvi_model_params(gen);
    const irvi_tensor *G = irvi_model_find_tensor(gen, "G0"), *c = irvi_model_find_tensor(gen, "c0");
    const irvi_tensor *z = irvi_model_find_tensor(gen, "z");
    for (int i = 0; i < G->rows * G->cols; i++)
        p[G->offset + i] = (float)(2.5 * irvi_rng_gauss(&r));
    for (int i = 0; i < c->rows; i++)
        p[c->offset + i] = (float)(-1.0 + 0.5 * irvi_rng_gauss(&r));
    for (int i = 0; i < z->rows; i++)
        p[z->offset + i] = (float)(-1.0 + 0.5 * irvi_rng_gauss(&r));
    uint8_t *x = malloc((size_t)(NTRAIN + NVALID + NTEST) * GD);
    CHECK_OK(irvi_model_sample(gen, &r, NTRAIN + NVALID + NTEST, x, NULL));
    irvi_split s[3] = {{NTRAIN, GD, x, NULL},
                       {NVALID, GD, x + (size_t)NTRAIN * GD, NULL},
                       {0, GD, NULL, NULL}};
    CHECK_OK(irvi_dataset_from_memory("sbn16", 4, 4, s, &g_ds));
    g_test = malloc((size_t)NTEST * GD);
    memcpy(g_test, x + (size_t)(NTRAIN + NVALID) * GD, (size_t)NTEST * GD);
    double *ll = malloc(sizeof(double) * NTEST), sum = 0;
    CHECK_OK(irvi_exact_ll(gen, g_test, NTEST, ll, NULL, NULL));
    for (int i = 0; i < NTEST; i++)
        sum -= ll[i];
    g_gen_nll = sum / NTEST;
    free(ll);
    free(x);
    irvi_model_free(gen);
}

static double test_nll(const irvi_model *m)
{
    double *ll = malloc(sizeof(double) * NTEST), sum = 0;
    CHECK_OK(irvi_exact_ll(m, g_test, NTEST, ll, NULL, NULL));
    for (int i = 0; i < NTEST; i++)
        sum -= ll[i];
    free(ll);
    return sum / NTEST;
}

#endif
