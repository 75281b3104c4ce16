/* engine/refine.c — the posterior object and its refinement options; the
 * family's table (family.h) does the family's part: AIR for binary latents
 * (binary/air.c), GDIR for Gaussian ones (gaussian/gdir.c).
 */
#include "family.h"
#include "posterior.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void irvi_refine_opts_default(irvi_refine_opts *o)
{
    o->K = 20;
    o->M = 20;
    o->gamma = 0.1f;
    o->eps = 1e-6f;
    o->bihm = 0;
}

irvi_status irvi_refine_opts_validate(const irvi_refine_opts *o)
{
    if (o->K < 0 || o->K > 100000)
        return irvi_fail(IRVI_EINVAL, "K = %d refinement steps (must be 0..100000)", o->K);
    if (o->M < 1 || o->M > 100000)
        return irvi_fail(IRVI_EINVAL, "M = %d samples per step (must be 1..100000)", o->M);
    if (!(o->gamma > 0 && o->gamma <= 1))
        return irvi_fail(IRVI_EINVAL, "inference rate gamma = %g (must be in (0, 1])", o->gamma);
    if (!(o->eps >= 0 && o->eps < 0.5f))
        return irvi_fail(IRVI_EINVAL, "clamp eps = %g (must be in [0, 0.5))", o->eps);
    return IRVI_OK;
}

const char *irvi_refine_method(const irvi_arch *a)
{
    return family_of(a) ? family_of(a)->refine_name : "unknown";
}

int irvi_arch_discrete(const irvi_arch *a)
{
    return family_of(a) ? family_of(a)->discrete : 0;
}

float irvi_refine_gamma_default(const irvi_arch *a)
{
    return family_of(a) ? family_of(a)->gamma_default : 0.1f;
}

irvi_status irvi_posterior_create(const irvi_model *m, int n_max, irvi_posterior **out)
{
    *out = NULL;
    if (n_max < 1 || n_max > 1000000)
        return irvi_fail(IRVI_EINVAL, "posterior for %d examples (must be 1..1000000)", n_max);
    irvi_posterior *q = calloc(1, sizeof *q);
    if (!q)
        return irvi_fail(IRVI_ENOMEM, "posterior");
    q->n_max = n_max;
    q->arch = m->arch;
    int fail = !(q->x = calloc((size_t)n_max * m->arch.D, 1));
    fail |= !(q->acc = calloc((size_t)n_max * 6, sizeof(double)));
    for (int l = 0; l < m->arch.L && !fail; l++) {
        fail |= !(q->mu0[l] = calloc((size_t)n_max * m->arch.H[l], sizeof(float)));
        fail |= !(q->mu[l] = calloc((size_t)n_max * m->arch.H[l], sizeof(float)));
    }
    const family_ops *f = family_of(&m->arch);
    if (!fail && f->posterior_alloc)
        fail = f->posterior_alloc(q, m) != IRVI_OK;
    if (fail || model_ws_reserve(&q->ws, m, n_max, n_max)) {
        irvi_posterior_free(q);
        return irvi_fail(IRVI_ENOMEM, "posterior for %d examples", n_max);
    }
    *out = q;
    return IRVI_OK;
}

void irvi_posterior_free(irvi_posterior *q)
{
    if (!q)
        return;
    free(q->x);
    free(q->acc);
    free(q->wt);
    for (int l = 0; l < IRVI_MAX_LAYERS; l++) {
        free(q->mu0[l]);
        free(q->mu[l]);
    }
    if (family_of(&q->arch)->posterior_free)
        family_of(&q->arch)->posterior_free(q);
    model_ws_free(&q->ws);
    free(q);
}

irvi_status posterior_check_model(const irvi_posterior *q, const irvi_model *m)
{
    const irvi_arch *a = &q->arch, *b = &m->arch;
    /* the deterministic layers size scratch buffers too (tanh_x, rhid) */
    int same = a->D == b->D && a->L == b->L && a->gen_hidden == b->gen_hidden &&
               a->rec_hidden == b->rec_hidden && a->latent == b->latent;
    for (int l = 0; same && l < a->L; l++)
        same = a->H[l] == b->H[l];
    if (!same)
        return irvi_fail(IRVI_EINVAL, "posterior and model have different shapes");
    return IRVI_OK;
}

irvi_status posterior_reserve(irvi_posterior *q, const irvi_model *m, int S)
{
    size_t rows = (size_t)S * q->n;
    if (rows > (size_t)1 << 30)
        return irvi_fail(IRVI_EINVAL, "%d samples of %d examples is too many at once", S, q->n);
    if (rows > q->wt_cap) {
        float *wt = realloc(q->wt, sizeof(float) * rows);
        if (!wt)
            return irvi_fail(IRVI_ENOMEM, "weights for %zu samples", rows);
        q->wt = wt;
        q->wt_cap = rows;
    }
    if (model_ws_reserve(&q->ws, m, (int)rows, q->n_max))
        return irvi_fail(IRVI_ENOMEM, "sample buffers for %zu rows", rows);
    return IRVI_OK;
}

irvi_status irvi_posterior_set_data(irvi_posterior *q, const irvi_model *m, const uint8_t *x,
                                    int n)
{
    if (n < 1 || n > q->n_max)
        return irvi_fail(IRVI_EINVAL, "%d examples for a posterior of %d", n, q->n_max);
    irvi_status st = posterior_check_model(q, m);
    if (st)
        return st;
    memcpy(q->x, x, (size_t)n * m->arch.D);
    q->n = n;
    return irvi_posterior_recognize(q, m);
}

irvi_status irvi_posterior_recognize(irvi_posterior *q, const irvi_model *m)
{
    irvi_status st = posterior_check_model(q, m);
    if (st)
        return st;
    family_of(&q->arch)->posterior_recognize(q, m);
    return IRVI_OK;
}

void irvi_posterior_reset(irvi_posterior *q)
{
    family_of(&q->arch)->posterior_reset(q);
}

void irvi_posterior_simplify(irvi_posterior *q, float frac, irvi_rng *r)
{
    family_of(&q->arch)->posterior_simplify(q, frac, r);
}

int irvi_posterior_n(const irvi_posterior *q) { return q->n; }
int irvi_posterior_steps(const irvi_posterior *q) { return q->steps; }
const uint8_t *irvi_posterior_x(const irvi_posterior *q) { return q->x; }
const float *irvi_posterior_mu(const irvi_posterior *q, int l) { return q->mu[l]; }
const float *irvi_posterior_mu0(const irvi_posterior *q, int l) { return q->mu0[l]; }
float *irvi_posterior_mu_mut(irvi_posterior *q, int l) { return q->mu[l]; }
float *irvi_posterior_logsigma_mut(irvi_posterior *q)
{
    const family_ops *f = family_of(&q->arch);
    return f->logsigma ? f->logsigma(q, 0) : NULL;
}

const float *irvi_posterior_logsigma(const irvi_posterior *q)
{
    return irvi_posterior_logsigma_mut((irvi_posterior *)q);
}

const float *irvi_posterior_logsigma0(const irvi_posterior *q)
{
    const family_ops *f = family_of(&q->arch);
    return f->logsigma ? f->logsigma(q, 1) : NULL;
}

irvi_status irvi_refine_step(irvi_posterior *q, const irvi_model *m,
                             const irvi_refine_opts *o, irvi_rng *r, irvi_refine_stats *st)
{
    irvi_status s = irvi_refine_opts_validate(o);
    if (!s)
        s = posterior_check_model(q, m);
    if (!s)
        s = posterior_reserve(q, m, o->M);
    if (s)
        return s;
    return family_of(&q->arch)->refine_step(q, m, o, r, st);
}

irvi_status irvi_refine(irvi_posterior *q, const irvi_model *m, const irvi_refine_opts *o,
                        irvi_rng *r)
{
    for (int k = 0; k < o->K; k++) {
        irvi_status s = irvi_refine_step(q, m, o, r, NULL);
        if (s)
            return s;
    }
    return IRVI_OK;
}
