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
} command;

static const command commands[] = {
    {"data", cmd_data, "data info NAME        describe a dataset (splits, size, mean, md5)"},
    {"train", cmd_train, "train [options]       train a model with AIR / RWS (irvi train --help)"},
    {"eval", cmd_eval, "eval --model FILE     lower bound, IS log-likelihood, ESS: unrefined vs refined"},
    {"refine", cmd_refine, "refine --model FILE   the refinement lab: step AIR on chosen digits"},
    {"export", cmd_export, "export --model FILE   PNG of truth / unrefined / refined reconstructions"},
    {"exact", cmd_exact, "exact --model FILE    exact log-likelihood of a small 1-layer SBN vs the estimates"},
    {"import", cmd_import, "import --params FILE  the PyTorch peer's parameter file (SBNPARM2) to an irvi model"},
    {"export-params", cmd_export_params, "export-params --model FILE  an irvi model as the peer's parameter file"},
    {"experiment", cmd_experiment, "experiment NAME|all|list|report   the paper's experiments and their report"},
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
            "  irvi --version    version\n");
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
        return live_default();
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("irvi %s\n", IRVI_VERSION_STRING);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "irvi: unknown command '%s' (try irvi --help)\n", argv[1]);
    return 2;
}
