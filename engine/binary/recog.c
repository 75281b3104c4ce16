/* engine/binary/recog.c — the recognition network q0(h|x): a deterministic chain
 * mu^(1) = mean((x - xbar) V_1 + v_1) (optionally through a tanh layer),
 * mu^(l) = mean(mu^(l-1) V_l + v_l), and the gradient of a cross-entropy
 * toward soft targets, which every recognition loss of the engine reduces to
 * (IRVI: the refined samples' mean or mu_K; RWS: the weighted sample mean).
 */
#include "kernels.h"
#include "linalg.h"
#include "sbn.h"

#include <string.h>

void model_recognize(const irvi_model *m, model_ws *w, const uint8_t *x, int n)
{
    const irvi_arch *a = &m->arch;
    int D = a->D, in = D;
    for (int b = 0; b < n; b++)
        for (int d = 0; d < D; d++)
            w->xt[(size_t)b * D + d] = (float)x[(size_t)b * D + d] - m->xbar[d];
    const float *u = w->xt;
    if (a->rec_hidden) {
        int Hr = a->rec_hidden;
        la_sgemm(0, 0, n, Hr, D, 1.0f, w->xt, D, P(m, m->U), Hr, 0.0f, w->rhid, Hr);
        k_add_bias(w->rhid, P(m, m->u), n, Hr);
        k_tanh(w->rhid, w->rhid, (size_t)n * Hr);
        u = w->rhid;
        in = Hr;
    }
    for (int l = 0; l < a->L; l++) {
        int H = a->H[l];
        la_sgemm(0, 0, n, H, in, 1.0f, u, in, P(m, m->V[l]), H, 0.0f, w->ra[l], H);
        k_add_bias(w->ra[l], P(m, m->v[l]), n, H);
        k_mean(w->ra[l], w->rmu[l], (size_t)n * H, a->squash);
        u = w->rmu[l];
        in = H;
    }
}

void model_grad_rec(const irvi_model *m, model_ws *w, int n, const float *const *t,
                    float scale, float *grad)
{
    const irvi_arch *a = &m->arch;
    int L = a->L, sq = a->squash;
    float *da = w->rdelta, *dmu = w->rdelta2;
    /* Walk down the chain: da_l = -scale g(t_l; a_l) + (dmu_l from layer l+1) * mean'(a_l). */
    for (int l = L - 1; l >= 0; l--) {
        int H = a->H[l];
        size_t nh = (size_t)n * H;
        if (l == L - 1) {
            k_bern_grad(t[l], w->ra[l], da, nh, sq, -scale);
        } else {
            /* dmu holds dJ/dmu_l from the layer above; da <- own term + dmu * mean' */
            k_mean_deriv(w->ra[l], da, nh, sq);
            for (size_t i = 0; i < nh; i++)
                dmu[i] *= da[i];
            k_bern_grad(t[l], w->ra[l], da, nh, sq, -scale);
            for (size_t i = 0; i < nh; i++)
                da[i] += dmu[i];
        }
        const float *in = l ? w->rmu[l - 1] : (a->rec_hidden ? w->rhid : w->xt);
        int inw = l ? a->H[l - 1] : (a->rec_hidden ? a->rec_hidden : a->D);
        la_sgemm(1, 0, inw, H, n, 1.0f, in, inw, da, H, 1.0f, grad + m->V[l], H);
        k_colsum_add(da, n, H, grad + m->v[l]);
        if (l > 0 || a->rec_hidden) /* dJ/d(input) = da V^T */
            la_sgemm(0, 1, n, inw, H, 1.0f, da, H, P(m, m->V[l]), H, 0.0f, dmu, inw);
    }
    if (a->rec_hidden) {
        int Hr = a->rec_hidden, D = a->D;
        for (size_t i = 0; i < (size_t)n * Hr; i++)
            dmu[i] *= 1.0f - w->rhid[i] * w->rhid[i];
        la_sgemm(1, 0, D, Hr, n, 1.0f, w->xt, D, dmu, Hr, 1.0f, grad + m->U, Hr);
        k_colsum_add(dmu, n, Hr, grad + m->u);
    }
}
