/* app/experiment.h — `irvi experiment NAME`: the paper's experiments, one
 * command each. An experiment trains and evaluates through the engine, writes
 * its numbers (DIR/results.json, CSV where useful), its figures (PNG files in DIR)
 * and its part of the report (DIR/section.md, Markdown with the paper's
 * numbers beside ours, budgets and sample counts stated, figures linked by
 * paths relative to DIR, e.g. `![...](grid.png)`). `irvi experiment report`
 * puts the sections that exist together into report/README.md and copies the
 * files they link into report/NAME/, rewriting the links, so the report
 * directory stands on its own.
 *
 * Every experiment honours the budget: SHORT finishes in minutes on a 2-core
 * machine, PAPER uses the paper's settings (epochs, N = 100,000, repeats). */
#ifndef IRVI_APP_EXPERIMENT_H
#define IRVI_APP_EXPERIMENT_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

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
                                      whatever the budget (tests; app/exp_jobs.h) */
} exp_ctx;

/* "tiny", "short", "medium", "paper" */
const char *exp_budget_name(exp_budget b);

typedef struct {
    const char *name;              /* "table1", "exact", ... */
    const char *title;             /* one line for listings and the report */
    int (*run)(exp_ctx *c);        /* 0 done; 1 failed, message already on stderr */
} exp_def;

/* One function per experiment, each in its own app/exp_NAME.c. */
int exp_table1(exp_ctx *c);     /* Table 1: SBN / DARN, AIR vs RWS, test LB and IS-LL */
int exp_exact(exp_ctx *c);      /* 5.2: exact LL of a 20-unit SBN vs the estimates */
int exp_fig2(exp_ctx *c);       /* Figure 2: most-improved digits, simplified posterior */
int exp_refsteps(exp_ctx *c);   /* Supp. Fig. 1: LB and ESS against refinement steps */
int exp_curves(exp_ctx *c);     /* Supp. Fig. 2-3: LB and ESS against epochs and seconds */
int exp_table2(exp_ctx *c);     /* Table 2: VAE, VAE + refinement, GDIR */
int exp_classify(exp_ctx *c);   /* 5.4: classification on mu_0, mu_K and raw pixels */
int exp_bihm(exp_ctx *c);       /* Supp. 4: AIR vs BiHM vs BiHM+ */

#endif
