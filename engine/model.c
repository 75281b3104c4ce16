/* engine/model.c — model construction: architecture parsing and checks, the
 * single parameter block and its named tensors, initialization, copies, and
 * ancestral sampling. The numeric passes live in model_fwd.c and recog.c. */
#include "kernels.h"
#include "linalg.h"
#include "model_impl.h"
#include "vae.h"

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
    if (a->latent != IRVI_LATENT_BERNOULLI && a->latent != IRVI_LATENT_GAUSSIAN)
        return irvi_fail(IRVI_EINVAL, "unknown latent type %d", (int)a->latent);
    if (a->latent == IRVI_LATENT_GAUSSIAN)
        return vae_arch_validate(a);
    return IRVI_OK;
}

void irvi_arch_describe(const irvi_arch *a, char *buf, size_t cap)
{
    if (a->latent == IRVI_LATENT_GAUSSIAN) {
        vae_arch_describe(a, buf, cap);
        return;
    }
    int k = snprintf(buf, cap, "%s ", a->prior == IRVI_PRIOR_DARN ? "DARN" : "SBN");
    for (int l = 0; l < a->L && k > 0 && (size_t)k < cap; l++)
        k += snprintf(buf + k, cap - k, "%s%d", l ? "-" : "", a->H[l]);
    if (a->gen_hidden && k > 0 && (size_t)k < cap)
        k += snprintf(buf + k, cap - k, " (tanh %d)", a->gen_hidden);
    if (a->rec_hidden && k > 0 && (size_t)k < cap)
        k += snprintf(buf + k, cap - k, " (rec tanh %d)", a->rec_hidden);
    if (a->squash && k > 0 && (size_t)k < cap)
        snprintf(buf + k, cap - k, " squashed");
}

static size_t add_tensor(irvi_model *m, const char *name, int rows, int cols, int decay, int gen)
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

static const char *const Gn[] = {"G0", "G1", "G2"}, *const cn[] = {"c0", "c1", "c2"};
static const char *const Vn[] = {"V1", "V2", "V3"}, *const vn[] = {"v1", "v2", "v3"};

static void layout(irvi_model *m)
{
    const irvi_arch *a = &m->arch;
    int L = a->L;
    for (int l = 0; l < IRVI_MAX_LAYERS; l++)
        m->G[l] = m->c[l] = m->V[l] = m->v[l] = SIZE_MAX;
    m->A = m->alpha = m->C = m->R = m->U = m->u = SIZE_MAX;
    m->F1 = m->f1 = m->F2 = m->f2 = m->E1 = m->e1 = m->E2 = m->e2 = SIZE_MAX;
    if (a->latent == IRVI_LATENT_GAUSSIAN) {
        m->z = SIZE_MAX;
        vae_layout(m);
        return;
    }
    if (a->gen_hidden) {
        m->A = add_tensor(m, "A", a->H[0], a->gen_hidden, 1, 1);
        m->alpha = add_tensor(m, "alpha", a->gen_hidden, 1, 0, 1);
        m->C = add_tensor(m, "C", a->gen_hidden, a->D, 1, 1);
    } else {
        m->G[0] = add_tensor(m, Gn[0], a->H[0], a->D, 1, 1);
    }
    m->c[0] = add_tensor(m, cn[0], a->D, 1, 0, 1);
    for (int l = 1; l < L; l++) {
        m->G[l] = add_tensor(m, Gn[l], a->H[l], a->H[l - 1], 1, 1);
        m->c[l] = add_tensor(m, cn[l], a->H[l - 1], 1, 0, 1);
    }
    m->z = add_tensor(m, "z", a->H[L - 1], 1, 0, 1);
    if (a->prior == IRVI_PRIOR_DARN)
        m->R = add_tensor(m, "R", a->H[L - 1], a->H[L - 1], 0, 1);
    int in = a->D;
    if (a->rec_hidden) {
        m->U = add_tensor(m, "U", a->D, a->rec_hidden, 1, 0);
        m->u = add_tensor(m, "u", a->rec_hidden, 1, 0, 0);
        in = a->rec_hidden;
    }
    for (int l = 0; l < L; l++) {
        m->V[l] = add_tensor(m, Vn[l], l ? a->H[l - 1] : in, a->H[l], 1, 0);
        m->v[l] = add_tensor(m, vn[l], a->H[l], 1, 0, 0);
    }
}

/* Keep only the strictly upper part of R ([in][out] storage), i.e. unit i sees
 * units j < i. */
static void mask_darn(irvi_model *m)
{
    if (m->R == SIZE_MAX)
        return;
    int H = m->arch.H[m->arch.L - 1];
    float *R = P(m, m->R);
    for (int j = 0; j < H; j++)
        for (int i = 0; i <= j; i++)
            R[(size_t)j * H + i] = 0;
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
    mask_darn(m);
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

/* Bernoulli draw of one row of logits through the model's mean map. */
static void draw_row(const irvi_model *m, irvi_rng *r, const float *a, float *h, int n)
{
    for (int i = 0; i < n; i++) {
        float a1 = a[i];
        float p;
        k_mean(&a1, &p, 1, m->arch.squash);
        h[i] = irvi_rng_uniform_f(r) < p ? 1.0f : 0.0f;
    }
}

irvi_status irvi_model_sample(const irvi_model *m, irvi_rng *r, int n, uint8_t *x,
                              float *const *h)
{
    const irvi_arch *a = &m->arch;
    if (a->latent == IRVI_LATENT_GAUSSIAN)
        return vae_model_sample(m, r, n, x, h);
    int L = a->L, Hm = a->D;
    for (int l = 0; l < L; l++)
        Hm = a->H[l] > Hm ? a->H[l] : Hm;
    if (a->gen_hidden > Hm)
        Hm = a->gen_hidden;
    float *buf = malloc(sizeof(float) * ((size_t)(L + 2) * Hm + a->D));
    if (!buf)
        return irvi_fail(IRVI_ENOMEM, "sampling buffers");
    float *hs[IRVI_MAX_LAYERS], *logit = buf + (size_t)L * Hm, *tmp = logit + Hm;
    for (int l = 0; l < L; l++)
        hs[l] = buf + (size_t)l * Hm;
    for (int b = 0; b < n; b++) {
        int HL = a->H[L - 1];
        const float *z = P(m, m->z);
        if (a->prior == IRVI_PRIOR_DARN) {
            const float *R = P(m, m->R);
            for (int i = 0; i < HL; i++) {
                float ai = z[i];
                for (int j = 0; j < i; j++)
                    ai += hs[L - 1][j] * R[(size_t)j * HL + i];
                draw_row(m, r, &ai, &hs[L - 1][i], 1);
            }
        } else {
            draw_row(m, r, z, hs[L - 1], HL);
        }
        for (int l = L - 1; l >= 1; l--) {
            memcpy(logit, P(m, m->c[l]), sizeof(float) * a->H[l - 1]);
            la_row_gemv(hs[l], P(m, m->G[l]), a->H[l], a->H[l - 1], logit);
            draw_row(m, r, logit, hs[l - 1], a->H[l - 1]);
        }
        memcpy(logit, P(m, m->c[0]), sizeof(float) * a->D);
        if (a->gen_hidden) {
            memcpy(tmp, P(m, m->alpha), sizeof(float) * a->gen_hidden);
            la_row_gemv(hs[0], P(m, m->A), a->H[0], a->gen_hidden, tmp);
            k_tanh(tmp, tmp, a->gen_hidden);
            la_row_gemv(tmp, P(m, m->C), a->gen_hidden, a->D, logit);
        } else {
            la_row_gemv(hs[0], P(m, m->G[0]), a->H[0], a->D, logit);
        }
        for (int d = 0; d < a->D; d++) {
            float p;
            k_mean(&logit[d], &p, 1, a->squash);
            x[(size_t)b * a->D + d] = irvi_rng_uniform_f(r) < p ? 1 : 0;
        }
        if (h)
            for (int l = 0; l < L; l++)
                memcpy(h[l] + (size_t)b * a->H[l], hs[l], sizeof(float) * a->H[l]);
    }
    free(buf);
    return IRVI_OK;
}
