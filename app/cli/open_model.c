/* app/cli/open_model.c — a model file and its data (see open_model.h). */
#include "cli/open_model.h"
#include "common/args.h"
#include "common/sysutil.h"


#include <stdio.h>

int open_model(const char *path, int gamma_set, irvi_refine_opts *air, irvi_model **m)
{
    irvi_status st = irvi_model_load(path, m);
    if (st) {
        app_report("loading the model", st);
        return 1;
    }
    if (!gamma_set) /* the family's own step size (GDIR's is not AIR's) */
        air->gamma = irvi_refine_gamma_default(irvi_model_arch(*m));
    return 0;
}

int open_model_data(const char *path, const irvi_model *m, irvi_data_opts *o,
                    irvi_dataset **ds)
{
    args_data_default(o, m);
    irvi_status st = irvi_dataset_open(o, ds);
    if (st) {
        app_report("opening the data", st);
        return 1;
    }
    if (irvi_dataset_D(*ds) != irvi_model_arch(m)->D) {
        fprintf(stderr, "irvi: %s has %d visible units but the %s images have %d pixels\n", path,
                irvi_model_arch(m)->D, o->name, irvi_dataset_D(*ds));
        return 1;
    }
    return 0;
}
