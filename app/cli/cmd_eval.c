/* app/cli/cmd_eval.c — `irvi eval` (lower bound, IS log-likelihood and ESS,
 * unrefined and refined side by side) and `irvi exact` (exact log-likelihood
 * of a small one-layer SBN against both estimates). Headless, with a
 * progress bar; examples are processed in batches so N up to 1e5 samples per
 * example runs in bounded memory (the engine chunks the samples). */
#include "common/args.h"
#include "common/sysutil.h"
#include "cli/commands.h"
#include "cli/open_model.h"
#include "common/progress.h"

#include <irvi/irvi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *model, *json;
    irvi_data_opts data;
    int seed, N, n, threads, batch, do_refine, refine_set;
    irvi_split_id split;
    irvi_refine_opts air;
} eval_args;

typedef struct { double lb, ll, ess, ess2, lb2, ll2; long n; } sums;

static void eval_usage(FILE *f, int exact)
{
    fprintf(f,
            "usage: irvi %s --model FILE [options]\n"
            "  --model FILE         checkpoint or model file (irvi train writes OUT/best.irvi)\n"
            "  --split test|valid|train   (default test)\n"
            "  --n COUNT            examples to evaluate (default: the whole split)\n"
            "  -N, --N SAMPLES      samples per example (default %s)\n"
            "  --refine K,M,GAMMA   test-time AIR (default 20,20,0.1; K=0 for none);\n"
            "                       VAE models: GDIR steps, draws, step size (default 20,20,0.003)\n"
            "  --data NAME  --data-dir DIR  --binarize stochastic|threshold  --data-seed S\n"
            "                       the data the model was trained on (default mnist, stochastic, 1234)\n"
            "  --seed S             sampling seed (default 1)\n"
            "  --threads T          engine threads (default: all cores)\n"
            "  --json FILE          also write the results as JSON\n",
            exact ? "exact" : "eval", exact ? "1000" : "5000");
}

static int parse(int argc, char **argv, eval_args *a, int exact)
{
    memset(a, 0, sizeof *a);
    irvi_data_opts_default(&a->data);
    a->data.name = NULL; /* the model's own set unless --data (args_data_default) */
    a->seed = 1;
    a->N = exact ? 1000 : 5000;
    a->split = IRVI_SPLIT_TEST;
    a->batch = 100;
    a->do_refine = 1;
    irvi_refine_opts_default(&a->air);
    for (int i = 0; i < argc; i++) {
        const char *f = argv[i], *v;
        int r = args_data(argc, argv, &i, &a->data);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            eval_usage(stdout, exact);
            exit(0);
        }
#define VAL() if (!(v = args_value(argc, argv, &i))) return -1
        if (!strcmp(f, "--model")) { VAL(); a->model = v; }
        else if (!strcmp(f, "--json")) { VAL(); a->json = v; }
        else if (!strcmp(f, "--split")) {
            VAL();
            if (!strcmp(v, "test")) a->split = IRVI_SPLIT_TEST;
            else if (!strcmp(v, "valid")) a->split = IRVI_SPLIT_VALID;
            else if (!strcmp(v, "train")) a->split = IRVI_SPLIT_TRAIN;
            else { fprintf(stderr, "irvi: --split: '%s' (expected test, valid or train)\n", v); return -1; }
        } else if (!strcmp(f, "-N") || !strcmp(f, "--N")) { VAL(); if (args_int(f, v, 1, 10000000, &a->N)) return -1; }
        else if (!strcmp(f, "--n")) { VAL(); if (args_int(f, v, 1, 100000000, &a->n)) return -1; }
        else if (!strcmp(f, "--seed")) { VAL(); if (args_int(f, v, 0, 2147483647, &a->seed)) return -1; }
        else if (!strcmp(f, "--threads")) { VAL(); if (args_int(f, v, 0, 256, &a->threads)) return -1; }
        else if (!strcmp(f, "--refine")) {
            VAL();
            if (args_refine(f, v, &a->air.K, &a->air.M, &a->air.gamma)) return -1;
            a->do_refine = a->air.K > 0;
            a->refine_set = 1;
        } else {
            fprintf(stderr, "irvi: unknown option '%s' (try irvi %s --help)\n", f, exact ? "exact" : "eval");
            return -1;
        }
#undef VAL
    }
    if (!a->model) {
        fprintf(stderr, "irvi: --model FILE is required (try irvi %s --help)\n", exact ? "exact" : "eval");
        return -1;
    }
    return 0;
}

/* Open the model, then the data split it is evaluated on. exact: the model
 * must be small enough to enumerate, checked before the data is read. */
static int open_inputs(eval_args *a, int exact, irvi_model **m, irvi_dataset **ds, irvi_split *sp)
{
    if (open_model(a->model, a->refine_set, &a->air, m))
        return 1;
    const irvi_arch *ar = irvi_model_arch(*m);
    if (exact && (ar->L != 1 || ar->H[0] > IRVI_EXACT_MAX_H)) {
        char d[160];
        irvi_arch_describe(ar, d, sizeof d);
        fprintf(stderr, "irvi: --model %s: exact likelihood needs a one-layer model with at most "
                "%d units (this one is %s)\n", a->model, IRVI_EXACT_MAX_H, d);
        return 2;
    }
    if (open_model_data(a->model, *m, &a->data, ds))
        return 1;
    *sp = irvi_dataset_split(*ds, a->split);
    if (a->n > 0 && a->n < sp->n)
        sp->n = a->n;
    if (sp->n < 1) {
        fprintf(stderr, "irvi: the %s split of %s is empty\n", irvi_split_name(a->split),
                a->data.name);
        return 1;
    }
    return 0;
}

static void add(sums *s, const irvi_eval_result *r, int n)
{
    for (int i = 0; i < n; i++) {
        s->lb += r[i].lb;
        s->ll += r[i].ll;
        s->ess += r[i].ess;
        s->lb2 += r[i].lb * r[i].lb;
        s->ll2 += r[i].ll * r[i].ll;
        s->ess2 += r[i].ess * r[i].ess;
    }
    s->n += n;
}

/* standard error of the mean from sums of x and x^2 */
static double se(double sx, double sx2, long n)
{
    if (n < 2)
        return 0;
    double m = sx / n, v = (sx2 - n * m * m) / (n - 1);
    return v > 0 ? sqrt(v / n) : 0;
}

typedef struct { progress *p; double base, total; } sub_progress;

static int sub_update(void *user, double done, double total)
{
    (void)total;
    sub_progress *s = user;
    return progress_update(s->p, s->base + done, s->total);
}

/* Evaluate the split under q0 and (if asked) refined q_K, batch by batch. */
static int run_estimates(const eval_args *a, const irvi_model *m, irvi_split sp, sums *u, sums *r)
{
    irvi_posterior *q = NULL;
    irvi_eval_result *res = malloc(sizeof *res * a->batch);
    irvi_status st = res ? irvi_posterior_create(m, a->batch, &q) : IRVI_ENOMEM;
    if (st) {
        app_report("allocating the evaluation", st);
        free(res);
        return 1;
    }
    irvi_rng rng;
    irvi_rng_seed(&rng, (uint64_t)a->seed, 11);
    progress p;
    progress_start(&p, "evaluating");
    /* cost units: evaluation samples plus refinement samples, per example */
    double per = (double)a->N * (a->do_refine ? 2 : 1) + (a->do_refine ? (double)a->air.K * a->air.M : 0);
    sub_progress sub = {&p, 0, per * sp.n};
    for (int b0 = 0; b0 < sp.n && !st; b0 += a->batch) {
        int nb = sp.n - b0 < a->batch ? sp.n - b0 : a->batch;
        st = irvi_posterior_set_data(q, m, sp.x + (size_t)b0 * sp.D, nb);
        sub.base = per * b0;
        if (!st)
            st = irvi_eval_posterior(q, m, a->N, &rng, res, sub_update, &sub);
        if (!st)
            add(u, res, nb);
        if (!st && a->do_refine) {
            st = irvi_refine(q, m, &a->air, &rng);
            sub.base = per * b0 + (double)a->N + (double)a->air.K * a->air.M;
            if (!st)
                st = irvi_eval_posterior(q, m, a->N, &rng, res, sub_update, &sub);
            if (!st)
                add(r, res, nb);
        }
        progress_update(&p, per * (b0 + nb), per * sp.n);
    }
    progress_end(&p);
    irvi_posterior_free(q);
    free(res);
    if (st) {
        app_report("evaluating", st);
        return 1;
    }
    return 0;
}

static void print_row(FILE *f, const char *name, const sums *s, int N)
{
    fprintf(f, "%-14s %9d   %9.3f ± %-6.3f   %9.3f ± %-6.3f   %6.4f\n", name, N, s->lb / s->n,
            se(s->lb, s->lb2, s->n), s->ll / s->n, se(s->ll, s->ll2, s->n), s->ess / s->n);
}

static void json_sums(FILE *f, const char *name, const sums *s, int N)
{
    fprintf(f, "\"%s\": {\"samples\": %d, \"lower_bound\": %.6f, \"lower_bound_se\": %.6f, "
               "\"log_likelihood\": %.6f, \"log_likelihood_se\": %.6f, \"ess\": %.6f}",
            name, N, s->lb / s->n, se(s->lb, s->lb2, s->n), s->ll / s->n, se(s->ll, s->ll2, s->n),
            s->ess / s->n);
}

static void header(const eval_args *a, const irvi_model *m, irvi_split sp)
{
    char desc[128];
    irvi_arch_describe(irvi_model_arch(m), desc, sizeof desc);
    printf("model    %s  (%s)\n", desc, a->model);
    printf("data     %s %s, %d examples\n", a->data.name, irvi_split_name(a->split), sp.n);
    if (a->do_refine)
        printf("refine   %s K=%d M=%d gamma=%g\n",
               irvi_refine_method(irvi_model_arch(m)), a->air.K,
               a->air.M, a->air.gamma);
    printf("\n%-14s %9s   %-18s   %-18s   %6s\n", "posterior", "samples", "lower bound",
           "IS log-lik", "ESS/N");
}

/* The results as one JSON object (exact: the mean exact log-likelihood, or NaN). */
static int write_json(const eval_args *a, int n, double exact, const sums *u, const sums *r)
{
    FILE *f = fopen(a->json, "w");
    if (!f) {
        perror(a->json);
        return 1;
    }
    fprintf(f, "{\"model\": \"%s\", \"split\": \"%s\", \"examples\": %d, \"K\": %d, \"M\": %d, "
               "\"gamma\": %g, ",
            a->model, irvi_split_name(a->split), n, a->do_refine ? a->air.K : 0, a->air.M,
            (double)a->air.gamma);
    if (isfinite(exact))
        fprintf(f, "\"exact\": %.6f, ", exact);
    json_sums(f, "unrefined", u, a->N);
    if (a->do_refine) {
        fprintf(f, ", ");
        json_sums(f, "refined", r, a->N);
    }
    fprintf(f, "}\n");
    return fclose(f) ? 1 : 0;
}

int cmd_eval(int argc, char **argv)
{
    eval_args a;
    if (parse(argc, argv, &a, 0))
        return 2;
    irvi_set_threads(a.threads);
    irvi_model *m = NULL;
    irvi_dataset *ds = NULL;
    irvi_split sp;
    int rc = open_inputs(&a, 0, &m, &ds, &sp);
    sums u = {0}, r = {0};
    if (!rc)
        rc = run_estimates(&a, m, sp, &u, &r);
    if (!rc) {
        header(&a, m, sp);
        print_row(stdout, "unrefined q0", &u, a.N);
        if (a.do_refine)
            print_row(stdout, "refined qK", &r, a.N);
        if (a.json)
            rc = write_json(&a, sp.n, NAN, &u, &r);
    }
    irvi_model_free(m);
    irvi_dataset_free(ds);
    return rc;
}

int cmd_exact(int argc, char **argv)
{
    eval_args a;
    if (parse(argc, argv, &a, 1))
        return 2;
    irvi_set_threads(a.threads);
    irvi_model *m = NULL;
    irvi_dataset *ds = NULL;
    irvi_split sp;
    int rc = open_inputs(&a, 1, &m, &ds, &sp);
    double *ll = NULL;
    sums u = {0}, r = {0};
    if (!rc && !(ll = malloc(sizeof(double) * sp.n)))
        rc = 1;
    if (!rc) {
        progress p;
        progress_start(&p, "enumerating");
        irvi_status st = irvi_exact_ll(m, sp.x, sp.n, ll, progress_update, &p);
        progress_end(&p);
        if (st) {
            app_report("exact likelihood", st);
            rc = 1;
        }
    }
    if (!rc)
        rc = run_estimates(&a, m, sp, &u, &r);
    if (!rc) {
        double s = 0, s2 = 0;
        for (int i = 0; i < sp.n; i++) {
            s += ll[i];
            s2 += ll[i] * ll[i];
        }
        header(&a, m, sp);
        print_row(stdout, "unrefined q0", &u, a.N);
        if (a.do_refine)
            print_row(stdout, "refined qK", &r, a.N);
        printf("%-14s %9s   %-18s   %9.3f ± %-6.3f\n", "exact", "2^H", "", s / sp.n, se(s, s2, sp.n));
        printf("\ngap to exact (IS estimate - exact): unrefined %+.4f", u.ll / u.n - s / sp.n);
        if (a.do_refine)
            printf(", refined %+.4f", r.ll / r.n - s / sp.n);
        printf(" nats\n");
        if (a.json)
            rc = write_json(&a, sp.n, s / sp.n, &u, &r);
    }
    free(ll);
    irvi_model_free(m);
    irvi_dataset_free(ds);
    return rc;
}
