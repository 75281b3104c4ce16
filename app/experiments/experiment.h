/* app/experiments/experiment.h — `irvi experiment NAME`: the paper's experiments, one
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

#include "experiments/exp_util.h"

/* The command: `irvi experiment ...` (arguments after its name; exit code). */
int cmd_experiment(int argc, char **argv);

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
int exp_protocol(exp_ctx *c);   /* 5.2 protocol on the reference models */

#endif
