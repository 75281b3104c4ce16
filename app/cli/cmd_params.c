/* app/cli/cmd_params.c — `irvi import` and `irvi export-params`: move a model
 * between irvi's own model file and the PyTorch peer's parameter file
 * (SBNPARM2, shared/peers/torch_air_bench.py --params / --save-params), so
 * both programs can run on exactly the same weights. The peer's data files
 * (raw uint8 rows of D bytes, no header) need no conversion: bench/irvi_bench
 * reads them directly. */
#include "common/args.h"
#include "common/sysutil.h"
#include "cli/commands.h"

#include <irvi/irvi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --in-flag FILE --out FILE; returns 0, or 2 after a usage message. */
static int parse_io(int argc, char **argv, const char *cmd, const char *in_flag,
                    void (*usage)(FILE *), const char **in, const char **out)
{
    *in = *out = NULL;
    for (int i = 0; i < argc; i++) {
        const char *f = argv[i], *v;
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (!strcmp(f, in_flag) || !strcmp(f, "--out")) {
            if (!(v = args_value(argc, argv, &i)))
                return 2;
            if (!strcmp(f, "--out"))
                *out = v;
            else
                *in = v;
        } else {
            fprintf(stderr, "irvi: unknown option '%s' (try irvi %s --help)\n", f, cmd);
            return 2;
        }
    }
    if (!*in || !*out) {
        fprintf(stderr, "irvi: %s FILE and --out FILE are required (try irvi %s --help)\n",
                in_flag, cmd);
        return 2;
    }
    return 0;
}

static void import_usage(FILE *f)
{
    fprintf(f,
            "usage: irvi import --params FILE --out MODEL.irvi\n"
            "  Convert the PyTorch peer's parameter file (SBNPARM2, written by\n"
            "  torch_air_bench.py --save-params) into an irvi model file. Without\n"
            "  recognition arrays in FILE the recognition net is zero and xbar 0.5.\n");
}

static void export_usage(FILE *f)
{
    fprintf(f,
            "usage: irvi export-params --model FILE --out FILE.sbn\n"
            "  Write an irvi model (or the best parameters of a trainer checkpoint) as the\n"
            "  PyTorch peer's parameter file (SBNPARM2, float32), for\n"
            "  torch_air_bench.py --params FILE.sbn. Plain SBNs only (no DARN, no tanh layers).\n");
}

static void describe(const char *verb, const irvi_model *m, const char *path)
{
    char desc[128];
    irvi_arch_describe(irvi_model_arch(m), desc, sizeof desc);
    printf("%s %s: %s, D=%d, %zu parameters\n", verb, path, desc, irvi_model_arch(m)->D,
           irvi_model_nparams(m));
}

int cmd_import(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_io(argc, argv, "import", "--params", import_usage, &in, &out);
    if (rc)
        return rc;
    irvi_model *m = NULL;
    irvi_status st = irvi_model_import_sbnparm(in, &m);
    if (st) {
        app_report("reading the parameter file", st);
        return 1;
    }
    if ((st = irvi_model_save(m, out))) {
        app_report("writing the model", st);
        irvi_model_free(m);
        return 1;
    }
    describe("read", m, in);
    printf("wrote %s\n", out);
    irvi_model_free(m);
    return 0;
}

int cmd_export_params(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_io(argc, argv, "export-params", "--model", export_usage, &in, &out);
    if (rc)
        return rc;
    irvi_model *m = NULL;
    irvi_status st = irvi_model_load(in, &m);
    if (st) {
        app_report("loading the model", st);
        return 1;
    }
    if ((st = irvi_model_export_sbnparm(m, out))) {
        app_report("writing the parameter file", st);
        irvi_model_free(m);
        return 1;
    }
    describe("read", m, in);
    printf("wrote %s (SBNPARM2, float32)\n", out);
    irvi_model_free(m);
    return 0;
}
