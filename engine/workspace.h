/* engine/workspace.h — growing and freeing the batched passes' scratch
 * (model_ws of model_impl.h; workspace.c). */
#ifndef IRVI_WORKSPACE_H
#define IRVI_WORKSPACE_H

#include "model_impl.h"

/* Room for `rows` sample rows and n examples; 0 ok, -1 out of memory. */
int model_ws_reserve(model_ws *w, const irvi_model *m, int rows, int n);
void model_ws_free(model_ws *w);

/* Grow *p to bytes (at least 1); 0 ok, -1 out of memory (*p unchanged). */
int ws_grow(void **p, size_t bytes);

#endif
