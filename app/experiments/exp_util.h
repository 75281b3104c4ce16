/* app/experiments/exp_util.h — what the experiments share: budgets, the data, a progress
 * line, training a model for a budget (with a cache of trained models across
 * experiments), evaluating a model on the test set unrefined and refined,
 * JSON numbers, Markdown tables and multi-panel PNG charts. Everything
 * numeric comes from the engine; these helpers only drive it and write files.
 * Messages go to stderr; a helper that fails has already said why. */
#ifndef IRVI_APP_EXP_UTIL_H
#define IRVI_APP_EXP_UTIL_H

#include "common/args.h"
#include "picture/picture.h"
#include "common/progress.h"
#include "run/train_loop.h"

#include <irvi/irvi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

/* ---- the context of one experiment run ------------------------------ */

typedef enum {
    EXP_BUDGET_TINY = -1,  /* hidden: seconds per experiment, for the smoke test
                              (numbers meaningless; experiments without a tiny
                              setting treat it as SHORT) */
    EXP_BUDGET_SHORT = 0,  /* minutes: the default */
    EXP_BUDGET_MEDIUM = 1, /* roughly an hour per experiment */
    EXP_BUDGET_PAPER = 2   /* the paper's settings: days */
} exp_budget;

typedef struct {
    const char *name;              /* this experiment's name */
    char dir[1024];                /* ROOT/NAME: everything it writes goes here */
    exp_budget budget;
    int threads;                   /* engine threads (0 = all cores) */
    uint64_t seed;
    const char *data_dir;          /* NULL: the data set's default location */
    FILE *md;                      /* DIR/section.md, open: the report section */
    volatile sig_atomic_t *stop;   /* set on SIGINT/SIGTERM: wind up, return 1 */
    const char *root;              /* ROOT: other experiments' dirs are ROOT/<name> */
    /* --model-ID FILE: use this trained model instead of training model ID
     * (exp_util.h: exp_model_override); ID as in EXP_MODEL_IDS */
    int nmodels;
    const char *model_id[16], *model_path[16];
    long max_updates;              /* --max-updates N (> 0): every model trains N updates
                                      whatever the budget (tests; experiments/exp_jobs.h) */
} exp_ctx;

/* "tiny", "short", "medium", "paper" */
const char *exp_budget_name(exp_budget b);

/* ---- small things ------------------------------------------------------- */

/* The value for c's budget; tiny may be <= 0 to mean "as short". */
long exp_pick(const exp_ctx *c, long tiny, long shrt, long medium, long paper);
/* DIR/name into buf (cap bytes); returns buf. */
const char *exp_path(const exp_ctx *c, const char *name, char *buf, size_t cap);
/* The data: the fixed binarized MNIST when installed and no --data-dir,
 * else LeCun MNIST binarized as irvi train does (from --data-dir). */
int exp_open_data(const exp_ctx *c, irvi_dataset **ds);
/* One sentence for the report naming that data and how it differs from the paper's. */
const char *exp_data_note(const exp_ctx *c);
/* 1 when the user asked to stop (SIGINT/SIGTERM). */
int exp_stopped(const exp_ctx *c);

/* ---- models: specs by id, training for a budget, the cache -------------- */

/* The ids --model-ID accepts, for messages. */
#define EXP_MODEL_IDS "air200, rws200, air200-200, rws200-200, air200-200-200, " \
                      "rws200-200-200, darn-air200, darn-rws200, darn-air500, darn-rws500, rws20"
int exp_model_known(const char *id);

typedef struct {
    char id[48];            /* directory name and cache key */
    char layers[32];        /* "200,200" */
    int darn, gen_hidden, rec_hidden;
    irvi_train_opts o;      /* algorithm, N, training and validation AIR */
    long max_updates;       /* the budget: stop after this many updates */
    int epochs;             /* and at most this many epochs */
} exp_model_spec;

/* The spec of a model id under c's budget (paper settings, DESIGN §1.2 and 10,
 * for the architecture and algorithm; the budget sets updates and
 * validation size). -1 for an unknown id. */
int exp_model_spec_for(const exp_ctx *c, const char *id, exp_model_spec *s);

typedef struct {
    char path[4200];        /* the best.irvi used */
    const char *source;     /* "trained", "cached" (an earlier run's) or "given" (--model-ID) */
    long updates;           /* training updates behind the model (-1 unknown) */
    int epochs;             /* epochs started (-1 unknown) */
    double train_seconds;   /* wall time of the training steps (NAN unknown) */
    double valid_lb;        /* best refined validation bound (NAN unknown) */
} exp_train_info;

/* Called after every training update with the seconds of training steps so
 * far (validation and the hook's own work excluded). */
typedef void (*exp_update_fn)(void *user, irvi_trainer *t, const irvi_step_metrics *sm,
                              double train_seconds);

/* Train s from scratch into dir (metrics.jsonl, checkpoint.irvi, best.irvi
 * as irvi train writes them, and trained.json when complete). fn may be NULL.
 * 0 done; 1 failed or stopped. */
int exp_train(exp_ctx *c, const irvi_dataset *ds, const exp_model_spec *s, const char *dir,
              exp_update_fn fn, void *user, exp_train_info *info);

/* Model id for c's budget: the --model-ID file if given; else a model this
 * budget already trained (in DIR/models/ID or any ROOT/NAME/models/ID);
 * else train it into DIR/models/ID. *m is the best-validation model. */
int exp_get_model(exp_ctx *c, const irvi_dataset *ds, const char *id, irvi_model **m,
                  exp_train_info *info);

/* ---- evaluation (DESIGN §6.5) --------------------------------------------- */

typedef struct {
    double lb, lb_se;       /* mean lower bound (reference form, Eq. 1) and its s.e. */
    double ll, ll_se;       /* mean IS log-likelihood (Eq. 3) */
    double ess;             /* mean normalized ESS */
    int n, N;               /* examples, samples per example */
} exp_est;

/* The first n examples of sp with N samples each, under q0 (u) and, when air
 * is given and air->K > 0, under q_K refined by air (r; AIR samples are
 * independent of the evaluation samples). label names the progress line
 * (NULL: no progress output). 0, or 1 (failed / stopped). */
int exp_evaluate(const exp_ctx *c, const irvi_model *m, irvi_split sp, int n, int N,
                 const irvi_refine_opts *air, const char *label, exp_est *u, exp_est *r);

/* ---- output ------------------------------------------------------------- */

/* The number after key (e.g. "\"updates\": ") in a line of JSON; NaN if absent. */
double exp_json_field(const char *text, const char *key);
/* "key": value with NaN/Inf as null; last = no trailing comma */
void exp_json_num(FILE *f, const char *key, double v, int last);
/* "key": {"lower_bound": .., "lower_bound_se": .., "log_likelihood": .., ...} */
void exp_json_est(FILE *f, const char *key, const exp_est *e, int last);
/* "key": {"id", "source", "path", "updates", "epochs", "train_seconds", "valid_lb"} */
void exp_json_train(FILE *f, const char *key, const exp_train_info *t, int last);
/* Open DIR/name for writing (NULL after a message). */
FILE *exp_open_out(const exp_ctx *c, const char *name);
/* Close a file from exp_open_out; 0, or -1 after a message. */
int exp_close_out(FILE *f, const char *name);

/* A number for a Markdown cell: "%.2f", or "–" when not finite. */
const char *exp_cell(double v, char *buf, size_t cap);
/* "| a | b | c |\n|---|---|---|\n" for n column names. */
void exp_md_header(FILE *md, const char *const *cols, int n);
/* The budget paragraph every section has: budget name plus a plain warning
 * when it is not the paper's. */
void exp_md_budget(const exp_ctx *c, const char *what);

/* A PNG of n charts in a grid of `cols` columns, each pw x ph pixels. */
int exp_plot_png(const exp_ctx *c, const char *name, const irvi_plot *panels, int n, int cols,
                 int pw, int ph);

/* Paper-style colours for series (tab10). */
uint32_t exp_color(int i);

#endif
