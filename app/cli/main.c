/* app/cli/main.c — the irvi executable: dispatches subcommands. */
#include "cli/commands.h"
#include "experiments/experiment.h"

#include <irvi/irvi.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    int computes; /* runs the BLAS: checked first (irvi_blas_check) */
} command;

static const command commands[] = {
    {"data", cmd_data, "data info NAME        describe a dataset (splits, size, mean, md5)", 0},
    {"train", cmd_train, "train [options]       train a model with AIR / RWS (irvi train --help)", 1},
    {"eval", cmd_eval, "eval --model FILE     lower bound, IS log-likelihood, ESS: unrefined vs refined", 1},
    {"refine", cmd_refine, "refine --model FILE   the refinement lab: step AIR on chosen digits", 1},
    {"export", cmd_export, "export --model FILE   PNG of truth / unrefined / refined reconstructions", 1},
    {"exact", cmd_exact, "exact --model FILE    exact log-likelihood of a small 1-layer SBN vs the estimates", 1},
    {"import", cmd_import, "import --params FILE  the PyTorch peer's parameter file (SBNPARM2) to an irvi model", 0},
    {"export-params", cmd_export_params, "export-params --model FILE  an irvi model as the peer's parameter file", 0},
    {"watch", cmd_watch, "watch DIR...          several runs' curves side by side, live (or --png / --csv)", 0},
    {"experiment", cmd_experiment, "experiment NAME|all|list|report   the paper's experiments and their report", 1},
};

static void usage(FILE *f)
{
    fprintf(f,
            "irvi " IRVI_VERSION_STRING " — iterative refinement of the approximate posterior\n"
            "\n"
            "usage: irvi COMMAND [options]\n"
            "       irvi              (no command) the live session: AIR training of a 200-unit\n"
            "                         SBN on binarized MNIST in runs/default, with the terminal UI\n"
            "                         and the reconstruction window\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].summary);
    fprintf(f,
            "\n"
            "  irvi --help       this text;  irvi COMMAND --help  options of a command\n"
            "  irvi --version    version, the BLAS library and its self-check\n");
}

/* Refuse to compute on a BLAS whose products are wrong (irvi_blas_check). */
static int blas_ok(void)
{
    if (irvi_blas_check() == IRVI_OK)
        return 1;
    fprintf(stderr, "irvi: refusing to run: %s\n", irvi_last_error());
    return 0;
}

static void version(void)
{
    irvi_blas_info b;
    irvi_blas_get_info(&b);
    printf("irvi %s\n", IRVI_VERSION_STRING);
    printf("BLAS: %s\n", b.library);
    if (b.coretype_env)
        printf("BLAS core type: %s (OPENBLAS_CORETYPE=%s)\n", b.core, b.coretype_env);
    else
        printf("BLAS core type: %s (OPENBLAS_CORETYPE unset)\n", b.core);
    if (b.threads > 0)
        printf("BLAS threads: %d (irvi splits large products over its own threads)\n", b.threads);
    else
        printf("BLAS threads: unknown\n");
    if (b.passed)
        printf("BLAS check: passed (sgemm NN, TN, NT against a plain loop, %.1f ms)\n",
               b.check_ms);
    else
        printf("BLAS check: FAILED: %s\n", b.message);
}

/* `irvi` alone: the default live session (AIR, SBN-200, binarized MNIST) in
 * runs/default, resuming it if the user agrees. */
static int live_default(void)
{
    static char out[] = "runs/default", ck[] = "runs/default/checkpoint.irvi";
    char *args[4] = {"--out", out, NULL, NULL};
    int n = 2;
    if (access(ck, F_OK) == 0) {
        int resume = 1;
        if (isatty(0) && isatty(1)) {
            printf("A training run exists in %s. Resume it? [Y/n] ", out);
            fflush(stdout);
            char line[64];
            if (fgets(line, sizeof line, stdin) && (line[0] == 'n' || line[0] == 'N'))
                resume = 0;
        }
        if (resume) {
            static char r[] = "--resume";
            args[n++] = r;
        } else {
            char old[64];
            snprintf(old, sizeof old, "runs/default.%ld", (long)time(NULL));
            if (rename(out, old) != 0) {
                perror("irvi: moving the old run aside");
                return 1;
            }
            printf("the old run is now in %s\n", old);
        }
    }
    return cmd_train(n, args);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return blas_ok() ? live_default() : 1;
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        version();
        return irvi_blas_check() == IRVI_OK ? 0 : 1;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            int help = 0;
            for (int k = 2; k < argc; k++)
                help |= !strcmp(argv[k], "--help") || !strcmp(argv[k], "-h");
            if (commands[i].computes && !help && !blas_ok())
                return 1;
            return commands[i].run(argc - 2, argv + 2);
        }
    fprintf(stderr, "irvi: unknown command '%s' (try irvi --help)\n", argv[1]);
    return 2;
}
