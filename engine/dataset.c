/* engine/dataset.c — named datasets as three binary splits in memory.
 *
 * Names and sources:
 *   mnist            LeCun IDX, default dir data/mnist; the 60000-image
 *                    training file gives train (first 50000) and valid
 *                    (last 10000); t10k gives test.
 *   fashion-mnist    same layout, default dir /usr/share/datasets/fashion-mnist
 *                    (each file tried plain, then with ".gz").
 *   binarized-mnist  the fixed binarization of Salakhutdinov & Murray (2008):
 *                    IDX(.gz) train/valid/test with labels, md5-checked,
 *                    or Larochelle's .amat text files (no labels); default
 *                    dir data/binarized-mnist.
 *   caltech101       Caltech-101 Silhouettes 28x28 .mat, default dir
 *                    data/caltech101 (never downloaded by irvi).
 *
 * Directory resolution: an explicit o->dir wins. Otherwise the name's
 * default is used, and when the environment variable IRVI_DATA_DIR is set
 * it replaces the relative "data/" root of the defaults that have one
 * (data/mnist -> $IRVI_DATA_DIR/mnist), so the app finds the data when run
 * from another working directory. Absolute defaults are kept as they are.
 *
 * The readers (data_sets.c) binarize grey-level sets once at load; images
 * are kept as uint8 0/1, n*D bytes per split. Here: name table, directory
 * resolution, the per-pixel mean of the training split (accumulated in
 * double), source bookkeeping (path + md5), copies from memory, accessors,
 * and irvi_data_probe for single files (`irvi data check`).
 */
#include "data_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

typedef struct {
    const char *name, *dir;
} known_set;

static const known_set KNOWN[] = {
    {"mnist", "data/mnist"},
    {"fashion-mnist", "/usr/share/datasets/fashion-mnist"},
    {"binarized-mnist", "data/binarized-mnist"},
    {"caltech101", "data/caltech101"},
};
#define NKNOWN (sizeof KNOWN / sizeof KNOWN[0])
#define KNOWN_LIST "mnist, fashion-mnist, binarized-mnist, caltech101"

const char *irvi_split_name(irvi_split_id s)
{
    switch (s) {
    case IRVI_SPLIT_TRAIN: return "train";
    case IRVI_SPLIT_VALID: return "valid";
    case IRVI_SPLIT_TEST: return "test";
    }
    return "?";
}

void irvi_data_opts_default(irvi_data_opts *o)
{
    o->name = "mnist";
    o->dir = NULL;
    o->binarize = IRVI_BIN_STOCHASTIC;
    o->seed = 1234;
}

const char *irvi_data_default_dir(const char *name)
{
    for (size_t i = 0; name && i < NKNOWN; i++)
        if (!strcmp(name, KNOWN[i].name))
            return KNOWN[i].dir;
    return NULL;
}

void irvi_dataset_free(irvi_dataset *ds)
{
    if (!ds)
        return;
    for (int k = 0; k < 3; k++) {
        free(ds->x[k]);
        free(ds->y[k]);
    }
    free(ds->mean);
    for (int i = 0; i < ds->nsrc; i++)
        free(ds->src_path[i]);
    free(ds);
}

char *irvi_path_join(const char *dir, const char *file, const char *suffix)
{
    size_t n = strlen(dir) + strlen(file) + strlen(suffix) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] != '/' ? "/" : "", file,
                 suffix);
    return p;
}

/* Record a source file (path + md5). Takes ownership of path. */
irvi_status irvi_ds_add_source(irvi_dataset *ds, char *path)
{
    if (ds->nsrc >= MAX_SOURCES) {
        free(path);
        return irvi_fail(IRVI_EINVAL, "too many source files");
    }
    ds->src_path[ds->nsrc] = path;
    irvi_status st = irvi_md5_file(path, ds->src_md5[ds->nsrc]);
    ds->nsrc++;
    return st;
}

static irvi_status compute_mean(irvi_dataset *ds)
{
    ds->mean = calloc((size_t)ds->D, sizeof(float));
    double *acc = calloc((size_t)ds->D, sizeof(double));
    if (!ds->mean || !acc) {
        free(acc);
        return irvi_fail(IRVI_ENOMEM, "%s: cannot allocate the mean image", ds->name);
    }
    const int n = ds->n[IRVI_SPLIT_TRAIN], D = ds->D;
    const uint8_t *x = ds->x[IRVI_SPLIT_TRAIN];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < D; j++)
            acc[j] += x[(size_t)i * D + j];
    for (int j = 0; j < D; j++)
        ds->mean[j] = n > 0 ? (float)(acc[j] / n) : 0.0f;
    free(acc);
    return IRVI_OK;
}

/* ---- front end ---------------------------------------------------------- */

static char *resolve_dir(const irvi_data_opts *o, const char *def)
{
    if (o->dir && o->dir[0])
        return strdup(o->dir);
    const char *root = getenv("IRVI_DATA_DIR");
    if (root && root[0] && !strncmp(def, "data/", 5))
        return irvi_path_join(root, def + 5, "");
    return strdup(def);
}

irvi_status irvi_dataset_open(const irvi_data_opts *o, irvi_dataset **out)
{
    if (!out)
        return irvi_fail(IRVI_EINVAL, "irvi_dataset_open: no output");
    *out = NULL;
    if (!o || !o->name)
        return irvi_fail(IRVI_EINVAL, "no dataset name given (known: " KNOWN_LIST ")");
    const char *def = irvi_data_default_dir(o->name);
    if (!def)
        return irvi_fail(IRVI_EINVAL, "unknown dataset '%s' (known: " KNOWN_LIST ")", o->name);
    irvi_dataset *ds = calloc(1, sizeof *ds);
    char *dir = resolve_dir(o, def);
    if (!ds || !dir) {
        free(ds);
        free(dir);
        return irvi_fail(IRVI_ENOMEM, "out of memory");
    }
    snprintf(ds->name, sizeof ds->name, "%s", o->name);
    ds->binarize = o->binarize;
    ds->seed = o->seed;
    irvi_status st;
    if (!strcmp(o->name, "binarized-mnist"))
        st = irvi_open_binarized_mnist(ds, dir);
    else if (!strcmp(o->name, "caltech101"))
        st = irvi_open_caltech(ds, dir);
    else
        st = irvi_open_idx_set(ds, dir, o);
    free(dir);
    if (!st)
        st = compute_mean(ds);
    if (st) {
        irvi_dataset_free(ds);
        return st;
    }
    *out = ds;
    return IRVI_OK;
}

irvi_status irvi_dataset_from_memory(const char *name, int rows, int cols,
                                     const irvi_split splits[3], irvi_dataset **out)
{
    if (!out)
        return irvi_fail(IRVI_EINVAL, "irvi_dataset_from_memory: no output");
    *out = NULL;
    if (!name)
        name = "memory";
    if (!splits || rows <= 0 || cols <= 0 || rows > INT_MAX / cols)
        return irvi_fail(IRVI_EINVAL, "%s: bad image shape %dx%d", name, rows, cols);
    const int D = rows * cols;
    for (int k = 0; k < 3; k++) {
        const irvi_split *s = &splits[k];
        const char *sn = irvi_split_name((irvi_split_id)k);
        if (s->n < 0 || (k == IRVI_SPLIT_TRAIN && s->n == 0))
            return irvi_fail(IRVI_EINVAL, "%s: %s split has %d images", name, sn, s->n);
        if (s->n > 0 && (s->D != D || !s->x))
            return irvi_fail(IRVI_EINVAL, "%s: %s split has D=%d%s, expected %dx%d=%d", name, sn,
                             s->D, s->x ? "" : " and no pixels", rows, cols, D);
        size_t total = (size_t)s->n * (size_t)D;
        for (size_t i = 0; i < total; i++)
            if (s->x[i] > 1)
                return irvi_fail(IRVI_EINVAL, "%s: %s image %zu pixel %zu is %u, not 0/1", name,
                                 sn, i / (size_t)D, i % (size_t)D, s->x[i]);
    }
    irvi_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return irvi_fail(IRVI_ENOMEM, "out of memory");
    snprintf(ds->name, sizeof ds->name, "%s", name);
    ds->rows = rows;
    ds->cols = cols;
    ds->D = D;
    for (int k = 0; k < 3; k++) {
        size_t n = (size_t)splits[k].n;
        ds->n[k] = (int)n;
        ds->x[k] = malloc(n ? n * (size_t)D : 1);
        if (!ds->x[k])
            goto nomem;
        if (n)
            memcpy(ds->x[k], splits[k].x, n * (size_t)D);
        if (splits[k].y) {
            ds->y[k] = malloc(n ? n : 1);
            if (!ds->y[k])
                goto nomem;
            if (n)
                memcpy(ds->y[k], splits[k].y, n);
        }
    }
    irvi_status st = compute_mean(ds);
    if (st) {
        irvi_dataset_free(ds);
        return st;
    }
    *out = ds;
    return IRVI_OK;
nomem:
    irvi_dataset_free(ds);
    return irvi_fail(IRVI_ENOMEM, "%s: cannot copy the splits", name);
}

/* ---- single files (irvi data check) ------------------------------------- */

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Kind of a file by extension, else by its first bytes (inflated if gzip):
 * 'm' MATLAB, 'a' amat text, 'i' IDX (also the fallback, whose parser then
 * names the bad magic). */
static char sniff(const char *path)
{
    if (ends_with(path, ".mat"))
        return 'm';
    if (ends_with(path, ".amat") || ends_with(path, ".amat.gz"))
        return 'a';
    uint8_t head[8] = {0};
    int got = 0;
    gzFile gz = gzopen(path, "rb");
    if (gz) {
        got = gzread(gz, head, sizeof head);
        gzclose(gz);
    }
    if (got >= 6 && !memcmp(head, "MATLAB", 6))
        return 'm';
    if (got >= 2 && (head[0] == '0' || head[0] == '1') && (head[1] == ' ' || head[1] == '\t'))
        return 'a';
    return 'i';
}

irvi_status irvi_data_probe(const char *path, char *desc, size_t desc_len)
{
    if (desc_len)
        desc[0] = '\0';
    if (!path)
        return irvi_fail(IRVI_EINVAL, "no file name");
    if (access(path, F_OK) != 0)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path, strerror(errno));
    irvi_status st;
    switch (sniff(path)) {
    case 'm': {
        irvi_mat_split s[3];
        if ((st = irvi_mat_load_caltech(path, 101, s)) != IRVI_OK)
            return st;
        snprintf(desc, desc_len,
                 "MAT (Caltech-101 Silhouettes layout): train %d×%d, valid %d×%d, test %d×%d, "
                 "labels 1..101",
                 s[0].n, s[0].D, s[1].n, s[1].D, s[2].n, s[2].D);
        irvi_mat_splits_free(s);
        return IRVI_OK;
    }
    case 'a': {
        uint8_t *x;
        int n, D;
        if ((st = irvi_amat_load(path, 0, &x, &n, &D)) != IRVI_OK)
            return st;
        size_t ones = 0;
        for (size_t i = 0; i < (size_t)n * (size_t)D; i++)
            ones += x[i];
        free(x);
        snprintf(desc, desc_len, "amat: %d images × %d binary values, mean %.4f", n, D,
                 (double)ones / ((double)n * D));
        return IRVI_OK;
    }
    default: {
        irvi_idx idx;
        if ((st = irvi_idx_load(path, &idx)) != IRVI_OK)
            return st;
        unsigned lo = 255, hi = 0;
        for (size_t i = 0; i < idx.count; i++) {
            lo = idx.data[i] < lo ? idx.data[i] : lo;
            hi = idx.data[i] > hi ? idx.data[i] : hi;
        }
        if (!idx.count)
            lo = hi = 0;
        if (idx.ndim == 3)
            snprintf(desc, desc_len, "IDX images: %d × %d×%d unsigned bytes, values %u..%u",
                     idx.dims[0], idx.dims[1], idx.dims[2], lo, hi);
        else
            snprintf(desc, desc_len, "IDX labels: %d unsigned bytes, values %u..%u",
                     idx.dims[0], lo, hi);
        irvi_idx_free(&idx);
        return IRVI_OK;
    }
    }
}

/* ---- accessors ---------------------------------------------------------- */

irvi_split irvi_dataset_split(const irvi_dataset *ds, irvi_split_id s)
{
    irvi_split r = {0, 0, NULL, NULL};
    if (!ds || (int)s < 0 || (int)s > 2)
        return r;
    r.n = ds->n[s];
    r.D = ds->D;
    r.x = ds->x[s];
    r.y = ds->y[s];
    return r;
}

const char *irvi_dataset_name(const irvi_dataset *ds) { return ds ? ds->name : ""; }
int irvi_dataset_D(const irvi_dataset *ds) { return ds ? ds->D : 0; }
int irvi_dataset_transposed(const irvi_dataset *ds) { return ds ? ds->transposed : 0; }
const float *irvi_dataset_mean(const irvi_dataset *ds) { return ds ? ds->mean : NULL; }
int irvi_dataset_nsources(const irvi_dataset *ds) { return ds ? ds->nsrc : 0; }

void irvi_dataset_shape(const irvi_dataset *ds, int *rows, int *cols)
{
    if (rows)
        *rows = ds ? ds->rows : 0;
    if (cols)
        *cols = ds ? ds->cols : 0;
}

const char *irvi_dataset_source_path(const irvi_dataset *ds, int i)
{
    return ds && i >= 0 && i < ds->nsrc ? ds->src_path[i] : NULL;
}

void irvi_dataset_opts(const irvi_dataset *ds, irvi_data_opts *o)
{
    irvi_data_opts_default(o);
    o->name = ds->name;
    o->binarize = ds->binarize;
    o->seed = ds->seed;
}

int irvi_dataset_present(const irvi_data_opts *o)
{
    const char *def = o && o->name ? irvi_data_default_dir(o->name) : NULL;
    if (!def)
        return 0;
    char *dir = resolve_dir(o, def);
    if (!dir)
        return 0;
    static const char *const first[] = {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz",
                                        "binarized_mnist_train.amat",
                                        "caltech101_silhouettes_28_split1.mat"};
    int found = 0;
    for (size_t i = 0; i < sizeof first / sizeof first[0] && !found; i++) {
        char *p = irvi_path_join(dir, first[i], "");
        found = p && access(p, R_OK) == 0;
        free(p);
    }
    free(dir);
    return found;
}

const char *irvi_dataset_source_md5(const irvi_dataset *ds, int i)
{
    return ds && i >= 0 && i < ds->nsrc ? ds->src_md5[i] : NULL;
}
