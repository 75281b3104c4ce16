/* engine/binary/train_loss.c — the minibatch loss every binary training algorithm
 * reduces to (train_impl.h): its value, its gradient, and each algorithm's
 * generative weights and recognition targets (DESIGN §4, 5.1, 9).
 */
#include "kernels.h"
#include "sbn_train.h"

#include <math.h>
#include <string.h>

double train_rec_xent(const irvi_model *m, const model_ws *w, int n, const float *const *t)
{
    const irvi_arch *a = &m->arch;
    float one = 1, zero = 0;
    double J = 0;
    for (int l = 0; l < a->L; l++)
        for (size_t i = 0; i < (size_t)n * a->H[l]; i++) {
            double l1 = k_bern_logp(&one, &w->ra[l][i], 1, a->squash);
            double l0 = k_bern_logp(&zero, &w->ra[l][i], 1, a->squash);
            J -= t[l][i] * l1 + (1.0 - t[l][i]) * l0;
        }
    return J;
}

double train_loss(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                  const float *wgen, const float *const *t, const float *const *u, float l2)
{
    model_log_joint(m, w, x, n, S, w->lp);
    double J = 0;
    for (int r = 0; r < S * n; r++)
        J -= wgen[r] * w->lp[r];
    model_recognize(m, w, x, n);
    J += train_rec_xent(m, w, n, t);
    if (u)
        J -= train_rec_xent(m, w, n, u);
    return J + train_l2_loss(m, l2);
}

void train_loss_grad(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                     const float *wgen, const float *const *t, const float *const *u, float l2,
                     float *grad)
{
    model_grad_gen(m, w, x, n, S, wgen, grad);
    /* The recognition buffers (ra, rmu, xt) of the workspace are left alone by
     * the refinement and the sampling passes, but recomputing them costs one
     * small GEMM and keeps this function independent of what ran before. */
    model_recognize(m, w, x, n);
    model_grad_rec(m, w, n, t, 1.0f, grad);
    if (u) /* model_grad_rec leaves the forward buffers as they were */
        model_grad_rec(m, w, n, u, -1.0f, grad);
    train_l2_grad(m, l2, grad);
}

/* t[l] (n, H_l) = sum_s c_s h_s per example, c from wn or 1/S. */
static void mix_targets(const irvi_model *m, int n, int S, const float *const *h, const float *wn,
                        float *const *t)
{
    for (int l = 0; l < m->arch.L; l++) {
        int H = m->arch.H[l];
        memset(t[l], 0, sizeof(float) * (size_t)n * H);
        for (int s = 0; s < S; s++)
            for (int b = 0; b < n; b++) {
                float c = wn ? wn[(size_t)s * n + b] : 1.0f / (float)S;
                if (c == 0)
                    continue;
                const float *hr = h[l] + ((size_t)s * n + b) * H;
                float *tb = t[l] + (size_t)b * H;
                for (int i = 0; i < H; i++)
                    tb[i] += c * hr[i];
            }
    }
}

double train_weights_targets(const irvi_model *m, irvi_algo algo, int analytic, int n, int S,
                             const float *const *h, const double *lw, const float *const *muK,
                             float *wn, float *wgen, float *const *t, float *const *u)
{
    const irvi_algo_info *ai = irvi_algo_info_get(algo);
    /* BiHM's weights are sqrt(p/q) normalized: the softmax of lw / 2 */
    double scale = ai->wgen == IRVI_WGEN_SOFTMAX_HALF ? 0.5 : 1.0, ess_sum = 0;
    for (int b = 0; b < n; b++) {
        double mx = -INFINITY, z = 0, s2 = 0;
        for (int s = 0; s < S; s++)
            mx = lw[(size_t)s * n + b] > mx ? lw[(size_t)s * n + b] : mx;
        for (int s = 0; s < S; s++)
            z += exp(scale * (lw[(size_t)s * n + b] - mx));
        for (int s = 0; s < S; s++) {
            double v = exp(scale * (lw[(size_t)s * n + b] - mx)) / z;
            wn[(size_t)s * n + b] = (float)v;
            s2 += v * v;
        }
        ess_sum += 1.0 / (S * s2);
    }
    size_t R = (size_t)S * n;
    for (size_t r = 0; r < R; r++)
        wgen[r] = ai->wgen == IRVI_WGEN_UNIFORM ? 1.0f / (float)S : wn[r];
    int weighted = ai->target != IRVI_TARGET_SAMPLE_MEAN; /* BiHM: t weighted, u not */
    int use_mu = analytic && ai->target == IRVI_TARGET_SAMPLE_MEAN;
    if (use_mu)
        for (int l = 0; l < m->arch.L; l++)
            memcpy(t[l], muK[l], sizeof(float) * (size_t)n * m->arch.H[l]);
    else
        mix_targets(m, n, S, h, weighted ? wn : NULL, t);
    if (ai->target == IRVI_TARGET_BIHM)
        mix_targets(m, n, S, h, NULL, u);
    return ess_sum / n;
}
