/* app/exp_jobs.c — job plans for Slurm and GNU parallel, the idempotent and
 * preemption-safe training job, and the report's table of planned models
 * (see exp_jobs.h). */
#include "experiments/exp_jobs.h"

#include "common/sysutil.h"
#include "experiments/exp_util.h"
#include "run/build.h"
#include "run/train_loop.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The models each experiment takes from the shared cache (exp_get_model).
 * Keep in step with the experiments: an experiment that trains a model not
 * listed here still works, it just trains it inside its evaluation job. table2
 * and curves train their own variants (and bihm its BiHM model) inside their
 * evaluation job. */
static const struct {
    const char *exp;
    const char *models[11];
} needs[] = {
    {"table1", {"rws200", "rws200-200", "rws200-200-200", "air200", "air200-200",
                "air200-200-200", "darn-rws200", "darn-rws500", "darn-air200", "darn-air500"}},
    {"table2", {NULL}},
    {"exact", {"rws20"}},
    {"fig2", {"rws20", "rws200"}},
    {"refsteps", {"air200", "air200-200", "air200-200-200"}},
    {"curves", {NULL}},
    {"classify", {"rws200"}},
    {"bihm", {"air200-200-200"}},
};
#define NNEEDS (int)(sizeof needs / sizeof needs[0])

/* ---- small helpers ------------------------------------------------------ */

/* s quoted for a POSIX shell (as is when it needs no quoting). */
static const char *shq(const char *s, char *buf, size_t cap)
{
    int plain = *s != 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%", *p))
            plain = 0;
    if (plain) {
        snprintf(buf, cap, "%s", s);
        return buf;
    }
    size_t n = 0;
    if (n + 1 < cap)
        buf[n++] = '\'';
    for (const char *p = s; *p && n + 5 < cap; p++) {
        if (*p == '\'') {
            memcpy(buf + n, "'\\''", 4);
            n += 4;
        } else
            buf[n++] = *p;
    }
    if (n + 1 < cap)
        buf[n++] = '\'';
    buf[n] = 0;
    return buf;
}

/* An absolute form of path (which need not exist yet: its parent is made
 * absolute through the working directory). */
static void absolute(const char *path, char *out, size_t cap)
{
    char cwd[PATH_MAX];
    int k;
    if (path[0] == '/' || !getcwd(cwd, sizeof cwd))
        k = snprintf(out, cap, "%s", path);
    else
        k = snprintf(out, cap, "%s/%s", cwd, path);
    if (k < 0 || (size_t)k >= cap)
        out[cap - 1] = 0; /* truncated: the user will see the odd path */
}

/* Write text to path through path.part; 0 or 1 after a message. */
static int write_file(const char *path, const char *text, int executable)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "irvi: %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    int bad = fputs(text, f) < 0;
    bad |= ferror(f);
    bad |= fclose(f) != 0;
    if (!bad && executable)
        bad = chmod(tmp, 0755) != 0;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "irvi: %s: write failed: %s\n", path, strerror(errno));
        remove(tmp);
        return 1;
    }
    return 0;
}

/* A growing string. */
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->n;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && (size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = (b->cap + (size_t)k + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

/* ---- the plan ----------------------------------------------------------- */

typedef struct {
    char irvi[PATH_MAX];     /* this executable, absolute */
    char root[PATH_MAX];     /* ROOT, absolute */
    char jobs[PATH_MAX + 8]; /* ROOT/jobs */
    char common[PATH_MAX * 2 + 256]; /* --budget B --root ROOT --threads T --seed S ... */
    int threads;
} plan_ctx;

static int plan_setup(const exp_ctx *c, plan_ctx *p)
{
    char q1[PATH_MAX * 2], q2[PATH_MAX * 2];
    ssize_t n = readlink("/proc/self/exe", p->irvi, sizeof p->irvi - 1);
    if (n <= 0)
        snprintf(p->irvi, sizeof p->irvi, "irvi");
    else
        p->irvi[n] = 0;
    if (app_mkdir_p(c->root)) {
        fprintf(stderr, "irvi: --root: cannot create %s: %s\n", c->root, strerror(errno));
        return 1;
    }
    if (!realpath(c->root, p->root))
        absolute(c->root, p->root, sizeof p->root);
    snprintf(p->jobs, sizeof p->jobs, "%s/jobs", p->root);
    char logs[PATH_MAX + 16];
    snprintf(logs, sizeof logs, "%s/logs", p->jobs);
    if (app_mkdir_p(logs)) {
        fprintf(stderr, "irvi: cannot create %s: %s\n", logs, strerror(errno));
        return 1;
    }
    p->threads = c->threads > 0 ? c->threads : 2;
    int k = snprintf(p->common, sizeof p->common, "--budget %s --root %s --threads %d --seed %llu",
                     exp_budget_name(c->budget), shq(p->root, q1, sizeof q1), p->threads,
                     (unsigned long long)c->seed);
    if (c->data_dir) {
        char dd[PATH_MAX];
        absolute(c->data_dir, dd, sizeof dd); /* symlinks kept: the user's path */
        k += snprintf(p->common + k, sizeof p->common - (size_t)k, " --data-dir %s",
                      shq(dd, q2, sizeof q2));
    }
    if (c->max_updates > 0)
        snprintf(p->common + k, sizeof p->common - (size_t)k, " --max-updates %ld", c->max_updates);
    return 0;
}

/* The sbatch header and the wrapper every job runs its command through: it
 * forwards the early SIGTERM of --signal=B:TERM@S to irvi, and requeues the
 * job when irvi stopped on it (75: a training job checkpointed; 143: an
 * evaluation job stopped, to be run again). */
static void sbatch_head(sbuf *b, const plan_ctx *p, const char *name, int n, const exp_jobs_opts *o,
                        int requeue)
{
    sb_printf(b, "#!/bin/bash\n");
    sb_printf(b, "#SBATCH --job-name=irvi-%s\n", name);
    if (n > 0)
        sb_printf(b, "#SBATCH --array=0-%d\n", n - 1);
    sb_printf(b, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=%d\n", p->threads);
    if (requeue)
        sb_printf(b, "#SBATCH --requeue\n#SBATCH --signal=B:TERM@%d\n", o->signal_seconds);
    sb_printf(b, "#SBATCH --time=%s\n", o->time_limit ? o->time_limit : "1-00:00:00");
    sb_printf(b, "#SBATCH --open-mode=append\n");
    if (n > 0)
        sb_printf(b, "#SBATCH --output=%s/logs/%s-%%A_%%a.out\n#SBATCH --error=%s/logs/%s-%%A_%%a.err\n",
                  p->jobs, name, p->jobs, name);
    else
        sb_printf(b, "#SBATCH --output=%s/logs/%s-%%j.out\n#SBATCH --error=%s/logs/%s-%%j.err\n",
                  p->jobs, name, p->jobs, name);
    sb_printf(b, "# Written by `irvi experiment ... --jobs slurm`; submit with submit.sh (sbatch\n"
                 "# options given to submit.sh, e.g. --partition=P, override these).\n");
}

static void sbatch_wrapper(sbuf *b)
{
    sb_printf(b,
              "echo \"== $(date '+%%F %%T') job ${SLURM_JOB_ID} (array ${SLURM_ARRAY_JOB_ID:-none}_${SLURM_ARRAY_TASK_ID:-}) "
              "restart ${SLURM_RESTART_COUNT:-0} on $(hostname): $*\" >&2\n"
              "export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}\n"
              "\"$@\" &\n"
              "pid=$!\n"
              "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM\n"
              "wait \"$pid\"; rc=$?\n"
              "while kill -0 \"$pid\" 2>/dev/null; do wait \"$pid\"; rc=$?; done\n"
              "echo \"== $(date '+%%F %%T') job ${SLURM_JOB_ID} exit $rc\" >&2\n"
              "if [ -n \"${SLURM_JOB_ID:-}\" ] && { [ \"$rc\" -eq 75 ] || [ \"$rc\" -eq 143 ]; }; then\n"
              "    # stopped by SIGTERM (time limit, preemption, scontrol requeue): run again.\n"
              "    # This task only: the array's own id would requeue every task of it.\n"
              "    if [ -n \"${SLURM_ARRAY_TASK_ID:-}\" ]; then self=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\n"
              "    else self=$SLURM_JOB_ID; fi\n"
              "    scontrol requeue \"$self\" 2>/dev/null || true\n"
              "fi\n"
              "exit \"$rc\"\n");
}

/* One `case` arm per command line. */
static void sbatch_cases(sbuf *b, char *const *lines, int n)
{
    sb_printf(b, "case \"${SLURM_ARRAY_TASK_ID:?not a task of the job array}\" in\n");
    for (int i = 0; i < n; i++)
        sb_printf(b, "%d) set -- %s ;;\n", i, lines[i]);
    sb_printf(b, "*) echo \"no job $SLURM_ARRAY_TASK_ID in this plan\" >&2; exit 2 ;;\nesac\n");
}

int exp_jobs_plan(const exp_ctx *c, const char *const *names, int n, const exp_jobs_opts *o)
{
    plan_ctx p;
    if (plan_setup(c, &p))
        return 1;
    /* the models, each once, in the order the experiments need them */
    const char *models[64];
    int nm = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < NNEEDS; k++) {
            if (strcmp(needs[k].exp, names[i]))
                continue;
            for (int j = 0; j < 11 && needs[k].models[j]; j++) {
                int seen = 0;
                for (int m = 0; m < nm; m++)
                    seen |= !strcmp(models[m], needs[k].models[j]);
                if (!seen && nm < 64)
                    models[nm++] = needs[k].models[j];
            }
        }
    char qi[PATH_MAX * 2], qr[PATH_MAX * 2];
    shq(p.irvi, qi, sizeof qi);
    char *train[64], *eval[16];
    int rc = 0;
    sbuf tr = {0}, ev = {0}, mt = {0}, b = {0};
    for (int i = 0; i < nm; i++) {
        size_t cap = strlen(qi) + strlen(p.common) + 128;
        train[i] = malloc(cap);
        if (train[i])
            snprintf(train[i], cap, "%s experiment train-model %s %s", qi, models[i], p.common);
        sb_printf(&tr, "%s\n", train[i] ? train[i] : "");
        sb_printf(&mt, "%s\n", models[i]);
    }
    for (int i = 0; i < n; i++) {
        size_t cap = strlen(qi) + strlen(p.common) + 128;
        eval[i] = malloc(cap);
        if (eval[i])
            snprintf(eval[i], cap, "%s experiment %s %s", qi, names[i], p.common);
        sb_printf(&ev, "%s\n", eval[i] ? eval[i] : "");
    }
    char report_cmd[PATH_MAX * 6];
    char rout[PATH_MAX + 16];
    snprintf(rout, sizeof rout, "%s/report", p.root);
    snprintf(report_cmd, sizeof report_cmd, "%s experiment report --root %s", qi,
             shq(p.root, qr, sizeof qr));
    {
        size_t k = strlen(report_cmd);
        snprintf(report_cmd + k, sizeof report_cmd - k, " --out %s", shq(rout, qr, sizeof qr));
    }
    char path[PATH_MAX + 64];
#define JOBFILE(name) (snprintf(path, sizeof path, "%s/%s", p.jobs, name), path)
    if (tr.oom || ev.oom || mt.oom) {
        fprintf(stderr, "irvi: out of memory writing the plan\n");
        rc = 1;
        goto out;
    }
    rc |= write_file(JOBFILE("models.txt"), mt.s ? mt.s : "", 0);
    rc |= write_file(JOBFILE("train.txt"), tr.s ? tr.s : "", 0);
    rc |= write_file(JOBFILE("eval.txt"), ev.s ? ev.s : "", 0);

    /* GNU parallel: the job files, in order; --resume-failed skips what
     * finished and reruns what failed or was stopped, so the script can be
     * run again as often as needed. */
    int par = (int)(sysconf(_SC_NPROCESSORS_ONLN) / p.threads);
    sb_printf(&b,
              "#!/bin/bash\n"
              "# Written by `irvi experiment ... --jobs parallel`: the training jobs (train.txt),\n"
              "# then the evaluation jobs (eval.txt), then the report, with GNU parallel.\n"
              "# usage: run-parallel.sh [JOBS] [more parallel options, e.g. --sshloginfile FILE]\n"
              "# JOBS: jobs at once (default: cores / %d threads). Safe to run again: jobs that\n"
              "# finished are skipped (--joblog, --resume-failed), interrupted training resumes.\n"
              "cd \"$(dirname \"$0\")\" || exit 1\n"
              "jobs=${1:-%d}\n"
              "shift\n"
              "parallel --will-cite --jobs \"$jobs\" --joblog train.joblog --resume-failed "
              "--retries 3 --line-buffer --tagstring '{#}' \"$@\" < train.txt\n"
              "parallel --will-cite --jobs \"$jobs\" --joblog eval.joblog --resume-failed "
              "--retries 2 --line-buffer --tagstring '{#}' \"$@\" < eval.txt\n"
              "rc=$?\n"
              "%s\n"
              "exit $rc\n",
              p.threads, par > 0 ? par : 1, report_cmd);
    if (!b.oom)
        rc |= write_file(JOBFILE("run-parallel.sh"), b.s, 1);
    free(b.s);
    memset(&b, 0, sizeof b);

    /* Slurm */
    if (nm > 0) {
        sbatch_head(&b, &p, "train", nm, o, 1);
        sb_printf(&b, "# One model per task, trained into %s/models/ID; each command starts,\n"
                      "# resumes or (when complete) skips its model, so a requeue runs it again.\n",
                  p.jobs);
        sbatch_cases(&b, train, nm);
        sbatch_wrapper(&b);
        if (!b.oom)
            rc |= write_file(JOBFILE("train.sbatch"), b.s, 1);
        free(b.s);
        memset(&b, 0, sizeof b);
    }
    sbatch_head(&b, &p, "eval", n, o, 1);
    sb_printf(&b, "# One experiment per task, using the trained models of train.sbatch.\n");
    sbatch_cases(&b, eval, n);
    sbatch_wrapper(&b);
    if (!b.oom)
        rc |= write_file(JOBFILE("eval.sbatch"), b.s, 1);
    free(b.s);
    memset(&b, 0, sizeof b);
    sbatch_head(&b, &p, "report", 0, o, 0);
    sb_printf(&b, "# The report of whatever finished (unfinished models are marked).\n%s\n",
              report_cmd);
    if (!b.oom)
        rc |= write_file(JOBFILE("report.sbatch"), b.s, 1);
    free(b.s);
    memset(&b, 0, sizeof b);
    sb_printf(&b,
              "#!/bin/bash\n"
              "# Written by `irvi experiment ... --jobs slurm`: submit the training array, the\n"
              "# evaluation array (--dependency=afterok on every training task) and the report\n"
              "# (afterany). Extra arguments go to every sbatch (e.g. --partition=P).\n"
              "# Prints the job ids, one \"train|eval|report ID\" a line.\n"
              "set -e\n"
              "cd \"$(dirname \"$0\")\"\n");
    if (nm > 0)
        sb_printf(&b,
                  "train=$(sbatch --parsable \"$@\" train.sbatch)\n"
                  "train=${train%%%%;*}\n"
                  "echo \"train $train\"\n"
                  "eval=$(sbatch --parsable --dependency=afterok:$train \"$@\" eval.sbatch)\n");
    else
        sb_printf(&b, "eval=$(sbatch --parsable \"$@\" eval.sbatch)\n");
    sb_printf(&b,
              "eval=${eval%%%%;*}\n"
              "echo \"eval $eval\"\n"
              "report=$(sbatch --parsable --dependency=afterany:$eval \"$@\" report.sbatch)\n"
              "echo \"report ${report%%%%;*}\"\n");
    if (!b.oom)
        rc |= write_file(JOBFILE("submit.sh"), b.s, 1);
    if (tr.oom || ev.oom || mt.oom || b.oom)
        rc = 1;
    if (rc)
        goto out;

    fprintf(stderr, "irvi: plan of %d training job%s and %d evaluation job%s (budget %s) in %s/\n",
            nm, nm == 1 ? "" : "s", n, n == 1 ? "" : "s", exp_budget_name(c->budget), p.jobs);
    if (!strcmp(o->mode, "list")) {
        fputs(tr.s ? tr.s : "", stdout);
        fputs(ev.s ? ev.s : "", stdout);
        printf("%s\n", report_cmd);
        fprintf(stderr, "irvi: run the training lines (any order, any machine sharing %s), then "
                        "the evaluation lines, then the report line\n", p.root);
    } else if (!strcmp(o->mode, "parallel")) {
        printf("%s/run-parallel.sh\n", p.jobs);
        fprintf(stderr, "irvi: run it: %s/run-parallel.sh [JOBS]  (job files train.txt, eval.txt)\n",
                p.jobs);
    } else {
        printf("%s/submit.sh\n", p.jobs);
        fprintf(stderr, "irvi: submit it: %s/submit.sh [sbatch options]  (train.sbatch, eval.sbatch, "
                        "report.sbatch; logs in %s/logs)\n", p.jobs, p.jobs);
    }
out:
    for (int i = 0; i < nm; i++)
        free(train[i]);
    for (int i = 0; i < n; i++)
        free(eval[i]);
    free(tr.s);
    free(ev.s);
    free(mt.s);
    free(b.s);
    return rc ? 1 : 0;
#undef JOBFILE
}

/* ---- the training job --------------------------------------------------- */

typedef struct {
    const char *id;
    double last_print;
    long total;
    double train_seconds;   /* of training steps (validation excluded), as exp_train */
} job_state;

static int job_poll(void *user, irvi_trainer *t)
{
    (void)user;
    (void)t;
    return app_stop_signal != 0;
}

static void job_step(void *user, irvi_trainer *t, const irvi_step_metrics *sm, const run_progress *p)
{
    (void)t;
    job_state *s = user;
    s->train_seconds += sm->seconds;
    double now = app_now();
    if (now - s->last_print < 10 && sm->update != 1)
        return;
    s->last_print = now;
    fprintf(stderr, "  %s: update %ld/%ld lb %.2f ess %.3f %.0f ex/s\n", s->id, sm->update,
            s->total, p->lb, p->ess, p->ex_per_s);
}

static void job_epoch(void *user, irvi_trainer *t, const irvi_epoch_metrics *em, int partial,
                      const run_progress *p)
{
    (void)t;
    (void)p;
    job_state *s = user;
    fprintf(stderr, "  %s: epoch %d%s updates %ld valid lb0 %.2f lb %.2f ll %.2f ess %.3f\n", s->id,
            em->epoch + 1, partial ? " (cut)" : "", em->updates, em->valid_lb0, em->valid_lb,
            em->valid_ll, em->valid_ess);
}

static int job_valid(void *user, double done, double total)
{
    (void)user;
    (void)done;
    (void)total;
    return app_stop_signal != 0;
}

static void job_say(void *user, int is_error, const char *msg)
{
    (void)user;
    fprintf(stderr, "%s%s\n", is_error ? "irvi: " : "", msg);
}

/* SIGTERM sets the flag however often it comes (Slurm signals every process of
 * the job, and the batch script forwards its own): the checkpoint must be
 * written, not cut short by a second TERM. SIGINT keeps the kill-on-second. */
static void on_term(int sig)
{
    app_stop_signal = sig;
    irvi_request_cancel(1);
}

static double read_num(const char *path, const char *key)
{
    char text[4096];
    FILE *f = fopen(path, "r");
    if (!f)
        return NAN;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    const char *p = key ? strstr(text, key) : text;
    if (!p)
        return NAN;
    p += key ? strlen(key) : 0;
    char *end;
    double v = strtod(p, &end);
    return end == p ? (double)NAN : v;
}

/* The last line of a text file into buf ("" when none). */
static void last_line(const char *path, char *buf, size_t cap)
{
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[4096];
    while (fgets(line, sizeof line, f))
        if (line[0] == '{')
            snprintf(buf, cap, "%s", line);
    fclose(f);
}


int exp_jobs_train_model(exp_ctx *c, const char *id)
{
    exp_model_spec s;
    if (exp_model_spec_for(c, id, &s))
        return 2;
    char dir[1200], stamp[1300], secs[1300], want[96];
    snprintf(dir, sizeof dir, "%s/jobs/models/%s", c->root, id);
    snprintf(stamp, sizeof stamp, "%s/trained.json", dir);
    snprintf(secs, sizeof secs, "%s/train_seconds.txt", dir);
    out_paths p;
    snprintf(p.ckpt, sizeof p.ckpt, "%s/checkpoint.irvi", dir);
    snprintf(p.best, sizeof p.best, "%s/best.irvi", dir);
    snprintf(p.metrics, sizeof p.metrics, "%s/metrics.jsonl", dir);

    /* complete already (a repeated job): nothing to do */
    snprintf(want, sizeof want, "{\"budget\": \"%s\", \"seed\": %llu,", exp_budget_name(c->budget),
             (unsigned long long)c->seed);
    FILE *f = fopen(stamp, "r");
    if (f) {
        char text[1024];
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = 0;
        if (!strncmp(text, want, strlen(want)) && access(p.best, R_OK) == 0) {
            fprintf(stderr, "irvi: %s: complete already (%s)\n", id, stamp);
            return 0;
        }
        fprintf(stderr, "irvi: %s holds a model of another budget or seed: %s\n", dir, text);
        return 1;
    }
    if (app_mkdir_p(dir)) {
        fprintf(stderr, "irvi: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    irvi_dataset *ds = NULL;
    if (exp_open_data(c, &ds))
        return 1;
    /* no fine-tuning phase, as exp_train plans it */
    train_plan plan = {.epochs = s.epochs, .ft_opt = IRVI_OPT_SGD, .max_updates = s.max_updates,
                       .ckpt_every = 300};
    plan.out = p;
    irvi_trainer *t = NULL;
    irvi_status st = IRVI_OK;
    int resumed = access(p.ckpt, F_OK) == 0;
    double before = 0;
    if (resumed) {
        st = irvi_trainer_resume(p.ckpt, ds, &t);
        if (st) {
            app_report("resuming", st);
            irvi_dataset_free(ds);
            return 1;
        }
        before = read_num(secs, NULL);
        if (!isfinite(before))
            before = 0;
    } else {
        /* exactly as exp_train builds it, so the model equals the one an
         * experiment would train itself */
        run_model rm = {s.layers, s.darn, s.gen_hidden, s.rec_hidden, 0,
                        irvi_algo_info_get(s.o.algo)->latent};
        build_stage failed;
        st = run_build_trainer(&rm, ds, &s.o, c->seed, &t, &failed);
        if (st) {
            app_report("creating the model", st);
            irvi_dataset_free(ds);
            return 1;
        }
        remove(p.best);
        remove(secs);
        f = fopen(p.metrics, "w"); /* a new run starts a new log */
        if (f)
            fclose(f);
    }
    fprintf(stderr, "irvi: %s: %s training into %s (budget %s, %ld updates, %d thread%s)\n", id,
            resumed ? "resuming" : "starting", dir, exp_budget_name(c->budget), s.max_updates,
            irvi_get_threads(), irvi_get_threads() == 1 ? "" : "s");
    if (resumed)
        fprintf(stderr, "irvi: %s: resumed at update %ld\n", id, irvi_trainer_updates(t));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);

    job_state js = {id, 0, s.max_updates, before};
    run_hooks h = {&js, job_poll, job_step, job_epoch, job_valid, job_say};
    run_result r = train_loop(&plan, t, &h);
    double total = js.train_seconds;
    long updates = irvi_trainer_updates(t);
    int epochs = irvi_trainer_epoch(t);
    irvi_trainer_free(t);
    irvi_dataset_free(ds);
    f = fopen(secs, "w");
    if (f) {
        fprintf(f, "%.3f\n", total);
        fclose(f);
    }
    if (r == RUN_FAILED)
        return 1;
    if (r == RUN_STOPPED || app_stop_signal) {
        fprintf(stderr, "irvi: %s: stopped by %s at update %ld; checkpoint saved to %s (the same "
                        "command resumes it)\n", id,
                app_stop_signal == SIGINT ? "SIGINT" : "SIGTERM", updates, p.ckpt);
        return app_stop_signal == SIGINT ? 130 : EXP_JOBS_REQUEUE;
    }
    /* trained.json as exp_train writes it (read back by exp_get_model) */
    char line[4096];
    last_line(p.metrics, line, sizeof line);
    double best = NAN;
    {
        FILE *m = fopen(p.metrics, "r");
        char l2[4096];
        while (m && fgets(l2, sizeof l2, m)) {
            double v = exp_json_field(l2, "\"best_valid_lb\": ");
            if (isfinite(v))
                best = v;
        }
        if (m)
            fclose(m);
    }
    char tmp[1400];
    snprintf(tmp, sizeof tmp, "%s.part", stamp);
    f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "irvi: %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    fprintf(f, "{\"budget\": \"%s\", \"seed\": %llu, \"updates\": %ld, \"epochs\": %d, ",
            exp_budget_name(c->budget), (unsigned long long)c->seed, updates, epochs);
    exp_json_num(f, "train_seconds", total, 0);
    exp_json_num(f, "valid_lb", best, 1);
    fprintf(f, "}\n");
    if (fclose(f) != 0 || rename(tmp, stamp) != 0) {
        fprintf(stderr, "irvi: %s: cannot write\n", stamp);
        return 1;
    }
    fprintf(stderr, "irvi: %s: complete, %ld updates in %.1f s of training, best valid lb %.2f\n",
            id, updates, total, best);
    return 0;
}

/* ---- the report --------------------------------------------------------- */

int exp_jobs_report(FILE *md, const char *root)
{
    char path[PATH_MAX], ids[64][64];
    int n = 0;
    snprintf(path, sizeof path, "%s/jobs/models.txt", root);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[256];
        while (n < 64 && fgets(line, sizeof line, f)) {
            line[strcspn(line, " \t\r\n")] = 0;
            if (line[0])
                snprintf(ids[n++], sizeof ids[0], "%.63s", line);
        }
        fclose(f);
    } else {
        snprintf(path, sizeof path, "%s/jobs/models", root);
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && n < 64 && (e = readdir(d)) != NULL)
            if (e->d_name[0] != '.')
                snprintf(ids[n++], sizeof ids[0], "%.63s", e->d_name);
        if (d)
            closedir(d);
    }
    if (n == 0)
        return 0;
    int unfinished = 0;
    fprintf(md, "## Models trained by jobs\n\n"
                "The models of the job plan in `%s/jobs/` (`irvi experiment ... --jobs`), as "
                "found when this report was made. A section above uses a model only once it "
                "is finished; an unfinished model's experiments are missing or were run "
                "before it was.\n\n", root);
    const char *cols[] = {"model", "status", "updates", "best valid LB", "training seconds"};
    exp_md_header(md, cols, 5);
    for (int i = 0; i < n; i++) {
        char dir[PATH_MAX], stamp[PATH_MAX + 16], ckpt[PATH_MAX + 32], metrics[PATH_MAX + 32];
        char text[1024] = "", c1[32], c2[32], c3[32];
        if (snprintf(dir, sizeof dir, "%s/jobs/models/%s", root, ids[i]) >= (int)sizeof dir)
            continue;
        snprintf(stamp, sizeof stamp, "%s/trained.json", dir);
        snprintf(ckpt, sizeof ckpt, "%s/checkpoint.irvi", dir);
        snprintf(metrics, sizeof metrics, "%s/metrics.jsonl", dir);
        f = fopen(stamp, "r");
        if (f) {
            size_t k = fread(text, 1, sizeof text - 1, f);
            fclose(f);
            text[k] = 0;
            char budget[32] = "?";
            const char *b = strstr(text, "\"budget\": \"");
            if (b)
                sscanf(b + 11, "%31[^\"]", budget);
            fprintf(md, "| %s | finished (budget %s) | %.0f | %s | %s |\n", ids[i], budget,
                    exp_json_field(text, "\"updates\": "),
                    exp_cell(exp_json_field(text, "\"valid_lb\": "), c2, sizeof c2),
                    exp_cell(exp_json_field(text, "\"train_seconds\": "), c3, sizeof c3));
            printf("report: model %s finished\n", ids[i]);
            continue;
        }
        unfinished++;
        if (access(ckpt, F_OK) != 0) {
            fprintf(md, "| %s | **unfinished**: not started | – | – | – |\n", ids[i]);
            printf("report: model %s unfinished (not started)\n", ids[i]);
            continue;
        }
        char line[4096], secs[PATH_MAX + 64];
        last_line(metrics, line, sizeof line);
        snprintf(secs, sizeof secs, "%s/train_seconds.txt", dir);
        double best = exp_json_field(line, "\"best_valid_lb\": ");
        fprintf(md, "| %s | **unfinished**: checkpoint, training or stopped (the same job resumes "
                    "it) | %s (last validated) | %s | %s |\n", ids[i],
                line[0] ? exp_cell(exp_json_field(line, "\"updates\": "), c1, sizeof c1) : "–",
                exp_cell(best, c2, sizeof c2), exp_cell(read_num(secs, NULL), c3, sizeof c3));
        printf("report: model %s unfinished (checkpoint)\n", ids[i]);
    }
    fputc('\n', md);
    return unfinished;
}
