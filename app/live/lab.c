/* app/live/lab.c — the refinement lab (see lab.h). Two posteriors over the same
 * digits: q0 is never refined and gives the unrefined row, q is stepped. Both
 * are simplified with the same seed, so they start from the same mu0. */
#include "live/lab.h"

#include <math.h>
#include <string.h>

static irvi_status load_digits(lab *b, const irvi_model *m)
{
    int D = b->split.D;
    uint8_t x[LINK_MAX_DIGITS * 784];
    if (D > 784)
        return irvi_fail(IRVI_EINVAL, "images of %d pixels are too large for the viewer", D);
    for (int i = 0; i < b->n; i++)
        memcpy(x + (size_t)i * D, b->split.x + (size_t)b->index[i] * D, D);
    irvi_status st = irvi_posterior_set_data(b->q0, m, x, b->n);
    if (!st)
        st = irvi_posterior_set_data(b->q, m, x, b->n);
    if (!st && b->simplified) {
        irvi_rng r0, r1;
        irvi_rng_seed(&r0, b->seed, 7);
        r1 = r0;
        irvi_posterior_simplify(b->q0, 0.8f, &r0);
        irvi_posterior_simplify(b->q, 0.8f, &r1);
    }
    return st;
}

irvi_status lab_init(lab *b, const irvi_model *m, const irvi_dataset *ds, uint64_t seed)
{
    memset(b, 0, sizeof *b);
    b->ds = ds;
    b->split = irvi_dataset_split(ds, IRVI_SPLIT_TEST);
    if (b->split.n < 1)
        b->split = irvi_dataset_split(ds, IRVI_SPLIT_VALID);
    if (b->split.n < 1)
        return irvi_fail(IRVI_EINVAL, "dataset has no test or validation images to show");
    irvi_refine_opts_default(&b->air);
    b->N = 100;
    b->seed = seed;
    irvi_rng_seed(&b->rng, seed, 5);
    irvi_status st = irvi_posterior_create(m, LINK_MAX_DIGITS, &b->q0);
    if (!st)
        st = irvi_posterior_create(m, LINK_MAX_DIGITS, &b->q);
    if (st)
        return st;
    int idx[10], n = 0;
    if (b->split.y) {
        for (int c = 0; c < 10; c++)
            for (int i = 0; i < b->split.n; i++)
                if (b->split.y[i] == c) {
                    idx[n++] = i;
                    break;
                }
    }
    if (n == 0) /* no labels: the middle of each tenth of the set (one of each
                   class when it is sorted by class, as binarized MNIST's test set is) */
        for (; n < 10 && n < b->split.n; n++)
            idx[n] = (int)(((long)2 * n + 1) * b->split.n / 20);
    return lab_pick(b, m, idx, n);
}

void lab_free(lab *b)
{
    irvi_posterior_free(b->q0);
    irvi_posterior_free(b->q);
    b->q0 = b->q = NULL;
}

irvi_status lab_pick(lab *b, const irvi_model *m, const int *idx, int n)
{
    if (n < 1 || n > LINK_MAX_DIGITS)
        return irvi_fail(IRVI_EINVAL, "choose 1 to %d digits (got %d)", LINK_MAX_DIGITS, n);
    for (int i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= b->split.n)
            return irvi_fail(IRVI_EINVAL, "digit index %d is outside the test set (0..%d)", idx[i],
                             b->split.n - 1);
    memcpy(b->index, idx, sizeof(int) * n);
    b->n = n;
    return load_digits(b, m);
}

irvi_status lab_pick_class(lab *b, const irvi_model *m, int cls, int n)
{
    if (!b->split.y)
        return irvi_fail(IRVI_EINVAL, "this dataset has no labels to choose a class by");
    if (n < 1 || n > LINK_MAX_DIGITS)
        return irvi_fail(IRVI_EINVAL, "choose 1 to %d digits (got %d)", LINK_MAX_DIGITS, n);
    int count = 0;
    for (int i = 0; i < b->split.n; i++)
        count += b->split.y[i] == cls;
    if (count == 0)
        return irvi_fail(IRVI_EINVAL, "no test digit of class %d", cls);
    int idx[LINK_MAX_DIGITS], k = 0;
    /* n distinct random digits of the class (or all of them if fewer) */
    for (int tries = 0; k < n && k < count && tries < 100000; tries++) {
        int j = (int)(irvi_rng_uniform(&b->rng) * count), i = 0;
        for (; i < b->split.n; i++)
            if (b->split.y[i] == cls && j-- == 0)
                break;
        int dup = 0;
        for (int a = 0; a < k; a++)
            dup |= idx[a] == i;
        if (!dup)
            idx[k++] = i;
    }
    return lab_pick(b, m, idx, k);
}

irvi_status lab_reset(lab *b, const irvi_model *m)
{
    return load_digits(b, m);
}

irvi_status lab_step(lab *b, const irvi_model *m, irvi_refine_stats *st)
{
    return irvi_refine_step(b->q, m, &b->air, &b->rng, st);
}

static irvi_status row(lab *b, const irvi_model *m, irvi_posterior *q, float (*img)[784],
                       double *lb, irvi_eval_result *res)
{
    int D = b->split.D;
    float recon[LINK_MAX_DIGITS * 784];
    irvi_status st = irvi_eval_recon(q, m, b->N, &b->rng, recon, NULL);
    if (!st)
        st = irvi_eval_posterior(q, m, b->N, &b->rng, res, NULL, NULL);
    if (st)
        return st;
    for (int i = 0; i < b->n; i++) {
        memcpy(img[i], recon + (size_t)i * D, sizeof(float) * D);
        lb[i] = res[i].lb;
    }
    return IRVI_OK;
}

irvi_status lab_tiles(lab *b, const irvi_model *m, app_tiles *t, double *mean_lb, double *mean_ess)
{
    int rows, cols, D = b->split.D;
    irvi_dataset_shape(b->ds, &rows, &cols);
    t->n = b->n;
    t->rows = rows;
    t->cols = cols;
    t->transposed = irvi_dataset_transposed(b->ds);
    t->steps = irvi_posterior_steps(b->q);
    for (int i = 0; i < b->n; i++) {
        t->index[i] = b->index[i];
        t->label[i] = b->split.y ? b->split.y[b->index[i]] : -1;
        for (int d = 0; d < D; d++)
            t->truth[i][d] = b->split.x[(size_t)b->index[i] * D + d];
    }
    irvi_eval_result res[LINK_MAX_DIGITS];
    irvi_status st = row(b, m, b->q0, t->unrefined, t->lb0, res);
    if (!st)
        st = row(b, m, b->q, t->refined, t->lbK, res);
    if (st)
        return st;
    for (int i = 0; i < b->n; i++)
        t->essK[i] = res[i].ess;
    if (mean_lb || mean_ess) {
        double slb = 0, sess = 0;
        for (int i = 0; i < b->n; i++) {
            slb += res[i].lb;
            sess += res[i].ess;
        }
        if (mean_lb)
            *mean_lb = slb / b->n;
        if (mean_ess)
            *mean_ess = sess / b->n;
    }
    return IRVI_OK;
}
