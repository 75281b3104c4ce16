/* app/cli/cmd_train.c — `irvi train`: headless training with progress lines,
 * per-epoch metrics (OUT/metrics.jsonl), checkpoints (OUT/checkpoint.irvi
 * after every epoch and every --ckpt-every seconds), the best model
 * (OUT/best.irvi), --resume, optional fine-tuning phase, and a clean stop on
 * SIGINT/SIGTERM (finish the step, save, exit 130/143).
 *
 * Exit codes: 0 done, 1 runtime failure (data, numerics, i/o), 2 bad flags,
 * 130/143 stopped by SIGINT/SIGTERM after saving the checkpoint.
 */
#include "cli/commands.h"
#include "common/args.h"
#include "common/sysutil.h"
#include "live/session.h"
#include "run/build.h"
#include "run/train_loop.h"

#include <irvi/irvi.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* which flags were given on the command line */
enum { SET_AIR = 1, SET_OTHER_TRAIN = 2, SET_ARCH = 4, SET_K = 8, SET_M = 16, SET_GAMMA = 32,
       SET_EPS = 64 };

typedef struct {
    const char *data, *dir, *out, *layers;
    irvi_binarize bin;
    int data_seed, darn, gen_hidden, rec_hidden, squash;
    irvi_train_opts o;
    int epochs, ft_epochs, seed, threads, resume, headless;
    irvi_optimizer ft_opt;
    float ft_lr, ft_decay;
    long max_updates;
    double ckpt_every;
    unsigned set;
    int gaussian;           /* --model vae: Gaussian latents */
} train_args;

static void train_usage(FILE *f)
{
    fprintf(f,
        "usage: irvi train [options]\n"
        "\n"
        "data:\n"
        "  --data NAME            mnist (default), fashion-mnist, binarized-mnist, caltech101\n"
        "  --data-dir DIR         directory of the data files (default: the set's own)\n"
        "  --binarize MODE        stochastic (default) or threshold (grey-level sets)\n"
        "  --data-seed S          seed of the stochastic binarization (default 1234)\n"
        "model:\n"
        "  --model sbn|darn|vae   factorized or autoregressive top prior, or Gaussian\n"
        "                         latents (VAE; default algo vae, hidden 500/500, gamma 0.003)\n"
        "  --layers 200[,200..]   stochastic layers, bottom first (default 200)\n"
        "  --gen-hidden N         tanh units between h and x (DARN setups; 0 = none;\n"
        "                         vae: softplus decoder units)\n"
        "  --rec-hidden N         tanh units in the recognition network (0 = none;\n"
        "                         vae: softplus encoder units)\n"
        "  --squash               reference squashed means 0.9999 sig(a) + 5e-6\n"
        "training:\n"
        "  --algo A               air (default), rws, air-reweight, air-inclusive, bihm;\n"
        "                         vae models: vae (default), gdir\n"
        "  --sleep SI             sleep phase every SI updates: SI*batch dreams (x,h) ~ p\n"
        "                         train q on log q(h|x) (binary models; default 0 = off)\n"
        "  --epochs N             main epochs (default 500)\n"
        "  --batch B              minibatch size (default 100)\n"
        "  --N N                  posterior samples per update (default 20)\n"
        "  --K K --M M --gamma G  training AIR: steps, samples per step, inference rate\n"
        "                         (default 20, 20, 0.1); vae models: GDIR steps, noise\n"
        "                         draws per step, step size (default 20, 20, 0.003)\n"
        "  --eps E                clamp of the refined means (default 1e-6)\n"
        "  --analytic-rec         recognition target mu_K instead of the sample mean\n"
        "  --opt rmsprop|sgd      optimizer (default rmsprop)\n"
        "  --lr LR                learning rate (default 1e-4)\n"
        "  --l2 L                 L2 on weight matrices (default 2e-4)\n"
        "  --seed S               model initialization and training randomness (default 1)\n"
        "validation (after every epoch; the best refined lower bound is kept):\n"
        "  --test-K --test-M --test-gamma   test-time AIR (default: as training)\n"
        "  --valid-N N            samples per validation example (default 100)\n"
        "  --valid-n N            validation examples (default 0 = all)\n"
        "fine-tuning (after the main epochs):\n"
        "  --finetune-epochs N    extra epochs (default 0)\n"
        "  --finetune-opt O       sgd (default) or rmsprop\n"
        "  --finetune-lr LR       starting learning rate (default 1e-5)\n"
        "  --lr-decay D           lr <- lr / D after every fine-tuning epoch (default 1.005)\n"
        "run:\n"
        "  --out DIR              output directory (default irvi-run)\n"
        "  --resume               continue from OUT/checkpoint.irvi (its model and training\n"
        "                         options; --K/--M/--gamma given here replace the saved ones)\n"
        "  --max-updates N        stop after N updates in total: the epoch in progress is\n"
        "                         cut short and validated (0 = no limit)\n"
        "  --ckpt-every SEC       also checkpoint every SEC seconds (default 300; 0 = off)\n"
        "  --threads T            engine threads (default 0 = all cores)\n"
        "  --headless             plain progress lines instead of the live terminal UI\n"
        "                         (also when stdout is not a terminal)\n"
        "\n"
        "OUT/metrics.jsonl gets one JSON object per epoch: epoch (completed, 1-based),\n"
        "updates, train_lb, valid_lb0, valid_lb, valid_ll, valid_ess, best_valid_lb, improved,\n"
        "lr, train_seconds, valid_seconds, wall (Unix time), phase, partial.\n");
}

static int bad_flag(const char *flag, const char *fmt, const char *text)
{
    fprintf(stderr, "irvi: %s: ", flag);
    fprintf(stderr, fmt, text);
    fputc('\n', stderr);
    return -1;
}

static int p_opt(const char *flag, const char *v, irvi_optimizer *out)
{
    if (!strcmp(v, "rmsprop"))
        *out = IRVI_OPT_RMSPROP;
    else if (!strcmp(v, "sgd"))
        *out = IRVI_OPT_SGD;
    else
        return bad_flag(flag, "unknown optimizer '%s' (rmsprop or sgd)", v);
    return 0;
}

static int parse_args(int argc, char **argv, train_args *a)
{
    memset(a, 0, sizeof *a);
    a->data = NULL; /* args_data_default decides */
    a->out = "irvi-run";
    a->layers = "200";
    a->data_seed = 1234;
    irvi_train_opts_default(&a->o);
    a->epochs = 500;
    a->seed = 1;
    a->ft_opt = IRVI_OPT_SGD;
    a->ft_lr = 1e-5f;
    a->ft_decay = 1.005f;
    a->ckpt_every = 300;
    int test_k = -1, test_m = -1, gh_set = 0, rh_set = 0, algo_set = 0;
    float test_g = -1;
    for (int i = 0; i < argc; i++) {
        const char *f = argv[i], *v = NULL;
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            train_usage(stdout);
            exit(0);
        }
        /* flags without a value */
        if (!strcmp(f, "--squash")) { a->squash = 1; a->set |= SET_ARCH; continue; }
        if (!strcmp(f, "--analytic-rec")) { a->o.analytic_rec = 1; a->set |= SET_OTHER_TRAIN; continue; }
        if (!strcmp(f, "--resume")) { a->resume = 1; continue; }
        if (!strcmp(f, "--headless")) { a->headless = 1; continue; }
        if (strncmp(f, "--", 2) != 0) {
            fprintf(stderr, "irvi: unexpected argument '%s' (try irvi train --help)\n", f);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "irvi: %s: needs a value (try irvi train --help)\n", f);
            return -1;
        }
        v = argv[++i];
        int r = 0;
        if (!strcmp(f, "--data")) a->data = v;
        else if (!strcmp(f, "--data-dir")) a->dir = v;
        else if (!strcmp(f, "--out")) a->out = v;
        else if (!strcmp(f, "--binarize")) {
            if (!strcmp(v, "stochastic")) a->bin = IRVI_BIN_STOCHASTIC;
            else if (!strcmp(v, "threshold")) a->bin = IRVI_BIN_THRESHOLD;
            else r = bad_flag(f, "'%s' (expected stochastic or threshold)", v);
        } else if (!strcmp(f, "--data-seed")) r = args_int(f, v, 0, 2147483647, &a->data_seed);
        else if (!strcmp(f, "--model")) {
            a->set |= SET_ARCH;
            a->darn = a->gaussian = 0;
            if (!strcmp(v, "sbn")) a->darn = 0;
            else if (!strcmp(v, "darn")) a->darn = 1;
            else if (!strcmp(v, "vae")) a->gaussian = 1;
            else r = bad_flag(f, "unknown model '%s' (sbn, darn or vae)", v);
        } else if (!strcmp(f, "--layers")) {
            irvi_arch tmp;
            a->set |= SET_ARCH;
            a->layers = v;
            if (irvi_arch_parse_layers(v, &tmp))
                r = bad_flag(f, "%s", irvi_last_error());
        } else if (!strcmp(f, "--gen-hidden")) { a->set |= SET_ARCH; gh_set = 1; r = args_int(f, v, 0, 65536, &a->gen_hidden); }
        else if (!strcmp(f, "--rec-hidden")) { a->set |= SET_ARCH; rh_set = 1; r = args_int(f, v, 0, 65536, &a->rec_hidden); }
        else if (!strcmp(f, "--algo")) {
            a->set |= SET_OTHER_TRAIN;
            algo_set = 1;
            if (irvi_algo_parse(v, &a->o.algo))
                r = bad_flag(f, "%s", irvi_last_error());
        } else if (!strcmp(f, "--epochs")) r = args_int(f, v, 0, 100000000, &a->epochs);
        else if (!strcmp(f, "--batch")) { a->set |= SET_OTHER_TRAIN; r = args_int(f, v, 1, 100000, &a->o.batch); }
        else if (!strcmp(f, "--N")) { a->set |= SET_OTHER_TRAIN; r = args_int(f, v, 1, 100000, &a->o.N); }
        else if (!strcmp(f, "--sleep")) { a->set |= SET_OTHER_TRAIN; r = args_int(f, v, 0, 1000, &a->o.sleep_interleave); }
        else if (!strcmp(f, "--K")) { a->set |= SET_AIR | SET_K; r = args_int(f, v, 0, 100000, &a->o.air.K); }
        else if (!strcmp(f, "--M")) { a->set |= SET_AIR | SET_M; r = args_int(f, v, 1, 100000, &a->o.air.M); }
        else if (!strcmp(f, "--gamma")) { a->set |= SET_AIR | SET_GAMMA; r = args_float(f, v, 0, 1, 1, &a->o.air.gamma); }
        else if (!strcmp(f, "--eps")) { a->set |= SET_AIR | SET_EPS; r = args_float(f, v, 0, 0.49, 0, &a->o.air.eps); }
        else if (!strcmp(f, "--opt")) { a->set |= SET_OTHER_TRAIN; r = p_opt(f, v, &a->o.opt); }
        else if (!strcmp(f, "--lr")) { a->set |= SET_OTHER_TRAIN; r = args_float(f, v, 0, 10, 1, &a->o.lr); }
        else if (!strcmp(f, "--l2")) { a->set |= SET_OTHER_TRAIN; r = args_float(f, v, 0, 10, 0, &a->o.l2); }
        else if (!strcmp(f, "--test-K")) { a->set |= SET_OTHER_TRAIN; r = args_int(f, v, 0, 100000, &test_k); }
        else if (!strcmp(f, "--test-M")) { a->set |= SET_OTHER_TRAIN; r = args_int(f, v, 1, 100000, &test_m); }
        else if (!strcmp(f, "--test-gamma")) { a->set |= SET_OTHER_TRAIN; r = args_float(f, v, 0, 1, 1, &test_g); }
        else if (!strcmp(f, "--valid-N")) { a->set |= SET_OTHER_TRAIN; r = args_int(f, v, 1, 10000000, &a->o.valid_N); }
        else if (!strcmp(f, "--valid-n")) { a->set |= SET_OTHER_TRAIN; r = args_int(f, v, 0, 100000000, &a->o.valid_n); }
        else if (!strcmp(f, "--seed")) r = args_int(f, v, 0, 2147483647, &a->seed);
        else if (!strcmp(f, "--threads")) r = args_int(f, v, 0, 1024, &a->threads);
        else if (!strcmp(f, "--finetune-epochs")) r = args_int(f, v, 0, 100000000, &a->ft_epochs);
        else if (!strcmp(f, "--finetune-opt")) r = p_opt(f, v, &a->ft_opt);
        else if (!strcmp(f, "--finetune-lr")) r = args_float(f, v, 0, 10, 1, &a->ft_lr);
        else if (!strcmp(f, "--lr-decay")) r = args_float(f, v, 1, 10, 0, &a->ft_decay);
        else if (!strcmp(f, "--max-updates")) r = args_long(f, v, 0, 1L << 50, &a->max_updates);
        else if (!strcmp(f, "--ckpt-every")) r = args_double(f, v, 0, 1e9, 0, &a->ckpt_every);
        else {
            fprintf(stderr, "irvi: unknown option '%s' (try irvi train --help)\n", f);
            return -1;
        }
        if (r)
            return -1;
    }
    if (a->gaussian) { /* VAE defaults (DESIGN §8): 500 softplus units each side, GDIR step 0.003 */
        if (!gh_set) a->gen_hidden = 500;
        if (!rh_set) a->rec_hidden = 500;
        if (!algo_set) a->o.algo = IRVI_ALGO_VAE;
        if (!(a->set & SET_GAMMA)) a->o.air.gamma = IRVI_GDIR_GAMMA_DEFAULT;
    }
    irvi_latent latent = a->gaussian ? IRVI_LATENT_GAUSSIAN : IRVI_LATENT_BERNOULLI;
    if (!a->resume && irvi_algo_info_get(a->o.algo)->latent != latent) {
        fprintf(stderr, "irvi: --algo %s %s\n", irvi_algo_name(a->o.algo),
                a->gaussian ? "is for binary models (vae models: vae, gdir)" : "needs --model vae");
        return -1;
    }
    /* test-time refinement defaults to the training one */
    a->o.test_air = a->o.air;
    if (test_k >= 0) a->o.test_air.K = test_k;
    if (test_m >= 0) a->o.test_air.M = test_m;
    if (test_g > 0) a->o.test_air.gamma = test_g;
    if (irvi_train_opts_validate(&a->o)) {
        fprintf(stderr, "irvi: training options: %s\n", irvi_last_error());
        return -1;
    }
    return 0;
}

/* ---- headless hooks: progress lines on stderr, epoch lines on stdout --- */

typedef struct {
    int tty;
    double last_draw, last_valid;
    int epoch;
} headless_state;

static int hl_poll(void *user, irvi_trainer *t)
{
    (void)user;
    (void)t;
    return app_stop_signal != 0;
}

static void hl_step(void *user, irvi_trainer *t, const irvi_step_metrics *sm, const run_progress *p)
{
    (void)t;
    headless_state *s = user;
    double now = app_now();
    s->epoch = sm->epoch + 1;
    int show = s->tty ? (now - s->last_draw > 0.25 || sm->batch == sm->batches)
                      : (sm->batch == 1 || sm->batch % 50 == 0 || sm->batch == sm->batches);
    if (!show)
        return;
    char eta[32], eta_ep[32];
    app_fmt_duration(p->eta_run, eta, sizeof eta);
    app_fmt_duration(p->eta_seconds, eta_ep, sizeof eta_ep);
    fprintf(stderr,
            "%sepoch %d/%d  batch %d/%d  lb %.3f  lb0 %.3f  ess %.4f  %.0f ex/s  ETA %s (epoch %s)%s",
            s->tty ? "\r\033[K" : "", sm->epoch + 1, p->total_epochs, sm->batch, sm->batches, p->lb,
            p->lb0, p->ess, p->ex_per_s, eta, eta_ep, s->tty ? "" : "\n");
    fflush(stderr);
    s->last_draw = now;
}

static void hl_epoch(void *user, irvi_trainer *t, const irvi_epoch_metrics *em, int partial,
                     const run_progress *p)
{
    (void)t;
    headless_state *s = user;
    if (s->tty)
        fprintf(stderr, "\r\033[K");
    printf("epoch %d/%d%s  updates %ld  train lb %.3f | valid lb0 %.3f  lb %.3f  ll %.3f  "
           "ess %.4f | best %.3f%s | lr %.3g | train %.1fs  valid %.1fs\n",
           em->epoch + 1, p->total_epochs, partial ? " (cut short)" : "", em->updates, em->train_lb,
           em->valid_lb0, em->valid_lb, em->valid_ll, em->valid_ess, em->best_valid_lb,
           em->improved ? " *" : "", em->lr, em->train_seconds, em->valid_seconds);
    fflush(stdout);
}

static int hl_valid_progress(void *user, double done, double total)
{
    headless_state *s = user;
    double now = app_now();
    if (s->tty && (now - s->last_valid > 0.25 || done >= total)) {
        fprintf(stderr, "\r\033[Kepoch %d  validating %.0f/%.0f", s->epoch, done, total);
        s->last_valid = now;
    }
    return app_stop_signal != 0;
}

static void hl_say(void *user, int is_error, const char *msg)
{
    headless_state *s = user;
    if (s->tty)
        fprintf(stderr, "\r\033[K");
    if (is_error)
        fprintf(stderr, "irvi: %s\n", msg);
    else {
        printf("%s\n", msg);
        fflush(stdout);
    }
}

static int run_headless(const train_plan *plan, irvi_trainer *t)
{
    const out_paths *p = &plan->out;
    /* a redrawn status line needs a terminal that knows ESC [ K; a dumb one
     * gets the plain lines a pipe gets */
    headless_state hs = {app_redraws(2), 0, 0, 0};
    run_hooks h = {&hs, hl_poll, hl_step, hl_epoch, hl_valid_progress, hl_say};
    run_result r = train_loop(plan, t, &h);
    if (hs.tty)
        fprintf(stderr, "\r\033[K");
    if (r == RUN_FAILED)
        return 1;
    if (r == RUN_STOPPED) {
        fprintf(stderr, "irvi: stopped by %s at update %ld; checkpoint saved to %s (continue with --resume)\n",
                app_stop_signal == SIGINT ? "SIGINT" : "SIGTERM", irvi_trainer_updates(t), p->ckpt);
        return app_stop_signal == SIGINT ? 130 : 143;
    }
    printf("done: %ld updates, %d epochs", irvi_trainer_updates(t), irvi_trainer_epoch(t));
    printf("; best model %s, checkpoint %s\n", p->best, p->ckpt);
    return 0;
}

/* ---- the command -------------------------------------------------------- */

static int open_data(const train_args *a, const char *ckpt, irvi_dataset **ds)
{
    irvi_data_opts d;
    irvi_data_opts_default(&d);
    d.name = a->data;
    d.dir = a->dir;
    d.binarize = a->bin;
    d.seed = (uint64_t)a->data_seed;
    irvi_model *rec = NULL; /* resuming: the checkpoint names its data */
    if (!d.name && a->resume && irvi_model_load(ckpt, &rec) != IRVI_OK)
        rec = NULL; /* the resume itself reports an unreadable checkpoint */
    if (!d.name && a->resume && !rec)
        d.name = "mnist";
    args_data_default(&d, rec);
    irvi_status st = irvi_dataset_open(&d, ds);
    irvi_model_free(rec);
    if (st) {
        app_report("opening the data", st);
        return -1;
    }
    return 0;
}

static int new_trainer(const train_args *a, const irvi_dataset *ds, irvi_trainer **t)
{
    run_model rm = {a->layers, a->darn, a->gen_hidden, a->rec_hidden, a->squash,
                    a->gaussian ? IRVI_LATENT_GAUSSIAN : IRVI_LATENT_BERNOULLI};
    build_stage failed;
    irvi_status st = run_build_trainer(&rm, ds, &a->o, (uint64_t)a->seed, t, &failed);
    if (st && failed == BUILD_ARCH) {
        fprintf(stderr, "irvi: --layers/--gen-hidden: %s\n", irvi_last_error());
        return 2;
    }
    if (st) {
        app_report(failed == BUILD_MODEL ? "creating the model" : "creating the trainer", st);
        return 1;
    }
    return 0;
}

static void describe(const irvi_trainer *t, const irvi_dataset *ds, const train_args *a,
                     int resumed)
{
    const irvi_train_opts *o = irvi_trainer_opts(t);
    char arch[160];
    irvi_arch_describe(irvi_model_arch(irvi_trainer_best(t)), arch, sizeof arch);
    irvi_split tr = irvi_dataset_split(ds, IRVI_SPLIT_TRAIN), va = irvi_dataset_split(ds, IRVI_SPLIT_VALID);
    printf("irvi train: %s on %s (%d train, %d valid), %s, algo %s", arch, irvi_dataset_name(ds),
           tr.n, va.n, resumed ? "resumed" : "new", irvi_algo_name(o->algo));
    if (irvi_algo_info_get(o->algo)->refines)
        printf(" K=%d M=%d gamma=%g", o->air.K, o->air.M, (double)o->air.gamma);
    if (o->sleep_interleave)
        printf(", sleep every %d", o->sleep_interleave);
    printf(", N=%d, batch %d, %s lr %g, l2 %g, test %s K=%d M=%d gamma=%g, valid N=%d",
           o->N, o->batch, o->opt == IRVI_OPT_SGD ? "SGD" : "RMSprop", (double)o->lr,
           (double)o->l2, irvi_refine_method(irvi_model_arch(irvi_trainer_best(t))),
           o->test_air.K, o->test_air.M, (double)o->test_air.gamma, o->valid_N);
    if (o->valid_n)
        printf(" on %d examples", o->valid_n);
    printf(", %d threads, out %s\n", irvi_get_threads(), a->out);
    fflush(stdout);
}

int cmd_train(int argc, char **argv)
{
    train_args a;
    if (parse_args(argc, argv, &a))
        return 2;
    train_plan plan = {.epochs = a.epochs, .ft_epochs = a.ft_epochs, .ft_opt = a.ft_opt,
                       .ft_lr = a.ft_lr, .ft_decay = a.ft_decay, .max_updates = a.max_updates,
                       .ckpt_every = a.ckpt_every};
    out_paths_in(&plan.out, a.out);
    const out_paths *pp = &plan.out;
    if (!a.resume && access(pp->ckpt, F_OK) == 0) {
        fprintf(stderr, "irvi: %s exists: continue it with --resume, or choose another --out\n",
                pp->ckpt);
        return 2;
    }
    irvi_set_threads(a.threads);
    irvi_dataset *ds = NULL;
    irvi_trainer *t = NULL;
    int rc = 1;
    if (open_data(&a, pp->ckpt, &ds))
        goto done;
    if (app_mkdir_p(a.out) != 0) {
        fprintf(stderr, "irvi: --out: cannot create %s: %s\n", a.out, strerror(errno));
        goto done;
    }
    if (a.resume) {
        irvi_status st = irvi_trainer_resume(pp->ckpt, ds, &t);
        if (st) {
            app_report("resuming", st);
            goto done;
        }
        if (a.set & SET_AIR) { /* only the fields given now replace the saved ones */
            irvi_refine_opts air = irvi_trainer_opts(t)->air;
            if (a.set & SET_K) air.K = a.o.air.K;
            if (a.set & SET_M) air.M = a.o.air.M;
            if (a.set & SET_GAMMA) air.gamma = a.o.air.gamma;
            if (a.set & SET_EPS) air.eps = a.o.air.eps;
            if ((st = irvi_trainer_set_air(t, &air))) {
                fprintf(stderr, "irvi: --K/--M/--gamma/--eps: %s\n", irvi_last_error());
                rc = 2;
                goto done;
            }
        }
        if (a.set & (SET_ARCH | SET_OTHER_TRAIN))
            fprintf(stderr, "irvi: note: resuming with the checkpoint's model and training "
                            "options; only --K/--M/--gamma/--eps given now replace them\n");
    } else {
        if ((rc = new_trainer(&a, ds, &t)) != 0)
            goto done;
        rc = 1;
        FILE *f = fopen(pp->metrics, "w"); /* a new run starts a new log */
        if (!f) {
            fprintf(stderr, "irvi: %s: cannot create: %s\n", pp->metrics, strerror(errno));
            goto done;
        }
        fclose(f);
    }
    app_catch_stop_signals(APP_STOP_CANCEL);
    rc = -1;
    if (!a.headless && isatty(1) && isatty(0))
        rc = session_train(&plan, (uint64_t)a.seed, t, ds, &app_stop_signal); /* -1: no terminal UI (TERM=dumb, ...) */
    if (rc == -1) { /* headless, or the terminal UI could not start: progress lines */
        describe(t, ds, &a, a.resume);
        rc = run_headless(&plan, t);
    }
done:
    irvi_trainer_free(t);
    irvi_dataset_free(ds);
    return rc;
}
