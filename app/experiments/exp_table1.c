/* app/exp_table1.c — Table 1 (paper 5.2, DESIGN §6.5 and 11): SBNs with 1-3
 * layers of 200 units and DARN 200 / 500 (tanh-500 layer), each trained with
 * AIR and with RWS, then the test lower bound and IS log-likelihood under
 * the recognition network's q0 (x) and after test-time AIR (refined, √).
 * MNIST always; Caltech-101 Silhouettes when the file is there. */
#include "experiments/exp_util.h"

#include <math.h>
#include <string.h>

typedef struct {
    const char *id;          /* model id (exp_util), also the --model-ID key */
    const char *model, *layers, *algo;
    double paper[8];         /* Tab. 1, as -value: MNIST <=x <=v ~x ~v, Caltech <=x <=v ~x ~v (0 = none) */
} t1_row;

/* paper order: SBN RWS, SBN AIR, DARN RWS, DARN AIR */
static const t1_row rows[] = {
    {"rws200", "SBN", "200", "RWS", {115.13, 107.87, 102.51, 102.00, 166.50, 154.85, 121.38, 118.63}},
    {"rws200-200", "SBN", "200-200", "RWS", {107.05, 97.97, 93.82, 92.83, 145.57, 125.66, 112.86, 107.20}},
    {"rws200-200-200", "SBN", "200-200-200", "RWS", {104.60, 96.46, 92.00, 91.02, 141.46, 120.58, 110.57, 104.54}},
    {"air200", "SBN", "200", "AIR", {117.31, 107.41, 101.47, 100.92, 158.08, 135.79, 120.23, 116.61}},
    {"air200-200", "SBN", "200-200", "AIR", {107.66, 98.25, 93.68, 92.90, 149.14, 118.76, 116.35, 106.94}},
    {"air200-200-200", "SBN", "200-200-200", "AIR", {108.97, 98.81, 93.24, 92.56, 140.34, 115.30, 112.11, 104.36}},
    {"darn-rws200", "DARN", "200", "RWS", {96.53, 89.87, 86.91, 86.21, 139.51, 122.43, 113.69, 109.73}},
    {"darn-rws500", "DARN", "500", "RWS", {94.63, 88.62, 85.40, 84.71, 0, 0, 0, 0}},
    {"darn-air200", "DARN", "200", "AIR", {95.83, 88.64, 86.43, 85.89, 140.45, 118.91, 115.36, 109.76}},
    {"darn-air500", "DARN", "500", "AIR", {93.92, 88.37, 85.91, 85.46, 0, 0, 0, 0}},
};
#define NROWS (int)(sizeof rows / sizeof rows[0])

typedef struct {
    exp_train_info train;
    exp_est u, r;
    int done;
} t1_result;

/* One data set: every row trained (or reused) and evaluated. */
static int run_set(exp_ctx *c, const irvi_dataset *ds, int caltech, int n, int N,
                   const irvi_refine_opts *air, t1_result *res)
{
    irvi_split te = irvi_dataset_split(ds, IRVI_SPLIT_TEST);
    for (int i = 0; i < NROWS && !exp_stopped(c); i++) {
        if (caltech && !rows[i].paper[4])
            continue; /* the paper has no Caltech DARN-500 rows */
        char id[64];
        snprintf(id, sizeof id, "%s%s", caltech ? "caltech-" : "", rows[i].id);
        irvi_model *m = NULL;
        if (exp_get_model(c, ds, id, &m, &res[i].train))
            return 1;
        int rc = exp_evaluate(c, m, te, n, N, air, id, &res[i].u, &res[i].r);
        irvi_model_free(m);
        if (rc)
            return 1;
        res[i].done = 1;
    }
    return exp_stopped(c);
}

static void json_set(FILE *f, const char *name, const t1_result *res, int caltech)
{
    fprintf(f, "\"%s\": [", name);
    int first = 1;
    for (int i = 0; i < NROWS; i++) {
        if (!res[i].done)
            continue;
        const double *pp = rows[i].paper + (caltech ? 4 : 0);
        fprintf(f, "%s\n  {\"id\": \"%s\", \"model\": \"%s\", \"layers\": \"%s\", \"algo\": \"%s\", ",
                first ? "" : ",", rows[i].id, rows[i].model, rows[i].layers, rows[i].algo);
        first = 0;
        exp_json_train(f, "train", &res[i].train, 0);
        exp_json_est(f, "unrefined", &res[i].u, 0);
        exp_json_est(f, "refined", &res[i].r, 0);
        fprintf(f, "\"paper_negated\": {");
        exp_json_num(f, "lb_unrefined", pp[0] ? pp[0] : NAN, 0);
        exp_json_num(f, "lb_refined", pp[1] ? pp[1] : NAN, 0);
        exp_json_num(f, "ll_unrefined", pp[2] ? pp[2] : NAN, 0);
        exp_json_num(f, "ll_refined", pp[3] ? pp[3] : NAN, 1);
        fprintf(f, "}}");
    }
    fprintf(f, "\n]");
}

static void md_set(FILE *md, const char *title, const t1_result *res, int caltech)
{
    static const char *const cols[] = {"model", "trained", "≤ × ours", "≤ × paper", "≤ √ ours",
                                       "≤ √ paper", "≈ × ours", "≈ × paper", "≈ √ ours",
                                       "≈ √ paper", "ESS × / √"};
    fprintf(md, "### %s\n\n", title);
    exp_md_header(md, cols, 11);
    for (int i = 0; i < NROWS; i++) {
        if (!res[i].done)
            continue;
        const double *pp = rows[i].paper + (caltech ? 4 : 0);
        const t1_result *r = &res[i];
        char a[4][32], b[4][32], tr[64];
        if (!strcmp(r->train.source, "given") && r->train.updates < 0)
            snprintf(tr, sizeof tr, "given file");
        else if (!strcmp(r->train.source, "given"))
            snprintf(tr, sizeof tr, "given: %ld upd. (%d ep.)", r->train.updates,
                     r->train.epochs);
        else
            snprintf(tr, sizeof tr, "%ld upd. (%.2g ep.)", r->train.updates,
                     r->train.updates / 500.0);
        fprintf(md, "| %s %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.3f / %.3f |\n",
                rows[i].model, rows[i].algo, rows[i].layers, tr, exp_cell(-r->u.lb, a[0], 32),
                exp_cell(pp[0] ? pp[0] : NAN, b[0], 32), exp_cell(-r->r.lb, a[1], 32),
                exp_cell(pp[1] ? pp[1] : NAN, b[1], 32), exp_cell(-r->u.ll, a[2], 32),
                exp_cell(pp[2] ? pp[2] : NAN, b[2], 32), exp_cell(-r->r.ll, a[3], 32),
                exp_cell(pp[3] ? pp[3] : NAN, b[3], 32), r->u.ess, r->r.ess);
    }
    fprintf(md, "\n");
}

/* the Caltech file where the engine looks for it (its default directory,
 * under IRVI_DATA_DIR when that is set) */
static int have_caltech(irvi_dataset **ds)
{
    irvi_data_opts o;
    irvi_data_opts_default(&o);
    o.name = "caltech101";
    if (irvi_dataset_open(&o, ds) == IRVI_OK)
        return 1;
    *ds = NULL;
    return 0;
}

int exp_table1(exp_ctx *c)
{
    int n = (int)exp_pick(c, 20, 500, 2000, 10000);
    int N = (int)exp_pick(c, 20, 1000, 10000, 100000);
    irvi_refine_opts air; /* test-time AIR, DESIGN §6.5: K = 20, M = 20, gamma = 0.1 */
    irvi_refine_opts_default(&air);
    air.K = (int)exp_pick(c, 2, 20, 20, 20);
    exp_model_spec spec;
    exp_model_spec_for(c, "air200", &spec);

    irvi_dataset *ds = NULL, *cal = NULL;
    if (exp_open_data(c, &ds))
        return 1;
    t1_result mn[NROWS], ct[NROWS];
    memset(mn, 0, sizeof mn);
    memset(ct, 0, sizeof ct);
    int rc = run_set(c, ds, 0, n, N, &air, mn);
    int with_cal = !rc && have_caltech(&cal);
    if (with_cal)
        rc = run_set(c, cal, 1, n, N, &air, ct);
    else if (!rc)
        fprintf(stderr, "  table1: no Caltech-101 Silhouettes file (%s/caltech101_silhouettes_28_split1.mat): "
                        "Caltech columns skipped\n", irvi_data_default_dir("caltech101"));
    irvi_split te = irvi_dataset_split(ds, IRVI_SPLIT_TEST);
    if (n > te.n)
        n = te.n;
    irvi_dataset_free(ds);
    irvi_dataset_free(cal);
    if (rc)
        return 1;

    FILE *f = exp_open_out(c, "results.json");
    if (!f)
        return 1;
    fprintf(f, "{\"experiment\": \"table1\", \"budget\": \"%s\", \"test_examples\": %d, "
               "\"samples\": %d, \"test_air\": {\"K\": %d, \"M\": %d, \"gamma\": %g}, "
               "\"train_updates_budget\": %ld, \"sign\": \"results are the engine's (negative) "
               "bounds; paper_negated are Tab. 1's values, which are negated\", ",
            exp_budget_name(c->budget), n, N, air.K, air.M, (double)air.gamma, spec.max_updates);
    json_set(f, "mnist", mn, 0);
    if (with_cal) {
        fprintf(f, ", ");
        json_set(f, "caltech101", ct, 1);
    }
    fprintf(f, "}\n");
    if (exp_close_out(f, "results.json"))
        return 1;

    FILE *md = c->md;
    fprintf(md, "## Table 1: SBN and DARN, AIR against RWS, unrefined (×) and refined (√)\n\n");
    char what[512];
    if (spec.max_updates > 0)
        snprintf(what, sizeof what, "each model trained for %ld updates of 100 examples "
                 "(%.2f epochs) unless reused from a longer run (\"trained\" column); test set: "
                 "the first %d test digits, N = %d samples per digit for both estimates; "
                 "test-time AIR K = %d, M = %d, γ = %g.", spec.max_updates,
                 spec.max_updates / 500.0, n, N, air.K, air.M, (double)air.gamma);
    else
        snprintf(what, sizeof what, "each model trained for up to %d epochs, best validation "
                 "epoch kept; test set: %d test digits, N = %d samples per digit; test-time AIR "
                 "K = %d, M = %d, γ = %g.", spec.epochs, n, N, air.K, air.M, (double)air.gamma);
    exp_md_budget(c, what);
    fprintf(md, "Values are negated bounds in nats (lower is better), as in the paper: ≤ is the "
                "variational lower bound (Eq. 1), ≈ the importance-sampled log-likelihood "
                "(Eq. 3); × uses the recognition network's q0, √ the posterior after test-time "
                "AIR. The last column is the mean normalized ESS of the evaluation samples "
                "(× / √). Training: AIR with K = %d, M = %d, γ = %g, RWS with the same N = %d "
                "samples, RMSprop lr %g, batch %d (DESIGN §4, 10).\n\n",
            spec.o.air.K, spec.o.air.M, (double)spec.o.air.gamma, spec.o.N, (double)spec.o.lr,
            spec.o.batch);
    md_set(md, "MNIST", mn, 0);
    int worse = 0, rows_done = 0;
    for (int i = 0; i < NROWS; i++)
        if (mn[i].done) {
            rows_done++;
            worse += mn[i].r.lb < mn[i].u.lb;
        }
    if (worse)
        fprintf(md, "In %d of %d rows test-time refinement *lowered* the bound (√ above ×)%s\n\n",
                worse, rows_done, c->budget == EXP_BUDGET_PAPER ? "." :
                ". In the paper refinement helps every model; ours are far from trained at "
                "this budget, so this says little about refinement of trained models.");
    if (with_cal)
        md_set(md, "Caltech-101 Silhouettes", ct, 1);
    else
        fprintf(md, "Caltech-101 Silhouettes: skipped, the file "
                    "`caltech101_silhouettes_28_split1.mat` is not in `%s/` (user-supplied; "
                    "see the README's Data section).\n\n", irvi_data_default_dir("caltech101"));
    fprintf(md, "%s (DESIGN §10). The paper's 3-layer AIR value "
                "(92.56) came from training with K = 50, γ = 0.05; ours uses K = 20, γ = 0.1 "
                "throughout. DARN 200 has a linear recognition network, DARN 500 a tanh-500 "
                "layer in it (DESIGN §1.2). Numbers: `results.json`.\n\n", exp_data_note(c));
    return 0;
}
