/* engine/binary/sbn_train.h — training of binary-latent models: the
 * minibatch loss of train_impl.h (train_loss.c), the sleep phase
 * (train_sleep.c) and the family table's update (sbn_train.c). */
#ifndef IRVI_SBN_TRAIN_H
#define IRVI_SBN_TRAIN_H

#include "sbn.h"
#include "train_impl.h"

/* ---- the minibatch loss (train_loss.c) ------------------------------------
 * The loss J above for the rows in w->h: runs model_log_joint (into w->lp)
 * and model_recognize. u may be NULL (every algorithm but BiHM). */
double train_loss(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                  const float *wgen, const float *const *t, const float *const *u, float l2);
/* -sum_b sum_l lb(t_l[b]; mu0_l[b]) after model_recognize on the same n examples. */
double train_rec_xent(const irvi_model *m, const model_ws *w, int n, const float *const *t);
/* Add dJ/dtheta to grad. model_log_joint must have been run on the same rows
 * with the current parameters (its logits are reused); the recognition pass
 * is rerun here so the workspace's recognition buffers match x. */
void train_loss_grad(const irvi_model *m, model_ws *w, const uint8_t *x, int n, int S,
                     const float *wgen, const float *const *t, const float *const *u, float l2,
                     float *grad);
/* Weights and targets of an algorithm from the S*n rows in h with log
 * weights lw (S*n): wn gets the per-example softmax of lw (of lw / 2 for
 * BiHM), wgen the generative weights, t the recognition targets and, for
 * BiHM, u the subtracted targets (u may be NULL otherwise); muK (per layer,
 * (n, H_l)) is the proposal's mean, used with analytic. Returns the mean over
 * examples of the normalized ESS 1 / (S sum_n wn^2) of those weights. */
double train_weights_targets(const irvi_model *m, irvi_algo algo, int analytic, int n, int S,
                             const float *const *h, const double *lw, const float *const *muK,
                             float *wn, float *wgen, float *const *t, float *const *u);

/* ---- the sleep phase (train_sleep.c) ------------------------------------
 * J_sleep of n dreams x (n, D) with latents h[l] (n, H_l): runs model_recognize. */
double sleep_loss(const irvi_model *m, model_ws *w, const uint8_t *x, int n,
                  const float *const *h);
/* Add dJ_sleep/dpsi to grad (generative entries untouched). */
void sleep_loss_grad(const irvi_model *m, model_ws *w, const uint8_t *x, int n,
                     const float *const *h, float *grad);
/* When the update in progress is a sleep update (sleep on and updates %
 * sleep_interleave == 0), draw the dreams from t's training stream (after the
 * wake phase's draws) and add dJ_sleep to t->grad; otherwise nothing. */
irvi_status trainer_sleep(irvi_trainer *t, const char *where);
/* On a sleep update: copy the parameters and optimizer state into t->snap
 * (before the wake step); otherwise nothing. */
void sleep_snapshot(irvi_trainer *t);
/* The family table's after_update: on a sleep update, after the wake step,
 * t->grad = dJ_sleep over fresh dreams and one optimizer step of the
 * recognition parameters alone; on failure the snapshot is restored. */
irvi_status trainer_sleep_step(irvi_trainer *t, const char *where);

/* Buffers for the trainer's dreams (the family table's trainer_alloc;
 * nothing when sleep_interleave = 0); -1 when out of memory. */
int sleep_alloc(irvi_trainer *t);
void sleep_free(irvi_trainer *t);
/* The family table's train_update: N samples from the proposal in t->q,
 * weights and targets per algorithm, t->grad (plus the sleep phase's). */
irvi_status sbn_train_update(irvi_trainer *t, int n, const char *where, double *lb,
                             double *ess);

#endif
