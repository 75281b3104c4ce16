/* irvi/irvi.h — the whole public API of the irvi engine. */
#ifndef IRVI_IRVI_H
#define IRVI_IRVI_H
#include "core.h"
#include "data.h"
#include "model.h"
#include "refine.h"
#include "eval.h"
#include "train.h"
#include "classify.h"
#endif
