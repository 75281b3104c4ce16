/* bench/irvi_bench.c — throughput of the engine's core computations, in the
 * same modes, units and JSON fields as the PyTorch peer
 * (shared/peers/torch_air_bench.py), so the two can be run back to back on
 * the same parameter and data files (bench/run.sh does that). One JSON
 * object per line on stdout.
 *
 *   --mode estep   q0 + K AIR steps for a batch of B          item: example
 *   --mode eval    N-sample LB / IS-LL / ESS of a batch (q0)   item: sample (B*N per repeat)
 *   --mode exact   exact log p(x) of B points, 1 layer, H      item: data point
 *   --mode sgemm   the machine's sgemm rate through la_sgemm   item: flop
 *                  (square: also through OpenBLAS's own threads)
 *
 * Each mode runs --warmup untimed repeats and --repeats timed ones and reports
 * the total (seconds, items_per_second) and the median repeat
 * (seconds_per_repeat_median, items_per_second_median). Correctness numbers
 * (estep/eval: lb_before / lb_after = mean log w under q0 and under the
 * AIR-refined q with --check-N samples, their spread over --check-reps
 * independent replicates; exact: exact_ll_mean) are computed outside the timed
 * region.
 *
 * GEMM flop counts (a GEMM of shapes (m,k)x(k,n) is 2mnk flops). With
 * H_0 = D and S = sum_{l=0}^{L-1} H_l * H_{l+1} (the generative matrices
 * G_l are H_{l+1} x H_l and the recognition matrices V_{l+1} are H_l x H_{l+1},
 * so one pass of either net over one row costs 2 S):
 *   estep, per example:  2 S (recognition) + K * M * 2 S (generative pass of
 *                        every sample of every step)
 *   eval,  per sample:   2 S (generative pass; q0 is computed outside the timing)
 *   exact, per point (B points, 2^H states, 1 layer):
 *      plain sigmoid (engine's split tables, DESIGN §6.4): 2 * D * H (x G_0^T);
 *          the rest is elementwise: 2^H * D softplus terms (x-free, shared by
 *          the batch) and one add + exp per state and point. Its bound is the
 *          softplus part alone: softplus_bound_seconds is the time of the
 *          engine's k_softplus_sum2 over 2^H rows of D (the same kernel and
 *          table access, all threads, best of 3), frac_softplus_bound =
 *          softplus_bound_seconds / seconds_per_repeat_median.
 *      squashed (log-odds form): 2 * 2^H * H * D / B + 2 * 2^H * D
 *   sgemm: 2 m n k per call.
 * The elementwise work (softplus, sampling, log q, weights) is not counted,
 * so gflops / sgemm peak says how far a kernel is from being GEMM-bound.
 * --sgemm-peak GFLOPS (from an earlier --mode sgemm run) adds
 * frac_sgemm_peak = achieved GEMM GFLOP/s / peak to each record.
 *
 * Files: --params is the peer's SBNPARM2 file (irvi_model_import_sbnparm);
 * --data is raw uint8, D bytes per row, no header (rows --offset ..
 * --offset+B-1). Without them: a random SBN (weights and biases N(0, wscale^2),
 * recognition N(0, rscale^2), v = 0, xbar = batch mean) and Bernoulli(0.5)
 * data or, with --data-from-model, ancestral samples.
 *
 * This program may use engine internals (linalg.h) through irvi_dep.
 */
#include "irvi/irvi.h"
#include "kernels.h"
#include "linalg.h"
#include "pool.h"

#include <cblas.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *mode, *params, *data, *layers, *dump, *squash, *save_params, *save_data;
    int D, H, B, K, M, N, check_N, check_reps, threads, repeats, warmup, seed, offset;
    int from_model, sgemm_size;
    float gamma, clip;
    double gamma_text, wscale, rscale, sgemm_peak;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: irvi_bench --mode estep|eval|exact|sgemm [options]\n"
            "  --layers 200,200     hidden sizes bottom-up without --params (default 200)\n"
            "  --H 20               exact mode: hidden units of the 1-layer SBN (default 20)\n"
            "  --D 784              visible units without --params\n"
            "  --params FILE        the peer's SBNPARM2 parameter file\n"
            "  --data FILE          raw uint8 rows of D bytes; --offset ROW first row\n"
            "  --data-from-model    without --data: ancestral samples instead of Bernoulli(0.5)\n"
            "  --squash file|on|off squashed means (default: as the file says; off when random)\n"
            "  --batch B (100)  --K 20  --M 20  --gamma 0.1  --clip 0 (clamp mu to [c,1-c])\n"
            "  --N 1000             eval: samples per example\n"
            "  --check-N 100        samples of the untimed LB checks; --check-reps 5 replicates\n"
            "  --threads 2  --repeats 5  --warmup 2  --seed 1234\n"
            "  --wscale 0.1 --rscale 0.01   random model scales\n"
            "  --sgemm-size 2048    sgemm mode: the square size\n"
            "  --sgemm-peak GFLOPS  add the fraction of this sgemm peak to the records\n"
            "  --dump FILE          exact mode: per-point exact LL as text (%%.17g)\n"
            "  --save-params FILE --save-data FILE   write the model (SBNPARM2) and the batch\n"
            "                       (raw uint8) used, for the peer's --params / --data\n");
}

static int die(const char *fmt, const char *a)
{
    fprintf(stderr, "irvi_bench: ");
    fprintf(stderr, fmt, a);
    fprintf(stderr, "\n");
    exit(2);
}

static int parse_int(const char *flag, const char *v, long lo, long hi)
{
    char *end;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || *end || x < lo || x > hi)
        die("bad value for %s", flag);
    return (int)x;
}

static double parse_num(const char *flag, const char *v)
{
    char *end;
    double x = v ? strtod(v, &end) : 0;
    if (!v || end == v || *end || !isfinite(x))
        die("bad value for %s", flag);
    return x;
}

static void parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = "estep";
    o->squash = "file";
    o->D = 784;
    o->H = 20;
    o->B = 100;
    o->K = 20;
    o->M = 20;
    o->N = 1000;
    o->check_N = 100;
    o->check_reps = 5;
    o->threads = 2;
    o->repeats = 5;
    o->warmup = 2;
    o->seed = 1234;
    o->gamma = 0.1f;
    o->gamma_text = 0.1;
    o->wscale = 0.1;
    o->rscale = 0.01;
    o->sgemm_size = 2048;
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (!strcmp(f, "--data-from-model")) {
            o->from_model = 1;
            continue;
        }
        if (i + 1 >= argc)
            die("%s needs a value (or is unknown; try --help)", f);
        const char *v = argv[++i];
        if (!strcmp(f, "--mode")) o->mode = v;
        else if (!strcmp(f, "--params")) o->params = v;
        else if (!strcmp(f, "--data")) o->data = v;
        else if (!strcmp(f, "--layers")) o->layers = v;
        else if (!strcmp(f, "--dump")) o->dump = v;
        else if (!strcmp(f, "--save-params")) o->save_params = v;
        else if (!strcmp(f, "--save-data")) o->save_data = v;
        else if (!strcmp(f, "--squash")) o->squash = v;
        else if (!strcmp(f, "--dtype")) { if (strcmp(v, "float32")) die("--dtype %s: irvi computes in float32 only", v); }
        else if (!strcmp(f, "--D")) o->D = parse_int(f, v, 1, 1 << 20);
        else if (!strcmp(f, "--H")) o->H = parse_int(f, v, 1, IRVI_EXACT_MAX_H);
        else if (!strcmp(f, "--batch")) o->B = parse_int(f, v, 1, 1000000);
        else if (!strcmp(f, "--K")) o->K = parse_int(f, v, 0, 100000);
        else if (!strcmp(f, "--M")) o->M = parse_int(f, v, 1, 100000);
        else if (!strcmp(f, "--N")) o->N = parse_int(f, v, 1, 100000000);
        else if (!strcmp(f, "--check-N")) o->check_N = parse_int(f, v, 1, 100000000);
        else if (!strcmp(f, "--check-reps")) o->check_reps = parse_int(f, v, 0, 1000);
        else if (!strcmp(f, "--threads")) o->threads = parse_int(f, v, 1, 256);
        else if (!strcmp(f, "--repeats")) o->repeats = parse_int(f, v, 1, 100000);
        else if (!strcmp(f, "--warmup")) o->warmup = parse_int(f, v, 0, 100000);
        else if (!strcmp(f, "--seed")) o->seed = parse_int(f, v, 0, 2147483647);
        else if (!strcmp(f, "--offset")) o->offset = parse_int(f, v, 0, 2147483647);
        else if (!strcmp(f, "--sgemm-size")) o->sgemm_size = parse_int(f, v, 16, 16384);
        else if (!strcmp(f, "--gamma")) o->gamma = (float)(o->gamma_text = parse_num(f, v));
        else if (!strcmp(f, "--clip")) o->clip = (float)parse_num(f, v);
        else if (!strcmp(f, "--wscale")) o->wscale = parse_num(f, v);
        else if (!strcmp(f, "--rscale")) o->rscale = parse_num(f, v);
        else if (!strcmp(f, "--sgemm-peak")) o->sgemm_peak = parse_num(f, v);
        else die("unknown option %s (try --help)", f);
    }
    if (strcmp(o->mode, "estep") && strcmp(o->mode, "eval") && strcmp(o->mode, "exact") &&
        strcmp(o->mode, "sgemm"))
        die("--mode %s: expected estep, eval, exact or sgemm", o->mode);
    if (strcmp(o->squash, "file") && strcmp(o->squash, "on") && strcmp(o->squash, "off"))
        die("--squash %s: expected file, on or off", o->squash);
}

/* ---- JSON output ---------------------------------------------------------- */
typedef struct { char *p; size_t n, cap; int first; } jbuf;

static void jraw(jbuf *j, const char *s)
{
    size_t k = strlen(s);
    if (j->n + k + 1 > j->cap) {
        j->cap = (j->n + k + 1) * 2 + 256;
        j->p = realloc(j->p, j->cap);
        if (!j->p)
            exit(3);
    }
    memcpy(j->p + j->n, s, k + 1);
    j->n += k;
}

static void jkey(jbuf *j, const char *k)
{
    jraw(j, j->first ? "{\"" : ", \"");
    j->first = 0;
    jraw(j, k);
    jraw(j, "\": ");
}

static void jstr_val(jbuf *j, const char *s)
{
    jraw(j, "\"");
    char c[8];
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            snprintf(c, sizeof c, "\\%c", ch);
        else if (ch < 0x20)
            snprintf(c, sizeof c, "\\u%04x", ch);
        else
            c[0] = (char)ch, c[1] = 0;
        jraw(j, c);
    }
    jraw(j, "\"");
}

static void jstr(jbuf *j, const char *k, const char *s) { jkey(j, k); jstr_val(j, s); }

static void jnum(jbuf *j, const char *k, double v)
{
    char b[64];
    jkey(j, k);
    if (isfinite(v))
        snprintf(b, sizeof b, "%.10g", v);
    else
        snprintf(b, sizeof b, "null");
    jraw(j, b);
}

static void jint(jbuf *j, const char *k, long v)
{
    char b[32];
    jkey(j, k);
    snprintf(b, sizeof b, "%ld", v);
    jraw(j, b);
}

static void jbool(jbuf *j, const char *k, int v) { jkey(j, k); jraw(j, v ? "true" : "false"); }

static void jarr(jbuf *j, const char *k, const double *v, int n, const char *fmt)
{
    char b[64];
    jkey(j, k);
    jraw(j, "[");
    for (int i = 0; i < n; i++) {
        snprintf(b, sizeof b, fmt, v[i]);
        if (i)
            jraw(j, ", ");
        jraw(j, b);
    }
    jraw(j, "]");
}

static void jemit(jbuf *j)
{
    jraw(j, "}");
    printf("%s\n", j->p);
    fflush(stdout);
    free(j->p);
    memset(j, 0, sizeof *j);
}

/* ---- environment ---------------------------------------------------------- */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static long peak_rss_kb(void)
{
    struct rusage u;
    return getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_maxrss : -1;
}

/* The BLAS shared objects mapped into this process. */
static void blas_libs(char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *p = strchr(line, '/');
        if (!p || !strstr(p, "blas"))
            continue;
        p[strcspn(p, "\n")] = 0;
        if (strstr(out, p))
            continue;
        if (strlen(out) + strlen(p) + 2 < cap) {
            if (out[0])
                strcat(out, " ");
            strcat(out, p);
        }
    }
    fclose(f);
}

static void cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) {
                p += 1 + strspn(p + 1, " \t");
                p[strcspn(p, "\n")] = 0;
                snprintf(out, cap, "%s", p);
            }
            break;
        }
    fclose(f);
}

static void env_fields(jbuf *j)
{
    double la[3] = {-1, -1, -1};
    if (getloadavg(la, 3) < 0)
        la[0] = la[1] = la[2] = -1;
    jarr(j, "loadavg", la, 3, "%.2f");
    char b[1024];
    blas_libs(b, sizeof b);
    jstr(j, "blas", b);
    jint(j, "blas_threads", irvi_get_threads());
    cpu_model(b, sizeof b);
    jstr(j, "cpu", b);
    jint(j, "ncpu", sysconf(_SC_NPROCESSORS_ONLN));
    jint(j, "peak_rss_kb", peak_rss_kb());
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double *s = malloc(sizeof(double) * n);
    memcpy(s, v, sizeof(double) * n);
    qsort(s, n, sizeof(double), cmp_double);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

static void check(irvi_status st, const char *what)
{
    if (st) {
        fprintf(stderr, "irvi_bench: %s: %s: %s\n", what, irvi_status_str(st), irvi_last_error());
        exit(1);
    }
}

/* ---- sgemm ---------------------------------------------------------------- */
/* The engine runs OpenBLAS single-threaded and splits large products over its
 * own pool (engine/linalg.c); the peak is also measured the other way, with
 * OpenBLAS's own threads, and run.sh takes the larger of the two. */
extern void openblas_set_num_threads(int) __attribute__((weak));
static int sgemm_native;

static void gemm(int m, int n, int k, const float *A, const float *B, float *C)
{
    if (sgemm_native)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, A, k, B, n, 0.0f,
                    C, n);
    else
        la_sgemm(0, 0, m, n, k, 1.0f, A, k, B, n, 0.0f, C, n);
}

/* Best and median GFLOP/s of C (m,n) = A (m,k) B (k,n) over `repeats` timed
 * samples; each sample repeats the call until it lasts >= 50 ms. */
static void sgemm_case(const opts *o, const char *name, int m, int n, int k, int is_peak)
{
    float *A = malloc(sizeof(float) * (size_t)m * k), *B = malloc(sizeof(float) * (size_t)k * n);
    float *C = malloc(sizeof(float) * (size_t)m * n);
    if (!A || !B || !C)
        check(IRVI_ENOMEM, "sgemm buffers");
    irvi_rng r;
    irvi_rng_seed(&r, (uint64_t)o->seed, 5);
    irvi_rng_fill_uniform(&r, A, (size_t)m * k);
    irvi_rng_fill_uniform(&r, B, (size_t)k * n);
    double flops = 2.0 * m * n * k;
    /* calibrate: calls per sample so a sample takes >= 50 ms */
    gemm(m, n, k, A, B, C);
    double t0 = now();
    gemm(m, n, k, A, B, C);
    double one = now() - t0;
    int calls = one > 0 ? (int)ceil(0.05 / one) : 1;
    if (calls < 1)
        calls = 1;
    for (int w = 0; w < o->warmup; w++)
        for (int c = 0; c < calls; c++)
            gemm(m, n, k, A, B, C);
    int R = o->repeats;
    double *t = malloc(sizeof(double) * R), tot = 0;
    for (int i = 0; i < R; i++) {
        t0 = now();
        for (int c = 0; c < calls; c++)
            gemm(m, n, k, A, B, C);
        t[i] = (now() - t0) / calls;
        tot += t[i];
    }
    double best = t[0];
    for (int i = 1; i < R; i++)
        best = t[i] < best ? t[i] : best;
    double med = median(t, R);
    jbuf j = {.first = 1};
    jstr(&j, "tool", "irvi_bench");
    jstr(&j, "mode", "sgemm");
    jstr(&j, "shape_name", name);
    jint(&j, "m", m);
    jint(&j, "n", n);
    jint(&j, "k", k);
    jbool(&j, "peak_shape", is_peak);
    jstr(&j, "path", sgemm_native ? "openblas_threads" : "la_sgemm");
    jint(&j, "threads", o->threads);
    jstr(&j, "dtype", "float32");
    jint(&j, "repeats", R);
    jint(&j, "warmup", o->warmup);
    jint(&j, "calls_per_sample", calls);
    jnum(&j, "seconds", tot * calls);
    jnum(&j, "seconds_per_call_best", best);
    jnum(&j, "seconds_per_call_median", med);
    jint(&j, "items_per_repeat", (long)flops);
    jstr(&j, "item_unit", "flop");
    jnum(&j, "items_per_second", flops / best);
    jnum(&j, "items_per_second_median", flops / med);
    jnum(&j, "gflops_best", flops / best * 1e-9);
    jnum(&j, "gflops_median", flops / med * 1e-9);
    env_fields(&j);
    jemit(&j);
    free(t);
    free(A);
    free(B);
    free(C);
}

static void run_sgemm(const opts *o)
{
    int s = o->sgemm_size;
    char name[64];
    snprintf(name, sizeof name, "square%d", s);
    sgemm_case(o, name, s, s, s, 1);
    /* the engine's own shapes at the benchmark settings (B=100, M=20, D=784, H=200) */
    sgemm_case(o, "estep_G0 (B*M x D x H)", 2000, 784, 200, 0);
    sgemm_case(o, "estep_G1 (B*M x H x H)", 2000, 200, 200, 0);
    sgemm_case(o, "eval_chunk_G0 (4000 x D x H)", 4000, 784, 200, 0);
    sgemm_case(o, "recognition_V1 (B x H x D)", 100, 200, 784, 0);
    sgemm_case(o, "exact_logits (2048 x D x 20)", 2048, 784, 20, 0);
    if (openblas_set_num_threads) {
        snprintf(name, sizeof name, "square%d OpenBLAS threads", s);
        sgemm_native = 1;
        openblas_set_num_threads(o->threads);
        sgemm_case(o, name, s, s, s, 1);
        openblas_set_num_threads(1);
        sgemm_native = 0;
    }
}

/* ---- model and data ------------------------------------------------------- */
static irvi_model *make_model(const opts *o, int exact)
{
    irvi_model *m = NULL;
    if (o->params) {
        check(irvi_model_import_sbnparm(o->params, &m), "reading --params");
        const irvi_arch *a = irvi_model_arch(m);
        if (o->layers) {
            irvi_arch want;
            memset(&want, 0, sizeof want);
            check(irvi_arch_parse_layers(o->layers, &want), "--layers");
            int same = want.L == a->L;
            for (int l = 0; same && l < a->L; l++)
                same = want.H[l] == a->H[l];
            if (!same)
                die("--layers %s disagrees with the parameter file", o->layers);
        }
    } else {
        irvi_arch a;
        memset(&a, 0, sizeof a);
        a.D = o->D;
        if (exact) {
            a.L = 1;
            a.H[0] = o->H;
        } else {
            check(irvi_arch_parse_layers(o->layers ? o->layers : "200", &a), "--layers");
        }
        check(irvi_model_create(&a, (uint64_t)o->seed, &m), "creating the model");
        irvi_rng r;
        irvi_rng_seed(&r, (uint64_t)o->seed, 1);
        float *p = irvi_model_params(m);
        for (int t = 0; t < irvi_model_ntensors(m); t++) {
            const irvi_tensor *tn = irvi_model_tensor(m, t);
            size_t n = (size_t)tn->rows * tn->cols;
            double sc = tn->generative ? o->wscale : (tn->decay ? o->rscale : 0.0);
            for (size_t i = 0; i < n; i++)
                p[tn->offset + i] = (float)(sc * irvi_rng_gauss(&r));
        }
    }
    return m;
}

static void set_squash(irvi_model **m, const opts *o)
{
    if (!strcmp(o->squash, "file"))
        return;
    irvi_arch a = *irvi_model_arch(*m);
    a.squash = !strcmp(o->squash, "on");
    irvi_model *n;
    check(irvi_model_create(&a, 0, &n), "model copy");
    check(irvi_model_copy_params(n, *m), "model copy");
    irvi_model_free(*m);
    *m = n;
}

static uint8_t *make_data(const opts *o, irvi_model *m, char *src, size_t cap)
{
    int D = irvi_model_arch(m)->D, B = o->B;
    uint8_t *x = malloc((size_t)B * D);
    if (!x)
        check(IRVI_ENOMEM, "data");
    if (o->data) {
        FILE *f = fopen(o->data, "rb");
        if (!f)
            die("cannot open --data %s", o->data);
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        if (sz < 0 || sz % D) {
            fprintf(stderr, "irvi_bench: %s: size %ld is not a multiple of D=%d\n", o->data, sz, D);
            exit(1);
        }
        long rows = sz / D;
        if ((long)o->offset + B > rows) {
            fprintf(stderr, "irvi_bench: %s has %ld rows; need offset+batch=%d\n", o->data, rows,
                    o->offset + B);
            exit(1);
        }
        fseek(f, (long)o->offset * D, SEEK_SET);
        if (fread(x, 1, (size_t)B * D, f) != (size_t)B * D)
            die("short read from %s", o->data);
        fclose(f);
        for (size_t i = 0; i < (size_t)B * D; i++)
            if (x[i] > 1) {
                fprintf(stderr, "irvi_bench: %s: byte %zu is %d (values must be 0/1)\n", o->data,
                        (size_t)o->offset * D + i, x[i]);
                exit(1);
            }
        snprintf(src, cap, "%s", o->data);
    } else {
        irvi_rng r;
        irvi_rng_seed(&r, (uint64_t)o->seed + 1, 0);
        if (o->from_model) {
            check(irvi_model_sample(m, &r, B, x, NULL), "sampling data");
            snprintf(src, cap, "sampled_from_model(seed=%d)", o->seed + 1);
        } else {
            for (size_t i = 0; i < (size_t)B * D; i++)
                x[i] = irvi_rng_uniform_f(&r) < 0.5f;
            snprintf(src, cap, "random_bernoulli_0.5(seed=%d)", o->seed + 1);
        }
    }
    if (!o->params) { /* random model: centre the recognition input on the batch */
        float *xb = calloc(D, sizeof(float));
        for (int b = 0; b < B; b++)
            for (int d = 0; d < D; d++)
                xb[d] += x[(size_t)b * D + d];
        for (int d = 0; d < D; d++)
            xb[d] /= B;
        irvi_model_set_mean(m, xb);
        free(xb);
    }
    return x;
}

/* S = sum_{l=0}^{L-1} H_l H_{l+1}, H_0 = D: one pass of either net is 2 S flops per row. */
static double pass_macs(const irvi_arch *a)
{
    double s = 0;
    for (int l = 0; l < a->L; l++)
        s += (double)(l ? a->H[l - 1] : a->D) * a->H[l];
    return s;
}

/* ---- correctness block (untimed) ----------------------------------------- */
typedef struct {
    double lb0, lb0a, ll0, ess0, lbK, lbKa, llK, essK, frac_improved;
    double lb0_sd, lbK_sd;
    int reps;
    double trace[64];
    int ntrace;
} corr;

static void stats(const double *v, int n, double *mean, double *sd)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    *mean = s / n;
    for (int i = 0; i < n; i++)
        s2 += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(s2 / (n - 1)) : NAN;
}

/* Per replicate g: fresh stream, q0 -> LB with check_N samples, AIR(K) -> LB.
 * lb_* are means over replicates; lb_*_sd the spread of one replicate's value
 * (what a single run, such as the peer's, scatters by). */
static void correctness(const opts *o, const irvi_model *m, const uint8_t *x, const irvi_refine_opts *air,
                        corr *c)
{
    int B = o->B, G = o->check_reps > 0 ? o->check_reps : 1;
    memset(c, 0, sizeof *c);
    c->reps = G;
    irvi_posterior *q;
    check(irvi_posterior_create(m, B, &q), "posterior");
    irvi_eval_result *r0 = malloc(sizeof *r0 * B), *rK = malloc(sizeof *rK * B);
    double *lb0 = malloc(sizeof(double) * G), *lbK = malloc(sizeof(double) * G);
    double sums[8] = {0};
    long improved = 0;
    for (int g = 0; g < G; g++) {
        irvi_rng r;
        irvi_rng_seed(&r, (uint64_t)o->seed + 3, (uint64_t)g);
        check(irvi_posterior_set_data(q, m, x, B), "posterior data");
        check(irvi_eval_posterior(q, m, o->check_N, &r, r0, NULL, NULL), "check eval q0");
        for (int k = 0; k < air->K; k++) {
            irvi_refine_stats st;
            check(irvi_refine_step(q, m, air, &r, &st), "check AIR");
            if (g == 0 && k < 64)
                c->trace[c->ntrace++] = st.mean_logw;
        }
        check(irvi_eval_posterior(q, m, o->check_N, &r, rK, NULL, NULL), "check eval qK");
        double a[8] = {0};
        for (int b = 0; b < B; b++) {
            a[0] += r0[b].lb_mc, a[1] += r0[b].lb, a[2] += r0[b].ll, a[3] += r0[b].ess;
            a[4] += rK[b].lb_mc, a[5] += rK[b].lb, a[6] += rK[b].ll, a[7] += rK[b].ess;
            improved += rK[b].lb_mc > r0[b].lb_mc;
        }
        for (int i = 0; i < 8; i++)
            sums[i] += a[i] / B;
        lb0[g] = a[0] / B;
        lbK[g] = a[4] / B;
    }
    c->lb0 = sums[0] / G, c->lb0a = sums[1] / G, c->ll0 = sums[2] / G, c->ess0 = sums[3] / G;
    c->lbK = sums[4] / G, c->lbKa = sums[5] / G, c->llK = sums[6] / G, c->essK = sums[7] / G;
    c->frac_improved = (double)improved / ((double)B * G);
    double mean;
    stats(lb0, G, &mean, &c->lb0_sd);
    stats(lbK, G, &mean, &c->lbK_sd);
    free(lb0);
    free(lbK);
    free(r0);
    free(rK);
    irvi_posterior_free(q);
}

static void corr_fields(jbuf *j, const opts *o, const corr *c)
{
    jint(j, "check_N", o->check_N);
    jint(j, "check_reps", c->reps);
    jnum(j, "lb_before", c->lb0);
    jnum(j, "lb_after", c->lbK);
    jnum(j, "lb_before_sd", c->lb0_sd);
    jnum(j, "lb_after_sd", c->lbK_sd);
    jnum(j, "lb_before_analytic", c->lb0a);
    jnum(j, "lb_after_analytic", c->lbKa);
    jnum(j, "ll_before", c->ll0);
    jnum(j, "ll_after", c->llK);
    jnum(j, "ess_before", c->ess0);
    jnum(j, "ess_after", c->essK);
    jnum(j, "frac_examples_lb_improved", c->frac_improved);
    jarr(j, "air_trace_mean_logw", c->trace, c->ntrace, "%.4f");
}

/* ---- the timed modes ------------------------------------------------------ */
typedef struct {
    const opts *o;
    const irvi_model *m;
    const uint8_t *x;
    irvi_posterior *q;
    irvi_refine_opts air;
    irvi_rng rng;
    irvi_eval_result *res;
    double *ll;
} work;

typedef struct {
    const float *lo, *hi; /* (256, D) and (2^H / 256, D) tables */
    int D, nlo;
    double *out;          /* one sum per item, so the work cannot be elided */
} sp_job;

static void sp_items(void *ctx, int lo, int hi)
{
    const sp_job *j = ctx;
    for (int it = lo; it < hi; it++) { /* item: one high row against every low row */
        double s = 0;
        for (int l = 0; l < j->nlo; l++)
            s += k_softplus_sum2(j->hi + (size_t)it * j->D, j->lo + (size_t)l * j->D, (size_t)j->D);
        j->out[it] = s;
    }
}

/* Seconds for the 2^H * D softplus terms of the exact likelihood alone. */
static double softplus_bound(int H, int D)
{
    int nlo = H < 8 ? 1 << H : 256, nhi = (int)((1L << H) / nlo);
    float *lo = malloc(sizeof(float) * (size_t)nlo * D), *hi = malloc(sizeof(float) * (size_t)nhi * D);
    double *out = malloc(sizeof(double) * nhi), best = INFINITY;
    if (!lo || !hi || !out)
        die("%s", "out of memory");
    for (size_t i = 0; i < (size_t)nlo * D; i++)
        lo[i] = (float)((int)(i % 97) - 48) * 0.05f;
    for (size_t i = 0; i < (size_t)nhi * D; i++)
        hi[i] = (float)((int)(i % 89) - 44) * 0.05f;
    sp_job j = {lo, hi, D, nlo, out};
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        pool_run(nhi, sp_items, &j);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    free(lo);
    free(hi);
    free(out);
    return best;
}

static void run_once(work *w)
{
    const opts *o = w->o;
    if (!strcmp(o->mode, "estep")) {
        check(irvi_posterior_set_data(w->q, w->m, w->x, o->B), "recognition");
        check(irvi_refine(w->q, w->m, &w->air, &w->rng), "AIR");
    } else if (!strcmp(o->mode, "eval")) {
        check(irvi_eval_posterior(w->q, w->m, o->N, &w->rng, w->res, NULL, NULL), "evaluation");
    } else {
        check(irvi_exact_ll(w->m, w->x, o->B, w->ll, NULL, NULL), "exact likelihood");
    }
}

int main(int argc, char **argv)
{
    opts o;
    parse(argc, argv, &o);
    irvi_set_threads(o.threads);
    if (!strcmp(o.mode, "sgemm")) {
        run_sgemm(&o);
        return 0;
    }
    int exact = !strcmp(o.mode, "exact");
    irvi_model *m = make_model(&o, exact);
    set_squash(&m, &o);
    const irvi_arch *a = irvi_model_arch(m);
    if (exact && (a->L != 1 || a->H[0] > IRVI_EXACT_MAX_H))
        die("%s", "exact mode needs a 1-layer model with at most 24 units");
    char src[1024];
    uint8_t *x = make_data(&o, m, src, sizeof src);
    if (o.save_params)
        check(irvi_model_export_sbnparm(m, o.save_params), "--save-params");
    if (o.save_data) {
        FILE *f = fopen(o.save_data, "wb");
        size_t nb = (size_t)o.B * a->D;
        if (!f || fwrite(x, 1, nb, f) != nb || fclose(f) != 0)
            die("cannot write --save-data %s", o.save_data);
    }

    work w = {.o = &o, .m = m, .x = x};
    irvi_refine_opts_default(&w.air);
    w.air.K = o.K;
    w.air.M = o.M;
    w.air.gamma = o.gamma;
    w.air.eps = o.clip;
    check(irvi_refine_opts_validate(&w.air), "AIR options");
    irvi_rng_seed(&w.rng, (uint64_t)o.seed + 2, 0);
    double items, fl;
    const char *unit;
    double S = pass_macs(a);
    if (!strcmp(o.mode, "estep")) {
        check(irvi_posterior_create(m, o.B, &w.q), "posterior");
        items = o.B;
        unit = "examples";
        fl = 2 * S * (1.0 + (double)o.K * o.M);
    } else if (!strcmp(o.mode, "eval")) {
        check(irvi_posterior_create(m, o.B, &w.q), "posterior");
        check(irvi_posterior_set_data(w.q, m, x, o.B), "recognition");
        w.res = malloc(sizeof *w.res * o.B);
        items = (double)o.B * o.N;
        unit = "samples";
        fl = 2 * S;
    } else {
        w.ll = malloc(sizeof(double) * o.B);
        items = o.B;
        unit = "data_points";
        double H = a->H[0], D = a->D, states = ldexp(1.0, a->H[0]);
        fl = a->squash ? 2 * states * H * D / o.B + 2 * states * D : 2 * D * H;
    }
    for (int i = 0; i < o.warmup; i++)
        run_once(&w);
    double *t = malloc(sizeof(double) * o.repeats), tot = 0;
    for (int i = 0; i < o.repeats; i++) {
        double t0 = now();
        run_once(&w);
        t[i] = now() - t0;
        tot += t[i];
    }
    double med = median(t, o.repeats);
    long rss_timed = peak_rss_kb();

    double sp_bound = exact && !a->squash ? softplus_bound(a->H[0], a->D) : 0;
    corr c;
    int has_corr = !exact;
    if (has_corr)
        correctness(&o, m, x, &w.air, &c);

    jbuf j = {.first = 1};
    jstr(&j, "tool", "irvi_bench");
    jstr(&j, "mode", o.mode);
    double lay[IRVI_MAX_LAYERS];
    for (int l = 0; l < a->L; l++)
        lay[l] = a->H[l];
    jarr(&j, "layers", lay, a->L, "%.0f");
    jint(&j, "D", a->D);
    jint(&j, "batch", o.B);
    jint(&j, "threads", o.threads);
    jstr(&j, "dtype", "float32");
    jbool(&j, "squash", a->squash);
    jint(&j, "seed", o.seed);
    jstr(&j, "params", o.params ? o.params : "random");
    jstr(&j, "data", src);
    jint(&j, "repeats", o.repeats);
    jint(&j, "warmup", o.warmup);
    if (!exact) {
        jint(&j, "K", o.K);
        jint(&j, "M", o.M);
        jnum(&j, "gamma", o.gamma_text);
        jnum(&j, "clip", o.clip);
    }
    if (!strcmp(o.mode, "eval"))
        jint(&j, "N", o.N);
    if (exact) {
        jint(&j, "H", a->H[0]);
        jstr(&j, "exact_algo", a->squash ? "logodds" : "split");
    }
    jnum(&j, "seconds", tot);
    jnum(&j, "seconds_per_repeat_median", med);
    jarr(&j, "seconds_per_repeat", t, o.repeats, "%.6f");
    jnum(&j, "items_per_repeat", items);
    jstr(&j, "item_unit", unit);
    jnum(&j, "items_per_second", items * o.repeats / tot);
    jnum(&j, "items_per_second_median", items / med);
    jnum(&j, "flops_per_item", fl);
    jnum(&j, "gflops_median", fl * items / med * 1e-9);
    if (o.sgemm_peak > 0) {
        jnum(&j, "sgemm_peak_gflops", o.sgemm_peak);
        jnum(&j, "frac_sgemm_peak", fl * items / med * 1e-9 / o.sgemm_peak);
    }
    jint(&j, "peak_rss_kb_timed", rss_timed);
    if (has_corr)
        corr_fields(&j, &o, &c);
    if (exact) {
        double s = 0, lo = INFINITY, hi = -INFINITY;
        for (int b = 0; b < o.B; b++) {
            s += w.ll[b];
            lo = w.ll[b] < lo ? w.ll[b] : lo;
            hi = w.ll[b] > hi ? w.ll[b] : hi;
        }
        if (sp_bound > 0) {
            jnum(&j, "softplus_bound_seconds", sp_bound);
            jnum(&j, "frac_softplus_bound", sp_bound / med);
        }
        jnum(&j, "exact_ll_mean", s / o.B);
        jnum(&j, "exact_ll_min", lo);
        jnum(&j, "exact_ll_max", hi);
        if (o.dump) {
            FILE *f = fopen(o.dump, "w");
            if (!f)
                die("cannot write --dump %s", o.dump);
            fprintf(f, "# exact_ll\n");
            for (int b = 0; b < o.B; b++)
                fprintf(f, "%.17g\n", w.ll[b]);
            fclose(f);
        }
    }
    env_fields(&j);
    jemit(&j);

    free(t);
    free(w.res);
    free(w.ll);
    irvi_posterior_free(w.q);
    free(x);
    irvi_model_free(m);
    return 0;
}
