/* app/main.c — the irvi executable: dispatches subcommands. */
#include "commands.h"

#include <irvi/irvi.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"data", cmd_data, "data info NAME        describe a dataset (splits, size, mean, md5)"},
    {"train", cmd_train, "train [options]       train a model with AIR / RWS (irvi train --help)"},
    {"eval", cmd_eval, "eval --model FILE     lower bound, IS log-likelihood, ESS: unrefined vs refined"},
    {"exact", cmd_exact, "exact --model FILE    exact log-likelihood of a small 1-layer SBN vs the estimates"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "irvi " IRVI_VERSION_STRING " — iterative refinement of the approximate posterior\n"
            "\n"
            "usage: irvi COMMAND [options]\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].summary);
    fprintf(f,
            "\n"
            "  irvi --help       this text;  irvi COMMAND --help  options of a command\n"
            "  irvi --version    version\n");
}

void app_report(const char *what, int status)
{
    const char *detail = irvi_last_error();
    fprintf(stderr, "irvi: %s: %s%s%s\n", what, irvi_status_str((irvi_status)status),
            detail[0] ? ": " : "", detail);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
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
