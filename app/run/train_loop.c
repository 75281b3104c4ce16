/* app/run/train_loop.c — the training run (see train_loop.h). */
#include "run/train_loop.h"

#include "common/sysutil.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void out_paths_in(out_paths *p, const char *dir)
{
    snprintf(p->ckpt, sizeof p->ckpt, "%s/checkpoint.irvi", dir);
    snprintf(p->best, sizeof p->best, "%s/best.irvi", dir);
    snprintf(p->metrics, sizeof p->metrics, "%s/metrics.jsonl", dir);
}

static void say(const run_hooks *h, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(const run_hooks *h, int is_error, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    h->say(h->user, is_error, buf);
}

/* a JSON number, or null for NaN/Inf */
static void json_num(FILE *f, const char *key, double v, int last)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.*g%s", key, strcmp(key, "lr") ? 10 : 7, v, last ? "" : ", ");
    else
        fprintf(f, "\"%s\": null%s", key, last ? "" : ", ");
}

static int in_finetune(const irvi_trainer *t, const train_plan *a)
{
    const irvi_train_opts *o = irvi_trainer_opts(t);
    return o->opt == a->ft_opt && o->lr == a->ft_lr && o->lr_decay == a->ft_decay;
}

static int append_metrics(const out_paths *p, const irvi_epoch_metrics *em, const char *phase,
                          int partial, const run_hooks *h)
{
    FILE *f = fopen(p->metrics, "a");
    if (!f) {
        say(h, 1, "%s: cannot open for appending: %s", p->metrics, strerror(errno));
        return -1;
    }
    fprintf(f, "{\"epoch\": %d, \"updates\": %ld, ", em->epoch + 1, em->updates);
    json_num(f, "train_lb", em->train_lb, 0);
    json_num(f, "valid_lb0", em->valid_lb0, 0);
    json_num(f, "valid_lb", em->valid_lb, 0);
    json_num(f, "valid_ll", em->valid_ll, 0);
    json_num(f, "valid_ess", em->valid_ess, 0);
    json_num(f, "best_valid_lb", em->best_valid_lb, 0);
    fprintf(f, "\"improved\": %s, ", em->improved ? "true" : "false");
    json_num(f, "lr", em->lr, 0);
    json_num(f, "train_seconds", em->train_seconds, 0);
    json_num(f, "valid_seconds", em->valid_seconds, 0);
    fprintf(f, "\"wall\": %.3f, \"phase\": \"%s\", \"partial\": %s}\n", app_wall(), phase,
            partial ? "true" : "false");
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        say(h, 1, "%s: write failed: %s", p->metrics, strerror(errno));
        return -1;
    }
    return 0;
}

/* Make metrics.jsonl agree with the checkpoint the trainer was resumed from.
 * An epoch's row is appended before the checkpoint that follows its
 * validation, so a kill between the two leaves a row for an epoch the
 * checkpoint has not finished (its "epoch" field, 1-based, exceeds the
 * trainer's completed epochs); resuming redoes that validation and appends
 * the row again. Such rows, and a torn last line, are dropped here (new file,
 * fsync, rename: a kill now leaves the old or the new log). */
static int trim_metrics(const irvi_trainer *t, const out_paths *p, const run_hooks *h)
{
    FILE *f = fopen(p->metrics, "rb");
    if (!f)
        return 0; /* no log yet */
    char *buf = NULL;
    size_t n = 0, cap = 0, k;
    char chunk[8192];
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + k + 1 > cap) {
            cap = 2 * (n + k + 1);
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                say(h, 1, "%s: out of memory reading it", p->metrics);
                return -1;
            }
            buf = nb;
        }
        memcpy(buf + n, chunk, k);
        n += k;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        say(h, 1, "%s: read error", p->metrics);
        return -1;
    }
    /* keep complete lines, except rows of epochs beyond the checkpoint's */
    int done = irvi_trainer_epoch(t), dropped = 0;
    size_t keep = 0;
    for (size_t i = 0; i < n;) {
        char *nl = memchr(buf + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (buf + i)) + 1 : n - i;
        int ep;
        if (!nl || (sscanf(buf + i, "{\"epoch\": %d,", &ep) == 1 && ep > done))
            dropped++;
        else {
            memmove(buf + keep, buf + i, len);
            keep += len;
        }
        i += len;
    }
    if (!dropped) {
        free(buf);
        return 0;
    }
    char tmp[sizeof p->metrics + 8];
    f = app_atomic_open(p->metrics, ".tmp", tmp, sizeof tmp);
    int ok = f && fwrite(buf, 1, keep, f) == keep;
    if (f && app_atomic_close(f, tmp, p->metrics, ok, NULL) != 0)
        ok = 0;
    free(buf);
    if (!ok) {
        say(h, 1, "%s: cannot rewrite it (through %s): %s", p->metrics, tmp, strerror(errno));
        return -1;
    }
    say(h, 0, "%s: dropped %d row%s beyond the checkpoint's %d validated epoch%s (the last "
        "run stopped before checkpointing them; they are redone)", p->metrics, dropped,
        dropped == 1 ? "" : "s", done, done == 1 ? "" : "s");
    return 0;
}

int train_save_checkpoint(const irvi_trainer *t, const out_paths *p, const run_hooks *h)
{
    irvi_status st = irvi_trainer_save(t, p->ckpt);
    if (st) {
        say(h, 1, "saving the checkpoint: %s: %s", irvi_status_str(st), irvi_last_error());
        return -1;
    }
    return 0;
}

/* Time estimates from the mean step time of this process (pauses excluded)
 * and the last validation's time: both ETAs include the validations still to
 * come, so neither reads 0s at an epoch boundary while the validation runs.
 * Before the first validation its time is guessed from the step time and its
 * sample counts (a step is batch x (K M + N) samples, a validation valid_n x
 * (test K M + valid_N); all examples: assumed a fifth of the training set). */
static void estimate_eta(run_progress *pr, const train_plan *a, const irvi_trainer *t,
                         const irvi_step_metrics *sm, double step_s, double valid_s)
{
    const irvi_train_opts *o = irvi_trainer_opts(t);
    long B = sm->batches, upd = irvi_trainer_updates(t);
    /* batches from the start of this epoch to where the run stops */
    long pos = (long)(pr->total_epochs - sm->epoch) * B;
    if (a->max_updates > 0 && a->max_updates - upd < pos - sm->batch)
        pos = sm->batch + (a->max_updates > upd ? a->max_updates - upd : 0);
    long left = pos - sm->batch, ep_left = (B < pos ? B : pos) - sm->batch;
    long valids = pos / B + (pos % B != 0);
    if (!(valid_s >= 0)) {
        double vn = o->valid_n > 0 ? o->valid_n : (double)B * o->batch / 5;
        double per_valid = o->test_air.K * (double)o->test_air.M + o->valid_N;
        double per_train = o->air.K * (double)o->air.M + o->N;
        valid_s = step_s / o->batch * vn * per_valid / (per_train > 0 ? per_train : 1);
    }
    pr->eta_seconds = ep_left * step_s + valid_s;
    pr->eta_run = left * step_s + valids * valid_s;
}

run_result train_loop(const train_plan *a, irvi_trainer *t, const run_hooks *h)
{
    const out_paths *p = &a->out;
    double step_sum = 0, valid_s = -1; /* for the ETAs: steps timed, last validation */
    long steps = 0;
    run_progress pr = {0};
    pr.eta_seconds = pr.eta_run = -1;
    pr.total_epochs = a->epochs + a->ft_epochs;
    double last_ckpt = app_now(), ep_t0 = app_now();
    long ep_ex = 0, ep_steps = 0;
    int cur_epoch = -1, stop_max = 0;
    if (trim_metrics(t, p, h))
        return RUN_FAILED;
    for (;;) {
        if (h->poll(h->user, t))
            break;
        long upd = irvi_trainer_updates(t);
        int epoch = irvi_trainer_epoch(t);
        int reached = a->max_updates > 0 && upd >= a->max_updates;
        int partial = 0;
        if (!irvi_trainer_epoch_done(t) && reached) {
            /* cut the epoch short only if it has started; else just stop. The
             * trainer's own position says so: after --resume mid-epoch this
             * process has taken no step yet, but the epoch has begun. */
            partial = irvi_trainer_batch(t) > 0;
            if (!partial)
                return train_save_checkpoint(t, p, h) ? RUN_FAILED : RUN_DONE;
            stop_max = 1;
        }
        if (irvi_trainer_epoch_done(t) || partial) {
            const char *phase = epoch >= a->epochs ? "finetune" : "main";
            irvi_epoch_metrics em;
            irvi_status st = irvi_trainer_end_epoch(t, &em, h->valid_progress, h->user);
            if (st == IRVI_ECANCELLED)
                break; /* asked to stop during validation */
            if (st) {
                say(h, 1, "validating: %s: %s", irvi_status_str(st), irvi_last_error());
                train_save_checkpoint(t, p, h);
                return RUN_FAILED;
            }
            valid_s = em.valid_seconds;
            h->epoch(h->user, t, &em, partial, &pr);
            if (append_metrics(p, &em, phase, partial, h))
                return RUN_FAILED;
            if (em.improved) {
                st = irvi_model_save(irvi_trainer_best(t), p->best);
                if (st) {
                    say(h, 1, "saving the best model: %s: %s", irvi_status_str(st),
                        irvi_last_error());
                    return RUN_FAILED;
                }
            }
            if (train_save_checkpoint(t, p, h))
                return RUN_FAILED;
            last_ckpt = app_now();
            ep_steps = 0;
            if (stop_max)
                return RUN_DONE;
            continue;
        }
        if (epoch >= pr.total_epochs)
            return train_save_checkpoint(t, p, h) ? RUN_FAILED : RUN_DONE;
        if (epoch != cur_epoch) { /* a new epoch (or the first one of this process) */
            cur_epoch = epoch;
            ep_t0 = app_now();
            ep_ex = 0;
            ep_steps = 0;
            if (epoch >= a->epochs && a->ft_epochs > 0 && !in_finetune(t, a)) {
                irvi_trainer_set_optimizer(t, a->ft_opt, a->ft_lr, a->ft_decay);
                say(h, 0, "fine-tuning: %s, lr %g, lr divided by %g after every epoch",
                    a->ft_opt == IRVI_OPT_SGD ? "SGD" : "RMSprop", (double)a->ft_lr,
                    (double)a->ft_decay);
            }
        }
        irvi_step_metrics sm;
        irvi_status st = irvi_trainer_step(t, &sm);
        if (st) {
            say(h, 1, "training: %s: %s", irvi_status_str(st), irvi_last_error());
            say(h, 1, "the last checkpoint (%s) holds the state before the failure", p->ckpt);
            return RUN_FAILED;
        }
        double w = ep_steps == 0 ? 1.0 : 0.05;
        pr.lb += w * (sm.lb - pr.lb);
        pr.lb0 += w * (sm.lb0 - pr.lb0);
        pr.ess += w * (sm.ess - pr.ess);
        ep_ex += irvi_trainer_opts(t)->batch;
        ep_steps++;
        double now = app_now(), el = now - ep_t0;
        pr.ex_per_s = ep_ex / (el > 0 ? el : 1e-9);
        step_sum += sm.seconds;
        steps++;
        estimate_eta(&pr, a, t, &sm, step_sum / steps, valid_s);
        h->step(h->user, t, &sm, &pr);
        if (a->ckpt_every > 0 && now - last_ckpt >= a->ckpt_every) {
            if (train_save_checkpoint(t, p, h))
                return RUN_FAILED;
            last_ckpt = now;
        }
    }
    /* stopped: keep the state at this step boundary */
    irvi_request_cancel(0);
    return train_save_checkpoint(t, p, h) ? RUN_FAILED : RUN_STOPPED;
}
