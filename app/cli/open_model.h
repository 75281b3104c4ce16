/* app/cli/open_model.h — the model file and the data it is used with, opened the
 * same way by eval, exact, refine and export. Failures are printed as
 * "irvi: ..." on stderr and return 1. */
#ifndef IRVI_APP_OPEN_MODEL_H
#define IRVI_APP_OPEN_MODEL_H

#include <irvi/irvi.h>

/* Load a model or checkpoint file. For Gaussian-latent models the refinement
 * is GDIR, whose step size default differs from AIR's gamma: unless the user
 * gave one (gamma_set), air->gamma becomes IRVI_GDIR_GAMMA_DEFAULT. */
int open_model(const char *path, int gamma_set, irvi_refine_opts *air, irvi_model **m);

/* Open the dataset and check its images match the model's visible units
 * (path names the model in the message). Without --data (o->name NULL) the
 * set is the one recorded in the model file (args_data_default). */
int open_model_data(const char *path, const irvi_model *m, irvi_data_opts *o,
                    irvi_dataset **ds);

#endif
