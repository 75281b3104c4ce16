/* engine/model_layout.h — building a model's tensor layout (model.c), for the
 * families' layouts and the checkpoint loader. */
#ifndef IRVI_MODEL_LAYOUT_H
#define IRVI_MODEL_LAYOUT_H

#include "model_impl.h"

/* Parameter count of a valid architecture, without allocating anything (the
 * checkpoint loader checks a file's sizes with it before creating the model). */
size_t model_nparams_of(const irvi_arch *arch);

/* Append a tensor of rows x cols to m's layout; returns its offset. */
size_t model_add_tensor(irvi_model *m, const char *name, int rows, int cols, int decay, int gen);

#endif
