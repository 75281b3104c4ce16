/* tests/test_sbnparm.c — the peer's parameter file (engine/sbnparm.c):
 * export/import round trips (1 and 3 layers, plain and squashed) are exact;
 * a file written here byte by byte in float64 (as the peer writes it) lands
 * in the right tensors with the [in][out] layout; a file without recognition
 * arrays gives zero recognition weights and xbar 0.5; and corrupted files
 * (magic, version, dtype, dimensions, flags, truncation anywhere, trailing
 * bytes, non-finite values, a missing file) are rejected with the right
 * status and the file named in the message. Pure C, no peer needed. */
#include "check.h"
#include "irvi/model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[512];

static const char *tmp_path(const char *name)
{
    static char buf[8][1024];
    static int k;
    char *p = buf[k++ & 7];
    snprintf(p, 1024, "%s/test_sbnparm_%s", tmpdir, name);
    return p;
}

static const float *tens(const irvi_model *m, const char *name)
{
    const irvi_tensor *t = irvi_model_find_tensor(m, name);
    return t ? irvi_model_params_const(m) + t->offset : NULL;
}

static void randomize(irvi_model *m, uint64_t seed)
{
    irvi_rng r;
    irvi_rng_seed(&r, seed, 0);
    float *p = irvi_model_params(m);
    for (size_t i = 0; i < irvi_model_nparams(m); i++)
        p[i] = (float)irvi_rng_gauss(&r);
    int D = irvi_model_arch(m)->D;
    float *xb = malloc(sizeof(float) * D);
    for (int d = 0; d < D; d++)
        xb[d] = irvi_rng_uniform_f(&r);
    irvi_model_set_mean(m, xb);
    free(xb);
}

static int same_arch(const irvi_arch *a, const irvi_arch *b)
{
    int ok = a->D == b->D && a->L == b->L && a->prior == b->prior && a->squash == b->squash &&
             a->gen_hidden == b->gen_hidden && a->rec_hidden == b->rec_hidden;
    for (int l = 0; ok && l < a->L; l++)
        ok = a->H[l] == b->H[l];
    return ok;
}

static void round_trip(const char *layers, int D, int squash)
{
    irvi_arch a;
    memset(&a, 0, sizeof a);
    a.D = D;
    a.squash = squash;
    CHECK_OK(irvi_arch_parse_layers(layers, &a));
    irvi_model *m = NULL, *back = NULL;
    CHECK_OK(irvi_model_create(&a, 3, &m));
    if (!m)
        return;
    randomize(m, 17 + (uint64_t)squash);
    const char *path = tmp_path("rt.sbn");
    CHECK_OK(irvi_model_export_sbnparm(m, path));
    CHECK_OK(irvi_model_import_sbnparm(path, &back));
    if (back) {
        CHECK(same_arch(irvi_model_arch(m), irvi_model_arch(back)));
        CHECK(irvi_model_nparams(m) == irvi_model_nparams(back));
        CHECK(!memcmp(irvi_model_params_const(m), irvi_model_params_const(back),
                      sizeof(float) * irvi_model_nparams(m)));
        CHECK(!memcmp(irvi_model_mean(m), irvi_model_mean(back), sizeof(float) * D));
        /* the expected size: header + every array once, float32 */
        FILE *f = fopen(path, "rb");
        long sz = -1;
        if (f) {
            fseek(f, 0, SEEK_END);
            sz = ftell(f);
            fclose(f);
        }
        size_t want = 8 + 16 + 4 * (size_t)a.L + 4 + 4 * (irvi_model_nparams(m) + (size_t)D);
        CHECK_MSG(sz == (long)want, "%s: %ld bytes, expected %zu", layers, sz, want);
    }
    irvi_model_free(back);
    irvi_model_free(m);
    remove(path);
}

/* ---- a file built byte by byte, as the peer writes it --------------------- */
typedef struct { uint8_t *p; size_t n, cap; } bytes;

static void put(bytes *b, const void *src, size_t k)
{
    if (b->n + k > b->cap) {
        b->cap = (b->n + k) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, src, k);
    b->n += k;
}

static void put_u32(bytes *b, uint32_t v)
{
    uint8_t d[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, d, 4);
}

static void put_f64(bytes *b, double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    uint8_t d[8];
    for (int i = 0; i < 8; i++)
        d[i] = (uint8_t)(u >> (8 * i));
    put(b, d, 8);
}

static void put_f32(bytes *b, float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    put_u32(b, u);
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (n)
        fwrite(p, 1, n, f);
    fclose(f);
}

/* Value of element i of array k in the hand-made file: distinct and exact in float. */
static double val(int k, size_t i) { return (double)(k + 1) * 1000.0 + (double)i * 0.25; }

/* 2-layer model D=5, H = 3, 2; f64 (dtype 8) or f32 (4); recognition optional. */
static bytes make_file(int code, int rec, int squash)
{
    const int D = 5, H1 = 3, H2 = 2;
    bytes b = {0};
    put(&b, "SBNPARM2", 8);
    put_u32(&b, 2);
    put_u32(&b, (uint32_t)code);
    put_u32(&b, D);
    put_u32(&b, 2);
    put_u32(&b, H1);
    put_u32(&b, H2);
    put_u32(&b, (rec ? 1u : 0u) | (squash ? 2u : 0u));
    size_t sizes[] = {(size_t)H1 * D, D, (size_t)H2 * H1, H1, H2,      /* G0 c0 G1 c1 z */
                      D, (size_t)D * H1, H1, (size_t)H1 * H2, H2};    /* xbar V1 v1 V2 v2 */
    int na = rec ? 10 : 5;
    for (int k = 0; k < na; k++)
        for (size_t i = 0; i < sizes[k]; i++) {
            double v = k == 5 ? 0.125 * (double)i : val(k, i);
            if (code == 8)
                put_f64(&b, v);
            else
                put_f32(&b, (float)v);
        }
    return b;
}

static void check_layout(void)
{
    for (int code = 4; code <= 8; code += 4) {
        bytes b = make_file(code, 1, code == 8);
        const char *path = tmp_path("layout.sbn");
        write_file(path, b.p, b.n);
        irvi_model *m = NULL;
        CHECK_OK(irvi_model_import_sbnparm(path, &m));
        if (m) {
            const irvi_arch *a = irvi_model_arch(m);
            CHECK(a->D == 5 && a->L == 2 && a->H[0] == 3 && a->H[1] == 2);
            CHECK(a->squash == (code == 8));
            CHECK(a->prior == IRVI_PRIOR_FACTORIZED && !a->gen_hidden && !a->rec_hidden);
            const char *names[] = {"G0", "c0", "G1", "c1", "z", NULL, "V1", "v1", "V2", "v2"};
            for (int k = 0; k < 10; k++) {
                if (!names[k])
                    continue;
                const irvi_tensor *t = irvi_model_find_tensor(m, names[k]);
                CHECK(t != NULL);
                if (!t)
                    continue;
                const float *p = tens(m, names[k]);
                int bad = 0;
                for (size_t i = 0; i < (size_t)t->rows * t->cols; i++)
                    bad += p[i] != (float)val(k, i);
                CHECK_MSG(!bad, "%s: %d values differ (dtype %d)", names[k], bad, code);
            }
            /* [in][out]: G0 row i is the weights from h_1 unit i to all D pixels */
            const irvi_tensor *g0 = irvi_model_find_tensor(m, "G0");
            CHECK(g0 && g0->rows == 3 && g0->cols == 5);
            const irvi_tensor *v1 = irvi_model_find_tensor(m, "V1");
            CHECK(v1 && v1->rows == 5 && v1->cols == 3);
            const irvi_tensor *g1 = irvi_model_find_tensor(m, "G1");
            CHECK(g1 && g1->rows == 2 && g1->cols == 3);
            for (int d = 0; d < 5; d++)
                CHECK(irvi_model_mean(m)[d] == 0.125f * (float)d);
            irvi_model_free(m);
        }
        free(b.p);
        remove(path);
    }
    /* no recognition arrays: zero recognition net, xbar 0.5 */
    bytes b = make_file(8, 0, 0);
    const char *path = tmp_path("norec.sbn");
    write_file(path, b.p, b.n);
    irvi_model *m = NULL;
    CHECK_OK(irvi_model_import_sbnparm(path, &m));
    if (m) {
        const char *rn[] = {"V1", "v1", "V2", "v2"};
        for (int k = 0; k < 4; k++) {
            const irvi_tensor *t = irvi_model_find_tensor(m, rn[k]);
            const float *p = tens(m, rn[k]);
            int nz = 0;
            for (size_t i = 0; t && i < (size_t)t->rows * t->cols; i++)
                nz += p[i] != 0;
            CHECK_MSG(t && !nz, "%s has %d non-zero values", rn[k], nz);
        }
        for (int d = 0; d < 5; d++)
            CHECK(irvi_model_mean(m)[d] == 0.5f);
        CHECK(tens(m, "z")[1] == (float)val(4, 1));
        CHECK(!irvi_model_arch(m)->squash);
        irvi_model_free(m);
    }
    free(b.p);
    remove(path);
}

/* Import of bytes p[0..n) must fail with status want and name the file. */
static void expect_fail(const char *what, const uint8_t *p, size_t n, irvi_status want)
{
    const char *path = tmp_path("bad.sbn");
    write_file(path, p, n);
    irvi_model *m = (irvi_model *)(uintptr_t)1;
    irvi_status st = irvi_model_import_sbnparm(path, &m);
    CHECK_MSG(st == want, "%s: status %d (%s), expected %d", what, (int)st, irvi_last_error(),
              (int)want);
    CHECK_MSG(m == NULL, "%s: output not cleared", what);
    CHECK_MSG(strstr(irvi_last_error(), path) != NULL, "%s: message '%s' does not name the file",
              what, irvi_last_error());
    irvi_model_free(m);
    remove(path);
}

static void set_u32(uint8_t *p, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}

static void check_corrupt(void)
{
    bytes b = make_file(8, 1, 0);
    uint8_t *c = malloc(b.n + 16);
    /* header words: 8 version, 12 dtype, 16 D, 20 L, 24 H1, 28 H2, 32 flags */
    struct { const char *what; size_t off; uint32_t v; } hdr[] = {
        {"version 1", 8, 1}, {"version 3", 8, 3}, {"dtype 2", 12, 2}, {"dtype 16", 12, 16},
        {"D = 0", 16, 0}, {"D huge", 16, 0xFFFFFFFFu}, {"L = 0", 20, 0}, {"L = 4", 20, 4},
        {"L huge", 20, 0x7FFFFFFFu}, {"H1 = 0", 24, 0}, {"H2 huge", 28, 100000},
        {"unknown flag", 32, 5}, {"D = 6 (size mismatch)", 16, 6}, {"H1 = 4", 24, 4},
        {"no rec flag but rec arrays", 32, 0},
    };
    for (size_t k = 0; k < sizeof hdr / sizeof hdr[0]; k++) {
        memcpy(c, b.p, b.n);
        set_u32(c, hdr[k].off, hdr[k].v);
        expect_fail(hdr[k].what, c, b.n, IRVI_EFORMAT);
    }
    memcpy(c, b.p, b.n);
    memcpy(c, "SBNPARM3", 8);
    expect_fail("bad magic", c, b.n, IRVI_EFORMAT);
    memcpy(c, "SBNPARM1", 8);
    expect_fail("v1 magic", c, b.n, IRVI_EFORMAT);
    memcpy(c, b.p, b.n);
    c[0] = 'X';
    expect_fail("bad magic byte", c, b.n, IRVI_EFORMAT);
    /* truncation at every header boundary and inside the arrays */
    size_t cuts[] = {0, 1, 7, 8, 12, 23, 24, 28, 32, 35, 36, 44, b.n / 2, b.n - 8, b.n - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        char what[64];
        snprintf(what, sizeof what, "truncated to %zu of %zu bytes", cuts[k], b.n);
        expect_fail(what, b.p, cuts[k], IRVI_EFORMAT);
    }
    memcpy(c, b.p, b.n);
    c[b.n] = 0;
    expect_fail("one trailing byte", c, b.n + 1, IRVI_EFORMAT);
    memset(c + b.n, 0, 8);
    expect_fail("one extra double", c, b.n + 8, IRVI_EFORMAT);
    /* a value that does not fit a float, and a NaN */
    memcpy(c, b.p, b.n);
    uint64_t big;
    double dbig = 1e300;
    memcpy(&big, &dbig, 8);
    for (int i = 0; i < 8; i++)
        c[36 + i] = (uint8_t)(big >> (8 * i));
    expect_fail("1e300 in G0", c, b.n, IRVI_EFORMAT);
    memcpy(c, b.p, b.n);
    memset(c + b.n - 8, 0xFF, 8);
    expect_fail("NaN in v2", c, b.n, IRVI_EFORMAT);
    free(c);
    free(b.p);
    /* a missing file is an i/o error, named */
    irvi_model *m = NULL;
    const char *missing = tmp_path("does_not_exist.sbn");
    remove(missing);
    CHECK(irvi_model_import_sbnparm(missing, &m) == IRVI_EIO);
    CHECK(m == NULL && strstr(irvi_last_error(), missing) != NULL);
}

static void check_export_refuses(void)
{
    irvi_arch a;
    memset(&a, 0, sizeof a);
    a.D = 6;
    a.L = 1;
    a.H[0] = 4;
    a.prior = IRVI_PRIOR_DARN;
    irvi_model *m = NULL;
    CHECK_OK(irvi_model_create(&a, 1, &m));
    const char *path = tmp_path("darn.sbn");
    remove(path);
    CHECK(irvi_model_export_sbnparm(m, path) == IRVI_EINVAL);
    FILE *f = fopen(path, "rb");
    CHECK(f == NULL); /* nothing written */
    if (f)
        fclose(f);
    irvi_model_free(m);
    a.prior = IRVI_PRIOR_FACTORIZED;
    a.gen_hidden = 3;
    CHECK_OK(irvi_model_create(&a, 1, &m));
    CHECK(irvi_model_export_sbnparm(m, path) == IRVI_EINVAL);
    irvi_model_free(m);
    /* unwritable destination: EIO */
    a.gen_hidden = 0;
    CHECK_OK(irvi_model_create(&a, 1, &m));
    CHECK(irvi_model_export_sbnparm(m, "/nonexistent-dir/x.sbn") == IRVI_EIO);
    irvi_model_free(m);
}

int main(void)
{
    const char *t = getenv("IRVI_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t && *t ? t : "/tmp");
    round_trip("200", 784, 0);
    round_trip("200,200,200", 784, 1);
    round_trip("7,5", 11, 0);
    check_layout();
    check_corrupt();
    check_export_refuses();
    return CHECK_DONE();
}
