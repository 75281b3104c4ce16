/* engine/binary/sbn_model.c — the binary-latent model: its description,
 * tensor layout, ancestral sampling and the allocating density entry points. */
#include "kernels.h"
#include "linalg.h"
#include "model_layout.h"
#include "sbn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbn_arch_describe(const irvi_arch *a, char *buf, size_t cap)
{
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

static const char *const Gn[] = {"G0", "G1", "G2"}, *const cn[] = {"c0", "c1", "c2"};
static const char *const Vn[] = {"V1", "V2", "V3"}, *const vn[] = {"v1", "v2", "v3"};

void sbn_layout(irvi_model *m)
{
    for (int l = 0; l < IRVI_MAX_LAYERS; l++)
        m->G[l] = m->c[l] = m->V[l] = m->v[l] = SIZE_MAX;
    m->A = m->alpha = m->C = m->R = m->U = m->u = m->z = SIZE_MAX;
    const irvi_arch *a = &m->arch;
    int L = a->L;
    if (a->gen_hidden) {
        m->A = model_add_tensor(m, "A", a->H[0], a->gen_hidden, 1, 1);
        m->alpha = model_add_tensor(m, "alpha", a->gen_hidden, 1, 0, 1);
        m->C = model_add_tensor(m, "C", a->gen_hidden, a->D, 1, 1);
    } else {
        m->G[0] = model_add_tensor(m, Gn[0], a->H[0], a->D, 1, 1);
    }
    m->c[0] = model_add_tensor(m, cn[0], a->D, 1, 0, 1);
    for (int l = 1; l < L; l++) {
        m->G[l] = model_add_tensor(m, Gn[l], a->H[l], a->H[l - 1], 1, 1);
        m->c[l] = model_add_tensor(m, cn[l], a->H[l - 1], 1, 0, 1);
    }
    m->z = model_add_tensor(m, "z", a->H[L - 1], 1, 0, 1);
    if (a->prior == IRVI_PRIOR_DARN)
        m->R = model_add_tensor(m, "R", a->H[L - 1], a->H[L - 1], 0, 1);
    int in = a->D;
    if (a->rec_hidden) {
        m->U = model_add_tensor(m, "U", a->D, a->rec_hidden, 1, 0);
        m->u = model_add_tensor(m, "u", a->rec_hidden, 1, 0, 0);
        in = a->rec_hidden;
    }
    for (int l = 0; l < L; l++) {
        m->V[l] = model_add_tensor(m, Vn[l], l ? a->H[l - 1] : in, a->H[l], 1, 0);
        m->v[l] = model_add_tensor(m, vn[l], a->H[l], 1, 0, 0);
    }
}

/* Keep only the strictly upper part of R ([in][out] storage), i.e. unit i sees
 * units j < i (after the random initialization). */
void sbn_mask_darn(irvi_model *m)
{
    if (m->R == SIZE_MAX)
        return;
    int H = m->arch.H[m->arch.L - 1];
    float *R = P(m, m->R);
    for (int j = 0; j < H; j++)
        for (int i = 0; i <= j; i++)
            R[(size_t)j * H + i] = 0;
}

/* Bernoulli draw of one row of logits through the model's mean map. */
static void draw_row(const irvi_model *m, irvi_rng *r, const float *a, float *h, int n)
{
    for (int i = 0; i < n; i++) { /* one 64-bit draw per unit, its top 32 bits */
        float a1 = a[i];
        float p;
        k_mean(&a1, &p, 1, m->arch.squash);
        irvi_rng_bernoulli(r, &p, &h[i], 1);
    }
}

irvi_status sbn_model_sample(const irvi_model *m, irvi_rng *r, int n, uint8_t *x,
                            float *const *h)
{
    const irvi_arch *a = &m->arch;
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
            float p, xd;
            k_mean(&logit[d], &p, 1, a->squash);
            irvi_rng_bernoulli(r, &p, &xd, 1);
            x[(size_t)b * a->D + d] = xd != 0;
        }
        if (h)
            for (int l = 0; l < L; l++)
                memcpy(h[l] + (size_t)b * a->H[l], hs[l], sizeof(float) * a->H[l]);
    }
    free(buf);
    return IRVI_OK;
}

irvi_status sbn_model_log_joint(const irvi_model *m, const uint8_t *x, int n, int S,
                                const float *const *h, double *out)
{
    model_ws w = {0};
    int R = S * n;
    if (model_ws_reserve(&w, m, R, n)) {
        model_ws_free(&w);
        return irvi_fail(IRVI_ENOMEM, "log-joint buffers for %d rows", R);
    }
    for (int l = 0; l < m->arch.L; l++)
        memcpy(w.h[l], h[l], sizeof(float) * (size_t)R * m->arch.H[l]);
    model_log_joint(m, &w, x, n, S, out);
    model_ws_free(&w);
    return IRVI_OK;
}

irvi_status sbn_model_recognize(const irvi_model *m, const uint8_t *x, int n, float *const *mu)
{
    model_ws w = {0};
    if (model_ws_reserve(&w, m, 1, n)) {
        model_ws_free(&w);
        return irvi_fail(IRVI_ENOMEM, "recognition buffers for %d examples", n);
    }
    model_recognize(m, &w, x, n);
    for (int l = 0; l < m->arch.L; l++)
        memcpy(mu[l], w.rmu[l], sizeof(float) * (size_t)n * m->arch.H[l]);
    model_ws_free(&w);
    return IRVI_OK;
}
