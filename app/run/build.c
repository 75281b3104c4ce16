/* app/run/build.c — the trainer builder (see build.h). */
#include "run/build.h"

#include <string.h>

irvi_status run_build_trainer(const run_model *model, const irvi_dataset *ds,
                              const irvi_train_opts *o, uint64_t seed, irvi_trainer **t,
                              build_stage *failed)
{
    irvi_arch arch;
    memset(&arch, 0, sizeof arch);
    *failed = BUILD_ARCH;
    irvi_status st = irvi_arch_parse_layers(model->layers, &arch);
    arch.D = irvi_dataset_D(ds);
    arch.prior = model->darn ? IRVI_PRIOR_DARN : IRVI_PRIOR_FACTORIZED;
    arch.gen_hidden = model->gen_hidden;
    arch.rec_hidden = model->rec_hidden;
    arch.squash = model->squash;
    arch.latent = model->latent;
    if (!st)
        st = irvi_arch_validate(&arch);
    if (st)
        return st;
    irvi_model *m;
    *failed = BUILD_MODEL;
    if ((st = irvi_model_create(&arch, seed, &m)))
        return st;
    irvi_model_set_mean(m, irvi_dataset_mean(ds));
    *failed = BUILD_TRAINER;
    if ((st = irvi_trainer_create(m, ds, o, seed, t))) {
        irvi_model_free(m);
        return st;
    }
    *failed = BUILD_OK;
    return IRVI_OK;
}
