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

#endif
