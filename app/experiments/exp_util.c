/* app/experiments/exp_util.c — the experiments' shared helpers (see exp_util.h). */
#include "experiments/exp_util.h"

#include "common/args.h"
#include "common/sysutil.h"
#include "run/build.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- small things ------------------------------------------------------- */

const char *exp_budget_name(exp_budget b)
{
    switch (b) {
    case EXP_BUDGET_TINY: return "tiny";
    case EXP_BUDGET_SHORT: return "short";
    case EXP_BUDGET_MEDIUM: return "medium";
    case EXP_BUDGET_PAPER: return "paper";
    }
    return "?";
}


long exp_pick(const exp_ctx *c, long tiny, long shrt, long medium, long paper)
{
    switch (c->budget) {
    case EXP_BUDGET_TINY: return tiny > 0 ? tiny : shrt;
    case EXP_BUDGET_SHORT: return shrt;
    case EXP_BUDGET_MEDIUM: return medium;
    case EXP_BUDGET_PAPER: return paper;
    }
    return shrt;
}

const char *exp_path(const exp_ctx *c, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", c->dir, name);
    return buf;
}

/* The experiments' data: the paper's fixed binarized MNIST when installed,
 * unless --data-dir names a folder of LeCun MNIST files. */
static const char *exp_data_name(const exp_ctx *c)
{
    irvi_data_opts o;
    irvi_data_opts_default(&o);
    o.name = NULL;
    o.dir = c->data_dir;
    return args_data_default(&o, NULL);
}

int exp_open_data(const exp_ctx *c, irvi_dataset **ds)
{
    irvi_data_opts o;
    irvi_data_opts_default(&o);
    o.name = exp_data_name(c);
    o.dir = c->data_dir;
    irvi_status st = irvi_dataset_open(&o, ds);
    if (st) {
        app_report("opening the data", st);
        return 1;
    }
    return 0;
}

const char *exp_data_note(const exp_ctx *c)
{
    if (!strcmp(exp_data_name(c), "binarized-mnist"))
        return "Data: the paper's fixed binarization of MNIST (Salakhutdinov & Murray 2008; "
               "50,000 / 10,000 / 10,000, `irvi data info binarized-mnist`).";
    return "Data: LeCun MNIST binarized stochastically once (seed 1234), the last 10,000 "
           "training images as validation, not the paper's fixed binarization (install it: "
           "README, Data), so levels are not strictly comparable with the paper's.";
}

int exp_stopped(const exp_ctx *c)
{
    return c->stop && *c->stop;
}

/* ---- model specs -------------------------------------------------------- */

static const char *const model_ids[] = {
    "air200", "rws200", "air200-200", "rws200-200", "air200-200-200", "rws200-200-200",
    "darn-air200", "darn-rws200", "darn-air500", "darn-rws500", "rws20",
};

int exp_model_known(const char *id)
{
    if (!strncmp(id, "caltech-", 8)) /* the same model trained on Caltech-101 (table1) */
        id += 8;
    for (size_t i = 0; i < sizeof model_ids / sizeof model_ids[0]; i++)
        if (!strcmp(id, model_ids[i]))
            return 1;
    return 0;
}

int exp_model_spec_for(const exp_ctx *c, const char *id, exp_model_spec *s)
{
    if (!exp_model_known(id)) {
        fprintf(stderr, "irvi: unknown model id '%s'\n", id);
        return -1;
    }
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    irvi_train_opts_default(&s->o);
    const char *p = id;
    if (!strncmp(p, "caltech-", 8))
        p += 8;
    if (!strncmp(p, "darn-", 5)) {
        /* DESIGN §1.2: 200 -> tanh 500 -> 784 with a linear recognition net;
         * 500 -> tanh 500 -> 784 with a tanh-500 recognition layer */
        s->darn = 1;
        s->gen_hidden = 500;
        p += 5;
    }
    s->o.algo = !strncmp(p, "rws", 3) ? IRVI_ALGO_RWS : IRVI_ALGO_AIR;
    p += 3;
    snprintf(s->layers, sizeof s->layers, "%s", p);
    for (char *q = s->layers; *q; q++)
        if (*q == '-')
            *q = ',';
    if (s->darn && !strcmp(p, "500"))
        s->rec_hidden = 500;
    /* The budget: updates, and how much validation the early stopping sees.
     * One epoch is 500 updates of 100 examples. */
    s->max_updates = exp_pick(c, 0, 150, 10000, 0);
    s->epochs = 500; /* the paper's; with an update budget that one decides */
    s->o.valid_n = (int)exp_pick(c, 0, 500, 0, 0);
    s->o.valid_N = (int)exp_pick(c, 0, 100, 100, 100);
    if (!strcmp(s->layers, "20")) /* 20 units: cheap, so more updates for the same time */
        s->max_updates = exp_pick(c, 20, 2500, 25000, 0);
    if (s->max_updates > 0) /* whatever the epoch length (Caltech: 41 batches) */
        s->epochs = 1000000;
    if (c->budget == EXP_BUDGET_TINY) { /* the smoke test: every code path, in seconds */
        s->max_updates = 2;
        s->o.air.K = s->o.test_air.K = 2;
        s->o.valid_n = 20;
        s->o.valid_N = 5;
    }
    if (c->max_updates > 0) { /* --max-updates: the tests of job plans */
        s->max_updates = c->max_updates;
        s->epochs = 1000000;
    }
    return 0;
}

/* ---- training ----------------------------------------------------------- */

typedef struct {
    exp_ctx *c;
    progress bar;
    const exp_model_spec *s;
    exp_update_fn fn;
    void *user;
    double train_seconds;
    exp_train_info *info;
} train_state;

static int tr_poll(void *user, irvi_trainer *t)
{
    (void)t;
    return exp_stopped(((train_state *)user)->c);
}

static void tr_step(void *user, irvi_trainer *t, const irvi_step_metrics *sm, const run_progress *p)
{
    train_state *s = user;
    s->train_seconds += sm->seconds;
    long total = s->s->max_updates > 0 ? s->s->max_updates : (long)p->total_epochs * sm->batches;
    snprintf(s->bar.info, sizeof s->bar.info, "update %ld/%ld lb %.2f ess %.3f", sm->update,
             total, p->lb, p->ess);
    progress_update(&s->bar, (double)sm->update, (double)total);
    if (s->fn)
        s->fn(s->user, t, sm, s->train_seconds);
}

static void tr_epoch(void *user, irvi_trainer *t, const irvi_epoch_metrics *em, int partial,
                     const run_progress *p)
{
    (void)t;
    (void)p;
    train_state *s = user;
    s->info->updates = em->updates;
    s->info->epochs = em->epoch + 1;
    s->info->valid_lb = em->best_valid_lb;
    if (!s->bar.tty || partial || em->epoch % 10 == 0)
        fprintf(stderr, "%s%s: epoch %d%s updates %ld valid lb0 %.2f lb %.2f ll %.2f ess %.3f\n",
                s->bar.tty ? "\r\033[K" : "", s->bar.label, em->epoch + 1, partial ? " (cut)" : "",
                em->updates, em->valid_lb0, em->valid_lb, em->valid_ll, em->valid_ess);
}

static int tr_valid(void *user, double done, double total)
{
    (void)done;
    (void)total;
    return exp_stopped(((train_state *)user)->c);
}

static void tr_say(void *user, int is_error, const char *msg)
{
    train_state *s = user;
    fprintf(stderr, "%s%s%s\n", s->bar.tty ? "\r\033[K" : "", is_error ? "irvi: " : "", msg);
}

static int write_stamp(const exp_ctx *c, const char *dir, const exp_train_info *info)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/trained.json", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    /* one line, fixed key order: read back by read_stamp */
    fprintf(f, "{\"budget\": \"%s\", \"seed\": %llu, \"updates\": %ld, \"epochs\": %d, ",
            exp_budget_name(c->budget), (unsigned long long)c->seed, info->updates, info->epochs);
    exp_json_num(f, "train_seconds", info->train_seconds, 0);
    exp_json_num(f, "valid_lb", info->valid_lb, 1);
    fprintf(f, "}\n");
    return fclose(f) == 0 ? 0 : -1;
}

double exp_json_field(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (!p)
        return NAN;
    p += strlen(key);
    char *end;
    double v = strtod(p, &end);
    return end == p ? (double)NAN : v;
}

/* 1 if dir holds a complete model trained under c's budget and seed. */
static int read_stamp(const exp_ctx *c, const char *dir, exp_train_info *info)
{
    char path[1300], text[1024], want[96];
    snprintf(path, sizeof path, "%s/trained.json", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    snprintf(want, sizeof want, "{\"budget\": \"%s\", \"seed\": %llu,", exp_budget_name(c->budget),
             (unsigned long long)c->seed);
    snprintf(path, sizeof path, "%s/best.irvi", dir);
    if (strncmp(text, want, strlen(want)) != 0 || access(path, R_OK) != 0)
        return 0;
    snprintf(info->path, sizeof info->path, "%s", path);
    info->updates = (long)exp_json_field(text, "\"updates\": ");
    info->epochs = (int)exp_json_field(text, "\"epochs\": ");
    info->train_seconds = exp_json_field(text, "\"train_seconds\": ");
    info->valid_lb = exp_json_field(text, "\"valid_lb\": ");
    return 1;
}

int exp_train(exp_ctx *c, const irvi_dataset *ds, const exp_model_spec *s, const char *dir,
              exp_update_fn fn, void *user, exp_train_info *info)
{
    memset(info, 0, sizeof *info);
    info->source = "trained";
    info->updates = info->epochs = -1;
    info->train_seconds = info->valid_lb = NAN;
    /* no fine-tuning phase (ft_epochs = 0) */
    train_plan plan = {.epochs = s->epochs, .ft_opt = IRVI_OPT_SGD, .max_updates = s->max_updates,
                       .ckpt_every = 300};
    out_paths_in(&plan.out, dir);
    const out_paths *pp = &plan.out;
    snprintf(info->path, sizeof info->path, "%s", pp->best);
    if (app_mkdir_p(dir)) {
        fprintf(stderr, "irvi: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char stamp[1300];
    snprintf(stamp, sizeof stamp, "%s/trained.json", dir);
    remove(stamp);
    remove(pp->best);
    FILE *f = fopen(pp->metrics, "w");
    if (!f) {
        fprintf(stderr, "irvi: %s: %s\n", pp->metrics, strerror(errno));
        return 1;
    }
    fclose(f);

    /* table2: VAE models (the algorithm's family decides the latents) */
    run_model rm = {s->layers, s->darn, s->gen_hidden, s->rec_hidden, 0,
                    irvi_algo_info_get(s->o.algo)->latent};
    irvi_trainer *t = NULL;
    build_stage failed;
    irvi_status st = run_build_trainer(&rm, ds, &s->o, c->seed, &t, &failed);
    if (st) {
        app_report("creating the model", st);
        return 1;
    }
    train_state ts;
    memset(&ts, 0, sizeof ts);
    ts.c = c;
    ts.s = s;
    ts.fn = fn;
    ts.user = user;
    ts.info = info;
    char label[96];
    snprintf(label, sizeof label, "  %s %s", c->name, s->id);
    progress_start(&ts.bar, label);
    run_hooks h = {&ts, tr_poll, tr_step, tr_epoch, tr_valid, tr_say};
    run_result r = train_loop(&plan, t, &h);
    info->train_seconds = ts.train_seconds;
    irvi_trainer_free(t);
    if (r != RUN_DONE) {
        progress_done(&ts.bar, r == RUN_STOPPED ? "stopped" : "FAILED");
        return 1;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "%ld updates, best valid lb %.2f", info->updates, info->valid_lb);
    progress_done(&ts.bar, msg);
    if (write_stamp(c, dir, info)) {
        fprintf(stderr, "irvi: %s: cannot write\n", stamp);
        return 1;
    }
    return 0;
}

/* A given model file: its training length from the metrics.jsonl beside
 * it (irvi train writes one), when there is one. */
static void given_metrics(exp_train_info *info)
{
    char dir[4200], line[2048], last[2048] = "";
    snprintf(dir, sizeof dir, "%s", info->path);
    char *slash = strrchr(dir, '/');
    if (slash)
        snprintf(slash + 1, sizeof dir - (size_t)(slash + 1 - dir), "metrics.jsonl");
    else
        snprintf(dir, sizeof dir, "metrics.jsonl");
    FILE *f = fopen(dir, "r");
    if (!f)
        return;
    double best = NAN;
    while (fgets(line, sizeof line, f)) {
        snprintf(last, sizeof last, "%s", line);
        double b = exp_json_field(line, "\"best_valid_lb\": ");
        if (isfinite(b))
            best = b;
    }
    fclose(f);
    double u = exp_json_field(last, "\"updates\": "), e = exp_json_field(last, "\"epoch\": ");
    if (isfinite(u))
        info->updates = (long)u;
    if (isfinite(e))
        info->epochs = (int)e;
    info->valid_lb = best;
}

static int load(const char *path, irvi_model **m)
{
    irvi_status st = irvi_model_load(path, m);
    if (st) {
        app_report("loading the model", st);
        return 1;
    }
    return 0;
}

/* The reference models shipped in assets/models/ (trained by irvi on the
 * fixed binarized MNIST, README "Reference models"), by experiment model id. */
static const struct {
    const char *id, *dir;
} SHIPPED[] = {
    {"air200", "sbn200-air"},
    {"rws200", "sbn200-rws"},
    {"rws20", "sbn20-rws"},
};

/* Use the shipped model for id when the data is the one it was trained on
 * and it trained longer than this budget would (the paper budget trains
 * without limit: then only when it has the paper's epochs). */
static int shipped_model(const exp_ctx *c, const irvi_dataset *ds, const char *id,
                         exp_train_info *info)
{
    if (c->max_updates > 0 || strcmp(irvi_dataset_name(ds), "binarized-mnist") != 0)
        return 0;
    for (size_t i = 0; i < sizeof SHIPPED / sizeof SHIPPED[0]; i++) {
        if (strcmp(SHIPPED[i].id, id) != 0)
            continue;
        char rel[256];
        snprintf(rel, sizeof rel, "models/%s/model.irvi", SHIPPED[i].dir);
        app_asset(rel, info->path, sizeof info->path);
        if (access(info->path, R_OK) != 0)
            return 0;
        given_metrics(info);
        exp_model_spec s;
        if (exp_model_spec_for(c, id, &s))
            return 0;
        long budget = s.max_updates > 0 ? s.max_updates : (long)s.epochs * 500;
        if (info->updates <= budget)
            return 0;
        info->source = "shipped";
        fprintf(stderr, "  %s %s: using the shipped reference model %s (%ld updates, more "
                        "than the %s budget's %ld)\n",
                c->name, id, info->path, info->updates, exp_budget_name(c->budget), budget);
        return 1;
    }
    return 0;
}

/* 1 if the cached model at path was trained on ds (its recorded data; files
 * from before the record were trained on the then default, mnist). */
static int cached_on(const char *path, const irvi_dataset *ds)
{
    irvi_model *m = NULL;
    if (irvi_model_load(path, &m) != IRVI_OK)
        return 1; /* unreadable: load() reports it */
    irvi_data_opts rec;
    const char *name = irvi_model_data(m, &rec) ? rec.name : "mnist";
    int same = !strcmp(name, irvi_dataset_name(ds));
    irvi_model_free(m);
    return same;
}

int exp_get_model(exp_ctx *c, const irvi_dataset *ds, const char *id, irvi_model **m,
                  exp_train_info *info)
{
    memset(info, 0, sizeof *info);
    info->updates = info->epochs = -1;
    info->train_seconds = info->valid_lb = NAN;
    for (int i = 0; i < c->nmodels; i++)
        if (!strcmp(c->model_id[i], id)) {
            info->source = "given";
            snprintf(info->path, sizeof info->path, "%s", c->model_path[i]);
            given_metrics(info);
            fprintf(stderr, "  %s %s: using %s (--model-%s, %ld updates)\n", c->name, id,
                    info->path, id, info->updates);
            return load(info->path, m);
        }
    if (shipped_model(c, ds, id, info))
        return load(info->path, m);
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/models/%s", c->dir, id);
    int found = read_stamp(c, dir, info);
    DIR *d = found ? NULL : opendir(c->root);
    struct dirent *e;
    while (d && !found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char other[1200];
        snprintf(other, sizeof other, "%s/%s/models/%s", c->root, e->d_name, id);
        found = read_stamp(c, other, info);
    }
    if (d)
        closedir(d);
    if (found && !cached_on(info->path, ds)) {
        fprintf(stderr, "  %s %s: %s was trained on other data than %s: training anew\n",
                c->name, id, info->path, irvi_dataset_name(ds));
        found = 0;
        snprintf(info->path, sizeof info->path, "%s/best.irvi", dir);
    }
    if (found) {
        info->source = "cached";
        fprintf(stderr, "  %s %s: reusing %s (%ld updates, budget %s)\n", c->name, id, info->path,
                info->updates, exp_budget_name(c->budget));
        return load(info->path, m);
    }
    exp_model_spec s;
    if (exp_model_spec_for(c, id, &s))
        return 1;
    if (exp_train(c, ds, &s, dir, NULL, NULL, info))
        return 1;
    return load(info->path, m);
}

/* ---- evaluation --------------------------------------------------------- */

typedef struct { double s, s2; } acc2;

static void acc_add(acc2 *a, double v)
{
    a->s += v;
    a->s2 += v * v;
}

static double acc_se(const acc2 *a, long n)
{
    if (n < 2)
        return 0;
    double m = a->s / n, v = (a->s2 - n * m * m) / (n - 1);
    return v > 0 ? sqrt(v / n) : 0;
}

typedef struct { acc2 lb, ll, ess; long n; } est_acc;

static void est_add(est_acc *a, const irvi_eval_result *r, int n)
{
    for (int i = 0; i < n; i++) {
        acc_add(&a->lb, r[i].lb);
        acc_add(&a->ll, r[i].ll);
        acc_add(&a->ess, r[i].ess);
    }
    a->n += n;
}

static void est_final(const est_acc *a, int N, exp_est *e)
{
    long n = a->n > 0 ? a->n : 1;
    e->lb = a->lb.s / n;
    e->lb_se = acc_se(&a->lb, a->n);
    e->ll = a->ll.s / n;
    e->ll_se = acc_se(&a->ll, a->n);
    e->ess = a->ess.s / n;
    e->n = (int)a->n;
    e->N = N;
}

typedef struct { progress *bar; double base, total; int quiet; } sub_bar;

static int sub_update(void *user, double done, double total)
{
    (void)total;
    sub_bar *s = user;
    if (s->quiet)
        return irvi_cancel_requested();
    return progress_update(s->bar, s->base + done, s->total);
}

int exp_evaluate(const exp_ctx *c, const irvi_model *m, irvi_split sp, int n, int N,
                 const irvi_refine_opts *air, const char *label, exp_est *u, exp_est *r)
{
    enum { B = 100 };
    if (n <= 0 || n > sp.n)
        n = sp.n;
    int refine = air && air->K > 0 && r;
    irvi_posterior *q = NULL;
    irvi_eval_result res[B];
    irvi_status st = irvi_posterior_create(m, B, &q);
    if (st) {
        app_report("allocating the evaluation", st);
        return 1;
    }
    irvi_rng rng;
    irvi_rng_seed(&rng, c->seed, 11);
    est_acc au = {0}, ar = {0};
    progress bar;
    char lab[96];
    snprintf(lab, sizeof lab, "  %s %s", c->name, label ? label : "");
    progress_start(&bar, lab);
    snprintf(bar.info, sizeof bar.info, "%d examples, N=%d%s", n, N, refine ? ", q0 and qK" : "");
    /* cost units: evaluation samples plus refinement samples, per example */
    double per = (double)N * (refine ? 2 : 1) + (refine ? (double)air->K * air->M : 0);
    sub_bar sub = {&bar, 0, per * n, label == NULL};
    for (int b0 = 0; b0 < n && !st; b0 += B) {
        int nb = n - b0 < B ? n - b0 : B;
        st = irvi_posterior_set_data(q, m, sp.x + (size_t)b0 * sp.D, nb);
        sub.base = per * b0;
        if (!st)
            st = irvi_eval_posterior(q, m, N, &rng, res, sub_update, &sub);
        if (!st)
            est_add(&au, res, nb);
        if (!st && refine) {
            st = irvi_refine(q, m, air, &rng);
            sub.base = per * b0 + (double)N + (double)air->K * air->M;
            if (!st)
                st = irvi_eval_posterior(q, m, N, &rng, res, sub_update, &sub);
            if (!st)
                est_add(&ar, res, nb);
        }
    }
    irvi_posterior_free(q);
    if (st) {
        if (label)
            progress_done(&bar, st == IRVI_ECANCELLED ? "stopped" : "FAILED");
        if (st != IRVI_ECANCELLED)
            app_report("evaluating", st);
        return 1;
    }
    est_final(&au, N, u);
    if (refine)
        est_final(&ar, N, r);
    if (!label)
        return 0;
    char msg[160];
    if (refine)
        snprintf(msg, sizeof msg, "LB %.2f -> %.2f, LL %.2f -> %.2f", u->lb, r->lb, u->ll, r->ll);
    else
        snprintf(msg, sizeof msg, "LB %.2f, LL %.2f", u->lb, u->ll);
    progress_done(&bar, msg);
    return 0;
}

/* ---- output ------------------------------------------------------------- */

void exp_json_num(FILE *f, const char *key, double v, int last)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.10g%s", key, v, last ? "" : ", ");
    else
        fprintf(f, "\"%s\": null%s", key, last ? "" : ", ");
}

void exp_json_est(FILE *f, const char *key, const exp_est *e, int last)
{
    fprintf(f, "\"%s\": {\"examples\": %d, \"samples\": %d, ", key, e->n, e->N);
    exp_json_num(f, "lower_bound", e->lb, 0);
    exp_json_num(f, "lower_bound_se", e->lb_se, 0);
    exp_json_num(f, "log_likelihood", e->ll, 0);
    exp_json_num(f, "log_likelihood_se", e->ll_se, 0);
    exp_json_num(f, "ess", e->ess, 1);
    fprintf(f, "}%s", last ? "" : ", ");
}

void exp_json_train(FILE *f, const char *key, const exp_train_info *t, int last)
{
    fprintf(f, "\"%s\": {\"source\": \"%s\", \"path\": \"%s\", \"updates\": %ld, \"epochs\": %d, ",
            key, t->source ? t->source : "?", t->path, t->updates, t->epochs);
    exp_json_num(f, "train_seconds", t->train_seconds, 0);
    exp_json_num(f, "valid_lb", t->valid_lb, 1);
    fprintf(f, "}%s", last ? "" : ", ");
}

FILE *exp_open_out(const exp_ctx *c, const char *name)
{
    char path[1300];
    exp_path(c, name, path, sizeof path);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "irvi: %s: %s\n", path, strerror(errno));
    return f;
}

int exp_close_out(FILE *f, const char *name)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "irvi: %s: write failed\n", name);
        return -1;
    }
    return 0;
}

const char *exp_cell(double v, char *buf, size_t cap)
{
    if (isfinite(v))
        snprintf(buf, cap, "%.2f", v);
    else
        snprintf(buf, cap, "–");
    return buf;
}

void exp_md_header(FILE *md, const char *const *cols, int n)
{
    for (int i = 0; i < n; i++)
        fprintf(md, "| %s ", cols[i]);
    fprintf(md, "|\n");
    for (int i = 0; i < n; i++)
        fprintf(md, "|---");
    fprintf(md, "|\n");
}

void exp_md_budget(const exp_ctx *c, const char *what)
{
    fprintf(c->md, "**Budget: %s** — %s\n\n", exp_budget_name(c->budget), what);
    if (c->budget != EXP_BUDGET_PAPER)
        fprintf(c->md, "> This is *not* the paper's setting: the paper trains every model for "
                       "500 epochs (250,000 updates) with early stopping and evaluates with far "
                       "more samples. Our numbers at this budget are far from converged and "
                       "should not be compared with the paper's in absolute terms; `--budget "
                       "paper` runs the paper's settings.\n\n");
}

int exp_plot_png(const exp_ctx *c, const char *name, const irvi_plot *panels, int n, int cols,
                 int pw, int ph)
{
    int rows = (n + cols - 1) / cols, W = pw * cols, H = ph * rows;
    size_t cap = (size_t)W * H * 3, pcap = (size_t)pw * ph * 3;
    uint8_t *rgb = malloc(cap), *one = malloc(pcap);
    irvi_status st = rgb && one ? IRVI_OK : IRVI_ENOMEM;
    if (rgb)
        memset(rgb, 255, cap);
    for (int i = 0; i < n && !st; i++) {
        st = irvi_plot_render(&panels[i], pw, ph, one, pcap);
        int x0 = (i % cols) * pw, y0 = (i / cols) * ph;
        for (int y = 0; y < ph && !st; y++)
            memcpy(rgb + ((size_t)(y0 + y) * W + x0) * 3, one + (size_t)y * pw * 3, (size_t)pw * 3);
    }
    char path[1300];
    exp_path(c, name, path, sizeof path);
    if (!st)
        st = irvi_png_write(path, rgb, W, H);
    free(rgb);
    free(one);
    if (st) {
        app_report(path, st);
        return 1;
    }
    return 0;
}

uint32_t exp_color(int i)
{
    static const uint32_t tab10[] = {0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD,
                                     0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF};
    return tab10[(i % 10 + 10) % 10];
}
