/* tests/fuzz/fuzz_args.c — the command-line value parsers of app/common/args.c
 * (linked directly) plus the engine's --layers and --algo parsers. The input
 * is split into argv at NUL bytes; every argument is offered to args_data
 * (which may consume the next one) and otherwise to each value parser, with
 * the ranges the commands use. Results must respect the ranges asked for. */
#include "fuzz_util.h"

#include "common/args.h"

#include <irvi/irvi.h>
#include <math.h>

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_stderr();
    /* argv strings: the input split at NULs, each NUL-terminated */
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    for (size_t i = 0; i <= size && argc < MAX_ARGS;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;

    irvi_data_opts o;
    irvi_data_opts_default(&o);
    for (int i = 0; i < argc; i++) {
        int r = args_data(argc, argv, &i, &o);
        FUZZ_ASSERT(r >= -1 && r <= 1 && i < argc);
        if (r != 0)
            continue;
        const char *s = argv[i];
        int iv = 12345;
        if (args_int("--n", s, 1, 100000000, &iv) == 0)
            FUZZ_ASSERT(iv >= 1 && iv <= 100000000);
        if (args_int("--seed", s, 0, 2147483647, &iv) == 0)
            FUZZ_ASSERT(iv >= 0);
        if (args_int("--K", s, -5, 5, &iv) == 0)
            FUZZ_ASSERT(iv >= -5 && iv <= 5);
        float fv = 0;
        if (args_float("--gamma", s, 0, 1, 1, &fv) == 0)
            FUZZ_ASSERT(fv > 0 && fv <= 1 && isfinite(fv)); /* (0, 1] as a float too */
        if (args_float("--lr", s, 0, 10, 0, &fv) == 0)
            FUZZ_ASSERT(fv >= 0 && fv <= 10);
        int K = -1, M = -1;
        float g = -1;
        if (args_refine("--refine", s, &K, &M, &g) == 0) {
            FUZZ_ASSERT(K >= 0 && K <= 100000 && M >= 1 && M <= 100000 && g > 0 && g <= 1);
            /* the numbers accepted are the numbers written (no wrap-around) */
            char *e1, *e2;
            long long k2 = strtoll(s, &e1, 10);
            long long m2 = *e1 == ',' ? strtoll(e1 + 1, &e2, 10) : -1;
            FUZZ_ASSERT(k2 == K && m2 == M);
            irvi_refine_opts air;
            irvi_refine_opts_default(&air);
            air.K = K;
            air.M = M;
            air.gamma = g;
            FUZZ_ASSERT(irvi_refine_opts_validate(&air) == IRVI_OK);
        }
        int idx[16];
        int n = args_digits("--digits", s, idx, 16);
        FUZZ_ASSERT(n == -1 || (n >= 1 && n <= 16));
        for (int k = 0; k < n; k++)
            FUZZ_ASSERT(idx[k] >= 0 && idx[k] <= 100000000);
        irvi_arch a;
        memset(&a, 0, sizeof a);
        if (irvi_arch_parse_layers(s, &a) == IRVI_OK) {
            FUZZ_ASSERT(a.L >= 1 && a.L <= IRVI_MAX_LAYERS);
            for (int l = 0; l < a.L; l++)
                FUZZ_ASSERT(a.H[l] >= 1 && a.H[l] <= 65536);
        }
        irvi_algo al;
        if (irvi_algo_parse(s, &al) == IRVI_OK)
            FUZZ_ASSERT(strcmp(irvi_algo_name(al), "unknown") != 0);
    }
    /* args_value at every position */
    for (int i = 0; i < argc; i++) {
        int j = i;
        const char *v = args_value(argc, argv, &j);
        FUZZ_ASSERT(v ? j == i + 1 && v == argv[i + 1] : j == i);
    }
    free(buf);
    return 0;
}
