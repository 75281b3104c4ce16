/* engine/binary/train_sleep.c — the sleep phase of reweighted wake-sleep (DESIGN §5.2,
 * [RWS]): every sleep_interleave updates, sleep_interleave * batch dreams
 * (x, h) ~ p are drawn ancestrally (irvi_model_sample: the one DARN
 * convention of the density) and the recognition network ascends
 * sum_d log q0(h_d | x_d), unweighted.
 *
 * Our q0 is the deterministic mean-field chain of DESIGN §2, so log q0(h|x) of a
 * dream is the Bernoulli log-mass of its latents under the chain's means: the
 * same cross-entropy as every wake recognition loss, with hard targets h_d,
 * through the same recognition code (model_recognize / model_grad_rec).
 *
 * The reference takes a separate optimizer step for the sleep gradient; here
 * it is added to the update's own (batch-summed) gradient, so RMSprop keeps
 * one state update per step and a checkpoint between the phases cannot
 * exist. Dreams use the trainer's training stream after the wake draws, and
 * the schedule depends only on the update count, so resuming is exact.
 */
#include "sbn_train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double sleep_loss(const irvi_model *m, model_ws *w, const uint8_t *x, int n,
                  const float *const *h)
{
    model_recognize(m, w, x, n);
    return train_rec_xent(m, w, n, h);
}

void sleep_loss_grad(const irvi_model *m, model_ws *w, const uint8_t *x, int n,
                     const float *const *h, float *grad)
{
    model_recognize(m, w, x, n);
    model_grad_rec(m, w, n, h, 1.0f, grad);
}

int sleep_alloc(irvi_trainer *t)
{
    int nd = t->o.sleep_interleave * t->o.batch;
    if (nd == 0)
        return 0;
    const irvi_arch *a = &t->m->arch;
    int fail = !(t->dx = malloc((size_t)nd * a->D));
    for (int l = 0; l < a->L; l++)
        fail |= !(t->dh[l] = malloc(sizeof(float) * (size_t)nd * a->H[l]));
    return fail || model_ws_reserve(&t->sws, t->m, 1, nd) ? -1 : 0;
}

void sleep_free(irvi_trainer *t)
{
    free(t->dx);
    t->dx = NULL;
    for (int l = 0; l < IRVI_MAX_LAYERS; l++) {
        free(t->dh[l]);
        t->dh[l] = NULL;
    }
    model_ws_free(&t->sws);
}

irvi_status trainer_sleep(irvi_trainer *t, const char *where)
{
    int si = t->o.sleep_interleave;
    if (si == 0 || t->updates % si != 0)
        return IRVI_OK;
    const irvi_model *m = t->m;
    int nd = si * t->o.batch;
    irvi_status st = irvi_model_sample(m, &t->rng, nd, t->dx, t->dh);
    if (st) {
        char detail[512];
        snprintf(detail, sizeof detail, "%s", irvi_last_error());
        return irvi_fail(st, "%s: sleep phase: %s", where, detail);
    }
    sleep_loss_grad(m, &t->sws, t->dx, nd, (const float *const *)t->dh, t->grad);
    return IRVI_OK;
}
