/* tests/fuzz/fuzz_mat.c — the Caltech-101 Silhouettes .mat reader
 * (irvi_mat_load_caltech over matio, from engine/data_internal.h). The input
 * is written to a memfd and opened by path as a caltech .mat file. On
 * success every split is non-empty, the widths agree, pixels are 0/1 and
 * labels 0..100. */
#include "fuzz_util.h"

#include "data_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    irvi_mat_split s[3];
    irvi_status st = irvi_mat_load_caltech(fuzz_as_file(data, size), 101, s);
    if (st == IRVI_OK) {
        for (int k = 0; k < 3; k++) {
            FUZZ_ASSERT(s[k].n >= 1 && s[k].D == s[0].D && s[k].x && s[k].y);
            for (size_t i = 0; i < (size_t)s[k].n * (size_t)s[k].D; i++)
                FUZZ_ASSERT(s[k].x[i] <= 1);
            for (int i = 0; i < s[k].n; i++)
                FUZZ_ASSERT(s[k].y[i] <= 100);
        }
        irvi_mat_splits_free(s);
    } else {
        for (int k = 0; k < 3; k++)
            FUZZ_ASSERT(s[k].x == NULL && s[k].y == NULL);
        FUZZ_ASSERT(irvi_last_error()[0] != '\0');
    }
    return 0;
}
