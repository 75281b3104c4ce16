/* engine/train_impl.h — the trainer's insides, shared by train.c (the step
 * skeleton, epochs), the families' training code (binary/sbn_train.c,
 * train_loss.c, train_sleep.c; gaussian/vae_train.c), optim.c (RMSprop / SGD)
 * and checkpoint.c (save / resume). The algorithms' properties are in the
 * table of algo.c (irvi_algo_info_get); its (wgen, target) columns are the
 * table below.
 *
 * The per-minibatch loss that every binary algorithm reduces to, given the
 * update samples h_r (R = S*n sample-major rows), one weight per sample row
 * and one or two soft recognition targets per example:
 *
 *   J(theta) = - sum_r wgen[r] log p(x_{r mod n}, h_r; phi)
 *              - sum_b sum_l lb(t_l[b]; mu0_l[b](psi))
 *              + sum_b sum_l lb(u_l[b]; mu0_l[b](psi))       (BiHM only)
 *              + l2 * sum_{tensors with decay} ||W||^2
 *
 * with lb(t; mu) = sum_i t_i log mu_i + (1 - t_i) log(1 - mu_i) (affine in t,
 * so for weights summing to one, sum_n c_n lb(h_n; mu) = lb(sum_n c_n h_n; mu)).
 * The algorithms differ only in wgen, t and u (DESIGN §4, 5.1, 9):
 *
 *   AIR             wgen = 1/N,  t = mean_n h_n (or mu_K with analytic_rec)
 *   RWS             wgen = w~,   t = sum_n w~_n h_n      (samples from q_0)
 *   AIR_REWEIGHT    wgen = w~,   t = mean_n h_n (or mu_K with analytic_rec)
 *   AIR_INCLUSIVE   wgen = w~,   t = sum_n w~_n h_n
 *   BIHM            wgen = w½,   t = sum_n w½_n h_n,  u = mean_n h_n (samples from q_0)
 *
 * where w~ = softmax over the N samples of an example of lw = log p - log q,
 * and w½ = softmax of lw / 2. BiHM's recognition term is
 * -sum_n (w½_n - 1/N) log q0(h_n) = -lb(t) + lb(u): the two weight sets each
 * sum to one, so the affine lb splits into two cross-entropies.
 *
 * The sleep phase (DESIGN §5.2, train_sleep.c) adds, on every sleep_interleave-th
 * update, J_sleep = -sum_d sum_l lb(h_dl; mu0_l(x_d)) over dreams (x_d, h_d) ~ p:
 * the same cross-entropy with the dreamed latents as hard targets.
 */
#ifndef IRVI_TRAIN_IMPL_H
#define IRVI_TRAIN_IMPL_H

#include "irvi/train.h"
#include "posterior.h"

/* ---- optimizer (optim.c) ------------------------------------------------ */
typedef struct {
    irvi_optimizer kind;
    size_t np;
    float *n, *gbar, *delta;        /* RMSprop state (np each), zero at start */
    float *sn, *sg, *sd, *stheta;   /* scratch for the candidate update */
} optim_state;

int optim_init(optim_state *s, irvi_optimizer kind, size_t np);   /* 0 ok, -1 no memory */
void optim_reset(optim_state *s, irvi_optimizer kind);
void optim_free(optim_state *s);
/* One update of theta (np floats) with gradient g and learning rate lr.
 * Returns 0, or -1 if any new parameter or state value would be non-finite:
 * then theta and the state are left exactly as they were. */
int optim_step(optim_state *s, float *theta, const float *g, float lr);
/* The same for the recognition tensors of m only (theta = m's parameters, g
 * its gradient layout): generative parameters and their optimizer state are
 * left as they are. All or nothing, as optim_step. */
int optim_step_rec(optim_state *s, const irvi_model *m, float *theta, const float *g, float lr);

/* ---- the trainer -------------------------------------------------------- */
struct family_ops;
struct irvi_trainer {
    const struct family_ops *fam; /* the model's latent family (family.h) */
    irvi_model *m;          /* current parameters (owned) */
    irvi_model *best;       /* best-validation copy (owned) */
    const irvi_dataset *ds; /* borrowed */
    irvi_train_opts o;
    uint64_t seed;
    float lr;               /* current learning rate (after decay) */
    irvi_rng shuffle;       /* stream 1: epoch permutations */
    irvi_rng rng;           /* stream 2: AIR samples and update samples */
    int ntrain, batches;    /* training examples, batches per epoch */
    int epoch, batch;       /* epoch in progress, batches done in it */
    long updates;
    int *perm;              /* (ntrain) order of the epoch in progress */
    int has_best;
    double best_lb;         /* refined validation bound of the best copy */
    double ep_lb_sum;       /* sum over this epoch's examples of their bounds */
    long ep_examples;
    double ep_seconds;      /* step wall time of this epoch */
    optim_state opt;
    float *grad;            /* (np) */
    irvi_posterior *q;      /* minibatch posterior (batch examples) */
    irvi_posterior *vq;     /* validation posterior (made on first use) */
    irvi_eval_result *vres; /* (VALID_BATCH) */
    uint8_t *xb;            /* (batch, D) */
    float *tgt[IRVI_MAX_LAYERS]; /* (batch, H_l) recognition targets */
    float *wt;              /* (N * batch) generative weights */
    float *wn;              /* (N * batch) normalized importance weights */
    float *tneg[IRVI_MAX_LAYERS]; /* (batch, H_l) BiHM's subtracted targets (NULL otherwise) */
    /* sleep phase (NULL / empty when sleep_interleave = 0): */
    uint8_t *dx;            /* (sleep_interleave * batch, D) dreamed images */
    float *dh[IRVI_MAX_LAYERS]; /* (sleep_interleave * batch, H_l) dreamed latents */
    model_ws sws;           /* recognition pass over the dreams */
    float *snap;            /* (4 np) parameters and RMSprop state before a sleep update's
                             * wake step, restored if its sleep step fails */
};

/* Allocate a trainer around model (not yet owned on failure) with the
 * options as given; the permutation is the identity and all counters zero.
 * irvi_trainer_create shuffles for epoch 0; resume overwrites the state. */
irvi_status trainer_new(irvi_model *model, const irvi_dataset *ds, const irvi_train_opts *o,
                        uint64_t seed, irvi_trainer **out);
/* Batches per epoch for n examples in batches of B (the last may be short). */
int trainer_batches(int n, int B);

/* The parts every training step shares (binary and Gaussian models):
 * trainer_begin_step names the step in `where`, refuses non-finite
 * parameters, gathers the next minibatch (*n examples) into t->q (mu0 set);
 * trainer_apply checks t->grad and takes the optimizer step, leaving the
 * parameters unchanged on failure; trainer_end_step advances the position,
 * the epoch sums and fills out (may be NULL). */
irvi_status trainer_begin_step(irvi_trainer *t, char *where, size_t cap, int *n);
irvi_status trainer_apply(irvi_trainer *t, const char *where);
void trainer_end_step(irvi_trainer *t, int n, double lb, double lb0, double ess, double t0,
                      irvi_step_metrics *out);
double trainer_now(void);

/* ---- shared by both families' losses (optim.c) --------------------------
 * l2 * sum of squares of the weight matrices (tensors with decay), and its
 * gradient added into grad (nothing when l2 <= 0). */
double train_l2_loss(const irvi_model *m, float l2);
void train_l2_grad(const irvi_model *m, float l2, float *grad);

#endif
