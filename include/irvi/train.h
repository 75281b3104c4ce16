/* irvi/train.h — training step by step: IRVI with AIR (Algorithm 1), RWS
 * (optionally with the sleep phase), the supplement's reweighted /
 * inclusive-KL AIR variants and BiHM training; RMSprop or SGD;
 * validation with early stopping on the refined validation lower bound;
 * checkpoints that resume exactly.
 *
 * The caller drives it: irvi_trainer_step() takes one minibatch; when
 * irvi_trainer_epoch_done() turns true, irvi_trainer_end_epoch() validates,
 * keeps the best parameters and starts the next epoch. Nothing blocks, nothing
 * prints. The trainer owns its model (see irvi_trainer_model).
 */
#ifndef IRVI_TRAIN_H
#define IRVI_TRAIN_H

#include "data.h"
#include "eval.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    IRVI_ALGO_AIR = 0,          /* IRVI with AIR: p from N samples of q_K, q toward q_K */
    IRVI_ALGO_RWS = 1,          /* reweighted wake-sleep: wake phases as in the IRVI code;
                                   the sleep phase with sleep_interleave > 0 */
    IRVI_ALGO_AIR_REWEIGHT = 2, /* AIR, p gradient importance-weighted (supplement) */
    IRVI_ALGO_AIR_INCLUSIVE = 3, /* reweighted AIR + inclusive-KL recognition loss */
    /* Gaussian (VAE) models only (DESIGN §8); both minimize batch-mean losses: */
    IRVI_ALGO_VAE = 4,          /* reparameterized ELBO, N samples of q_0, through the encoder */
    IRVI_ALGO_GDIR = 5,         /* GDIR (air.K steps of size air.gamma, air.M draws) without
                                   backprop through it; decoder from N samples of q_K, encoder
                                   toward q_K by KL(q_K || q_0) */
    /* binary again (appended so stored algorithm numbers keep their meaning): */
    IRVI_ALGO_BIHM = 6          /* bidirectional Helmholtz machine (DESIGN §9): N samples of q_0,
                                   w~ = softmax(lw / 2); p ascends sum w~ dlog p, q ascends
                                   sum (w~ - 1/N) dlog q */
} irvi_algo;
const char *irvi_algo_name(irvi_algo a);
irvi_status irvi_algo_parse(const char *s, irvi_algo *out);

/* What an algorithm does with the N update samples of an example (see the
 * loss in engine/train_impl.h): the weights of their log p gradients ... */
typedef enum {
    IRVI_WGEN_UNIFORM = 0,      /* 1/N */
    IRVI_WGEN_SOFTMAX = 1,      /* w~ = softmax of log w = log p - log q */
    IRVI_WGEN_SOFTMAX_HALF = 2, /* w1/2 = softmax of log w / 2 (BiHM) */
    IRVI_WGEN_BATCH_MEAN = 3    /* Gaussian: the batch-mean reparameterized loss */
} irvi_wgen;
/* ... and where the recognition network is pulled. */
typedef enum {
    IRVI_TARGET_SAMPLE_MEAN = 0, /* mean_n h_n (or mu_K with analytic_rec) */
    IRVI_TARGET_WEIGHTED = 1,    /* sum_n w~_n h_n */
    IRVI_TARGET_BIHM = 2,        /* sum_n w1/2_n h_n minus mean_n h_n */
    IRVI_TARGET_ELBO = 3,        /* Gaussian: the ELBO through the encoder (VAE) */
    IRVI_TARGET_KL_QK = 4        /* Gaussian: KL(q_K || q_0) toward the refined posterior */
} irvi_rec_target;

/* One training algorithm, all in one place (engine/algo.c). */
typedef struct {
    irvi_algo algo;
    const char *name;           /* "air", as irvi_algo_name */
    const char *label;          /* "AIR", for tables and messages */
    irvi_latent latent;         /* the latent family it trains */
    int refines;                /* 1: the update samples come from q_K (refined), 0: from q_0 */
    irvi_wgen wgen;
    irvi_rec_target target;
    int sleep;                  /* 1: a sleep phase may be added (sleep_interleave) */
    int K, M;                   /* default refinement steps and samples per step */
    float gamma;                /* default refinement step size */
} irvi_algo_info;

/* The table entry of a; NULL if a is not an algorithm. */
const irvi_algo_info *irvi_algo_info_get(irvi_algo a);
/* The entry named s ("air", "rws", ...); NULL if none. */
const irvi_algo_info *irvi_algo_by_name(const char *s);
/* Number of algorithms: they are numbered 0 .. irvi_algo_count() - 1. */
int irvi_algo_count(void);

typedef enum { IRVI_OPT_RMSPROP = 0, IRVI_OPT_SGD = 1 } irvi_optimizer;

typedef struct {
    irvi_algo algo;
    int batch;              /* 100 */
    int N;                  /* posterior samples for the update (20) */
    irvi_refine_opts air;      /* training refinement (K=20, M=20, gamma=0.1) */
    irvi_optimizer opt;     /* RMSprop */
    float lr;               /* 1e-4 */
    float l2;               /* 2e-4 on weight matrices */
    float lr_decay;         /* lr <- lr / lr_decay after each epoch (1 = none) */
    int analytic_rec;       /* 1: recognition target mu_K instead of the sample mean */
    irvi_refine_opts test_air; /* refinement used for validation (K=20, M=20, gamma=0.1) */
    int valid_N;            /* samples per validation example (100) */
    int valid_n;            /* validation examples used (0 = all) */
    int sleep_interleave;   /* binary models: every this many updates, a sleep phase (spec
                               5.2): sleep_interleave * batch dreams (x, h) ~ p and the
                               recognition gradient of -sum log q(h|x), added to that
                               update's gradient. 0 = off (the wake-only RWS of Table 1) */
} irvi_train_opts;

void irvi_train_opts_default(irvi_train_opts *o);
irvi_status irvi_train_opts_validate(const irvi_train_opts *o);

typedef struct {
    long update;            /* updates so far (over all epochs) */
    int epoch;              /* 0-based epoch in progress */
    int batch;              /* batches done in this epoch */
    int batches;            /* batches per epoch */
    double lb;              /* minibatch lower bound under q_K (AIR) or q_0 (RWS), per example */
    double lb0;             /* minibatch lower bound under q_0, per example */
    double ess;             /* minibatch normalized ESS of the update samples */
    double seconds;         /* wall time of this step */
} irvi_step_metrics;

typedef struct {
    int epoch;              /* the epoch just finished (0-based) */
    long updates;
    double train_lb;        /* mean of the minibatch bounds of the epoch */
    double valid_lb0;       /* validation lower bound under q_0 */
    double valid_lb;        /* validation lower bound under refined q_K */
    double valid_ll;        /* validation IS log-likelihood (refined proposal) */
    double valid_ess;       /* validation normalized ESS (refined proposal) */
    double best_valid_lb;
    int improved;           /* 1 if this epoch is the new best */
    double lr;
    double train_seconds;   /* wall time of the epoch's training steps */
    double valid_seconds;
} irvi_epoch_metrics;

typedef struct irvi_trainer irvi_trainer;

/* Takes ownership of model; borrows ds (must outlive the trainer). */
irvi_status irvi_trainer_create(irvi_model *model, const irvi_dataset *ds,
                                const irvi_train_opts *o, uint64_t seed,
                                irvi_trainer **out);
void irvi_trainer_free(irvi_trainer *t);

/* One minibatch update. IRVI_ENUMERIC (parameters untouched) if the step
 * produced a non-finite gradient or parameter. */
irvi_status irvi_trainer_step(irvi_trainer *t, irvi_step_metrics *out);
int irvi_trainer_epoch_done(const irvi_trainer *t);
/* Validate, update the best copy, decay lr, start the next epoch. */
irvi_status irvi_trainer_end_epoch(irvi_trainer *t, irvi_epoch_metrics *out,
                                   irvi_progress_fn progress, void *user);

irvi_model *irvi_trainer_model(irvi_trainer *t);          /* current parameters */
const irvi_model *irvi_trainer_best(const irvi_trainer *t); /* best-validation parameters */
const irvi_train_opts *irvi_trainer_opts(const irvi_trainer *t);
int irvi_trainer_epoch(const irvi_trainer *t);
/* Batches done in the epoch in progress (0: it has not started; kept in checkpoints). */
int irvi_trainer_batch(const irvi_trainer *t);
long irvi_trainer_updates(const irvi_trainer *t);
/* Change the training-time refinement live (the app's K/M/gamma keys). */
irvi_status irvi_trainer_set_air(irvi_trainer *t, const irvi_refine_opts *air);
/* Switch optimizer for fine-tuning (keeps parameters, resets its state). */
void irvi_trainer_set_optimizer(irvi_trainer *t, irvi_optimizer opt, float lr, float lr_decay);

/* ---- checkpoints: versioned binary with magic, version and CRC32, written
 * atomically (temp file, fsync, rename) so the previous file survives any
 * failure. A trainer checkpoint holds parameters, best parameters, optimizer
 * state, RNG state, epoch/batch position, shuffle order and the options. */
irvi_status irvi_trainer_save(const irvi_trainer *t, const char *path);
/* Restore a trainer from a checkpoint written by irvi_trainer_save (the
 * dataset must be the same shape). */
irvi_status irvi_trainer_resume(const char *path, const irvi_dataset *ds, irvi_trainer **out);

/* Model-only files: the same container with only the parameters (best ones
 * when saved from a trainer). irvi_model_load also reads trainer checkpoints
 * (it takes their best parameters). */
irvi_status irvi_model_save(const irvi_model *m, const char *path);
irvi_status irvi_model_load(const char *path, irvi_model **out);

#ifdef __cplusplus
}
#endif
#endif
