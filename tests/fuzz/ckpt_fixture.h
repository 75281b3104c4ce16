/* tests/fuzz/ckpt_fixture.h — the small in-memory dataset that fuzz_ckpt
 * resumes trainer checkpoints against, and that gen_corpus.c trains on to
 * write the seed checkpoints: 4x4 binary images, 10 train, 4 valid, 2 test. */
#ifndef IRVI_FUZZ_CKPT_FIXTURE_H
#define IRVI_FUZZ_CKPT_FIXTURE_H

#include <irvi/data.h>

#define FIX_ROWS 4
#define FIX_COLS 4
#define FIX_D 16

static inline irvi_dataset *fixture_dataset(void)
{
    static uint8_t x[16 * FIX_D];
    for (int i = 0; i < 16 * FIX_D; i++)
        x[i] = (uint8_t)(((unsigned)i * 2654435761u >> 7) & 1);
    irvi_split s[3] = {
        {10, FIX_D, x, NULL},
        {4, FIX_D, x + 10 * FIX_D, NULL},
        {2, FIX_D, x + 14 * FIX_D, NULL},
    };
    irvi_dataset *ds = NULL;
    if (irvi_dataset_from_memory("fuzz", FIX_ROWS, FIX_COLS, s, &ds))
        return NULL;
    return ds;
}

#endif
