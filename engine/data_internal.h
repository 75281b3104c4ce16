/* engine/data_internal.h — private glue between the dataset front end
 * (dataset.c) and the per-format readers (data_idx.c, data_amat.c,
 * data_mat.c). Not part of the public API (irvi_data_probe, for `irvi data
 * check`, is in irvi/data.h). All functions follow the engine rules: they return an
 * irvi_status and leave a one-line detail naming the file in irvi_last_error().
 */
#ifndef IRVI_DATA_INTERNAL_H
#define IRVI_DATA_INTERNAL_H

#include "irvi/data.h"

/* Read a Larochelle .amat text file (one image a line, D values in {0,1}).
 * D > 0: every line must hold exactly D values; D == 0: the first line sets
 * it. On success *x (malloc'd, n*D bytes), *n and *D_out are set. */
irvi_status irvi_amat_load(const char *path, int D, uint8_t **x, int *n, int *D_out);

/* One split read from a .mat file: n images of D pixels (row-major bytes in
 * {0,1}; pixel order is the file's, i.e. column-major images) and 0-based
 * labels (or NULL when the file has no labels variable for the split). */
typedef struct {
    int n, D;
    uint8_t *x, *y;
} irvi_mat_split;

/* Read the Caltech-101 Silhouettes split file: variables train_data,
 * val_data, test_data [n x D] and train_labels, val_labels, test_labels
 * (1..classes, stored 0-based). Free with irvi_mat_splits_free. */
irvi_status irvi_mat_load_caltech(const char *path, int classes, irvi_mat_split out[3]);
void irvi_mat_splits_free(irvi_mat_split s[3]);

/* md5 of the uncompressed IDX file idx was read from (header rebuilt from
 * ndim and dims, then the payload): 32 hex chars + NUL. */
void irvi_md5_idx(const irvi_idx *idx, char out[33]);

/* ---- dataset internals (dataset.c, data_sets.c) ------------------------ */
#define MAX_SOURCES 6

struct irvi_dataset {
    char name[64];
    irvi_binarize binarize; /* as opened (grey-level sets); 0 for binary ones */
    uint64_t seed;
    int rows, cols, D;
    int transposed;
    int n[3];
    uint8_t *x[3];
    uint8_t *y[3];
    float *mean;
    int nsrc;
    char *src_path[MAX_SOURCES];
    char src_md5[MAX_SOURCES][33];
};

/* dir + "/" + file + suffix, malloc'd (NULL when out of memory). */
char *irvi_path_join(const char *dir, const char *file, const char *suffix);
/* Record a source file (path + md5); takes ownership of path. */
irvi_status irvi_ds_add_source(irvi_dataset *ds, char *path);

/* Fill ds (shape, splits, labels, sources) from dir; the mean is computed
 * by the caller. IDX sets: mnist and fashion-mnist. */
irvi_status irvi_open_idx_set(irvi_dataset *ds, const char *dir, const irvi_data_opts *o);
irvi_status irvi_open_amat_set(irvi_dataset *ds, const char *dir);
/* binarized-mnist: the fixed set as IDX(.gz) (train/valid/test with labels,
 * md5-checked) when dir has it, else the .amat text files. */
irvi_status irvi_open_binarized_mnist(irvi_dataset *ds, const char *dir);
irvi_status irvi_open_caltech(irvi_dataset *ds, const char *dir);

#endif
