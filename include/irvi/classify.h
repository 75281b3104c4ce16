/* irvi/classify.h — a small feed-forward classifier (paper 5.4, DESIGN §10):
 * features (raw pixels, or the posterior means mu_0 / mu_K of a model) go
 * through 1 or 2 hidden layers of sigmoid units into a softmax over the
 * classes, trained by minibatch RMSprop (or SGD) on the cross-entropy with
 * L2 on the weight matrices and inverted dropout on the hidden units (and
 * optionally the input), off at test time.
 *
 * Loss of n examples (what irvi_classifier_loss returns and differentiates):
 *   J = (1/n) sum_b [ LSE(z_b) - z_b[y_b] ] + l2 sum_{weight matrices} ||W||^2
 * with z_b the output logits. Weights are stored [in][out] and applied as
 * a = u.W + b; all parameters live in one float block. Not thread-safe: one
 * thread per classifier. No call prints or exits.
 */
#ifndef IRVI_CLASSIFY_H
#define IRVI_CLASSIFY_H

#include "train.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IRVI_CLASSIFIER_MAX_HIDDEN 2

typedef struct {
    int in_dim;             /* features per example */
    int nhidden;            /* hidden layers, 1 or 2 */
    int hidden[IRVI_CLASSIFIER_MAX_HIDDEN]; /* sigmoid units per hidden layer */
    int n_classes;          /* 10 */
    int batch;              /* minibatch size (100) */
    irvi_optimizer opt;     /* RMSprop (engine/optim.c, DESIGN §10) */
    float lr;               /* 1e-4 (paper 5.4) */
    float l2;               /* 2e-4 (paper 5.4) */
    float dropout_hidden;   /* rate on hidden units (0.1) */
    float dropout_in;       /* rate on the input features (0) */
} irvi_classifier_opts;

/* in_dim 0 (must be set), one hidden layer of 100, 10 classes, batch 100,
 * RMSprop, lr 1e-4, l2 2e-4, dropout 0.1 hidden / 0 input. */
void irvi_classifier_opts_default(irvi_classifier_opts *o);
/* 1 <= in_dim, hidden <= 65536, nhidden 1..2, 2 <= n_classes <= 256,
 * 1 <= batch <= 65536, lr > 0, l2 >= 0, dropout rates in [0, 1). */
irvi_status irvi_classifier_opts_validate(const irvi_classifier_opts *o);

typedef struct irvi_classifier irvi_classifier;

/* Weights uniform in +-sqrt(6 / (in + out)) (Glorot), 4 times that into
 * sigmoid units, biases 0; the dropout masks and epoch orders come from seed.
 * IRVI_EINVAL for bad options (then *out = NULL). */
irvi_status irvi_classifier_create(const irvi_classifier_opts *o, uint64_t seed,
                                   irvi_classifier **out);
void irvi_classifier_free(irvi_classifier *c);   /* NULL is fine */

const irvi_classifier_opts *irvi_classifier_get_opts(const irvi_classifier *c);
size_t irvi_classifier_nparams(const irvi_classifier *c);
/* The parameter block: W_1 (in_dim, H_1), b_1, [W_2 (H_1, H_2), b_2,]
 * W_out (H_last, n_classes), b_out. Writable (tests, restoring a copy). */
float *irvi_classifier_params(irvi_classifier *c);

/* x is (n, in_dim) row-major floats, y n labels in 0..n_classes-1. Every call
 * below rejects n < 1, a label out of range and a non-finite feature with
 * IRVI_EINVAL (naming the row), before changing anything. */

/* J above on (x, y) with dropout off; if grad != NULL it gets dJ/dtheta
 * (nparams floats, overwritten). */
irvi_status irvi_classifier_loss(irvi_classifier *c, const float *x, const uint8_t *y, int n,
                                 double *loss, float *grad);
/* One epoch: a fresh random order, minibatches of opts.batch (the last may be
 * short), each one optimizer step on J of the minibatch with dropout on.
 * mean_loss (may be NULL) gets the mean over examples of the minibatch
 * cross-entropies (dropout on, L2 excluded). IRVI_ENUMERIC if a step would
 * make a parameter non-finite (that step is not applied); IRVI_ECANCELLED if
 * irvi_request_cancel was set (between minibatches). */
irvi_status irvi_classifier_train_epoch(irvi_classifier *c, const float *x, const uint8_t *y,
                                        int n, double *mean_loss);
/* Most probable class of each row (dropout off) into pred (n). */
irvi_status irvi_classifier_predict(irvi_classifier *c, const float *x, int n, uint8_t *pred);
/* Fraction of rows whose most probable class is not y (0/1 error, in [0, 1]). */
irvi_status irvi_classifier_error(irvi_classifier *c, const float *x, const uint8_t *y, int n,
                                  double *err);

#ifdef __cplusplus
}
#endif
#endif
