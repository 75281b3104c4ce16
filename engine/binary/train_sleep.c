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
 * As in the reference, the sleep gradient gets its own optimizer step, after
 * the update's wake step, on the recognition parameters only (their RMSprop
 * state advances twice on a sleep update, the generative parameters' once).
 * Both steps belong to one update: a checkpoint cannot fall between them, and
 * if the sleep step fails the wake step is undone from a snapshot, so the
 * update is all or nothing. Dreams use the trainer's training stream after
 * the wake draws and come from the updated model; the schedule depends only
 * on the update count, so resuming is exact.
 */
#include "kernels.h"
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
    fail |= !(t->snap = malloc(sizeof(float) * 4 * (t->m->np ? t->m->np : 1)));
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
    free(t->snap);
    t->snap = NULL;
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

static int sleep_update(const irvi_trainer *t)
{
    int si = t->o.sleep_interleave;
    return si != 0 && t->updates % si == 0 && t->snap;
}

/* dir 0: state -> snapshot, 1: snapshot -> state */
static void snap_copy(irvi_trainer *t, int dir)
{
    size_t np = t->m->np, c = sizeof(float) * np;
    float *st[4] = {t->m->p, t->opt.n, t->opt.gbar, t->opt.delta};
    for (int k = 0; k < 4; k++) {
        if (!st[k]) /* SGD keeps no state arrays */
            continue;
        if (dir)
            memcpy(st[k], t->snap + k * np, c);
        else
            memcpy(t->snap + k * np, st[k], c);
    }
}

void sleep_snapshot(irvi_trainer *t)
{
    if (sleep_update(t))
        snap_copy(t, 0);
}

irvi_status trainer_sleep_step(irvi_trainer *t, const char *where)
{
    if (!sleep_update(t))
        return IRVI_OK;
    irvi_model *m = t->m;
    memset(t->grad, 0, sizeof(float) * m->np);
    irvi_status st = trainer_sleep(t, where);
    if (!st && !k_all_finite(t->grad, m->np))
        st = irvi_fail(IRVI_ENUMERIC, "%s: sleep phase: non-finite gradient (update undone)",
                       where);
    if (!st && optim_step_rec(&t->opt, m, m->p, t->grad, t->lr))
        st = irvi_fail(IRVI_ENUMERIC, "%s: sleep phase: the step gives non-finite parameters "
                                      "(update undone)", where);
    if (st)
        snap_copy(t, 1);
    return st;
}
