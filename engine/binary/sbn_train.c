/* engine/binary/sbn_train.c — the update of a binary training step (steps
 * 3-5 of train.c): N fresh samples of the proposal and their log weights,
 * the algorithm's weights and targets (train_loss.c), the gradient, and on
 * sleep updates a snapshot for the sleep phase's separate step (train_sleep.c).
 */
#include "sbn_train.h"

#include <math.h>
#include <string.h>

irvi_status sbn_train_update(irvi_trainer *t, int n, const char *where, double *lb,
                             double *ess)
{
    irvi_model *m = t->m;
    const irvi_train_opts *o = &t->o;
    irvi_posterior *q = t->q;
    int N = o->N;
    model_ws *w = &q->ws;
    posterior_draw_lq(q, m, N, &t->rng, w->lq);
    model_log_joint(m, w, q->x, n, N, w->lp);
    size_t R = (size_t)N * n;
    double sum_lw = 0;
    for (size_t r = 0; r < R; r++) {
        w->lw[r] = w->lp[r] - w->lq[r];
        sum_lw += w->lw[r];
    }
    *lb = sum_lw / (double)R;
    if (!isfinite(*lb))
        return irvi_fail(IRVI_ENUMERIC, "%s: non-finite log weight of an update sample "
                                        "(parameters left unchanged)", where);

    int bihm = irvi_algo_info_get(o->algo)->target == IRVI_TARGET_BIHM;
    *ess = train_weights_targets(m, o->algo, o->analytic_rec, n, N,
                                 (const float *const *)w->h, w->lw,
                                 (const float *const *)q->mu, t->wn, t->wt, t->tgt,
                                 bihm ? t->tneg : NULL);
    memset(t->grad, 0, sizeof(float) * m->np);
    train_loss_grad(m, w, q->x, n, N, t->wt, (const float *const *)t->tgt,
                    bihm ? (const float *const *)t->tneg : NULL, o->l2, t->grad);
    sleep_snapshot(t); /* on sleep updates: the state to restore if the sleep step fails */
    return IRVI_OK;
}
