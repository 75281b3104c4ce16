/* app/exp_jobs.h — the paper budget beyond one machine: `irvi experiment
 * NAME|all --jobs slurm|parallel|list` writes a job plan instead of running
 * (one job per model to train, one per experiment to evaluate), and
 * `irvi experiment train-model ID` is the training job: idempotent (starts when
 * its folder has no checkpoint, resumes when it has one, does nothing when the
 * model is complete) and preemption-safe (SIGTERM: checkpoint at the next step
 * boundary, exit EXP_JOBS_REQUEUE).
 *
 * Everything a plan writes goes under ROOT/jobs/:
 *   models/ID/             a training job's output (checkpoint.irvi, best.irvi,
 *                          metrics.jsonl, trained.json when complete); the
 *                          evaluation jobs find the models there (exp_get_model
 *                          searches ROOT/<any>/models/ID)
 *   models.txt             the planned models, one "ID" a line (for the report)
 *   train.txt, eval.txt    the jobs as plain irvi command lines, one a line
 *   run-parallel.sh        GNU parallel: train.txt, then eval.txt, then the report
 *   train.sbatch, eval.sbatch, report.sbatch, submit.sh
 *                          Slurm: two job arrays and the report, chained with
 *                          --dependency=afterok / afterany by submit.sh
 *   logs/                  per-job output and error files */
#ifndef IRVI_APP_EXP_JOBS_H
#define IRVI_APP_EXP_JOBS_H

#include "experiments/exp_util.h"

#include <stdio.h>

/* The exit status of a training job stopped by SIGTERM after saving its
 * checkpoint (EX_TEMPFAIL): "run me again". The Slurm batch script requeues
 * the job on it; GNU parallel's --retries / --resume-failed rerun it. */
#define EXP_JOBS_REQUEUE 75

typedef struct {
    const char *mode;        /* "slurm", "parallel" or "list" */
    const char *time_limit;  /* Slurm --time of a training job (NULL: 1-00:00:00) */
    int signal_seconds;      /* SIGTERM this long before the time limit (300) */
} exp_jobs_opts;

/* Write the plan for the experiments names[0..n) into ROOT/jobs (c: budget,
 * seed, threads, data dir, root, max_updates). 0, or 1 after a message. */
int exp_jobs_plan(const exp_ctx *c, const char *const *names, int n, const exp_jobs_opts *o);

/* The training job of model id: ROOT/jobs/models/ID. 0 complete (now or
 * before), 1 failed, EXP_JOBS_REQUEUE stopped by SIGTERM with the checkpoint
 * saved, 130 stopped by SIGINT. */
int exp_jobs_train_model(exp_ctx *c, const char *id);

/* The report's part: the planned models (ROOT/jobs/models.txt, or the folders
 * in ROOT/jobs/models) as a Markdown table, finished or not; nothing when
 * there is no plan. Returns the number of unfinished models. */
int exp_jobs_report(FILE *md, const char *root);

#endif
