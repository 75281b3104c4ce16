/* app/experiments/experiment.c — `irvi experiment`: the registry of the paper's
 * experiments, the command line (list / NAME / all / report), signals, the
 * output directory and section file of each run, and the report that puts
 * the sections together (see experiment.h). The experiments themselves live
 * in app/experiments/exp_NAME.c; their shared helpers in exp_util.c. */
#include "experiments/experiment.h"
#include "common/sysutil.h"
#include "experiments/exp_jobs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The registry, in report order. Adding an experiment: its file
 * app/experiments/exp_NAME.c (int exp_NAME(exp_ctx *c)), one line in
 * app/experiments/meson.build, and here its declaration, its line in the
 * registry and its name in report_order (where the report puts it). */
int exp_table1(exp_ctx *c);     /* Table 1: SBN / DARN, AIR vs RWS, test LB and IS-LL */
int exp_exact(exp_ctx *c);      /* 5.2: exact LL of a 20-unit SBN vs the estimates */
int exp_fig2(exp_ctx *c);       /* Figure 2: most-improved digits, simplified posterior */
int exp_refsteps(exp_ctx *c);   /* Supp. Fig. 1: LB and ESS against refinement steps */
int exp_curves(exp_ctx *c);     /* Supp. Fig. 2-3: LB and ESS against epochs and seconds */
int exp_table2(exp_ctx *c);     /* Table 2: VAE, VAE + refinement, GDIR */
int exp_classify(exp_ctx *c);   /* 5.4: classification on mu_0, mu_K and raw pixels */
int exp_bihm(exp_ctx *c);       /* Supp. 4: AIR vs BiHM vs BiHM+ */
int exp_protocol(exp_ctx *c);   /* 5.2 protocol on the reference models */

static const exp_def experiments[] = {
    {"table1", "Table 1: SBN and DARN trained with AIR and RWS, test LB and IS-LL, unrefined vs refined", exp_table1},
    {"table2", "Table 2: VAE, VAE refined by GDIR at test, GDIR-trained; test LB and IS-LL", exp_table2},
    {"exact", "Sec. 5.2: exact log-likelihood of a 20-unit SBN against the unrefined and refined estimates", exp_exact},
    {"fig2", "Figure 2: the most improved test digits and the simplified posterior, refined by AIR", exp_fig2},
    {"refsteps", "Supp. Fig. 1: lower bound and ESS as refinement proceeds (0..50 AIR steps), 1-3 layers", exp_refsteps},
    {"curves", "Supp. Fig. 2-3: LB and ESS against epochs and seconds for AIR variants and RWS", exp_curves},
    {"classify", "Sec. 5.4: classification error on the unrefined and refined posterior means and on raw pixels", exp_classify},
    {"bihm", "Supp. 4: 3-layer SBN trained with AIR vs BiHM; test NLL of AIR, BiHM and BiHM+", exp_bihm},
    {"protocol", "Sec. 5.2 protocol on the reference models: test K, gamma chosen on validation; all test digits, N = 100,000 at the paper budget", exp_protocol},
};
#define NEXP (int)(sizeof experiments / sizeof experiments[0])

/* Where each section goes in the report, whether or not this build has the
 * experiment yet. */
static const char *const report_order[] = {"protocol", "table1", "table2", "exact", "fig2",
                                           "refsteps", "curves", "classify", "bihm"};
#define NORDER (int)(sizeof report_order / sizeof report_order[0])

static const exp_def *find_exp(const char *name)
{
    for (int i = 0; i < NEXP; i++)
        if (!strcmp(experiments[i].name, name))
            return &experiments[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: irvi experiment list\n"
            "       irvi experiment NAME [options]     run one experiment\n"
            "       irvi experiment all [options]      run every experiment, then the report\n"
            "       irvi experiment report [--root DIR] [--out DIR]\n"
            "options:\n"
            "  --budget short|medium|paper   training length and sample counts (default short:\n"
            "                         minutes on 2 cores, far from the paper's training; paper:\n"
            "                         500 epochs, all test digits, N = 100,000 — days)\n"
            "  --root DIR             where results go: DIR/NAME/ (default experiments)\n"
            "  --threads T            engine threads (default 0 = all cores)\n"
            "  --seed S               seed of training and sampling (default 1)\n"
            "  --data-dir DIR         directory of the MNIST files (default data/mnist)\n"
            "  --model-ID FILE        use this trained model instead of training model ID\n"
            "                         (ID: %s)\n"
            "report and all:\n"
            "  --out DIR              where README.md goes (default report)\n"
            "job plans (NAME or all; README: Running the paper budget on a cluster):\n"
            "  --jobs slurm|parallel|list  write ROOT/jobs/ instead of running: one job per\n"
            "                         model to train (irvi experiment train-model ID ...: starts,\n"
            "                         resumes from its checkpoint, or skips a complete model),\n"
            "                         one per experiment to evaluate, then the report. slurm:\n"
            "                         submit.sh + train/eval/report.sbatch (job arrays, --requeue,\n"
            "                         SIGTERM before the time limit, afterok); parallel:\n"
            "                         run-parallel.sh over train.txt and eval.txt; list: print\n"
            "                         the command lines. Plans use --threads (default 2) per job\n"
            "  --time T               Slurm time limit per job (default 1-00:00:00)\n"
            "  --max-updates N        every model trains N updates whatever the budget (tests)\n"
            "       irvi experiment train-model ID [options]   one training job of a plan:\n"
            "                         ROOT/jobs/models/ID; SIGTERM checkpoints, exits 75\n",
            EXP_MODEL_IDS);
}

/* ---- arguments ---------------------------------------------------------- */

/* report: 1 for `report` (only --root and --out), 0 for `all` (also --out),
 * -1 for one experiment */

typedef struct {
    exp_ctx c;
    const char *out;   /* report directory */
    exp_jobs_opts jobs; /* --jobs: write a plan (jobs.mode non-NULL) */
} exp_args;

static int parse(int argc, char **argv, exp_args *a, int report)
{
    memset(a, 0, sizeof *a);
    a->c.root = "experiments";
    a->c.seed = 1;
    a->out = "report";
    for (int i = 0; i < argc; i++) {
        const char *f = argv[i], *v;
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (!(v = args_value(argc, argv, &i)))
            return -1;
        if (!strcmp(f, "--root"))
            a->c.root = v;
        else if (report >= 0 && !strcmp(f, "--out"))
            a->out = v;
        else if (report > 0) {
            fprintf(stderr, "irvi: experiment report: unknown option '%s' (--root, --out)\n", f);
            return -1;
        } else if (!strcmp(f, "--budget")) {
            if (!strcmp(v, "tiny")) a->c.budget = EXP_BUDGET_TINY;
            else if (!strcmp(v, "short")) a->c.budget = EXP_BUDGET_SHORT;
            else if (!strcmp(v, "medium")) a->c.budget = EXP_BUDGET_MEDIUM;
            else if (!strcmp(v, "paper")) a->c.budget = EXP_BUDGET_PAPER;
            else {
                fprintf(stderr, "irvi: --budget: '%s' (expected short, medium or paper)\n", v);
                return -1;
            }
        } else if (!strcmp(f, "--threads")) {
            if (args_int(f, v, 0, 256, &a->c.threads))
                return -1;
        } else if (!strcmp(f, "--seed")) {
            int s;
            if (args_int(f, v, 0, 2147483647, &s))
                return -1;
            a->c.seed = (uint64_t)s;
        } else if (!strcmp(f, "--data-dir"))
            a->c.data_dir = v;
        else if (!strcmp(f, "--jobs")) {
            if (strcmp(v, "slurm") && strcmp(v, "parallel") && strcmp(v, "list")) {
                fprintf(stderr, "irvi: --jobs: '%s' (expected slurm, parallel or list)\n", v);
                return -1;
            }
            a->jobs.mode = v;
        } else if (!strcmp(f, "--time"))
            a->jobs.time_limit = v;
        else if (!strcmp(f, "--max-updates")) {
            int u;
            if (args_int(f, v, 1, 2000000000, &u))
                return -1;
            a->c.max_updates = u;
        }
        else if (!strncmp(f, "--model-", 8)) {
            if (!exp_model_known(f + 8)) {
                fprintf(stderr, "irvi: %s: unknown model id '%s' (known: %s)\n", f, f + 8,
                        EXP_MODEL_IDS);
                return -1;
            }
            if (access(v, R_OK) != 0) {
                fprintf(stderr, "irvi: %s: cannot read %s: %s\n", f, v, strerror(errno));
                return -1;
            }
            if (a->c.nmodels == (int)(sizeof a->c.model_id / sizeof a->c.model_id[0])) {
                fprintf(stderr, "irvi: %s: too many --model-ID flags\n", f);
                return -1;
            }
            a->c.model_id[a->c.nmodels] = f + 8;
            a->c.model_path[a->c.nmodels++] = v;
        } else {
            fprintf(stderr, "irvi: experiment: unknown option '%s' (try irvi experiment --help)\n", f);
            return -1;
        }
    }
    return 0;
}

/* ---- running ------------------------------------------------------------ */

/* Run one experiment into ROOT/NAME with a fresh section.md. */
static int run_one(const exp_def *e, const exp_ctx *base)
{
    exp_ctx c = *base;
    c.name = e->name;
    if (snprintf(c.dir, sizeof c.dir, "%s/%s", base->root, e->name) >= (int)sizeof c.dir) {
        fprintf(stderr, "irvi: --root: path too long\n");
        return 1;
    }
    if (app_mkdir_p(c.dir)) {
        fprintf(stderr, "irvi: cannot create %s: %s\n", c.dir, strerror(errno));
        return 1;
    }
    char md[1100], tmp[1200];
    snprintf(md, sizeof md, "%s/section.md", c.dir);
    /* renamed when complete: an unfinished section would pass for a result */
    if (!(c.md = app_atomic_open(md, ".part", tmp, sizeof tmp))) {
        fprintf(stderr, "irvi: %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    fprintf(stderr, "== experiment %s (budget %s) -> %s\n", e->name, exp_budget_name(c.budget), c.dir);
    double t0 = app_now();
    int rc = e->run(&c);
    const char *what = NULL;
    if (app_atomic_close(c.md, tmp, md, rc == 0 && !app_stop_signal, &what) != 0) {
        if (strcmp(what, "cannot replace") != 0)
            fprintf(stderr, "irvi: %s: write failed\n", tmp);
        else
            fprintf(stderr, "irvi: %s: %s\n", md, strerror(errno));
        rc = 1;
    }
    if (rc == 0 && app_stop_signal)
        rc = 1;
    char d[32];
    app_fmt_duration(app_now() - t0, d, sizeof d);
    fprintf(stderr, "== %s %s in %s\n", e->name, app_stop_signal ? "stopped" : rc ? "FAILED" : "done", d);
    return rc;
}

static int list(void)
{
    for (int i = 0; i < NEXP; i++)
        printf("%-10s %s\n", experiments[i].name, experiments[i].title);
    return 0;
}

/* ---- the report --------------------------------------------------------- */

/* Copy the file src to dst (whole, via a temporary name). */
static int copy_path(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return -1;
    char tmp[2200];
    FILE *out = app_atomic_open(dst, ".part", tmp, sizeof tmp);
    if (!out) {
        fclose(in);
        return -1;
    }
    char buf[8192];
    size_t n;
    int bad = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        bad |= fwrite(buf, 1, n, out) != n;
    bad |= ferror(in);
    fclose(in);
    return app_atomic_close(out, tmp, dst, !bad, NULL) != 0 || bad ? -1 : 0;
}

/* A link target the report must carry along: relative, no scheme, no "..". */
static int local_target(const char *t, size_t n)
{
    if (n == 0 || n > 200 || t[0] == '/' || t[0] == '#')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (t[i] == ':' || t[i] == ' ' || (t[i] == '.' && i + 1 < n && t[i + 1] == '.'))
            return 0;
    return 1;
}

/* Append section NAME to out, copying each file it links ("](file)") from
 * ROOT/NAME/ to OUTDIR/NAME/ and rewriting the link to NAME/file. */
static int copy_section(FILE *out, const char *root, const char *name, const char *outdir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s/section.md", root, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[8192];
    int copied_dir = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = line, *q;
        while ((q = strstr(p, "](")) != NULL) {
            const char *t = q + 2, *e = strchr(t, ')');
            fwrite(p, 1, (size_t)(t - p), out);
            if (!e || !local_target(t, (size_t)(e - t))) {
                p = t;
                continue;
            }
            char target[256], src[1400], dir[1200], dst[1500];
            snprintf(target, sizeof target, "%.*s", (int)(e - t), t);
            snprintf(src, sizeof src, "%s/%s/%s", root, name, target);
            snprintf(dir, sizeof dir, "%s/%s", outdir, name);
            snprintf(dst, sizeof dst, "%s/%s", dir, target);
            if (!copied_dir && app_mkdir_p(dir) == 0)
                copied_dir = 1;
            if (copy_path(src, dst) != 0) {
                fprintf(stderr, "irvi: report: cannot copy %s to %s\n", src, dst);
                rc = -1;
            }
            fprintf(out, "%s/%s", name, target);
            p = e;
        }
        fputs(p, out);
    }
    fclose(f);
    return rc;
}

/* report/README.md: every section that exists, in report_order, with the
 * files they link copied beside it. */
static int report(const exp_args *a)
{
    if (app_mkdir_p(a->out)) {
        fprintf(stderr, "irvi: --out: cannot create %s: %s\n", a->out, strerror(errno));
        return 1;
    }
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s/README.md", a->out);
    FILE *f = app_atomic_open(path, ".part", tmp, sizeof tmp);
    if (!f) {
        fprintf(stderr, "irvi: %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    fprintf(f, "# irvi: the paper's experiments, reproduced\n\n"
               "Hjelm et al. (2016), *Iterative Refinement of the Approximate Posterior for "
               "Directed Belief Networks*. Every number below was computed by irvi's engine "
               "(`irvi experiment NAME`, results in `%s/NAME/results.json`); the paper's "
               "numbers stand beside ours. Each section states the budget it ran with: the "
               "default (short) budget trains for minutes, not the paper's 500 epochs, so our "
               "absolute numbers are far from the paper's; the comparisons within a table "
               "(refined vs unrefined, AIR vs RWS) are the point.\n\n",
            a->c.root);
    int have = 0, missing = 0, failed = 0;
    char sec[1100];
    for (int i = 0; i < NORDER; i++) {
        snprintf(sec, sizeof sec, "%s/%s/section.md", a->c.root, report_order[i]);
        if (access(sec, R_OK) == 0)
            have++;
        else
            missing++;
    }
    fprintf(f, "Sections: %d of %d present.\n\n", have, NORDER);
    int unfinished = exp_jobs_report(f, a->c.root); /* a job plan's models, if any */
    if (unfinished)
        printf("report: %d planned model%s unfinished\n", unfinished, unfinished > 1 ? "s" : "");
    for (int i = 0; i < NORDER; i++) {
        snprintf(sec, sizeof sec, "%s/%s/section.md", a->c.root, report_order[i]);
        if (access(sec, R_OK) != 0)
            continue;
        if (copy_section(f, a->c.root, report_order[i], a->out) != 0)
            failed = 1;
        fputc('\n', f);
        printf("report: %s\n", sec);
    }
    if (missing) {
        fprintf(f, "## Missing sections\n\n");
        for (int i = 0; i < NORDER; i++) {
            snprintf(sec, sizeof sec, "%s/%s/section.md", a->c.root, report_order[i]);
            if (access(sec, R_OK) == 0)
                continue;
            const exp_def *e = find_exp(report_order[i]);
            if (e)
                fprintf(f, "- `%s` (%s): not run yet; produce it with `irvi experiment %s "
                           "--root %s`, then `irvi experiment report --root %s`.\n",
                        e->name, e->title, e->name, a->c.root, a->c.root);
            else
                fprintf(f, "- `%s`: this irvi has no such experiment yet (it is not in the "
                           "registry of app/experiments/experiment.c).\n", report_order[i]);
        }
        fputc('\n', f);
    }
    if (app_atomic_close(f, tmp, path, 1, NULL) != 0) {
        fprintf(stderr, "irvi: %s: write failed: %s\n", path, strerror(errno));
        return 1;
    }
    printf("wrote %s (%d sections, %d missing)\n", path, have, missing);
    return failed;
}

int cmd_experiment(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    const char *what = argv[0];
    exp_args a;
    if (!strcmp(what, "train-model")) { /* a training job of a plan (exp_jobs.h) */
        if (argc < 2 || !exp_model_known(argv[1])) {
            fprintf(stderr, "irvi: experiment train-model ID: model id (%s)\n", EXP_MODEL_IDS);
            return 2;
        }
        if (parse(argc - 2, argv + 2, &a, -1))
            return 2;
        if (a.jobs.mode) {
            fprintf(stderr, "irvi: experiment train-model: --jobs makes no sense here\n");
            return 2;
        }
        a.c.stop = &app_stop_signal;
        a.c.name = "jobs";
        irvi_set_threads(a.c.threads);
        app_catch_stop_signals(APP_STOP_CANCEL);
        return exp_jobs_train_model(&a.c, argv[1]);
    }
    if (!strcmp(what, "list")) {
        if (argc > 1) {
            fprintf(stderr, "irvi: experiment list takes no options\n");
            return 2;
        }
        return list();
    }
    int is_report = !strcmp(what, "report"), is_all = !strcmp(what, "all");
    const exp_def *e = is_report || is_all ? NULL : find_exp(what);
    if (!is_report && !is_all && !e) {
        fprintf(stderr, "irvi: experiment: unknown experiment '%s' (irvi experiment list shows "
                        "them)\n", what);
        return 2;
    }
    if (parse(argc - 1, argv + 1, &a, is_report ? 1 : is_all ? 0 : -1))
        return 2;
    if (is_report)
        return report(&a);
    if (a.jobs.mode) { /* a plan instead of a run */
        const char *names[NEXP];
        int n = 0;
        for (int i = 0; i < NEXP; i++)
            if (!e || e == &experiments[i])
                names[n++] = experiments[i].name;
        a.jobs.signal_seconds = 300;
        return exp_jobs_plan(&a.c, names, n, &a.jobs);
    }
    a.c.stop = &app_stop_signal;
    irvi_set_threads(a.c.threads);
    app_catch_stop_signals(APP_STOP_CANCEL);
    double t0 = app_now();
    int rc = 0;
    if (e)
        rc = run_one(e, &a.c);
    else {
        int failed = 0;
        for (int i = 0; i < NEXP && !app_stop_signal; i++)
            failed += run_one(&experiments[i], &a.c) != 0;
        if (!app_stop_signal)
            rc = report(&a);
        rc = failed ? 1 : rc;
        if (failed)
            fprintf(stderr, "irvi: %d experiment%s failed\n", failed, failed > 1 ? "s" : "");
    }
    char d[32];
    app_fmt_duration(app_now() - t0, d, sizeof d);
    fprintf(stderr, "total wall time %s (%.0f s)\n", d, app_now() - t0);
    if (app_stop_signal) {
        fprintf(stderr, "irvi: stopped by %s; finished sections and completely trained "
                        "models are kept for the next run\n",
                app_stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
        return app_stop_signal == SIGINT ? 130 : 143;
    }
    return rc;
}
