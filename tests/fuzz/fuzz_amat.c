/* tests/fuzz/fuzz_amat.c — Larochelle .amat reader (irvi_amat_load, from
 * engine/data_internal.h; it reads files only, so the input goes through a
 * memfd). Run with D free (the first line sets it) and with D fixed to 4.
 * On success: n >= 1, D >= 1, every value 0 or 1. */
#include "fuzz_util.h"

#include "data_internal.h"

static void run(const char *path, int D)
{
    uint8_t *x = NULL;
    int n = -1, Dout = -1;
    irvi_status st = irvi_amat_load(path, D, &x, &n, &Dout);
    if (st == IRVI_OK) {
        FUZZ_ASSERT(x != NULL && n >= 1 && Dout >= 1);
        FUZZ_ASSERT(D == 0 || Dout == D);
        size_t k = (size_t)n * (size_t)Dout;
        for (size_t i = 0; i < k; i++)
            FUZZ_ASSERT(x[i] <= 1);
    } else {
        FUZZ_ASSERT(x == NULL && n == 0);
        FUZZ_ASSERT(irvi_last_error()[0] != '\0');
    }
    free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_as_file(data, size);
    run(path, 0);
    run(path, 4);
    return 0;
}
