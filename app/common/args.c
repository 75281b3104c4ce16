/* app/common/args.c — strict numeric flag parsing (see args.h). */
#include "common/args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int args_long(const char *flag, const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = text ? strtol(text, &end, 10) : 0;
    if (!text || end == text || *end || errno) {
        fprintf(stderr, "irvi: %s: '%s' is not a whole number\n", flag, text ? text : "");
        return -1;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "irvi: %s: %ld is out of range (must be %ld..%ld)\n", flag, v, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int args_int(const char *flag, const char *text, long lo, long hi, int *out)
{
    long v;
    if (args_long(flag, text, lo, hi, &v))
        return -1;
    *out = (int)v;
    return 0;
}

int args_double(const char *flag, const char *text, double lo, double hi, int lo_open,
                double *out)
{
    char *end;
    errno = 0;
    double v = text ? strtod(text, &end) : 0;
    if (!text || end == text || *end || errno || !isfinite(v)) {
        fprintf(stderr, "irvi: %s: '%s' is not a finite number\n", flag, text ? text : "");
        return -1;
    }
    if ((lo_open ? v <= lo : v < lo) || v > hi) {
        fprintf(stderr, "irvi: %s: %g is out of range (must be in %s%g, %g])\n", flag, v,
                lo_open ? "(" : "[", lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int args_float(const char *flag, const char *text, double lo, double hi, int lo_open, float *out)
{
    double v;
    if (args_double(flag, text, lo, hi, lo_open, &v))
        return -1;
    if (lo_open && (float)v <= lo) { /* 1e-50 > 0, but it is 0 as a float */
        fprintf(stderr, "irvi: %s: %g is out of range (too small for a float)\n", flag, v);
        return -1;
    }
    *out = (float)v;
    return 0;
}

int args_refine(const char *flag, const char *text, int *K, int *M, float *gamma)
{
    /* strtol, not sscanf's %d: an out-of-range %d is undefined (glibc wraps
     * it, so 4294967296,20,0.1 read as K = 0; found by tests/fuzz/fuzz_args.c) */
    long k = -1, m = -1;
    double g = NAN;
    char *end = NULL;
    int ok = 0;
    if (text) {
        errno = 0;
        k = strtol(text, &end, 10);
        if (end != text && *end == ',' && !errno) {
            const char *s = end + 1;
            m = strtol(s, &end, 10);
            if (end != s && *end == ',' && !errno) {
                s = end + 1;
                g = strtod(s, &end);
                ok = end != s && *end == '\0' && !errno;
            }
        }
    }
    if (!ok) {
        fprintf(stderr, "irvi: %s: expected K,M,gamma (e.g. 20,20,0.1), got '%s'\n", flag,
                text ? text : "");
        return -1;
    }
    if (k < 0 || k > 100000 || m < 1 || m > 100000 || !(g > 0 && g <= 1) || !((float)g > 0)) {
        fprintf(stderr, "irvi: %s: need 0 <= K <= 100000, 1 <= M <= 100000, 0 < gamma <= 1\n",
                flag);
        return -1;
    }
    *K = (int)k;
    *M = (int)m;
    *gamma = (float)g;
    return 0;
}

const char *args_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "irvi: %s needs a value\n", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int args_data(int argc, char **argv, int *i, irvi_data_opts *o)
{
    const char *f = argv[*i], *v;
    int seed;
    if (strcmp(f, "--data") && strcmp(f, "--data-dir") && strcmp(f, "--binarize") &&
        strcmp(f, "--data-seed"))
        return 0;
    if (!(v = args_value(argc, argv, i)))
        return -1;
    if (!strcmp(f, "--data"))
        o->name = v;
    else if (!strcmp(f, "--data-dir"))
        o->dir = v;
    else if (!strcmp(f, "--binarize")) {
        if (!strcmp(v, "stochastic"))
            o->binarize = IRVI_BIN_STOCHASTIC;
        else if (!strcmp(v, "threshold"))
            o->binarize = IRVI_BIN_THRESHOLD;
        else {
            fprintf(stderr, "irvi: --binarize: '%s' (expected stochastic or threshold)\n", v);
            return -1;
        }
    } else {
        if (args_int(f, v, 0, 2147483647, &seed))
            return -1;
        o->seed = (uint64_t)seed;
    }
    return 1;
}

#ifndef IRVI_SOURCE_DATA /* builds of this file alone (fuzz harness, replay test) */
#define IRVI_SOURCE_DATA "data"
#endif

/* With no --data-dir and the data set not under ./data/NAME: the source
 * tree's data/NAME when it is there (where scripts/setup.sh installed it),
 * so irvi finds its data from any working directory, as it finds assets/. */
static void data_dir_fallback(irvi_data_opts *o)
{
    if (o->dir || irvi_dataset_present(o))
        return;
    static char dir[4096]; /* one data set per process */
    irvi_data_opts there = *o;
    snprintf(dir, sizeof dir, "%s/%s", IRVI_SOURCE_DATA, o->name);
    there.dir = dir;
    if (irvi_dataset_present(&there))
        o->dir = dir;
}

const char *args_data_default(irvi_data_opts *o, const irvi_model *m)
{
    if (o->name) {
        data_dir_fallback(o);
        return o->name;
    }
    irvi_data_opts rec;
    if (m && irvi_model_data(m, &rec)) {
        static char name[64]; /* one data set per process; outlives m */
        snprintf(name, sizeof name, "%s", rec.name);
        o->name = name;
        o->binarize = rec.binarize;
        o->seed = rec.seed;
        data_dir_fallback(o);
        return o->name;
    }
    o->name = "mnist";
    if (!m && !o->dir) {
        irvi_data_opts b = *o;
        b.name = "binarized-mnist";
        data_dir_fallback(&b);
        if (irvi_dataset_present(&b))
            *o = b;
    }
    data_dir_fallback(o);
    return o->name;
}

int args_digits(const char *flag, const char *text, int *idx, int cap)
{
    int n = 0;
    const char *s = text;
    while (*s) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || errno || v < 0 || v > 100000000) {
            fprintf(stderr, "irvi: %s: expected test-set indices like 3,17,42, got '%s'\n", flag, text);
            return -1;
        }
        if (n == cap) {
            fprintf(stderr, "irvi: %s: at most %d digits\n", flag, cap);
            return -1;
        }
        idx[n++] = (int)v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s) {
            fprintf(stderr, "irvi: %s: expected test-set indices like 3,17,42, got '%s'\n", flag, text);
            return -1;
        }
    }
    if (n == 0)
        fprintf(stderr, "irvi: %s: no digits given\n", flag);
    return n ? n : -1;
}
