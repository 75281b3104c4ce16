/* app/cli/cmd_refine.c — `irvi refine` (the refinement lab: q0 first, then one
 * AIR step per key press on the chosen digits; headless: a table of the bound
 * and ESS per step) and `irvi export` (the Fig. 2 grid of chosen digits, and
 * optionally the refinement curves, as PNG). */
#include "common/args.h"
#include "common/sysutil.h"
#include "cli/commands.h"
#include "live/export.h"
#include "live/inspector.h"
#include "common/improved.h"
#include "live/lab.h"
#include "cli/open_model.h"
#include "live/session.h"

#include <irvi/irvi.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *model, *out, *curves, *inspect;
    irvi_data_opts data;
    int digits[LINK_MAX_DIGITS], ndigits, cls, count, simplified, headless, steps, seed;
    int scale, pad, labels, threads, N, most_improved, scan_n, gamma_set;
    irvi_refine_opts air;
} refine_args;

static void usage(FILE *f, int export)
{
    fprintf(f,
            "usage: irvi %s [--model FILE] [options]\n"
            "  --model FILE           model or checkpoint (irvi train writes OUT/best.irvi;\n"
            "                         default: the shipped reference SBN-200 AIR model,\n"
            "                         assets/" APP_REFERENCE_MODEL ")\n"
            "  --digits 3,17,42       test-set indices (default: one digit of each class; sets\n"
            "                         without labels: ten spread over the test set)\n"
            "  --class C [--count N]  N random test digits of class C (default N = 5)\n"
            "  --K K --M M --gamma G  refinement: steps, samples per step, inference rate\n"
            "                         (default 20, 20, 0.1; VAE models: GDIR steps, draws,\n"
            "                         step size, default 20, 20, 0.003)\n"
            "  --simplified           start from the simplified posterior (80%% of mu0 at 0.5)\n"
            "  --N N                  samples for reconstructions and bounds (default 100)\n"
            "  --seed S               (default 1)\n"
            "  --data NAME --data-dir DIR --binarize MODE --data-seed S   (as for irvi train)\n",
            export ? "export" : "refine");
    if (export)
        fprintf(f, "  --out FILE.png         the grid (required)\n"
                   "  --scale S --pad P      pixels per image pixel (4), gap (2)\n"
                   "  --no-labels            tiles only\n"
                   "  --curves FILE.png      also the bound and ESS against the refinement step\n"
                   "  --inspect STEM         also STEM-inspect.png (posterior heat maps, exact KL),\n"
                   "                         STEM-film.png, STEM-samples.png, STEM-inspect.csv\n"
                   "  --most-improved N      show the N test digits (N <= 25) whose expected\n"
                   "                         reconstruction error improves most with refinement\n"
                   "                         (paper Fig. 2; scans the test set, --scan-n to limit)\n");
    else
        fprintf(f, "  --headless             print the bound and ESS per step instead of the UI\n"
                   "                         (also when stdout is not a terminal)\n"
                   "  --steps S              headless: steps to take (default K)\n"
                   "keys in the lab: r one refinement step (AIR; GDIR for VAE models), 0 back to q0,\n"
                   "s simplified, d/c digits, "
                   "k/K m/M g/G change K, M, gamma, e export PNG, ? help, q quit\n");
}

static int parse(int argc, char **argv, refine_args *a, int export)
{
    memset(a, 0, sizeof *a);
    irvi_data_opts_default(&a->data);
    a->data.name = NULL; /* the model's own set unless --data (args_data_default) */
    irvi_refine_opts_default(&a->air);
    a->seed = 1;
    a->count = 5;
    a->cls = -1;
    a->steps = -1;
    a->scale = 4;
    a->pad = 2;
    a->labels = 1;
    a->N = 100;
    for (int i = 0; i < argc; i++) {
        const char *f = argv[i], *v;
        int r = args_data(argc, argv, &i, &a->data);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            usage(stdout, export);
            exit(0);
        }
#define VAL() if (!(v = args_value(argc, argv, &i))) return -1
        if (!strcmp(f, "--simplified")) a->simplified = 1;
        else if (!strcmp(f, "--headless")) a->headless = 1;
        else if (!strcmp(f, "--no-labels")) a->labels = 0;
        else if (!strcmp(f, "--model")) { VAL(); a->model = v; }
        else if (!strcmp(f, "--out")) { VAL(); a->out = v; }
        else if (!strcmp(f, "--curves")) { VAL(); a->curves = v; }
        else if (!strcmp(f, "--inspect")) { VAL(); a->inspect = v; }
        else if (!strcmp(f, "--digits")) {
            VAL();
            if ((a->ndigits = args_digits(f, v, a->digits, LINK_MAX_DIGITS)) < 0) return -1;
        } else if (!strcmp(f, "--class")) { VAL(); if (args_int(f, v, 0, 255, &a->cls)) return -1; }
        else if (!strcmp(f, "--count")) { VAL(); if (args_int(f, v, 1, LINK_MAX_DIGITS, &a->count)) return -1; }
        else if (!strcmp(f, "--K")) { VAL(); if (args_int(f, v, 0, 100000, &a->air.K)) return -1; }
        else if (!strcmp(f, "--M")) { VAL(); if (args_int(f, v, 1, 100000, &a->air.M)) return -1; }
        else if (!strcmp(f, "--gamma")) { VAL(); if (args_float(f, v, 0, 1, 1, &a->air.gamma)) return -1; a->gamma_set = 1; }
        else if (!strcmp(f, "--steps")) { VAL(); if (args_int(f, v, 0, 100000, &a->steps)) return -1; }
        else if (!strcmp(f, "--N")) { VAL(); if (args_int(f, v, 1, 1000000, &a->N)) return -1; }
        else if (!strcmp(f, "--seed")) { VAL(); if (args_int(f, v, 0, 2147483647, &a->seed)) return -1; }
        else if (!strcmp(f, "--most-improved")) { VAL(); if (args_int(f, v, 1, LINK_MAX_DIGITS, &a->most_improved)) return -1; }
        else if (!strcmp(f, "--scan-n")) { VAL(); if (args_int(f, v, 1, 100000000, &a->scan_n)) return -1; }
        else if (!strcmp(f, "--scale")) { VAL(); if (args_int(f, v, 1, 64, &a->scale)) return -1; }
        else if (!strcmp(f, "--pad")) { VAL(); if (args_int(f, v, 0, 64, &a->pad)) return -1; }
        else if (!strcmp(f, "--threads")) { VAL(); if (args_int(f, v, 0, 256, &a->threads)) return -1; }
        else {
            fprintf(stderr, "irvi: unknown option '%s' (try irvi %s --help)\n", f,
                    export ? "export" : "refine");
            return -1;
        }
#undef VAL
    }
    static char ref[4200];
    if (!a->model && access(app_asset(APP_REFERENCE_MODEL, ref, sizeof ref), R_OK) == 0)
        a->model = ref; /* the shipped reference model: refinement on a trained model */
    if (!a->model) {
        fprintf(stderr, "irvi: --model FILE is required (the reference model %s is not "
                        "there)\n", ref);
        return -1;
    }
    if (export && !a->out) {
        fprintf(stderr, "irvi: --out FILE.png is required\n");
        return -1;
    }
    if (a->steps < 0)
        a->steps = a->air.K;
    return 0;
}

static int open_inputs(refine_args *a, irvi_model **m, irvi_dataset **ds)
{
    return open_model(a->model, a->gamma_set, &a->air, m) ||
           open_model_data(a->model, *m, &a->data, ds);
}

/* Headless lab: set up the digits, then `steps` AIR steps, calling back
 * after q0 and after every step with the tiles and the mean bound / ESS. */
typedef void (*step_fn)(void *user, int step, const app_tiles *t, double lb, double ess);

static int run_lab(const refine_args *a, irvi_model *m, irvi_dataset *ds, app_tiles *t,
                   step_fn fn, void *user, inspector *in)
{
    lab b;
    irvi_status st = lab_init(&b, m, ds, (uint64_t)a->seed);
    if (!st) {
        b.air = a->air;
        b.N = a->N;
        b.simplified = a->simplified;
        if (a->ndigits)
            st = lab_pick(&b, m, a->digits, a->ndigits);
        else if (a->cls >= 0)
            st = lab_pick_class(&b, m, a->cls, a->count);
        else
            st = lab_reset(&b, m);
    }
    double lb, ess;
    for (int k = 0; !st && k <= a->steps && !app_stop_signal; k++) {
        if (k > 0)
            st = lab_step(&b, m, NULL);
        if (!st)
            st = lab_tiles(&b, m, t, &lb, &ess);
        if (!st)
            fn(user, k, t, lb, ess);
        if (!st && in)
            st = inspector_update(in, &b, m, t, 1);
    }
    if (!st && in)
        st = inspector_samples(in, m, ds, SAMPLES_MAX, 0);
    lab_free(&b);
    if (st) {
        app_report("refining", st);
        return 1;
    }
    return app_stop_signal ? 130 : 0;
}

static void print_step(void *user, int step, const app_tiles *t, double lb, double ess)
{
    (void)user;
    if (step == 0) {
        printf("digits:");
        for (int i = 0; i < t->n; i++)
            printf(" %d", t->index[i]);
        printf("\n%5s  %12s  %8s\n", "step", "lower bound", "ESS/N");
    }
    printf("%5d  %12.3f  %8.4f\n", step, lb, ess);
    fflush(stdout);
}

int cmd_refine(int argc, char **argv)
{
    refine_args a;
    if (parse(argc, argv, &a, 0))
        return 2;
    irvi_set_threads(a.threads);
    app_catch_stop_signals(APP_STOP_FLAG); /* each step finishes; the loop stops between them */
    irvi_model *m = NULL;
    irvi_dataset *ds = NULL;
    int rc = open_inputs(&a, &m, &ds);
    if (!rc && !a.headless && isatty(0) && isatty(1)) {
        int idx[LINK_MAX_DIGITS], n = a.ndigits;
        memcpy(idx, a.digits, sizeof idx);
        if (!n && a.cls >= 0) { /* resolve the class into indices through a lab */
            lab b;
            if (!lab_init(&b, m, ds, (uint64_t)a.seed) && !lab_pick_class(&b, m, a.cls, a.count)) {
                n = b.n;
                memcpy(idx, b.index, sizeof(int) * n);
            }
            lab_free(&b);
        }
        rc = session_refine(m, ds, idx, n, &a.air, a.simplified, (uint64_t)a.seed, NULL,
                            &app_stop_signal);
        if (rc >= 0)
            goto done;
        rc = 0; /* no terminal UI: fall back to the table */
    }
    if (!rc) {
        app_tiles *t = calloc(1, sizeof *t);
        rc = t ? run_lab(&a, m, ds, t, print_step, NULL, NULL) : 1;
        if (!rc && t) {
            printf("\n%6s %6s  %12s  %12s  %12s\n", "digit", "class", "LB q0", "LB refined",
                   "ESS refined");
            for (int i = 0; i < t->n; i++)
                printf("%6d %6d  %12.3f  %12.3f  %12.4f\n", t->index[i], t->label[i], t->lb0[i],
                       t->lbK[i], t->essK[i]);
        }
        free(t);
    }
done:
    irvi_model_free(m);
    irvi_dataset_free(ds);
    return rc;
}

typedef struct {
    metric_point *pts;
    int n;
} curve_acc;

static int scan_progress(void *user, double done, double total)
{
    (void)user;
    if (app_redraws(2))
        fprintf(stderr, "\rscanning the test set: %.0f/%.0f", done, total);
    return app_stop_signal != 0;
}

/* Paper 5.3: the `want` test digits whose expected reconstruction error
 * improves most with refinement (improved.c), into a->digits. */
static int most_improved(refine_args *a, const irvi_model *m, const irvi_dataset *ds)
{
    irvi_split sp = irvi_dataset_split(ds, IRVI_SPLIT_TEST);
    int n = a->scan_n > 0 && a->scan_n < sp.n ? a->scan_n : sp.n, got = 0;
    double delta[LINK_MAX_DIGITS];
    irvi_status st = most_improved_scan(m, sp, n, a->N, &a->air, a->simplified,
                                        (uint64_t)a->seed, a->most_improved, a->digits, delta,
                                        &got, scan_progress, NULL);
    if (app_redraws(2))
        fprintf(stderr, "\r%40s\r", "");
    if (st) {
        app_report("scanning for the most improved digits", st);
        return 1;
    }
    printf("most improved: digit %d (%.2f nats) ... digit %d (%.2f nats) of %d scanned\n",
           a->digits[0], delta[0], a->digits[got - 1], delta[got - 1], n);
    a->ndigits = got;
    return 0;
}

static void keep_step(void *user, int step, const app_tiles *t, double lb, double ess)
{
    curve_acc *c = user;
    c->pts[c->n++] = (metric_point){SERIES_REFINE_LB, step, step, 0, lb};
    c->pts[c->n++] = (metric_point){SERIES_REFINE_ESS, step, step, 0, ess};
    for (int i = 0; i < t->n; i++) {
        c->pts[c->n++] = (metric_point){(series_id)(SERIES_DIGIT_LB + i), step, step, 0, t->lbK[i]};
        c->pts[c->n++] = (metric_point){(series_id)(SERIES_DIGIT_ESS + i), step, step, 0, t->essK[i]};
    }
}

int cmd_export(int argc, char **argv)
{
    refine_args a;
    if (parse(argc, argv, &a, 1))
        return 2;
    irvi_set_threads(a.threads);
    irvi_model *m = NULL;
    irvi_dataset *ds = NULL;
    int rc = open_inputs(&a, &m, &ds);
    app_tiles *t = calloc(1, sizeof *t);
    inspector insp;
    int insp_ok = a.inspect && inspector_init(&insp, (uint64_t)a.seed) == 0;
    if (a.inspect && !insp_ok)
        rc = 1;
    /* per step: the mean bound and ESS, and both for every digit */
    curve_acc c = {malloc(sizeof(metric_point) * 2 * (LINK_MAX_DIGITS + 1) * ((size_t)a.steps + 1)), 0};
    if (!rc && (!t || !c.pts))
        rc = 1;
    if (!rc && a.most_improved)
        rc = most_improved(&a, m, ds);
    if (!rc)
        rc = run_lab(&a, m, ds, t, keep_step, &c, a.inspect ? &insp : NULL);
    char err[512];
    if (!rc && export_grid_png(t, a.out, a.scale, a.pad, a.labels, err, sizeof err)) {
        fprintf(stderr, "irvi: %s\n", err);
        rc = 1;
    }
    if (!rc && a.curves && export_curves_png(a.curves, c.pts, c.n, 1, err, sizeof err)) {
        fprintf(stderr, "irvi: %s\n", err);
        rc = 1;
    }
    if (!rc && a.inspect) {
        char p[600];
        const char *what[] = {"inspect.png", "film.png", "samples.png", "inspect.csv"};
        for (int k = 0; k < 4 && !rc; k++) {
            snprintf(p, sizeof p, "%s-%s", a.inspect, what[k]);
            rc = k == 0   ? inspect_png(insp.out, 0, p, err, sizeof err)
                 : k == 1 ? film_png(insp.out, 0, p, err, sizeof err)
                 : k == 2 ? samples_png(insp.smp, p, err, sizeof err)
                          : inspect_csv(insp.out, p, err, sizeof err);
            if (rc)
                fprintf(stderr, "irvi: %s\n", err);
            else
                printf("wrote %s\n", p);
        }
        if (!rc && insp.out->exact)
            printf("exact posterior: %.1f ms per digit per step (table %.0f ms once per model)\n",
                   insp.out->exact_ms, insp.out->table_ms);
    }
    if (insp_ok)
        inspector_free(&insp);
    if (!rc) {
        int w, h;
        irvi_grid g;
        irvi_grid_opts o = {a.scale, a.pad, a.labels, 0};
        export_tiles_grid(t, &g);
        irvi_grid_size(&g, &o, &w, &h);
        printf("wrote %s (%dx%d: %d digits, truth / q0 / refined after %d %s steps)\n", a.out, w,
               h, t->n, t->steps, irvi_refine_method(irvi_model_arch(m)));
        if (a.curves)
            printf("wrote %s\n", a.curves);
    }
    free(c.pts);
    free(t);
    irvi_model_free(m);
    irvi_dataset_free(ds);
    return rc;
}
