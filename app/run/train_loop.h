/* app/run/train_loop.h — the training run shared by headless `irvi train`, the
 * live session and the experiments: epochs, validation, metrics log,
 * checkpoints, best model, fine-tuning, --max-updates. What to do comes in a
 * train_plan (not the command line's flags); the trainer from run/build.h. It runs on whichever thread calls it (the main
 * thread headless, the engine thread live) and talks to the outside only
 * through run_hooks, so it never prints and never touches the UI itself.
 */
#ifndef IRVI_APP_TRAIN_LOOP_H
#define IRVI_APP_TRAIN_LOOP_H

#include <irvi/irvi.h>

/* Where a run keeps its files: DIR/checkpoint.irvi, DIR/best.irvi and
 * DIR/metrics.jsonl. */
typedef struct {
    char ckpt[4200], best[4200], metrics[4200];
} out_paths;

void out_paths_in(out_paths *p, const char *dir);

/* The run plan: all the loop needs to know, whoever starts it (irvi train's
 * flags, the live session, an experiment's budget). */
typedef struct {
    out_paths out;
    int epochs;             /* main epochs */
    int ft_epochs;          /* fine-tuning epochs after them (0 = none) */
    irvi_optimizer ft_opt;  /* fine-tuning optimizer, learning rate and decay */
    float ft_lr, ft_decay;
    long max_updates;       /* stop after this many updates in total (0 = no limit) */
    double ckpt_every;      /* also checkpoint every this many seconds (0 = off) */
} train_plan;

/* smoothed view of the last steps, for progress displays */
typedef struct {
    double lb, lb0, ess;    /* moving averages over ~20 steps */
    double ex_per_s;        /* in the current epoch */
    double eta_seconds;     /* to the end of the current epoch, its validation included */
    double eta_run;         /* to the end of the run (epochs, fine-tuning, --max-updates) */
    int total_epochs;
} run_progress;

typedef struct {
    void *user;
    /* Before every step: 0 = go on, 1 = stop now (quit or signal). May block
     * (a paused live session waits for commands here). */
    int (*poll)(void *user, irvi_trainer *t);
    void (*step)(void *user, irvi_trainer *t, const irvi_step_metrics *sm, const run_progress *p);
    void (*epoch)(void *user, irvi_trainer *t, const irvi_epoch_metrics *em, int partial,
                  const run_progress *p);
    /* validation progress; non-zero cancels the validation (to quit) */
    int (*valid_progress)(void *user, double done, double total);
    /* a line for the user; is_error for failures */
    void (*say)(void *user, int is_error, const char *msg);
} run_hooks;

typedef enum { RUN_DONE = 0, RUN_FAILED = 1, RUN_STOPPED = 2 } run_result;

/* Train until the planned epochs are done, --max-updates is reached, a step
 * fails, or poll asks to stop; the checkpoint is written in every case where
 * the state is good. */
run_result train_loop(const train_plan *plan, irvi_trainer *t, const run_hooks *h);

/* Write the trainer checkpoint, reporting a failure through h->say. */
int train_save_checkpoint(const irvi_trainer *t, const out_paths *p, const run_hooks *h);


#endif
