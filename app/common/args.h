/* app/common/args.h — strict parsing of command-line values. Each parser prints
 * "irvi: --flag: what is wrong" to stderr and returns -1 on bad input. */
#ifndef IRVI_APP_ARGS_H
#define IRVI_APP_ARGS_H

int args_long(const char *flag, const char *text, long lo, long hi, long *out);
int args_int(const char *flag, const char *text, long lo, long hi, int *out);
/* lo_open: the interval is (lo, hi] instead of [lo, hi] */
int args_double(const char *flag, const char *text, double lo, double hi, int lo_open,
                double *out);
int args_float(const char *flag, const char *text, double lo, double hi, int lo_open, float *out);
/* "K,M,gamma" e.g. "20,20,0.1" into an AIR option set (validated). */
int args_refine(const char *flag, const char *text, int *K, int *M, float *gamma);
/* The value of a flag that needs one: argv[*i + 1], advancing *i. */
const char *args_value(int argc, char **argv, int *i);

#endif

#include <irvi/data.h>
#include <irvi/model.h>

/* The data flags shared by the commands that read a dataset:
 * --data NAME, --data-dir DIR, --binarize stochastic|threshold, --data-seed S.
 * If argv[*i] is one of them, consume it (and its value) into o and return 1;
 * return 0 if it is not a data flag, -1 on a bad value. */
int args_data(int argc, char **argv, int *i, irvi_data_opts *o);
/* "3,17,42" into idx (at most cap); returns the count, or -1 with a message. */
/* The data set when --data is not given (o->name NULL), set in o:
 * - training a new model (m NULL, resuming 0): the paper's fixed binarized
 *   MNIST when it is installed and no --data-dir was given, else mnist;
 * - a model file or a checkpoint to resume (m given): the set recorded in
 *   it, else mnist (files from before the record were all trained on the
 *   then default, mnist); the binarization and its seed come from the
 *   record too. Returns o->name. */
const char *args_data_default(irvi_data_opts *o, const irvi_model *m);

int args_digits(const char *flag, const char *text, int *idx, int cap);
