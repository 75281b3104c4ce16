/* app/run/build.h — the one trainer builder: a model description (layers,
 * prior, hidden units, latents) plus training options become a new model
 * initialised from a seed, with the data mean as its visible bias, inside a
 * new trainer. `irvi train` and the experiments both build through here. */
#ifndef IRVI_APP_BUILD_H
#define IRVI_APP_BUILD_H

#include <irvi/irvi.h>

typedef struct {
    const char *layers;     /* "200" or "200,200,..." bottom first */
    int darn;               /* autoregressive top prior */
    int gen_hidden, rec_hidden;
    int squash;             /* reference squashed means */
    irvi_latent latent;     /* binary (SBN, DARN) or Gaussian (VAE) */
} run_model;

/* Which step failed, for the caller's message. */
typedef enum { BUILD_OK, BUILD_ARCH, BUILD_MODEL, BUILD_TRAINER } build_stage;

/* Build a trainer for model on ds with options o; model and trainer draw
 * from seed. IRVI_OK and *t, or the engine status with *failed set (the
 * engine's detail in irvi_last_error()). */
irvi_status run_build_trainer(const run_model *model, const irvi_dataset *ds,
                              const irvi_train_opts *o, uint64_t seed, irvi_trainer **t,
                              build_stage *failed);

#endif
