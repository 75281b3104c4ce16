/* irvi/data.h — datasets: LeCun IDX (MNIST, Fashion-MNIST), Larochelle .amat
 * (fixed-binarization MNIST), MATLAB .mat (Caltech-101 Silhouettes 28x28).
 *
 * Images are stored compactly as uint8 (0/1 after binarization), one row of
 * D = rows*cols bytes per image. Labels are uint8 (0..classes-1) or absent.
 * All loaders return IRVI_EIO for missing/unreadable files and IRVI_EFORMAT
 * for malformed ones, with the file name in irvi_last_error().
 */
#ifndef IRVI_DATA_H
#define IRVI_DATA_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- raw IDX files ------------------------------------------------------ */
typedef struct {
    int ndim;          /* 1 (labels) or 3 (images) */
    int dims[3];       /* n, rows, cols (dims[1..] = 0 for labels) */
    size_t count;      /* product of dims */
    uint8_t *data;     /* count bytes, owned */
} irvi_idx;

/* Parse an IDX (unsigned byte) file from memory; name is used in messages.
 * On success out owns a copy of the payload; free with irvi_idx_free. */
irvi_status irvi_idx_parse(const uint8_t *buf, size_t len, const char *name, irvi_idx *out);
/* Read an IDX file from disk; gzip-compressed files are read transparently. */
irvi_status irvi_idx_load(const char *path, irvi_idx *out);
void irvi_idx_free(irvi_idx *idx);

/* ---- whole datasets ----------------------------------------------------- */
typedef enum { IRVI_SPLIT_TRAIN = 0, IRVI_SPLIT_VALID = 1, IRVI_SPLIT_TEST = 2 } irvi_split_id;
const char *irvi_split_name(irvi_split_id s);

typedef enum {
    IRVI_BIN_STOCHASTIC = 0, /* x ~ Bernoulli(pixel/255), once, fixed seed */
    IRVI_BIN_THRESHOLD = 1   /* x = pixel/255 >= 0.5 */
} irvi_binarize;

typedef struct {
    const char *name;   /* "mnist", "fashion-mnist", "binarized-mnist", "caltech101" */
    const char *dir;    /* directory holding the files; NULL = the name's default */
    irvi_binarize binarize;  /* ignored for sets that are binary already */
    uint64_t seed;      /* for stochastic binarization (default 1234) */
} irvi_data_opts;

/* Defaults: mnist, default dir, stochastic, seed 1234. */
void irvi_data_opts_default(irvi_data_opts *o);

/* Default directory of a dataset name (data/mnist, /usr/share/datasets/fashion-mnist, ...). */
const char *irvi_data_default_dir(const char *name);

typedef struct {
    int n;              /* number of images */
    int D;              /* pixels per image */
    const uint8_t *x;   /* n*D values in {0,1} */
    const uint8_t *y;   /* n labels, or NULL */
} irvi_split;

typedef struct irvi_dataset irvi_dataset;

irvi_status irvi_dataset_open(const irvi_data_opts *o, irvi_dataset **out);
void irvi_dataset_free(irvi_dataset *ds);

irvi_split irvi_dataset_split(const irvi_dataset *ds, irvi_split_id s);
const char *irvi_dataset_name(const irvi_dataset *ds);
int irvi_dataset_D(const irvi_dataset *ds);
void irvi_dataset_shape(const irvi_dataset *ds, int *rows, int *cols);
/* 1 if the source images are stored column-major (Caltech .mat): display
 * code transposes them. */
int irvi_dataset_transposed(const irvi_dataset *ds);
/* Per-pixel mean of the binary training split (D floats): the centring of
 * the recognition network's input. */
const float *irvi_dataset_mean(const irvi_dataset *ds);

/* The options the set was opened with (name points into ds, dir NULL). */
void irvi_dataset_opts(const irvi_dataset *ds, irvi_data_opts *o);
/* 1 when o's set looks installed: its first file exists in its directory
 * (o->dir, else the name's default); nothing is read. */
int irvi_dataset_present(const irvi_data_opts *o);

/* Source files: path and md5 (32 hex chars) of each file the set was read from. */
int irvi_dataset_nsources(const irvi_dataset *ds);
const char *irvi_dataset_source_path(const irvi_dataset *ds, int i);
const char *irvi_dataset_source_md5(const irvi_dataset *ds, int i);

/* Build a dataset from memory (tests, imported peer data): takes copies.
 * Any split may have n = 0 except train. Labels may be NULL. */
irvi_status irvi_dataset_from_memory(const char *name, int rows, int cols,
                                     const irvi_split splits[3], irvi_dataset **out);

/* md5 of a file as 32 hex chars + NUL. */
irvi_status irvi_md5_file(const char *path, char out[33]);

/* Open a single data file of any supported kind (IDX plain or gzip, .amat,
 * .mat), validate it and describe its shape in desc (one line). */
irvi_status irvi_data_probe(const char *path, char *desc, size_t desc_len);

#ifdef __cplusplus
}
#endif
#endif
