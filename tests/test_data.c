/* tests/test_data.c — datasets: MD5, IDX (plain, gzip, corrupt), .amat,
 * .mat (written with matio), dataset assembly (splits, binarization
 * determinism, threshold, mean image, sources), copies from memory, the
 * single-file probe, and the real MNIST / Fashion-MNIST files when present.
 * Fixtures are generated at run time under $IRVI_TMP/data_fixtures.
 */
#include "check.h"
#include "data_internal.h"

#include <irvi/irvi.h>
#include <matio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char root[1024];

static const char *P(const char *rel)
{
    static char buf[8][2048];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static void mkdir_p(const char *rel) { mkdir(P(rel), 0755); }

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot write fixture %s\n", path);
        exit(1);
    }
    if (len)
        fwrite(buf, 1, len, f);
    fclose(f);
}

static void write_gz(const char *path, const void *buf, size_t len)
{
    gzFile g = gzopen(path, "wb");
    gzwrite(g, buf, (unsigned)len);
    gzclose(g);
}

static int has(const char *needle) { return strstr(irvi_last_error(), needle) != NULL; }

/* An IDX buffer: type byte, dims, payload from fn(i). Caller frees. */
static uint8_t *make_idx(int type, int ndim, const int *dims, uint8_t (*fn)(size_t), size_t *len)
{
    size_t count = 1;
    for (int i = 0; i < ndim; i++)
        count *= (size_t)dims[i];
    *len = 4 + 4 * (size_t)ndim + count;
    uint8_t *b = malloc(*len);
    b[0] = b[1] = 0;
    b[2] = (uint8_t)type;
    b[3] = (uint8_t)ndim;
    for (int i = 0; i < ndim; i++)
        for (int k = 0; k < 4; k++)
            b[4 + 4 * i + k] = (uint8_t)((uint32_t)dims[i] >> (24 - 8 * k));
    for (size_t i = 0; i < count; i++)
        b[4 + 4 * ndim + i] = fn(i);
    return b;
}

static uint8_t grey(size_t i) { return (uint8_t)((i * 37 + (i / 6) * 11) % 256); }
static uint8_t label(size_t i) { return (uint8_t)(i % 10); }

/* Tiny MNIST-like set: 2x3 images, 10020 training, 15 test. */
enum { R = 2, C = 3, NTR = 10020, NTE = 15 };

static void write_idx_set(const char *dir, int gz, int bad_label_at)
{
    mkdir_p(dir);
    const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (int f = 0; f < 4; f++) {
        int n = f < 2 ? NTR : NTE;
        int dims[3] = {n, R, C};
        size_t len;
        uint8_t *b = f % 2 == 0 ? make_idx(8, 3, dims, grey, &len) : make_idx(8, 1, dims, label, &len);
        if (f == 1 && bad_label_at >= 0)
            b[8 + bad_label_at] = 10;
        char rel[512];
        snprintf(rel, sizeof rel, "%s/%s%s", dir, names[f], gz ? ".gz" : "");
        if (gz)
            write_gz(P(rel), b, len);
        else
            write_file(P(rel), b, len);
        free(b);
    }
}

static void test_md5(void)
{
    static const struct { const char *s; const char *md5; } v[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    char out[33];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        write_file(P("md5.txt"), v[i].s, strlen(v[i].s));
        CHECK_OK(irvi_md5_file(P("md5.txt"), out));
        CHECK_MSG(!strcmp(out, v[i].md5), "md5('%s') = %s, want %s", v[i].s, out, v[i].md5);
    }
    /* padding boundaries: bytes (37 i + 11) mod 256, digests from md5sum */
    static const struct { int n; const char *md5; } b[] = {
        {55, "d872aa0473a24da995ce4ac518ade767"},   {56, "e23567645846677c205de80f9779081b"},
        {63, "4775b66278a8fc132ff80923378216cd"},   {64, "71e123b70c7aa64826fcfe472694cd1c"},
        {65, "5949948f26e35203661075214faa3966"},   {119, "87f72c7241c5fe218bb4df8c0aba3232"},
        {120, "bf240b8b7407fba3805adeec63a03b77"},  {128, "3e93b378458b77da96b2357c3bda8cc2"},
        {1000, "c3cb8ae118768782aa1896d7fb2827ef"},
    };
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
        for (int k = 0; k < b[i].n; k++)
            buf[k] = (uint8_t)((k * 37 + 11) % 256);
        write_file(P("md5.bin"), buf, (size_t)b[i].n);
        CHECK_OK(irvi_md5_file(P("md5.bin"), out));
        CHECK_MSG(!strcmp(out, b[i].md5), "md5 of %d bytes = %s, want %s", b[i].n, out, b[i].md5);
    }
    CHECK(irvi_md5_file(P("no-such-file"), out) == IRVI_EIO);
    CHECK(has("no-such-file"));
}

static void expect_idx_fail(const char *rel, const void *buf, size_t len, irvi_status want,
                            const char *needle)
{
    write_file(P(rel), buf, len);
    irvi_idx idx;
    irvi_status st = irvi_idx_load(P(rel), &idx);
    CHECK_MSG(st == want, "%s: status %d, want %d (%s)", rel, st, want, irvi_last_error());
    CHECK_MSG(has(rel), "%s: error lacks the file name: %s", rel, irvi_last_error());
    CHECK_MSG(has(needle), "%s: error lacks '%s': %s", rel, needle, irvi_last_error());
    CHECK(idx.data == NULL);
}

static void test_idx(void)
{
    int dims[3] = {5, R, C};
    size_t len;
    uint8_t *b = make_idx(8, 3, dims, grey, &len);
    irvi_idx idx;
    CHECK_OK(irvi_idx_parse(b, len, "mem", &idx));
    CHECK(idx.ndim == 3 && idx.dims[0] == 5 && idx.dims[1] == R && idx.dims[2] == C);
    CHECK(idx.count == 5 * R * C && !memcmp(idx.data, b + 16, idx.count));
    irvi_idx_free(&idx);

    write_file(P("ok.idx"), b, len);
    CHECK_OK(irvi_idx_load(P("ok.idx"), &idx));
    CHECK(idx.count == 30 && !memcmp(idx.data, b + 16, 30));
    irvi_idx_free(&idx);
    write_gz(P("ok.idx.gz"), b, len);
    CHECK_OK(irvi_idx_load(P("ok.idx.gz"), &idx));
    CHECK(idx.count == 30 && !memcmp(idx.data, b + 16, 30));
    irvi_idx_free(&idx);

    int ld[1] = {7};
    size_t llen;
    uint8_t *lb = make_idx(8, 1, ld, label, &llen);
    CHECK_OK(irvi_idx_parse(lb, llen, "labels", &idx));
    CHECK(idx.ndim == 1 && idx.dims[0] == 7 && idx.count == 7 && idx.data[3] == 3);
    irvi_idx_free(&idx);
    free(lb);

    expect_idx_fail("trunc.idx", b, len - 4, IRVI_EFORMAT, "truncated");
    CHECK(has("expected 30") && has("found 26"));
    expect_idx_fail("empty.idx", b, 0, IRVI_EFORMAT, "empty");
    uint8_t *bad = malloc(len + 3);
    memcpy(bad, b, len);
    memcpy(bad + len, "xyz", 3);
    expect_idx_fail("trailing.idx", bad, len + 3, IRVI_EFORMAT, "trailing garbage");
    memcpy(bad, "\xde\xad\xbe\xef", 4);
    expect_idx_fail("magic.idx", bad, len, IRVI_EFORMAT, "magic 0xdeadbeef");
    CHECK(has("0x00000803"));
    memcpy(bad, b, len);
    bad[2] = 0x0D;
    expect_idx_fail("dtype.idx", bad, len, IRVI_EFORMAT, "0x0d (float)");
    bad[2] = 0x08;
    bad[3] = 2;
    expect_idx_fail("ndim.idx", bad, len, IRVI_EFORMAT, "2 dimensions");
    bad[3] = 3;
    memset(bad + 4, 0x7f, 12); /* three dims of 2139062143 */
    expect_idx_fail("absurd.idx", bad, len, IRVI_EFORMAT, "absurd");
    memset(bad + 4, 0xff, 4);
    expect_idx_fail("absurd2.idx", bad, len, IRVI_EFORMAT, "absurd");
    free(bad);
    expect_idx_fail("short.idx", b, 2, IRVI_EFORMAT, "too short");

    /* gzip cut in half */
    write_gz(P("half.gz"), b, len);
    FILE *f = fopen(P("half.gz"), "rb");
    uint8_t gzb[512];
    size_t gl = fread(gzb, 1, sizeof gzb, f);
    fclose(f);
    write_file(P("half.gz"), gzb, gl / 2);
    CHECK(irvi_idx_load(P("half.gz"), &idx) == IRVI_EFORMAT);
    CHECK(has("half.gz"));

    CHECK(irvi_idx_load(P("missing.idx"), &idx) == IRVI_EIO);
    CHECK(has("missing.idx"));
    CHECK(irvi_idx_parse(b, 3, "three-bytes", &idx) == IRVI_EFORMAT && has("three-bytes"));
    free(b);
}

static int same_split(const irvi_dataset *a, const irvi_dataset *b, int k)
{
    irvi_split s = irvi_dataset_split(a, (irvi_split_id)k), t = irvi_dataset_split(b, (irvi_split_id)k);
    return s.n == t.n && s.D == t.D && !memcmp(s.x, t.x, (size_t)s.n * s.D);
}

static void test_idx_dataset(void)
{
    write_idx_set("mn", 0, -1);
    write_idx_set("mngz", 1, -1);
    write_idx_set("mnbad", 0, 7);

    irvi_data_opts o;
    irvi_data_opts_default(&o);
    CHECK(!strcmp(o.name, "mnist") && o.dir == NULL && o.seed == 1234 &&
          o.binarize == IRVI_BIN_STOCHASTIC);
    o.dir = P("mn");
    o.seed = 5;
    irvi_dataset *a = NULL, *a2 = NULL, *b = NULL, *t = NULL, *g = NULL;
    CHECK_OK(irvi_dataset_open(&o, &a));
    CHECK_OK(irvi_dataset_open(&o, &a2));
    o.seed = 6;
    CHECK_OK(irvi_dataset_open(&o, &b));
    o.binarize = IRVI_BIN_THRESHOLD;
    CHECK_OK(irvi_dataset_open(&o, &t));
    o.binarize = IRVI_BIN_STOCHASTIC;
    o.seed = 5;
    o.name = "fashion-mnist";
    o.dir = P("mngz");
    CHECK_OK(irvi_dataset_open(&o, &g));
    if (!a || !a2 || !b || !t || !g)
        goto out;

    int rows, cols;
    irvi_dataset_shape(a, &rows, &cols);
    CHECK(rows == R && cols == C && irvi_dataset_D(a) == R * C);
    CHECK(!irvi_dataset_transposed(a) && !strcmp(irvi_dataset_name(a), "mnist"));
    irvi_split tr = irvi_dataset_split(a, IRVI_SPLIT_TRAIN), va = irvi_dataset_split(a, IRVI_SPLIT_VALID),
               te = irvi_dataset_split(a, IRVI_SPLIT_TEST);
    CHECK(tr.n == NTR - 10000 && va.n == 10000 && te.n == NTE);
    CHECK(tr.D == R * C && tr.y && va.y && te.y);
    CHECK(tr.y[3] == 3 && va.y[0] == (NTR - 10000) % 10 && te.y[14] == 4);

    int binary = 1, zero_ok = 1, one_ok = 1, thr_ok = 1;
    for (int k = 0; k < 3; k++) {
        irvi_split s = irvi_dataset_split(a, (irvi_split_id)k), h = irvi_dataset_split(t, (irvi_split_id)k);
        size_t off = k == 1 ? (size_t)tr.n * R * C : 0;
        for (size_t i = 0; i < (size_t)s.n * s.D; i++) {
            uint8_t px = grey(off + i);
            binary &= s.x[i] <= 1;
            if (px == 0)
                zero_ok &= s.x[i] == 0;
            if (px == 255)
                one_ok &= s.x[i] == 1;
            thr_ok &= h.x[i] == (px >= 128);
        }
    }
    CHECK(binary && zero_ok && one_ok && thr_ok);
    int det = 1, differ = 0;
    for (int k = 0; k < 3; k++) {
        det &= same_split(a, a2, k) && same_split(a, g, k);
        differ |= !same_split(a, b, k);
    }
    CHECK_MSG(det, "same seed (and plain vs gzip) must give identical data");
    CHECK_MSG(differ, "different seeds must give different data");

    /* Bernoulli frequency over the whole set is close to the grey mean */
    double ones = 0, p = 0;
    for (size_t i = 0; i < (size_t)tr.n * tr.D; i++) {
        ones += tr.x[i];
        p += grey(i) / 255.0;
    }
    CHECK_NEAR(ones / (tr.n * tr.D), p / (tr.n * tr.D), 0.1);

    const float *m = irvi_dataset_mean(a);
    CHECK(m != NULL);
    for (int j = 0; m && j < R * C; j++) {
        double s = 0;
        for (int i = 0; i < tr.n; i++)
            s += tr.x[i * tr.D + j];
        CHECK_NEAR(m[j], s / tr.n, 1e-6);
    }

    CHECK(irvi_dataset_nsources(a) == 4 && irvi_dataset_source_path(a, 4) == NULL);
    for (int i = 0; i < irvi_dataset_nsources(a); i++) {
        char md5[33];
        CHECK_OK(irvi_md5_file(irvi_dataset_source_path(a, i), md5));
        CHECK(!strcmp(md5, irvi_dataset_source_md5(a, i)));
    }
    CHECK(strstr(irvi_dataset_source_path(a, 0), "train-images-idx3-ubyte") != NULL);
    CHECK(strstr(irvi_dataset_source_path(g, 0), "train-images-idx3-ubyte.gz") != NULL);

out:
    irvi_dataset_free(a);
    irvi_dataset_free(a2);
    irvi_dataset_free(b);
    irvi_dataset_free(t);
    irvi_dataset_free(g);

    irvi_dataset *ds = NULL;
    irvi_data_opts_default(&o);
    o.dir = P("mnbad");
    CHECK(irvi_dataset_open(&o, &ds) == IRVI_EFORMAT && ds == NULL);
    CHECK(has("mnbad/train-labels-idx1-ubyte") && has("index 7") && has("out of range"));
    o.dir = P("nowhere");
    CHECK(irvi_dataset_open(&o, &ds) == IRVI_EIO && has("nowhere/train-images-idx3-ubyte"));
    o.name = "nosuchset";
    CHECK(irvi_dataset_open(&o, &ds) == IRVI_EINVAL && has("nosuchset"));

    /* IRVI_DATA_DIR replaces the data/ root of the default directory */
    irvi_data_opts_default(&o);
    setenv("IRVI_DATA_DIR", root, 1);
    mkdir_p("mnist");
    write_idx_set("mnist", 0, -1);
    CHECK_OK(irvi_dataset_open(&o, &ds));
    CHECK(ds && strstr(irvi_dataset_source_path(ds, 0), root) != NULL);
    irvi_dataset_free(ds);
    ds = NULL;
    o.name = "caltech101";
    CHECK(irvi_dataset_open(&o, &ds) == IRVI_EIO);
    CHECK(has("does not download") && has(P("caltech101")));
    unsetenv("IRVI_DATA_DIR");
    CHECK(!strcmp(irvi_data_default_dir("caltech101"), "data/caltech101"));
    CHECK(!strcmp(irvi_data_default_dir("mnist"), "data/mnist"));
    CHECK(!strcmp(irvi_data_default_dir("fashion-mnist"), "/usr/share/datasets/fashion-mnist"));
    CHECK(irvi_data_default_dir("nope") == NULL);
    CHECK(!strcmp(irvi_split_name(IRVI_SPLIT_VALID), "valid"));
}

static void write_amat(const char *rel, int n, int D, int bad_line, const char *bad_tok, int short_line)
{
    FILE *f = fopen(P(rel), "w");
    for (int i = 1; i <= n; i++) {
        int cols = i == short_line ? D - 1 : D;
        for (int j = 1; j <= cols; j++) {
            if (i == bad_line && j == 5)
                fputs(bad_tok, f);
            else
                fputc('0' + ((i * 7 + j * 3) % 5 == 0), f);
            fputc(j < cols ? ' ' : '\n', f);
        }
    }
    fclose(f);
}

static void test_amat(void)
{
    mkdir_p("bm");
    write_amat("bm/binarized_mnist_train.amat", 5, 784, 0, "", 0);
    write_amat("bm/binarized_mnist_valid.amat", 2, 784, 0, "", 0);
    write_amat("bm/binarized_mnist_test.amat", 3, 784, 2, "1.0", 0); /* "1.0" is accepted */
    uint8_t *x;
    int n, D;
    CHECK_OK(irvi_amat_load(P("bm/binarized_mnist_train.amat"), 0, &x, &n, &D));
    CHECK(n == 5 && D == 784 && x[0] == ((7 + 3) % 5 == 0) && x[784 + 1] == ((14 + 6) % 5 == 0));
    free(x);

    irvi_data_opts o;
    irvi_data_opts_default(&o);
    o.name = "binarized-mnist";
    o.dir = P("bm");
    irvi_dataset *ds = NULL;
    CHECK_OK(irvi_dataset_open(&o, &ds));
    if (ds) {
        irvi_split te = irvi_dataset_split(ds, IRVI_SPLIT_TEST);
        CHECK(irvi_dataset_split(ds, IRVI_SPLIT_TRAIN).n == 5 &&
              irvi_dataset_split(ds, IRVI_SPLIT_VALID).n == 2 && te.n == 3 && te.y == NULL);
        CHECK(te.x[784 + 4] == 1 && irvi_dataset_nsources(ds) == 3);
        CHECK_NEAR(irvi_dataset_mean(ds)[1], ((7 + 6) % 5 == 0) * 0.2 + ((14 + 6) % 5 == 0) * 0.2 +
                                                 ((21 + 6) % 5 == 0) * 0.2 + ((28 + 6) % 5 == 0) * 0.2 +
                                                 ((35 + 6) % 5 == 0) * 0.2, 1e-6);
    }
    irvi_dataset_free(ds);

    write_amat("nonbin.amat", 4, 20, 2, "2", 0);
    CHECK(irvi_amat_load(P("nonbin.amat"), 0, &x, &n, &D) == IRVI_EFORMAT);
    CHECK(has("nonbin.amat") && has("line 2") && has("column 5") && has("'2'"));
    write_amat("short.amat", 4, 20, 0, "", 3);
    CHECK(irvi_amat_load(P("short.amat"), 0, &x, &n, &D) == IRVI_EFORMAT);
    CHECK(has("short.amat") && has("line 3 has 19 values, expected 20"));
    write_amat("wrongD.amat", 2, 20, 0, "", 0);
    CHECK(irvi_amat_load(P("wrongD.amat"), 784, &x, &n, &D) == IRVI_EFORMAT && has("wrongD.amat"));
    write_file(P("empty.amat"), "", 0);
    CHECK(irvi_amat_load(P("empty.amat"), 784, &x, &n, &D) == IRVI_EFORMAT);
    CHECK(has("empty.amat") && has("empty"));
    CHECK(irvi_amat_load(P("none.amat"), 784, &x, &n, &D) == IRVI_EIO && has("none.amat"));
    write_file(P("blank.amat"), "0 1\n\n1 0\n", 9);
    CHECK(irvi_amat_load(P("blank.amat"), 0, &x, &n, &D) == IRVI_EFORMAT && has("line 2"));
    write_file(P("nonl.amat"), "0 1\n1 0\n\n", 9); /* trailing blank line is fine */
    CHECK_OK(irvi_amat_load(P("nonl.amat"), 0, &x, &n, &D));
    CHECK(n == 2 && D == 2);
    free(x);
}

static double cal_px(size_t i, size_t j) { return (double)((i * 5 + j * 3) % 7 == 0); }

/* Caltech-style .mat; skip names a variable to leave out; bad puts 0.5 in test_data. */
static void write_mat(const char *rel, const char *skip, int bad)
{
    static const char *xn[3] = {"train_data", "val_data", "test_data"};
    static const char *yn[3] = {"train_labels", "val_labels", "test_labels"};
    static const size_t ns[3] = {6, 4, 3};
    mat_t *mat = Mat_CreateVer(P(rel), NULL, MAT_FT_MAT5);
    for (int k = 0; k < 3; k++) {
        size_t n = ns[k], dims[2] = {n, 784}, ldims[2] = {n, 1};
        double *d = malloc(n * 784 * sizeof *d), lab[8];
        uint8_t *u = malloc(n * 784);
        for (size_t j = 0; j < 784; j++)
            for (size_t i = 0; i < n; i++)
                d[i + j * n] = u[i + j * n] = (uint8_t)cal_px(i + 100 * k, j);
        if (bad && k == 2)
            d[1 + 2 * n] = 0.5;
        for (size_t i = 0; i < n; i++)
            lab[i] = (double)(1 + (i * 17 + k) % 101);
        matvar_t *v = k == 1 ? Mat_VarCreate(xn[k], MAT_C_UINT8, MAT_T_UINT8, 2, dims, u, 0)
                             : Mat_VarCreate(xn[k], MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, d, 0);
        if (!skip || strcmp(skip, xn[k]))
            Mat_VarWrite(mat, v, MAT_COMPRESSION_NONE);
        Mat_VarFree(v);
        v = Mat_VarCreate(yn[k], MAT_C_DOUBLE, MAT_T_DOUBLE, 2, ldims, lab, 0);
        if (!skip || strcmp(skip, yn[k]))
            Mat_VarWrite(mat, v, MAT_COMPRESSION_ZLIB);
        Mat_VarFree(v);
        free(d);
        free(u);
    }
    Mat_Close(mat);
}

static void test_mat(void)
{
    mkdir_p("cal");
    mkdir_p("calmiss");
    mkdir_p("calbad");
    write_mat("cal/caltech101_silhouettes_28_split1.mat", NULL, 0);
    write_mat("calmiss/caltech101_silhouettes_28_split1.mat", "val_labels", 0);
    write_mat("calbad/caltech101_silhouettes_28_split1.mat", NULL, 1);

    irvi_data_opts o;
    irvi_data_opts_default(&o);
    o.name = "caltech101";
    o.dir = P("cal");
    irvi_dataset *ds = NULL;
    CHECK_OK(irvi_dataset_open(&o, &ds));
    if (ds) {
        CHECK(irvi_dataset_transposed(ds) == 1 && irvi_dataset_D(ds) == 784);
        int ok = 1;
        for (int k = 0; k < 3; k++) {
            irvi_split s = irvi_dataset_split(ds, (irvi_split_id)k);
            ok &= s.n == (k == 0 ? 6 : k == 1 ? 4 : 3) && s.y != NULL;
            for (int i = 0; i < s.n; i++) {
                ok &= s.y[i] == (i * 17 + k) % 101;
                for (int j = 0; j < 784; j++)
                    ok &= s.x[i * 784 + j] == (uint8_t)cal_px((size_t)i + 100 * k, (size_t)j);
            }
        }
        CHECK_MSG(ok, "caltech splits: sizes, 0-based labels, column-major -> row order");
        CHECK(irvi_dataset_nsources(ds) == 1);
    }
    irvi_dataset_free(ds);
    ds = NULL;
    o.dir = P("calmiss");
    CHECK(irvi_dataset_open(&o, &ds) == IRVI_EFORMAT);
    CHECK(has("calmiss/caltech101_silhouettes_28_split1.mat") && has("val_labels"));
    o.dir = P("calbad");
    CHECK(irvi_dataset_open(&o, &ds) == IRVI_EFORMAT);
    CHECK(has("calbad/caltech101_silhouettes_28_split1.mat") && has("test_data") && has("0.5"));
    o.dir = P("nowhere");
    CHECK(irvi_dataset_open(&o, &ds) == IRVI_EIO && has("does not download"));
    write_file(P("junk.mat"), "this is not a MATLAB file at all, not even close......", 54);
    irvi_mat_split s[3];
    CHECK(irvi_mat_load_caltech(P("junk.mat"), 101, s) == IRVI_EFORMAT && has("junk.mat"));
}

static void test_probe(void)
{
    char desc[512];
    CHECK_OK(irvi_data_probe(P("mn/train-images-idx3-ubyte"), desc, sizeof desc));
    CHECK(strstr(desc, "10020") && strstr(desc, "2×3"));
    CHECK_OK(irvi_data_probe(P("mngz/t10k-labels-idx1-ubyte.gz"), desc, sizeof desc));
    CHECK(strstr(desc, "labels") && strstr(desc, "15"));
    CHECK_OK(irvi_data_probe(P("bm/binarized_mnist_valid.amat"), desc, sizeof desc));
    CHECK(strstr(desc, "2 images") && strstr(desc, "784"));
    CHECK_OK(irvi_data_probe(P("cal/caltech101_silhouettes_28_split1.mat"), desc, sizeof desc));
    CHECK(strstr(desc, "train 6×784"));
    CHECK(irvi_data_probe(P("trunc.idx"), desc, sizeof desc) == IRVI_EFORMAT && has("trunc.idx"));
    CHECK(irvi_data_probe(P("nonbin.amat"), desc, sizeof desc) == IRVI_EFORMAT);
    CHECK(irvi_data_probe(P("empty.idx"), desc, sizeof desc) == IRVI_EFORMAT && has("empty"));
    CHECK(irvi_data_probe(P("gone"), desc, sizeof desc) == IRVI_EIO && has("gone"));
}

static void test_from_memory(void)
{
    uint8_t x0[4 * 6], x2[2 * 6], y0[4] = {1, 2, 3, 4};
    for (int i = 0; i < 24; i++)
        x0[i] = (uint8_t)(i % 4 == 0);
    memset(x2, 1, sizeof x2);
    irvi_split sp[3] = {{4, 6, x0, y0}, {0, 6, NULL, NULL}, {2, 6, x2, NULL}};
    irvi_dataset *ds = NULL;
    CHECK_OK(irvi_dataset_from_memory("mem", 2, 3, sp, &ds));
    if (ds) {
        irvi_split t = irvi_dataset_split(ds, IRVI_SPLIT_TRAIN);
        CHECK(t.n == 4 && t.x != x0 && !memcmp(t.x, x0, 24) && t.y && t.y[3] == 4);
        CHECK(irvi_dataset_split(ds, IRVI_SPLIT_VALID).n == 0);
        CHECK(irvi_dataset_split(ds, IRVI_SPLIT_TEST).y == NULL);
        CHECK_NEAR(irvi_dataset_mean(ds)[0], 0.5, 1e-7); /* pixel 0: 1,0,1,0 */
        CHECK(irvi_dataset_nsources(ds) == 0 && !strcmp(irvi_dataset_name(ds), "mem"));
    }
    irvi_dataset_free(ds);
    x0[5] = 2;
    CHECK(irvi_dataset_from_memory("mem", 2, 3, sp, &ds) == IRVI_EINVAL && has("not 0/1"));
    x0[5] = 0;
    sp[2].D = 5;
    CHECK(irvi_dataset_from_memory("mem", 2, 3, sp, &ds) == IRVI_EINVAL && has("test"));
    sp[2].D = 6;
    sp[0].n = 0;
    CHECK(irvi_dataset_from_memory("mem", 2, 3, sp, &ds) == IRVI_EINVAL && has("train"));
}

static void test_real(void)
{
    const char *dir = getenv("IRVI_MNIST_DIR");
    char path[1200];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir ? dir : "data/mnist");
    if (!dir || access(path, R_OK) != 0) {
        printf("note: real MNIST not found (IRVI_MNIST_DIR=%s); skipping that part\n",
               dir ? dir : "(unset)");
    } else {
        irvi_data_opts o;
        irvi_data_opts_default(&o);
        o.dir = dir;
        irvi_dataset *ds = NULL;
        CHECK_OK(irvi_dataset_open(&o, &ds));
        if (ds) {
            irvi_split s[3];
            for (int k = 0; k < 3; k++)
                s[k] = irvi_dataset_split(ds, (irvi_split_id)k);
            CHECK(s[0].n == 50000 && s[1].n == 10000 && s[2].n == 10000);
            CHECK(irvi_dataset_D(ds) == 784);
            int lab_ok = 1;
            for (int k = 0; k < 3; k++)
                for (int i = 0; i < s[k].n; i++)
                    lab_ok &= s[k].y[i] < 10;
            CHECK(lab_ok);
            CHECK(!strcmp(irvi_dataset_source_md5(ds, 0), "6bbc9ace898e44ae57da46a324031adb"));
            double m = 0;
            for (int j = 0; j < 784; j++)
                m += irvi_dataset_mean(ds)[j] / 784.0;
            CHECK_MSG(m > 0.12 && m < 0.14, "MNIST mean intensity %g", m);
        }
        irvi_dataset_free(ds);
    }
    const char *fdir = "/usr/share/datasets/fashion-mnist";
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", fdir);
    if (access(path, R_OK) != 0) {
        printf("note: Fashion-MNIST not found in %s; skipping that part\n", fdir);
        return;
    }
    irvi_data_opts o;
    irvi_data_opts_default(&o);
    o.name = "fashion-mnist";
    irvi_dataset *ds = NULL;
    CHECK_OK(irvi_dataset_open(&o, &ds));
    if (ds) {
        CHECK(irvi_dataset_split(ds, IRVI_SPLIT_TRAIN).n == 50000 &&
              irvi_dataset_split(ds, IRVI_SPLIT_VALID).n == 10000 &&
              irvi_dataset_split(ds, IRVI_SPLIT_TEST).n == 10000 && irvi_dataset_D(ds) == 784);
        double m = 0;
        for (int j = 0; j < 784; j++)
            m += irvi_dataset_mean(ds)[j] / 784.0;
        CHECK_MSG(m > 0.2 && m < 0.4, "Fashion-MNIST mean intensity %g", m);
    }
    irvi_dataset_free(ds);
}

int main(void)
{
    const char *tmp = getenv("IRVI_TMP");
    snprintf(root, sizeof root, "%s/data_fixtures", tmp && tmp[0] ? tmp : "/tmp");
    mkdir(root, 0755);
    test_md5();
    test_idx();
    test_idx_dataset();
    test_amat();
    test_mat();
    test_probe();
    test_from_memory();
    test_real();
    return CHECK_DONE();
}
