/* tests/fuzz/gen_corpus.c — writes the seed corpus of the fuzz harnesses:
 *   gen_corpus DIR    -> DIR/{idx,amat,mat,ckpt,args}/...
 * Valid files of each format (small), plus a few typical broken ones. The
 * committed corpus under tests/fuzz/corpus/ was made with it; run.sh
 * --regen-corpus rebuilds it. Built by tests/fuzz/run.sh only. */
#include "ckpt_fixture.h"

#include <irvi/irvi.h>
#include <matio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static char root[1024];

static const char *P(const char *rel)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static void put(const char *rel, const void *b, size_t n)
{
    FILE *f = fopen(P(rel), "wb");
    if (!f) {
        perror(P(rel));
        exit(1);
    }
    if (n)
        fwrite(b, 1, n, f);
    fclose(f);
}

static void put_gz(const char *rel, const void *b, size_t n)
{
    gzFile g = gzopen(P(rel), "wb9");
    gzwrite(g, b, (unsigned)n);
    gzclose(g);
}

static size_t idx(uint8_t *b, int ndim, const int *dims)
{
    b[0] = b[1] = 0;
    b[2] = 8;
    b[3] = (uint8_t)ndim;
    size_t count = 1, k = 4;
    for (int i = 0; i < ndim; i++) {
        b[k++] = (uint8_t)(dims[i] >> 24);
        b[k++] = (uint8_t)(dims[i] >> 16);
        b[k++] = (uint8_t)(dims[i] >> 8);
        b[k++] = (uint8_t)dims[i];
        count *= (size_t)dims[i];
    }
    for (size_t i = 0; i < count; i++)
        b[k++] = (uint8_t)(i * 37 % 256);
    return k;
}

static void gen_idx(void)
{
    uint8_t b[256];
    int img[3] = {2, 3, 3}, lab[1] = {5};
    size_t n = idx(b, 3, img);
    put("idx/images", b, n);
    put_gz("idx/images.gz", b, n);
    put("idx/images-trunc", b, n - 3);
    n = idx(b, 1, lab);
    put("idx/labels", b, n);
    int zero[3] = {0, 28, 28};
    n = idx(b, 3, zero);
    put("idx/empty-images", b, n);
    uint8_t bad[8] = {0, 0, 0x0D, 3, 0, 0, 0, 1};
    put("idx/float-type", bad, sizeof bad);
}

static void gen_amat(void)
{
    const char *a = "0 1 0 1\n1 1 0 0\n0 0 0 1\n";
    put("amat/basic.amat", a, strlen(a));
    put_gz("amat/basic.amat.gz", a, strlen(a));
    const char *b = "0 1.0 0e0 1\r\n1,1,0,0\n\n";
    put("amat/variants.amat", b, strlen(b));
    const char *c = "0 1 0\n1 1 0 0\n";
    put("amat/ragged.amat", c, strlen(c));
    const char *d = "0 1 2 1\n";
    put("amat/badvalue.amat", d, strlen(d));
}

static void mat_var(mat_t *m, const char *name, enum matio_classes cls, enum matio_types ty,
                    size_t r, size_t c, const void *data)
{
    size_t dims[2] = {r, c};
    matvar_t *v = Mat_VarCreate(name, cls, ty, 2, dims, (void *)data, MAT_F_DONT_COPY_DATA);
    Mat_VarWrite(m, v, MAT_COMPRESSION_NONE);
    Mat_VarFree(v);
}

static void gen_mat_file(const char *rel, enum mat_ft ver, int compress, int as_u8)
{
    mat_t *m = Mat_CreateVer(P(rel), NULL, ver);
    if (!m) {
        fprintf(stderr, "matio cannot create %s\n", P(rel));
        return;
    }
    static const char *xn[3] = {"train_data", "val_data", "test_data"};
    static const char *yn[3] = {"train_labels", "val_labels", "test_labels"};
    for (int k = 0; k < 3; k++) {
        size_t n = 2 + (size_t)k, D = 4;
        double xd[5 * 4], yd[5];
        uint8_t xu[5 * 4];
        for (size_t i = 0; i < n * D; i++) {
            xd[i] = (double)((i * 5 + (size_t)k) % 3 == 0);
            xu[i] = (uint8_t)xd[i];
        }
        for (size_t i = 0; i < n; i++)
            yd[i] = (double)(1 + (i * 13 + (size_t)k) % 101);
        size_t dx[2] = {n, D}, dy[2] = {n, 1};
        matvar_t *v = as_u8 ? Mat_VarCreate(xn[k], MAT_C_UINT8, MAT_T_UINT8, 2, dx, xu,
                                            MAT_F_DONT_COPY_DATA)
                            : Mat_VarCreate(xn[k], MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dx, xd,
                                            MAT_F_DONT_COPY_DATA);
        Mat_VarWrite(m, v, compress ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE);
        Mat_VarFree(v);
        v = Mat_VarCreate(yn[k], MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dy, yd, MAT_F_DONT_COPY_DATA);
        Mat_VarWrite(m, v, compress ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE);
        Mat_VarFree(v);
    }
    Mat_Close(m);
}

/* The caltech variables plus a cell array and a struct (the reader walks
 * every variable before matio sees the file). */
static void gen_mat_containers(const char *rel, int compress)
{
    gen_mat_file(rel, MAT_FT_MAT5, compress, 0);
    mat_t *m = Mat_Open(P(rel), MAT_ACC_RDWR);
    if (!m)
        return;
    size_t d12[2] = {1, 2}, d11[2] = {1, 1};
    double one = 1, two[2] = {2, 3};
    matvar_t *cells[2] = {
        Mat_VarCreate(NULL, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d11, &one, 0),
        Mat_VarCreate(NULL, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d12, two, 0),
    };
    matvar_t *c = Mat_VarCreate("notes", MAT_C_CELL, MAT_T_CELL, 2, d12, cells, 0);
    Mat_VarWrite(m, c, compress ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE);
    Mat_VarFree(c);
    const char *fields[2] = {"a", "bb"};
    matvar_t *st = Mat_VarCreateStruct("meta", 2, d11, fields, 2);
    Mat_VarSetStructFieldByName(st, "a", 0, Mat_VarCreate(NULL, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d11, &one, 0));
    Mat_VarSetStructFieldByName(st, "bb", 0, Mat_VarCreate(NULL, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d12, two, 0));
    Mat_VarWrite(m, st, compress ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE);
    Mat_VarFree(st);
    Mat_Close(m);
}

static void gen_mat(void)
{
    gen_mat_containers("mat/v5-cell-struct.mat", 0);
    gen_mat_containers("mat/v5z-cell-struct.mat", 1);
    gen_mat_file("mat/v5.mat", MAT_FT_MAT5, 0, 0);
    gen_mat_file("mat/v5z.mat", MAT_FT_MAT5, 1, 0);
    gen_mat_file("mat/v5-uint8.mat", MAT_FT_MAT5, 0, 1);
    gen_mat_file("mat/v4.mat", MAT_FT_MAT4, 0, 0);
    /* only one variable: the reader names the missing one */
    mat_t *m = Mat_CreateVer(P("mat/partial.mat"), NULL, MAT_FT_MAT5);
    double x[4] = {0, 1, 1, 0};
    mat_var(m, "train_data", MAT_C_DOUBLE, MAT_T_DOUBLE, 1, 4, x);
    Mat_Close(m);
}

static irvi_trainer *trainer(const irvi_dataset *ds, irvi_arch a, irvi_algo algo,
                             irvi_optimizer opt)
{
    irvi_model *m;
    a.D = FIX_D;
    if (irvi_model_create(&a, 3, &m))
        return NULL;
    irvi_model_set_mean(m, irvi_dataset_mean(ds));
    irvi_train_opts o;
    irvi_train_opts_default(&o);
    o.algo = algo;
    o.opt = opt;
    o.batch = 4;
    o.N = 3;
    o.air.K = 2;
    o.air.M = 3;
    o.test_air = o.air;
    o.valid_N = 2;
    o.lr = 1e-2f;
    irvi_trainer *t;
    if (irvi_trainer_create(m, ds, &o, 5, &t)) {
        fprintf(stderr, "trainer: %s\n", irvi_last_error());
        irvi_model_free(m);
        return NULL;
    }
    return t;
}

static void gen_ckpt(void)
{
    irvi_set_threads(1);
    irvi_dataset *ds = fixture_dataset();
    if (!ds) {
        fprintf(stderr, "fixture dataset: %s\n", irvi_last_error());
        exit(1);
    }
    struct {
        const char *name;
        irvi_arch a;
        irvi_algo algo;
        irvi_optimizer opt;
        int steps;
    } v[] = {
        {"sbn4-fresh", {.L = 1, .H = {4}}, IRVI_ALGO_AIR, IRVI_OPT_RMSPROP, 0},
        {"sbn4-mid", {.L = 1, .H = {4}}, IRVI_ALGO_AIR, IRVI_OPT_RMSPROP, 2},
        {"sbn4-epoch", {.L = 1, .H = {4}}, IRVI_ALGO_RWS, IRVI_OPT_SGD, 4},
        {"sbn3-2", {.L = 2, .H = {3, 2}, .squash = 1}, IRVI_ALGO_AIR_REWEIGHT, IRVI_OPT_RMSPROP, 1},
        {"darn3", {.L = 1, .H = {3}, .prior = IRVI_PRIOR_DARN}, IRVI_ALGO_AIR_INCLUSIVE,
         IRVI_OPT_RMSPROP, 1},
        {"tanh", {.L = 1, .H = {2}, .gen_hidden = 3, .rec_hidden = 2}, IRVI_ALGO_AIR,
         IRVI_OPT_SGD, 1},
    };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        irvi_trainer *t = trainer(ds, v[k].a, v[k].algo, v[k].opt);
        if (!t)
            exit(1);
        for (int s = 0; s < v[k].steps; s++) {
            if (irvi_trainer_epoch_done(t))
                irvi_trainer_end_epoch(t, NULL, NULL, NULL);
            irvi_trainer_step(t, NULL);
        }
        char rel[128];
        snprintf(rel, sizeof rel, "ckpt/%s.irvi", v[k].name);
        if (irvi_trainer_save(t, P(rel)))
            fprintf(stderr, "%s: %s\n", rel, irvi_last_error());
        if (k == 0 || k == 4) {
            snprintf(rel, sizeof rel, "ckpt/%s-model.irvi", v[k].name);
            irvi_model_save(irvi_trainer_model(t), P(rel));
        }
        irvi_trainer_free(t);
    }
    irvi_dataset_free(ds);
    put("ckpt/magic-only", "IRVICKPT", 8);
}

static void gen_args(void)
{
    static const char a1[] = "--data\0mnist\0--data-dir\0/x\0--binarize\0threshold\0--data-seed\0"
                             "42";
    put("args/data", a1, sizeof a1 - 1);
    static const char a2[] = "--refine\0" "20,20,0.1\0" "3,17,42\0" "200,200\0" "air-inclusive";
    put("args/refine", a2, sizeof a2 - 1);
    static const char a3[] = "-1\0" "1e308\0" "nan\0" "0x10\0" "4294967296,1,0.5\0" "1,,2\0" "--data";
    put("args/edge", a3, sizeof a3 - 1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus DIR\n");
        return 2;
    }
    snprintf(root, sizeof root, "%s", argv[1]);
    const char *sub[] = {"", "idx", "amat", "mat", "ckpt", "args"};
    for (int i = 0; i < 6; i++)
        mkdir(P(sub[i]), 0755);
    gen_idx();
    gen_amat();
    gen_mat();
    gen_ckpt();
    gen_args();
    return 0;
}
