/* app/cli/cmd_data.c — `irvi data`: describe a dataset or check a single file.
 *
 *   irvi data info NAME [--dir DIR] [--binarize stochastic|threshold] [--seed N]
 *   irvi data check FILE
 *
 * `info` opens the set exactly as training would (same binarization, same
 * seed) and prints its shape, split sizes, mean intensity of each binary
 * split and the md5 of every source file. `check` reads one file of any
 * supported kind (IDX plain or .gz, .amat, .mat) and prints its shape.
 * Engine failures print one line through app_report() and exit 1; usage
 * errors exit 2.
 */
#include "cli/commands.h"
#include "common/sysutil.h"

#include <irvi/irvi.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void data_usage(FILE *f)
{
    fprintf(f,
            "usage: irvi data info NAME [--dir DIR] [--binarize stochastic|threshold] [--seed N]\n"
            "       irvi data check FILE\n"
            "\n"
            "  info   describe a dataset: image size, split sizes, mean intensity of each\n"
            "         binarized split, source files with md5\n"
            "         NAME: mnist, fashion-mnist, binarized-mnist, caltech101\n"
            "         --dir DIR        directory holding the files (default: the set's own,\n"
            "                          e.g. data/mnist; IRVI_DATA_DIR replaces the data/ root)\n"
            "         --binarize MODE  stochastic (Bernoulli(pixel/255), default) or\n"
            "                          threshold (pixel/255 >= 0.5); grey-level sets only\n"
            "         --seed N         seed of the stochastic binarization (default 1234)\n"
            "  check  read one file (IDX, IDX.gz, .amat, .mat) and print its shape\n");
}

static double split_mean(irvi_split s)
{
    size_t total = (size_t)s.n * (size_t)s.D, ones = 0;
    for (size_t i = 0; i < total; i++)
        ones += s.x[i];
    return total ? (double)ones / (double)total : 0.0;
}

static int data_info(int argc, char **argv)
{
    irvi_data_opts o;
    irvi_data_opts_default(&o);
    o.name = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            data_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--dir")) {
            if (!has_val)
                goto missing;
            o.dir = argv[++i];
        } else if (!strcmp(a, "--binarize")) {
            if (!has_val)
                goto missing;
            const char *m = argv[++i];
            if (!strcmp(m, "stochastic"))
                o.binarize = IRVI_BIN_STOCHASTIC;
            else if (!strcmp(m, "threshold"))
                o.binarize = IRVI_BIN_THRESHOLD;
            else {
                fprintf(stderr, "irvi data info: --binarize must be stochastic or threshold, "
                                "not '%s'\n", m);
                return 2;
            }
        } else if (!strcmp(a, "--seed")) {
            if (!has_val)
                goto missing;
            const char *v = argv[++i];
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || end == v || *end || v[0] == '-') {
                fprintf(stderr, "irvi data info: --seed needs a non-negative integer, not '%s'\n",
                        v);
                return 2;
            }
            o.seed = (uint64_t)s;
        } else if (a[0] == '-') {
            fprintf(stderr, "irvi data info: unknown option '%s' (try irvi data --help)\n", a);
            return 2;
        } else if (!o.name) {
            o.name = a;
        } else {
            fprintf(stderr, "irvi data info: unexpected argument '%s'\n", a);
            return 2;
        }
        continue;
    missing:
        fprintf(stderr, "irvi data info: %s needs a value\n", a);
        return 2;
    }
    if (!o.name) {
        fprintf(stderr, "irvi data info: missing dataset NAME (mnist, fashion-mnist, "
                        "binarized-mnist, caltech101)\n");
        return 2;
    }

    irvi_dataset *ds;
    irvi_status st = irvi_dataset_open(&o, &ds);
    if (st) {
        char what[160];
        snprintf(what, sizeof what, "data info %s", o.name);
        app_report(what, st);
        return 1;
    }
    int rows, cols;
    irvi_dataset_shape(ds, &rows, &cols);
    int grey = !strcmp(o.name, "mnist") || !strcmp(o.name, "fashion-mnist");
    irvi_split sp[3];
    for (int k = 0; k < 3; k++)
        sp[k] = irvi_dataset_split(ds, (irvi_split_id)k);

    printf("dataset     %s\n", irvi_dataset_name(ds));
    printf("image size  %d×%d (%d pixels)%s\n", rows, cols, irvi_dataset_D(ds),
           irvi_dataset_transposed(ds) ? ", stored column-major" : "");
    if (grey && o.binarize == IRVI_BIN_STOCHASTIC)
        printf("binarize    stochastic, seed %llu\n", (unsigned long long)o.seed);
    else if (grey)
        printf("binarize    threshold (pixel/255 >= 0.5)\n");
    else
        printf("binarize    fixed (the files are binary)\n");
    printf("splits      train %d  valid %d  test %d\n", sp[0].n, sp[1].n, sp[2].n);
    printf("pixels on   train %.5f  valid %.5f  test %.5f  (fraction)\n", split_mean(sp[0]),
           split_mean(sp[1]), split_mean(sp[2]));
    if (sp[0].y) {
        int maxl = 0;
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < sp[k].n; i++)
                maxl = sp[k].y[i] > maxl ? sp[k].y[i] : maxl;
        printf("labels      %d classes\n", maxl + 1);
    } else {
        printf("labels      none\n");
    }
    printf("sources     (md5 of the uncompressed bytes)\n");
    for (int i = 0; i < irvi_dataset_nsources(ds); i++)
        printf("  %s  %s\n", irvi_dataset_source_md5(ds, i), irvi_dataset_source_path(ds, i));
    irvi_dataset_free(ds);
    return 0;
}

static int data_check(int argc, char **argv)
{
    if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        data_usage(stdout);
        return 0;
    }
    if (argc != 1 || argv[0][0] == '\0') {
        fprintf(stderr, "irvi data check: expected exactly one FILE (try irvi data --help)\n");
        return 2;
    }
    char desc[512];
    irvi_status st = irvi_data_probe(argv[0], desc, sizeof desc);
    if (st) {
        app_report("data check", st);
        return 1;
    }
    printf("%s: %s\n", argv[0], desc);
    return 0;
}

int cmd_data(int argc, char **argv)
{
    if (argc < 1) {
        data_usage(stderr);
        return 2;
    }
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") || !strcmp(argv[0], "help")) {
        data_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[0], "info"))
        return data_info(argc - 1, argv + 1);
    if (!strcmp(argv[0], "check"))
        return data_check(argc - 1, argv + 1);
    fprintf(stderr, "irvi data: unknown subcommand '%s' (info, check; try irvi data --help)\n",
            argv[0]);
    return 2;
}
