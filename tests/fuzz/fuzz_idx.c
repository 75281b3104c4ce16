/* tests/fuzz/fuzz_idx.c — LeCun IDX reader: irvi_idx_parse on the input
 * bytes, and irvi_idx_load on the same bytes as a file (which also takes the
 * gzip path when the input is gzip data). On success the result must
 * describe exactly the bytes given; on failure nothing may be left owned. */
#include "fuzz_util.h"

#include <irvi/data.h>

static void check(const irvi_idx *x, size_t size)
{
    FUZZ_ASSERT(x->ndim == 1 || x->ndim == 3);
    size_t count = 1;
    for (int i = 0; i < x->ndim; i++) {
        FUZZ_ASSERT(x->dims[i] >= 0);
        count *= (size_t)x->dims[i];
    }
    FUZZ_ASSERT(count == x->count);
    FUZZ_ASSERT(x->data != NULL);
    (void)size;
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < x->count; i++) /* every byte readable (ASan) */
        sink ^= x->data[i];
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    irvi_idx a, b;
    irvi_status sa = irvi_idx_parse(data, size, "fuzz", &a);
    if (sa == IRVI_OK) {
        check(&a, size);
        FUZZ_ASSERT(4 + 4 * (size_t)a.ndim + a.count == size);
    } else {
        FUZZ_ASSERT(a.data == NULL);
        FUZZ_ASSERT(irvi_last_error()[0] != '\0');
    }
    irvi_status sb = irvi_idx_load(fuzz_as_file(data, size), &b);
    if (sb == IRVI_OK)
        check(&b, size);
    else
        FUZZ_ASSERT(b.data == NULL);
    /* a plain (non-gzip) file must give the same answer both ways */
    if (!(size >= 2 && data[0] == 0x1f && data[1] == 0x8b)) {
        FUZZ_ASSERT((sa == IRVI_OK) == (sb == IRVI_OK));
        if (sa == IRVI_OK)
            FUZZ_ASSERT(a.count == b.count && (a.count == 0 || !memcmp(a.data, b.data, a.count)));
    }
    irvi_idx_free(&a);
    irvi_idx_free(&b);
    return 0;
}
