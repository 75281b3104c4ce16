/* tests/ckpt_compare.c — a small checkpoint tool for the command-line tests
 * (tests/cli/killresume.sh, tests/cli/faults.sh). Not installed.
 *
 *   ckpt_compare same A B [--data-dir DIR]
 *       A and B hold the same trainer state, bit for bit: every section of
 *       the container (ARCH PARM XBAR BEST OPTS OPTM RNGS POSN, and METR
 *       except its wall-clock seconds) is byte-identical; both load through
 *       irvi_model_load with identical parameters; with --data-dir (MNIST),
 *       both resume through irvi_trainer_resume with identical current and
 *       best parameters, update count and epoch. Exit 0 same, 1 different.
 *   ckpt_compare info FILE
 *       FILE verifies (magic, length, CRC) and loads as a model; prints
 *       "updates U epoch E batch B". Exit 0, or 1 naming the problem.
 *   ckpt_compare poison IN OUT nan|huge --data-dir DIR
 *       Resume IN on MNIST from DIR through the public API, spoil the
 *       current parameters and save the trainer to OUT: nan puts a NaN in
 *       the first parameter; huge sets every weight of G0 to 3e38 (finite,
 *       so the checkpoint resumes, but the first step overflows).
 * Exit 2 on usage or unreadable files.
 */
#include "ckfile.h"

#include <irvi/irvi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static irvi_dataset *open_mnist(const char *dir)
{
    irvi_data_opts o;
    irvi_data_opts_default(&o);
    o.dir = dir;
    irvi_dataset *ds = NULL;
    if (irvi_dataset_open(&o, &ds)) {
        fprintf(stderr, "ckpt_compare: MNIST in %s: %s\n", dir, irvi_last_error());
        exit(2);
    }
    return ds;
}

static int same_floats(const float *a, const float *b, size_t n)
{
    return !memcmp(a, b, n * sizeof(float));
}

static int same_model(const irvi_model *a, const irvi_model *b)
{
    size_t n = irvi_model_nparams(a);
    return n == irvi_model_nparams(b) &&
           same_floats(irvi_model_params_const(a), irvi_model_params_const(b), n) &&
           same_floats(irvi_model_mean(a), irvi_model_mean(b),
                       (size_t)irvi_model_arch(a)->D);
}

/* Compare one section's bytes; METR is compared without its last field
 * (epoch seconds: wall time, different in every run). */
static int same_section(const ckfile *a, const ckfile *b, const char *tag)
{
    rcur x, y;
    int hx = ck_section(a, tag, &x) == IRVI_OK, hy = ck_section(b, tag, &y) == IRVI_OK;
    if (!hx || !hy) {
        if (hx != hy)
            printf("section %s: present in only one file\n", tag);
        return hx == hy;
    }
    size_t nx = x.len, ny = y.len;
    if (!strcmp(tag, "METR") && nx >= 8 && ny >= 8) {
        nx -= 8;
        ny -= 8;
    }
    if (nx != ny) {
        printf("section %s: %zu vs %zu bytes\n", tag, nx, ny);
        return 0;
    }
    for (size_t i = 0; i < nx; i++)
        if (x.p[i] != y.p[i]) {
            size_t first = i, count = 0;
            for (; i < nx; i++)
                count += x.p[i] != y.p[i];
            printf("section %s: %zu of %zu bytes differ, the first at offset %zu\n", tag, count,
                   nx, first);
            return 0;
        }
    return 1;
}

static int cmd_same(const char *fa, const char *fb, const char *dir)
{
    ckfile a, b;
    if (ck_open(fa, &a)) {
        printf("%s\n", irvi_last_error());
        return 2;
    }
    if (ck_open(fb, &b)) {
        printf("%s\n", irvi_last_error());
        free(a.data);
        return 2;
    }
    static const char *const tags[] = {"ARCH", "PARM", "XBAR", "BEST", "OPTS",
                                       "OPTM", "RNGS", "POSN", "METR"};
    int same = a.kind == b.kind;
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        same &= same_section(&a, &b, tags[i]);
    free(a.data);
    free(b.data);

    irvi_model *ma = NULL, *mb = NULL;
    if (irvi_model_load(fa, &ma) || irvi_model_load(fb, &mb)) {
        printf("model load: %s\n", irvi_last_error());
        same = 0;
    } else if (!same_model(ma, mb)) {
        printf("irvi_model_load: the parameters differ\n");
        same = 0;
    }
    irvi_model_free(ma);
    irvi_model_free(mb);

    if (dir) {
        irvi_dataset *ds = open_mnist(dir);
        irvi_trainer *ta = NULL, *tb = NULL;
        if (irvi_trainer_resume(fa, ds, &ta) || irvi_trainer_resume(fb, ds, &tb)) {
            printf("resume: %s\n", irvi_last_error());
            same = 0;
        } else {
            if (!same_model(irvi_trainer_model(ta), irvi_trainer_model(tb))) {
                printf("irvi_trainer_resume: the current parameters differ\n");
                same = 0;
            }
            if (!same_model(irvi_trainer_best(ta), irvi_trainer_best(tb))) {
                printf("irvi_trainer_resume: the best parameters differ\n");
                same = 0;
            }
            if (irvi_trainer_updates(ta) != irvi_trainer_updates(tb) ||
                irvi_trainer_epoch(ta) != irvi_trainer_epoch(tb)) {
                printf("irvi_trainer_resume: position differs (update %ld epoch %d vs update "
                       "%ld epoch %d)\n", irvi_trainer_updates(ta), irvi_trainer_epoch(ta),
                       irvi_trainer_updates(tb), irvi_trainer_epoch(tb));
                same = 0;
            }
            if (same)
                printf("%zu parameters, update %ld, epoch %d: identical\n",
                       irvi_model_nparams(irvi_trainer_model(ta)), irvi_trainer_updates(ta),
                       irvi_trainer_epoch(ta));
        }
        irvi_trainer_free(ta);
        irvi_trainer_free(tb);
        irvi_dataset_free(ds);
    }
    printf("%s\n", same ? "same" : "DIFFERENT");
    return same ? 0 : 1;
}

static int cmd_info(const char *f)
{
    ckfile c;
    if (ck_open(f, &c)) {
        printf("%s\n", irvi_last_error());
        return 1;
    }
    rcur r;
    long updates = -1;
    int epoch = -1, batch = -1;
    if (c.kind == CK_KIND_TRAINER && ck_section(&c, "POSN", &r) == IRVI_OK) {
        epoch = (int)ck_get_u32(&r);
        batch = (int)ck_get_u32(&r);
        ck_get_u32(&r);
        updates = (long)ck_get_u64(&r);
    }
    free(c.data);
    irvi_model *m = NULL;
    if (irvi_model_load(f, &m)) {
        printf("%s\n", irvi_last_error());
        return 1;
    }
    irvi_model_free(m);
    printf("updates %ld epoch %d batch %d\n", updates, epoch, batch);
    return 0;
}

static int cmd_poison(const char *in, const char *out, const char *how, const char *dir)
{
    if (!dir || (strcmp(how, "nan") && strcmp(how, "huge")))
        return 2;
    irvi_dataset *ds = open_mnist(dir);
    irvi_trainer *t = NULL;
    if (irvi_trainer_resume(in, ds, &t)) {
        fprintf(stderr, "ckpt_compare: %s\n", irvi_last_error());
        irvi_dataset_free(ds);
        return 2;
    }
    irvi_model *m = irvi_trainer_model(t);
    float *p = irvi_model_params(m);
    if (!strcmp(how, "nan")) {
        p[0] = NAN;
    } else {
        const irvi_tensor *g = irvi_model_find_tensor(m, "G0");
        for (size_t i = 0; g && i < (size_t)g->rows * g->cols; i++)
            p[g->offset + i] = 3e38f;
    }
    int rc = 0;
    if (irvi_trainer_save(t, out)) {
        fprintf(stderr, "ckpt_compare: %s\n", irvi_last_error());
        rc = 2;
    }
    irvi_trainer_free(t);
    irvi_dataset_free(ds);
    return rc;
}

int main(int argc, char **argv)
{
    irvi_set_threads(1);
    const char *dir = NULL;
    int n = 0;
    char *pos[8];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data-dir") && i + 1 < argc)
            dir = argv[++i];
        else if (n < 8)
            pos[n++] = argv[i];
    }
    if (n == 3 && !strcmp(pos[0], "same"))
        return cmd_same(pos[1], pos[2], dir);
    if (n == 2 && !strcmp(pos[0], "info"))
        return cmd_info(pos[1]);
    if (n == 4 && !strcmp(pos[0], "poison"))
        return cmd_poison(pos[1], pos[2], pos[3], dir);
    fprintf(stderr, "usage: ckpt_compare same A B [--data-dir DIR] | info FILE |\n"
                    "       poison IN OUT nan|huge --data-dir DIR\n");
    return 2;
}
