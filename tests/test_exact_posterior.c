/* tests/test_exact_posterior.c — irvi_exact_posterior against a brute-force
 * enumeration written here with plain double loops: for a tiny one-layer SBN
 * (factorized prior, plain sigmoid, and the squashed / tanh general path) the
 * exact marginals E[h|x], log p(x), the ELBO of a random factorized q and
 * KL = log p(x) - ELBO; with and without a cached table; a table made for
 * other parameters is refused. */
#include "check.h"
#include "irvi/eval.h"
#include "irvi/model.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static double softplus_d(double a) { return fmax(a, 0.0) + log1p(exp(-fabs(a))); }

static const float *tens(const irvi_model *m, const char *name)
{
    return irvi_model_params_const(m) + irvi_model_find_tensor(m, name)->offset;
}

/* Plain SBN, factorized prior: log p(x, h) in double. */
static double log_joint(const irvi_model *m, const uint8_t *x, const int *h)
{
    const irvi_arch *a = irvi_model_arch(m);
    int H = a->H[0], D = a->D;
    const float *G = tens(m, "G0"), *c = tens(m, "c0"), *z = tens(m, "z");
    double lp = 0;
    for (int i = 0; i < H; i++)
        lp += h[i] * (double)z[i] - softplus_d(z[i]);
    for (int d = 0; d < D; d++) {
        double t = c[d];
        for (int i = 0; i < H; i++)
            t += h[i] * (double)G[(size_t)i * D + d];
        lp += x[d] * t - softplus_d(t);
    }
    return lp;
}

int main(void)
{
    int D = 12, H = 9, n = 3;
    irvi_arch a;
    memset(&a, 0, sizeof a);
    a.D = D;
    a.L = 1;
    a.H[0] = H;
    irvi_model *m = NULL;
    CHECK_OK(irvi_model_create(&a, 3, &m));
    float *p = irvi_model_params(m);
    srand(5);
    for (size_t i = 0; i < irvi_model_nparams(m); i++)
        p[i] = (float)(2.0 * rand() / RAND_MAX - 1.0);
    uint8_t x[3 * 12];
    float mu[3 * 9];
    for (int i = 0; i < n * D; i++)
        x[i] = rand() & 1;
    for (int i = 0; i < n * H; i++)
        mu[i] = (float)(0.05 + 0.9 * rand() / RAND_MAX);

    /* brute force */
    double ll[3], elbo[3], marg[3][9];
    for (int b = 0; b < n; b++) {
        double mx = -INFINITY, s = 0, e = 0, num[9] = {0}, ent = 0;
        double *v = malloc(sizeof(double) << H);
        for (int st = 0; st < (1 << H); st++) {
            int h[9];
            for (int i = 0; i < H; i++)
                h[i] = (st >> i) & 1;
            v[st] = log_joint(m, x + b * D, h);
            mx = v[st] > mx ? v[st] : mx;
        }
        for (int st = 0; st < (1 << H); st++) {
            double w = exp(v[st] - mx), lq = 0;
            s += w;
            for (int i = 0; i < H; i++) {
                double q = mu[b * H + i];
                int hi = (st >> i) & 1;
                num[i] += w * hi;
                lq += hi ? log(q) : log(1 - q);
            }
            e += exp(lq) * v[st];
        }
        for (int i = 0; i < H; i++) {
            double q = mu[b * H + i];
            ent -= q * log(q) + (1 - q) * log(1 - q);
            marg[b][i] = num[i] / s;
        }
        ll[b] = mx + log(s);
        elbo[b] = e + ent;
        free(v);
    }

    irvi_exact_table *tab = NULL;
    CHECK_OK(irvi_exact_table_create(m, &tab));
    for (int pass = 0; pass < 2; pass++) {
        irvi_exact_post out[3];
        float mg[3 * 9];
        CHECK_OK(irvi_exact_posterior(m, pass ? tab : NULL, x, n, mu, mg, out));
        for (int b = 0; b < n; b++) {
            CHECK_MSG(fabs(out[b].ll - ll[b]) < 1e-4, "ll %g vs %g", out[b].ll, ll[b]);
            CHECK_MSG(fabs(out[b].elbo - elbo[b]) < 1e-4, "elbo %g vs %g", out[b].elbo, elbo[b]);
            CHECK_MSG(fabs(out[b].kl - (ll[b] - elbo[b])) < 1e-4, "kl %g vs %g", out[b].kl,
                      ll[b] - elbo[b]);
            CHECK(out[b].kl >= -1e-6);
            for (int i = 0; i < H; i++)
                CHECK_MSG(fabs(mg[b * H + i] - marg[b][i]) < 1e-5, "marg %d,%d %g vs %g", b, i,
                          mg[b * H + i], marg[b][i]);
        }
    }
    /* q = the exact posterior's marginals cannot beat the truth: KL >= 0,
     * and without mu the ELBO is NaN */
    {
        irvi_exact_post out[3];
        CHECK_OK(irvi_exact_posterior(m, tab, x, n, NULL, NULL, out));
        CHECK(isnan(out[0].elbo) && isnan(out[0].kl));
        CHECK(fabs(out[1].ll - ll[1]) < 1e-4);
    }
    /* the table belongs to the parameters it was made for */
    p[0] += 0.5f;
    irvi_exact_post o1[3];
    CHECK(irvi_exact_posterior(m, tab, x, n, mu, NULL, o1) == IRVI_EINVAL);
    irvi_exact_table_free(tab);
    irvi_model_free(m);

    /* the general path (squashed means) against irvi_exact_ll */
    a.squash = 1;
    CHECK_OK(irvi_model_create(&a, 4, &m));
    p = irvi_model_params(m);
    for (size_t i = 0; i < irvi_model_nparams(m); i++)
        p[i] = (float)(2.0 * rand() / RAND_MAX - 1.0);
    double ll2[3];
    irvi_exact_post o2[3];
    CHECK_OK(irvi_exact_ll(m, x, n, ll2, NULL, NULL));
    CHECK_OK(irvi_exact_posterior(m, NULL, x, n, mu, NULL, o2));
    for (int b = 0; b < n; b++)
        CHECK_MSG(fabs(o2[b].ll - ll2[b]) < 1e-4, "squash ll %g vs %g", o2[b].ll, ll2[b]);
    irvi_model_free(m);
    return CHECK_DONE();
}
