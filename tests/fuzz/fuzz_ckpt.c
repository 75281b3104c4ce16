/* tests/fuzz/fuzz_ckpt.c — the checkpoint container and both loaders
 * (irvi_model_load, irvi_trainer_resume against a 4x4 in-memory dataset).
 *
 * Each input is tried twice: as given (magic, version, length and CRC-32
 * checks), and with its header length and CRC-32 trailer fixed up so that the
 * mutations reach the section parsers behind the checksum (a crafted file
 * passes the CRC too). A trainer that loads is saved again, reloaded and
 * compared, and when its options are small it takes a step (and validates at
 * an epoch end) so the restored state is exercised. */
#include "fuzz_util.h"

#include "ckpt_fixture.h"

#include <irvi/irvi.h>

static irvi_dataset *g_ds;
static char g_save[128];

static int same_model(const irvi_model *a, const irvi_model *b)
{
    size_t n = irvi_model_nparams(a);
    return n == irvi_model_nparams(b) &&
           !memcmp(irvi_model_params_const(a), irvi_model_params_const(b), n * sizeof(float)) &&
           !memcmp(irvi_model_mean(a), irvi_model_mean(b),
                   sizeof(float) * (size_t)irvi_model_arch(a)->D);
}

static void try_file(const uint8_t *data, size_t size)
{
    const char *path = fuzz_as_file(data, size);
    irvi_model *m = NULL;
    if (irvi_model_load(path, &m) == IRVI_OK) {
        FUZZ_ASSERT(m != NULL);
        FUZZ_ASSERT(irvi_arch_validate(irvi_model_arch(m)) == IRVI_OK);
        irvi_model_free(m);
    } else {
        FUZZ_ASSERT(m == NULL);
    }

    irvi_trainer *t = NULL;
    if (irvi_trainer_resume(path, g_ds, &t) != IRVI_OK) {
        FUZZ_ASSERT(t == NULL);
        return;
    }
    FUZZ_ASSERT(t != NULL);
    /* save, reload, compare */
    irvi_trainer *u = NULL;
    FUZZ_ASSERT(irvi_trainer_save(t, g_save) == IRVI_OK);
    FUZZ_ASSERT(irvi_trainer_resume(g_save, g_ds, &u) == IRVI_OK);
    unlink(g_save);
    FUZZ_ASSERT(same_model(irvi_trainer_model(t), irvi_trainer_model(u)));
    FUZZ_ASSERT(irvi_trainer_updates(t) == irvi_trainer_updates(u));
    FUZZ_ASSERT(irvi_trainer_epoch(t) == irvi_trainer_epoch(u));
    irvi_trainer_free(u);

    const irvi_train_opts *o = irvi_trainer_opts(t);
    int small = o->air.K <= 4 && o->air.M <= 4 && o->N <= 4 && o->batch <= 16 &&
                o->test_air.K <= 4 && o->test_air.M <= 4 && o->valid_N <= 4 &&
                irvi_model_nparams(irvi_trainer_model(t)) <= 4096;
    for (int i = 0; small && i < 2; i++) {
        if (irvi_trainer_epoch_done(t)) {
            irvi_epoch_metrics em;
            if (irvi_trainer_end_epoch(t, &em, NULL, NULL) != IRVI_OK)
                break;
        }
        irvi_step_metrics sm;
        irvi_status st = irvi_trainer_step(t, &sm);
        if (st != IRVI_OK) {
            FUZZ_ASSERT(st == IRVI_ENUMERIC || st == IRVI_EINVAL);
            break;
        }
        FUZZ_ASSERT(sm.batch >= 1 && sm.batch <= sm.batches);
    }
    irvi_trainer_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_ds) {
        irvi_set_threads(1);
        g_ds = fixture_dataset();
        FUZZ_ASSERT(g_ds != NULL);
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(g_save, sizeof g_save, "%s/irvi-fuzz-ckpt-%ld.irvi", dir, (long)getpid());
    }
    try_file(data, size);
    /* the same bytes with a consistent length field and checksum */
    if (size >= 28 && size <= (1u << 22) && !memcmp(data, "IRVICKPT", 8)) {
        uint8_t *c = malloc(size);
        memcpy(c, data, size);
        for (int i = 0; i < 8; i++)
            c[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
        /* CRC-32 (IEEE, reflected), as engine/ckfile.c */
        uint32_t crc = 0xFFFFFFFFu;
        for (size_t i = 0; i < size - 4; i++) {
            crc ^= c[i];
            for (int k = 0; k < 8; k++)
                crc = crc & 1 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        crc ^= 0xFFFFFFFFu;
        for (int i = 0; i < 4; i++)
            c[size - 4 + i] = (uint8_t)(crc >> (8 * i));
        try_file(c, size);
        free(c);
    }
    return 0;
}
