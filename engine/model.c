/* engine/model.c — model construction: architecture parsing and checks, the
 * single parameter block and its named tensors, initialization, copies, and
 * the public entry points that go to the model's family (family.h). */
#include "family.h"
#include "kernels.h"
#include "model_layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

irvi_status irvi_arch_parse_layers(const char *text, irvi_arch *arch)
{
    int L = 0;
    const char *s = text;
    if (!s || !*s)
        return irvi_fail(IRVI_EINVAL, "empty layer list (expected e.g. 200 or 200,200)");
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v <= 0 || v > 65536)
            return irvi_fail(IRVI_EINVAL, "bad layer size in '%s' (each must be 1..65536)", text);
        if (L == IRVI_MAX_LAYERS)
            return irvi_fail(IRVI_EINVAL, "too many layers in '%s' (at most %d)", text,
                             IRVI_MAX_LAYERS);
        arch->H[L++] = (int)v;
        s = end;
        if (*s == ',' || *s == 'x' || *s == '-') {
            if (!*++s)
                return irvi_fail(IRVI_EINVAL, "layer list '%s' ends in a separator", text);
        } else if (*s)
            return irvi_fail(IRVI_EINVAL, "bad layer list '%s' (expected e.g. 200,200)", text);
    }
    arch->L = L;
    return IRVI_OK;
}

irvi_status irvi_arch_validate(const irvi_arch *a)
{
    if (a->D < 1 || a->D > (1 << 20))
        return irvi_fail(IRVI_EINVAL, "visible size %d out of range", a->D);
    if (a->L < 1 || a->L > IRVI_MAX_LAYERS)
        return irvi_fail(IRVI_EINVAL, "%d stochastic layers (must be 1..%d)", a->L, IRVI_MAX_LAYERS);
    for (int l = 0; l < a->L; l++)
        if (a->H[l] < 1 || a->H[l] > 65536)
            return irvi_fail(IRVI_EINVAL, "layer %d has %d units (must be 1..65536)", l + 1, a->H[l]);
    if (a->gen_hidden < 0 || a->gen_hidden > 65536 || a->rec_hidden < 0 || a->rec_hidden > 65536)
        return irvi_fail(IRVI_EINVAL, "deterministic layer size out of range");
    if (a->gen_hidden && a->L != 1)
        return irvi_fail(IRVI_EINVAL, "a tanh generative layer needs a single stochastic layer");
    if (a->prior != IRVI_PRIOR_FACTORIZED && a->prior != IRVI_PRIOR_DARN)
        return irvi_fail(IRVI_EINVAL, "unknown prior %d", (int)a->prior);
    const family_ops *f = family_of(a);
    if (!f)
        return irvi_fail(IRVI_EINVAL, "unknown latent type %d", (int)a->latent);
    return f->validate ? f->validate(a) : IRVI_OK;
}

void irvi_arch_describe(const irvi_arch *a, char *buf, size_t cap)
{
    const family_ops *f = family_of(a);
    if (f)
        f->describe(a, buf, cap);
    else
        snprintf(buf, cap, "unknown latent type %d", (int)a->latent);
}

size_t model_add_tensor(irvi_model *m, const char *name, int rows, int cols, int decay, int gen)
{
    irvi_tensor *t = &m->t[m->nt++];
    t->name = name;
    t->offset = m->np;
    t->rows = rows;
    t->cols = cols;
    t->decay = decay;
    t->generative = gen;
    m->np += (size_t)rows * cols;
    return t->offset;
}

static void layout(irvi_model *m)
{
    family_of(&m->arch)->layout(m);
}

size_t model_nparams_of(const irvi_arch *arch)
{
    irvi_model m;
    memset(&m, 0, sizeof m);
    m.arch = *arch;
    layout(&m);
    return m.np;
}

irvi_status irvi_model_create(const irvi_arch *arch, uint64_t seed, irvi_model **out)
{
    *out = NULL;
    irvi_status st = irvi_arch_validate(arch);
    if (st)
        return st;
    irvi_model *m = calloc(1, sizeof *m);
    if (!m)
        return irvi_fail(IRVI_ENOMEM, "model");
    m->arch = *arch;
    for (int l = 0; l < arch->L; l++)
        m->Htot += arch->H[l];
    layout(m);
    m->p = calloc(m->np, sizeof(float));
    m->xbar = malloc(sizeof(float) * arch->D);
    if (!m->p || !m->xbar) {
        irvi_model_free(m);
        return irvi_fail(IRVI_ENOMEM, "model parameters (%zu floats)", m->np);
    }
    for (int i = 0; i < arch->D; i++)
        m->xbar[i] = 0.5f;
    /* Weights N(0, 0.001^2), biases 0 (the reference initialization). */
    irvi_rng r;
    irvi_rng_seed(&r, seed, 0);
    for (int k = 0; k < m->nt; k++) {
        const irvi_tensor *t = &m->t[k];
        if (t->decay || !strcmp(t->name, "R")) /* every weight matrix, even 1 wide */
            for (size_t i = 0; i < (size_t)t->rows * t->cols; i++)
                m->p[t->offset + i] = (float)(0.001 * irvi_rng_gauss(&r));
    }
    if (family_of(arch)->init)
        family_of(arch)->init(m);
    *out = m;
    return IRVI_OK;
}

void irvi_model_free(irvi_model *m)
{
    if (!m)
        return;
    free(m->p);
    free(m->xbar);
    free(m);
}

irvi_status irvi_model_clone(const irvi_model *m, irvi_model **out)
{
    irvi_status st = irvi_model_create(&m->arch, 0, out);
    if (st)
        return st;
    memcpy((*out)->data_name, m->data_name, sizeof m->data_name);
    (*out)->data_binarize = m->data_binarize;
    (*out)->data_seed = m->data_seed;
    return irvi_model_copy_params(*out, m);
}

irvi_status irvi_model_copy_params(irvi_model *dst, const irvi_model *src)
{
    if (dst->np != src->np || dst->arch.D != src->arch.D)
        return irvi_fail(IRVI_EINVAL, "copying parameters between different architectures");
    memcpy(dst->p, src->p, sizeof(float) * src->np);
    memcpy(dst->xbar, src->xbar, sizeof(float) * src->arch.D);
    return IRVI_OK;
}

int irvi_model_data(const irvi_model *m, irvi_data_opts *o)
{
    if (!m || !m->data_name[0])
        return 0;
    irvi_data_opts_default(o);
    o->name = m->data_name;
    o->binarize = (irvi_binarize)m->data_binarize;
    o->seed = m->data_seed;
    return 1;
}

void irvi_model_set_data(irvi_model *m, const irvi_data_opts *o)
{
    if (!o || !o->name) {
        m->data_name[0] = 0;
        return;
    }
    snprintf(m->data_name, sizeof m->data_name, "%s", o->name);
    m->data_binarize = (uint32_t)o->binarize;
    m->data_seed = o->seed;
}

const irvi_arch *irvi_model_arch(const irvi_model *m) { return &m->arch; }
int irvi_model_total_hidden(const irvi_model *m) { return m->Htot; }
size_t irvi_model_nparams(const irvi_model *m) { return m->np; }
float *irvi_model_params(irvi_model *m) { return m->p; }
const float *irvi_model_params_const(const irvi_model *m) { return m->p; }
const float *irvi_model_mean(const irvi_model *m) { return m->xbar; }
int irvi_model_ntensors(const irvi_model *m) { return m->nt; }

void irvi_model_set_mean(irvi_model *m, const float *xbar)
{
    memcpy(m->xbar, xbar, sizeof(float) * m->arch.D);
}

const irvi_tensor *irvi_model_tensor(const irvi_model *m, int i)
{
    return i >= 0 && i < m->nt ? &m->t[i] : NULL;
}

const irvi_tensor *irvi_model_find_tensor(const irvi_model *m, const char *name)
{
    for (int i = 0; i < m->nt; i++)
        if (!strcmp(m->t[i].name, name))
            return &m->t[i];
    return NULL;
}

int irvi_model_finite(const irvi_model *m)
{
    return k_all_finite(m->p, m->np) && k_all_finite(m->xbar, m->arch.D);
}

irvi_status irvi_model_sample(const irvi_model *m, irvi_rng *r, int n, uint8_t *x,
                              float *const *h)
{
    return family_of(&m->arch)->sample(m, r, n, x, h);
}

irvi_status irvi_model_log_joint(const irvi_model *m, const uint8_t *x, int n, int S,
                                 const float *const *h, double *out)
{
    if (n < 0 || S < 0)
        return irvi_fail(IRVI_EINVAL, "negative batch size");
    return family_of(&m->arch)->log_joint(m, x, n, S, h, out);
}

irvi_status irvi_model_recognize(const irvi_model *m, const uint8_t *x, int n, float *const *mu)
{
    if (n < 0)
        return irvi_fail(IRVI_EINVAL, "negative batch size");
    return family_of(&m->arch)->recognize(m, x, n, mu);
}
