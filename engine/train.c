/* engine/train.c — training step by step (DESIGN §4, 5.1, 9, 10).
 *
 * One step takes the next minibatch of the epoch's permutation:
 *   1. mu0 = recognition(x)                       (irvi_posterior_set_data)
 *   2. AIR family: mu_K = AIR(x, mu0; K, M, gamma) (irvi_refine_step x K);
 *      RWS and BiHM: the proposal stays mu0
 *   3. N fresh samples h ~ Bern(proposal) of every example, their
 *      log w = log p(x, h) - log q(h) under the proposal
 *   4. generative weights and recognition targets per algorithm
 *      (train_weights_targets, see train_impl.h) and the gradient of the
 *      batch-summed loss (train_loss_grad), plus 2 l2 theta on weight matrices
 *   5. RMSprop or SGD (optim.c); nothing is committed if anything is non-finite.
 *   6. with sleep_interleave > 0, on every sleep_interleave-th update the sleep
 *      phase (train_sleep.c): dreams (x, h) ~ p from the updated model and a
 *      second, separate optimizer step of the recognition parameters on their
 *      sleep loss (if it fails, the whole update is undone).
 *
 * Step metrics, all per example and in the fully sampled form
 * (1/S) sum_s log w_s (an unbiased estimate of the same ELBO as the reference
 * form (1/S) sum log p + H(mu), which the validation uses):
 *   lb  — from the N update samples under the proposal (q_K, or q_0 for RWS);
 *   lb0 — under q_0: for AIR with K >= 1 the M samples of the first AIR step,
 *         which are drawn from q_0 anyway (free); otherwise lb0 = lb;
 *   ess — mean over examples of the normalized ESS of the N update samples
 *         (for BiHM, of its sqrt(p/q) update weights).
 *
 * Random numbers come only from the trainer's streams (seed, 1) for the
 * permutations, (seed, 2) for all training samples and (seed, 3), reseeded at
 * every validation (common random numbers across epochs), so equal seeds,
 * data and thread counts give bitwise equal parameters.
 */
#include "family.h"
#include "kernels.h"
#include "train_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VALID_BATCH 100

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- options ------------------------------------------------------------ */

void irvi_train_opts_default(irvi_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->algo = IRVI_ALGO_AIR;
    o->batch = 100;
    o->N = 20;
    irvi_refine_opts_default(&o->air);
    o->opt = IRVI_OPT_RMSPROP;
    o->lr = 1e-4f;
    o->l2 = 2e-4f;
    o->lr_decay = 1.0f;
    o->analytic_rec = 0;
    o->test_air = o->air;
    o->valid_N = 100;
    o->valid_n = 0;
}


/* Re-raise the calling thread's last error detail behind a prefix. */
static irvi_status with_prefix(irvi_status st, const char *prefix)
{
    char detail[768];
    snprintf(detail, sizeof detail, "%s", irvi_last_error());
    return irvi_fail(st, "%s: %s", prefix, detail);
}

irvi_status irvi_train_opts_validate(const irvi_train_opts *o)
{
    const irvi_algo_info *ai = irvi_algo_info_get(o->algo);
    if (!ai)
        return irvi_fail(IRVI_EINVAL, "unknown training algorithm %d", (int)o->algo);
    if (o->batch < 1 || o->batch > 100000)
        return irvi_fail(IRVI_EINVAL, "batch size %d (must be 1..100000)", o->batch);
    if (o->N < 1 || o->N > 100000)
        return irvi_fail(IRVI_EINVAL, "N = %d update samples (must be 1..100000)", o->N);
    irvi_status st = irvi_refine_opts_validate(&o->air);
    if (st)
        return with_prefix(st, "training refinement");
    st = irvi_refine_opts_validate(&o->test_air);
    if (st)
        return with_prefix(st, "validation refinement");
    long long rows = (long long)o->batch * (o->N > o->air.M ? o->N : o->air.M);
    if (rows > (1LL << 26))
        return irvi_fail(IRVI_EINVAL, "batch %d x %d samples per example is too many at once",
                         o->batch, o->N > o->air.M ? o->N : o->air.M);
    if (o->opt != IRVI_OPT_RMSPROP && o->opt != IRVI_OPT_SGD)
        return irvi_fail(IRVI_EINVAL, "unknown optimizer %d", (int)o->opt);
    if (!(isfinite(o->lr) && o->lr > 0 && o->lr <= 10))
        return irvi_fail(IRVI_EINVAL, "learning rate %g (must be in (0, 10])", (double)o->lr);
    if (!(isfinite(o->l2) && o->l2 >= 0 && o->l2 <= 10))
        return irvi_fail(IRVI_EINVAL, "L2 coefficient %g (must be in [0, 10])", (double)o->l2);
    if (!(isfinite(o->lr_decay) && o->lr_decay >= 1 && o->lr_decay <= 10))
        return irvi_fail(IRVI_EINVAL,
                         "learning-rate decay %g (must be in [1, 10]; lr is divided by it "
                         "after every epoch)", (double)o->lr_decay);
    if (o->analytic_rec != 0 && o->analytic_rec != 1)
        return irvi_fail(IRVI_EINVAL, "analytic_rec = %d (must be 0 or 1)", o->analytic_rec);
    if (o->valid_N < 1 || o->valid_N > 10000000)
        return irvi_fail(IRVI_EINVAL, "valid_N = %d validation samples (must be 1..10000000)",
                         o->valid_N);
    if (o->valid_n < 0)
        return irvi_fail(IRVI_EINVAL, "valid_n = %d validation examples (must be >= 0; 0 = all)",
                         o->valid_n);
    if (o->sleep_interleave < 0 || o->sleep_interleave > 1000)
        return irvi_fail(IRVI_EINVAL, "sleep_interleave = %d (must be 0..1000; 0 = no sleep phase)",
                         o->sleep_interleave);
    if (o->sleep_interleave && !ai->sleep)
        return irvi_fail(IRVI_EINVAL, "the sleep phase is for binary models, not algorithm %s",
                         irvi_algo_name(o->algo));
    if ((long long)o->sleep_interleave * o->batch > (1LL << 24))
        return irvi_fail(IRVI_EINVAL, "sleep_interleave %d x batch %d dreams is too many at once",
                         o->sleep_interleave, o->batch);
    return IRVI_OK;
}

/* ---- the trainer -------------------------------------------------------- */

int trainer_batches(int n, int B)
{
    return (n + B - 1) / B;
}

static void shuffle_epoch(irvi_trainer *t)
{
    for (int i = 0; i < t->ntrain; i++)
        t->perm[i] = i;
    for (int i = t->ntrain - 1; i > 0; i--) {
        int j = (int)(irvi_rng_uniform(&t->shuffle) * (i + 1));
        if (j > i)
            j = i;
        int k = t->perm[i];
        t->perm[i] = t->perm[j];
        t->perm[j] = k;
    }
}

irvi_status trainer_new(irvi_model *model, const irvi_dataset *ds, const irvi_train_opts *o,
                        uint64_t seed, irvi_trainer **out)
{
    *out = NULL;
    if (!model || !ds || !o)
        return irvi_fail(IRVI_EINVAL, "trainer needs a model, a dataset and options");
    irvi_status st = irvi_train_opts_validate(o);
    if (st)
        return st;
    irvi_split tr = irvi_dataset_split(ds, IRVI_SPLIT_TRAIN);
    if (tr.n < 1)
        return irvi_fail(IRVI_EINVAL, "dataset %s has no training examples", irvi_dataset_name(ds));
    if (tr.D != model->arch.D)
        return irvi_fail(IRVI_EINVAL, "the model has %d visible units but dataset %s has %d",
                         model->arch.D, irvi_dataset_name(ds), tr.D);
    if (!irvi_model_finite(model))
        return irvi_fail(IRVI_ENUMERIC, "the model's parameters are not all finite");
    const irvi_algo_info *ai = irvi_algo_info_get(o->algo);
    if (ai->latent != model->arch.latent)
        return irvi_fail(IRVI_EINVAL, "algorithm %s trains %s models, but this one has %s latents",
                         ai->name, family_of_latent(ai->latent)->model_kind,
                         family_of(&model->arch)->name);
    irvi_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return irvi_fail(IRVI_ENOMEM, "trainer");
    t->fam = family_of(&model->arch);
    t->ds = ds;
    t->o = *o;
    t->seed = seed;
    t->lr = o->lr;
    irvi_rng_seed(&t->shuffle, seed, 1);
    irvi_rng_seed(&t->rng, seed, 2);
    t->ntrain = tr.n;
    t->batches = trainer_batches(tr.n, o->batch);
    t->best_lb = -INFINITY;
    int B = o->batch < tr.n ? o->batch : tr.n, D = model->arch.D;
    size_t np = model->np, R = (size_t)o->N * B;
    int fail = !(t->perm = malloc(sizeof(int) * (size_t)tr.n));
    fail |= !(t->grad = calloc(np ? np : 1, sizeof(float)));
    fail |= !(t->xb = malloc((size_t)B * D));
    fail |= !(t->wt = malloc(sizeof(float) * R));
    fail |= !(t->wn = malloc(sizeof(float) * R));
    fail |= !(t->vres = malloc(sizeof(irvi_eval_result) * VALID_BATCH));
    for (int l = 0; l < model->arch.L; l++) {
        fail |= !(t->tgt[l] = malloc(sizeof(float) * (size_t)B * model->arch.H[l]));
        if (ai->target == IRVI_TARGET_BIHM)
            fail |= !(t->tneg[l] = malloc(sizeof(float) * (size_t)B * model->arch.H[l]));
    }
    t->m = model; /* for the family's buffers; handed back to the caller on failure */
    if (!fail && t->fam->trainer_alloc)
        fail = t->fam->trainer_alloc(t) != 0;
    if (!fail)
        fail = optim_init(&t->opt, o->opt, np) != 0;
    if (fail) {
        t->m = NULL;
        irvi_trainer_free(t);
        return irvi_fail(IRVI_ENOMEM, "trainer buffers");
    }
    irvi_data_opts dopts;
    irvi_dataset_opts(ds, &dopts);
    irvi_model_set_data(model, &dopts); /* saved with the model: commands reopen this set */
    if ((st = irvi_model_clone(model, &t->best)) || (st = irvi_posterior_create(model, B, &t->q))) {
        t->m = NULL;
        irvi_trainer_free(t);
        return st;
    }
    for (int i = 0; i < tr.n; i++)
        t->perm[i] = i;
    *out = t;
    return IRVI_OK;
}

irvi_status irvi_trainer_create(irvi_model *model, const irvi_dataset *ds,
                                const irvi_train_opts *o, uint64_t seed, irvi_trainer **out)
{
    irvi_status st = trainer_new(model, ds, o, seed, out);
    if (st)
        return st;
    shuffle_epoch(*out);
    return IRVI_OK;
}

void irvi_trainer_free(irvi_trainer *t)
{
    if (!t)
        return;
    irvi_model_free(t->m);
    irvi_model_free(t->best);
    free(t->perm);
    free(t->grad);
    free(t->xb);
    free(t->wt);
    free(t->wn);
    free(t->vres);
    for (int l = 0; l < IRVI_MAX_LAYERS; l++) {
        free(t->tgt[l]);
        free(t->tneg[l]);
    }
    if (t->fam && t->fam->trainer_free)
        t->fam->trainer_free(t);
    optim_free(&t->opt);
    irvi_posterior_free(t->q);
    irvi_posterior_free(t->vq);
    free(t);
}

static const char *opt_name(irvi_optimizer o)
{
    return o == IRVI_OPT_SGD ? "SGD" : "RMSprop";
}

irvi_status irvi_trainer_step(irvi_trainer *t, irvi_step_metrics *out)
{
    if (t->batch >= t->batches)
        return irvi_fail(IRVI_EINVAL,
                         "epoch %d is complete: call irvi_trainer_end_epoch before the next step",
                         t->epoch);
    double t0 = now_seconds();
    irvi_model *m = t->m;
    const irvi_train_opts *o = &t->o;
    int n;
    char where[96];
    irvi_status st = trainer_begin_step(t, where, sizeof where, &n);
    if (st)
        return st;
    irvi_posterior *q = t->q;

    /* proposal: q_K refined from q0 (no gradient through it), or q0 itself */
    double lb0 = NAN;
    int refine = irvi_algo_info_get(o->algo)->refines && o->air.K > 0;
    for (int k = 0; refine && k < o->air.K; k++) {
        irvi_refine_stats as;
        if ((st = irvi_refine_step(q, m, &o->air, &t->rng, k == 0 ? &as : NULL)))
            return with_prefix(st, where);
        if (k == 0)
            lb0 = as.mean_logw;
    }

    /* the family's update: fresh samples of the proposal, the gradient */
    if ((st = posterior_reserve(q, m, o->N)))
        return with_prefix(st, where);
    double lb, ess;
    if ((st = t->fam->train_update(t, n, where, &lb, &ess)))
        return st;
    if (!refine)
        lb0 = lb;
    if ((st = trainer_apply(t, where)))
        return st;
    if (t->fam->after_update && (st = t->fam->after_update(t, where)))
        return st;
    trainer_end_step(t, n, lb, lb0, ess, t0, out);
    return IRVI_OK;
}

irvi_status trainer_begin_step(irvi_trainer *t, char *where, size_t cap, int *n)
{
    irvi_model *m = t->m;
    int D = m->arch.D, B = t->o.batch, start = t->batch * B;
    *n = t->ntrain - start < B ? t->ntrain - start : B;
    snprintf(where, cap, "update %ld (epoch %d, batch %d of %d)", t->updates + 1, t->epoch + 1,
             t->batch + 1, t->batches);
    if (!k_all_finite(m->p, m->np))
        return irvi_fail(IRVI_ENUMERIC, "%s: the parameters are not all finite before the step",
                         where);
    irvi_split tr = irvi_dataset_split(t->ds, IRVI_SPLIT_TRAIN);
    for (int b = 0; b < *n; b++)
        memcpy(t->xb + (size_t)b * D, tr.x + (size_t)t->perm[start + b] * D, (size_t)D);
    irvi_status st = irvi_posterior_set_data(t->q, m, t->xb, *n);
    return st ? with_prefix(st, where) : IRVI_OK;
}

irvi_status trainer_apply(irvi_trainer *t, const char *where)
{
    irvi_model *m = t->m;
    if (!k_all_finite(t->grad, m->np))
        return irvi_fail(IRVI_ENUMERIC, "%s: non-finite gradient (parameters left unchanged)",
                         where);
    if (optim_step(&t->opt, m->p, t->grad, t->lr))
        return irvi_fail(IRVI_ENUMERIC,
                         "%s: the %s step gives non-finite parameters (parameters left unchanged)",
                         where, opt_name(t->opt.kind));
    return IRVI_OK;
}

void trainer_end_step(irvi_trainer *t, int n, double lb, double lb0, double ess, double t0,
                      irvi_step_metrics *out)
{
    t->batch++;
    t->updates++;
    t->ep_lb_sum += lb * n;
    t->ep_examples += n;
    double secs = now_seconds() - t0;
    t->ep_seconds += secs;
    if (out) {
        out->update = t->updates;
        out->epoch = t->epoch;
        out->batch = t->batch;
        out->batches = t->batches;
        out->lb = lb;
        out->lb0 = lb0;
        out->ess = ess;
        out->seconds = secs;
    }
}

double trainer_now(void)
{
    return now_seconds();
}

int irvi_trainer_epoch_done(const irvi_trainer *t)
{
    return t->batch >= t->batches;
}

irvi_status irvi_trainer_end_epoch(irvi_trainer *t, irvi_epoch_metrics *out,
                                   irvi_progress_fn progress, void *user)
{
    double t0 = now_seconds();
    irvi_model *m = t->m;
    const irvi_train_opts *o = &t->o;
    irvi_split vs = irvi_dataset_split(t->ds, IRVI_SPLIT_VALID);
    int vn = vs.n, D = m->arch.D;
    if (o->valid_n > 0 && o->valid_n < vn)
        vn = o->valid_n;
    char where[64];
    snprintf(where, sizeof where, "validation after epoch %d", t->epoch + 1);
    double s_lb0 = 0, s_lb = 0, s_ll = 0, s_ess = 0;
    irvi_status st;
    if (vn > 0) {
        if (vs.D != D)
            return irvi_fail(IRVI_EINVAL, "%s: validation images have %d pixels, the model %d",
                             where, vs.D, D);
        if (!t->vq && (st = irvi_posterior_create(m, VALID_BATCH, &t->vq)))
            return st;
        irvi_rng vr; /* the same stream at every validation: common random numbers */
        irvi_rng_seed(&vr, t->seed, 3);
        for (int s0 = 0; s0 < vn; s0 += VALID_BATCH) {
            int nb = vn - s0 < VALID_BATCH ? vn - s0 : VALID_BATCH;
            if ((st = irvi_posterior_set_data(t->vq, m, vs.x + (size_t)s0 * D, nb)) ||
                (st = irvi_eval_posterior(t->vq, m, o->valid_N, &vr, t->vres, NULL, NULL)))
                return with_prefix(st, where);
            for (int b = 0; b < nb; b++)
                s_lb0 += t->vres[b].lb;
            if ((st = irvi_refine(t->vq, m, &o->test_air, &vr)) ||
                (st = irvi_eval_posterior(t->vq, m, o->valid_N, &vr, t->vres, NULL, NULL)))
                return with_prefix(st, where);
            for (int b = 0; b < nb; b++) {
                s_lb += t->vres[b].lb;
                s_ll += t->vres[b].ll;
                s_ess += t->vres[b].ess;
            }
            if (progress && progress(user, s0 + nb, vn))
                return irvi_fail(IRVI_ECANCELLED, "%s cancelled after %d of %d examples", where,
                                 s0 + nb, vn);
        }
    }
    double vlb = vn ? s_lb / vn : NAN;
    /* Without validation data the best copy simply follows the latest epoch. */
    int improved = vn ? (!t->has_best || vlb > t->best_lb) : 1;
    if (improved) {
        if ((st = irvi_model_copy_params(t->best, m)))
            return st;
        t->has_best = 1;
        t->best_lb = vlb;
    }
    if (out) {
        out->epoch = t->epoch;
        out->updates = t->updates;
        out->train_lb = t->ep_examples ? t->ep_lb_sum / (double)t->ep_examples : NAN;
        out->valid_lb0 = vn ? s_lb0 / vn : NAN;
        out->valid_lb = vlb;
        out->valid_ll = vn ? s_ll / vn : NAN;
        out->valid_ess = vn ? s_ess / vn : NAN;
        out->best_valid_lb = t->best_lb;
        out->improved = improved;
        out->lr = t->lr;
        out->train_seconds = t->ep_seconds;
        out->valid_seconds = now_seconds() - t0;
    }
    t->lr = t->lr / o->lr_decay;
    t->epoch++;
    t->batch = 0;
    t->ep_lb_sum = 0;
    t->ep_examples = 0;
    t->ep_seconds = 0;
    shuffle_epoch(t);
    return IRVI_OK;
}

/* ---- accessors and live changes ----------------------------------------- */

irvi_model *irvi_trainer_model(irvi_trainer *t) { return t->m; }
const irvi_model *irvi_trainer_best(const irvi_trainer *t) { return t->best; }
const irvi_train_opts *irvi_trainer_opts(const irvi_trainer *t) { return &t->o; }
int irvi_trainer_epoch(const irvi_trainer *t) { return t->epoch; }
int irvi_trainer_batch(const irvi_trainer *t) { return t->batch; }
long irvi_trainer_updates(const irvi_trainer *t) { return t->updates; }

irvi_status irvi_trainer_set_air(irvi_trainer *t, const irvi_refine_opts *air)
{
    irvi_train_opts o = t->o;
    o.air = *air;
    irvi_status st = irvi_train_opts_validate(&o);
    if (st)
        return st;
    t->o.air = *air;
    return IRVI_OK;
}

void irvi_trainer_set_optimizer(irvi_trainer *t, irvi_optimizer opt, float lr, float lr_decay)
{
    irvi_train_opts o = t->o;
    o.opt = opt;
    o.lr = lr;
    o.lr_decay = lr_decay;
    if (irvi_train_opts_validate(&o)) {
        irvi_log(IRVI_LOG_WARN, "optimizer change ignored: %s", irvi_last_error());
        return;
    }
    t->o = o;
    t->lr = lr;
    optim_reset(&t->opt, opt);
}
