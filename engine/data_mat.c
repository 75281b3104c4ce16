/* engine/data_mat.c — Caltech-101 Silhouettes 28x28 (Marlin et al. 2010),
 * file caltech101_silhouettes_28_split1.mat, read with matio.
 *
 * The file holds train_data / val_data / test_data as [n x 784] matrices of
 * 0/1 values (double in the published file; any real numeric class is
 * accepted and converted) and train_labels / val_labels / test_labels with
 * classes 1..101 (stored here 0-based). MATLAB stores matrices
 * column-major, so element (i, j) is data[i + j*n]; rows are gathered into
 * row-major images. Each image's 784 pixels keep the file's own order (the
 * 28x28 silhouette flattened column-major): the dataset marks itself
 * transposed and display code transposes.
 *
 * matio reports problems through a global log hook that prints to stderr by
 * default; the engine never prints, so a silent hook is installed before
 * each use.
 */
#include "data_internal.h"

#include <errno.h>
#include <limits.h>
#include <matio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void silent_log(int level, char *msg)
{
    (void)level;
    (void)msg;
}

/* Value k of a real numeric matio variable as a double. */
static int mat_value(const matvar_t *v, size_t k, double *out)
{
    const void *d = v->data;
    switch (v->data_type) {
    case MAT_T_DOUBLE: *out = ((const double *)d)[k]; return 1;
    case MAT_T_SINGLE: *out = ((const float *)d)[k]; return 1;
    case MAT_T_INT8: *out = ((const int8_t *)d)[k]; return 1;
    case MAT_T_UINT8: *out = ((const uint8_t *)d)[k]; return 1;
    case MAT_T_INT16: *out = ((const int16_t *)d)[k]; return 1;
    case MAT_T_UINT16: *out = ((const uint16_t *)d)[k]; return 1;
    case MAT_T_INT32: *out = ((const int32_t *)d)[k]; return 1;
    case MAT_T_UINT32: *out = ((const uint32_t *)d)[k]; return 1;
    case MAT_T_INT64: *out = (double)((const int64_t *)d)[k]; return 1;
    case MAT_T_UINT64: *out = (double)((const uint64_t *)d)[k]; return 1;
    default: return 0;
    }
}

static int numeric_class(enum matio_classes c)
{
    return c == MAT_C_DOUBLE || c == MAT_C_SINGLE || c == MAT_C_INT8 || c == MAT_C_UINT8 ||
           c == MAT_C_INT16 || c == MAT_C_UINT16 || c == MAT_C_INT32 || c == MAT_C_UINT32 ||
           c == MAT_C_INT64 || c == MAT_C_UINT64;
}

/* Read variable `name` as a real numeric 2-D matrix; rows/cols set. */
static irvi_status read_matrix(mat_t *mat, const char *path, const char *name, matvar_t **out,
                               size_t *rows, size_t *cols)
{
    *out = NULL;
    matvar_t *v = Mat_VarRead(mat, name);
    if (!v)
        return irvi_fail(IRVI_EFORMAT, "%s: variable '%s' not found", path, name);
    irvi_status st = IRVI_OK;
    double probe;
    if (!numeric_class(v->class_type) || v->isComplex || !v->data)
        st = irvi_fail(IRVI_EFORMAT, "%s: variable '%s' is not a real numeric matrix", path,
                       name);
    else if (v->rank != 2)
        st = irvi_fail(IRVI_EFORMAT, "%s: variable '%s' has %d dimensions, expected 2", path,
                       name, v->rank);
    else if (v->dims[0] > INT_MAX || v->dims[1] > INT_MAX)
        st = irvi_fail(IRVI_EFORMAT, "%s: variable '%s' has absurd size %zux%zu", path, name,
                       v->dims[0], v->dims[1]);
    else if ((v->dims[0] && v->dims[1] && !mat_value(v, 0, &probe)) ||
             (size_t)v->data_size != Mat_SizeOf(v->data_type) ||
             v->nbytes < v->dims[0] * v->dims[1] * (size_t)v->data_size)
        st = irvi_fail(IRVI_EFORMAT, "%s: variable '%s' has an unsupported storage type", path,
                       name);
    if (st) {
        Mat_VarFree(v);
        return st;
    }
    *rows = v->dims[0];
    *cols = v->dims[1];
    *out = v;
    return IRVI_OK;
}

static irvi_status read_split(mat_t *mat, const char *path, const char *xname,
                              const char *yname, int classes, irvi_mat_split *s)
{
    matvar_t *v;
    size_t n, D;
    irvi_status st = read_matrix(mat, path, xname, &v, &n, &D);
    if (st)
        return st;
    if (D == 0 || n == 0) {
        Mat_VarFree(v);
        return irvi_fail(IRVI_EFORMAT, "%s: variable '%s' is empty (%zux%zu)", path, xname, n, D);
    }
    s->x = malloc(n * D);
    if (!s->x) {
        Mat_VarFree(v);
        return irvi_fail(IRVI_ENOMEM, "%s: cannot allocate %zu bytes", path, n * D);
    }
    for (size_t j = 0; j < D; j++)
        for (size_t i = 0; i < n; i++) {
            double val = 0;
            mat_value(v, i + j * n, &val);
            if (val != 0.0 && val != 1.0) {
                Mat_VarFree(v);
                return irvi_fail(IRVI_EFORMAT,
                                 "%s: variable '%s' element (%zu,%zu) is %g, expected 0 or 1",
                                 path, xname, i + 1, j + 1, val);
            }
            s->x[i * D + j] = (uint8_t)val;
        }
    Mat_VarFree(v);
    s->n = (int)n;
    s->D = (int)D;

    size_t lr, lc;
    st = read_matrix(mat, path, yname, &v, &lr, &lc);
    if (st)
        return st;
    if (!((lr == n && lc == 1) || (lr == 1 && lc == n))) {
        Mat_VarFree(v);
        return irvi_fail(IRVI_EFORMAT, "%s: variable '%s' is %zux%zu, expected %zu labels", path,
                         yname, lr, lc, n);
    }
    s->y = malloc(n);
    if (!s->y) {
        Mat_VarFree(v);
        return irvi_fail(IRVI_ENOMEM, "%s: cannot allocate labels", path);
    }
    for (size_t i = 0; i < n; i++) {
        double val = 0;
        mat_value(v, i, &val);
        if (!(val >= 1 && val <= classes) || val != (double)(int)val) {
            Mat_VarFree(v);
            return irvi_fail(IRVI_EFORMAT, "%s: variable '%s' index %zu: label %g outside 1..%d",
                             path, yname, i, val, classes);
        }
        s->y[i] = (uint8_t)((int)val - 1);
    }
    Mat_VarFree(v);
    return IRVI_OK;
}

void irvi_mat_splits_free(irvi_mat_split s[3])
{
    for (int k = 0; k < 3; k++) {
        free(s[k].x);
        free(s[k].y);
        memset(&s[k], 0, sizeof s[k]);
    }
}

irvi_status irvi_mat_load_caltech(const char *path, int classes, irvi_mat_split out[3])
{
    memset(out, 0, 3 * sizeof *out);
    if (!path)
        return irvi_fail(IRVI_EINVAL, "mat: no file name");
    if (classes < 1 || classes > 256)
        return irvi_fail(IRVI_EINVAL, "%s: %d classes do not fit uint8 labels", path, classes);
    FILE *f = fopen(path, "rb");
    if (!f)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path, strerror(errno));
    char head[8] = {0};
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (got == 0)
        return irvi_fail(IRVI_EFORMAT, "%s: empty file", path);
    Mat_LogInitFunc("irvi", silent_log);
    mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
    if (!mat)
        return irvi_fail(IRVI_EFORMAT,
                         "%s: not a MATLAB file matio can read (header starts '%.6s'; v7.3/HDF5 "
                         "files need matio built with HDF5)",
                         path, memcmp(head, "MATLAB", 6) ? "?" : "MATLAB");
    static const char *const xn[3] = {"train_data", "val_data", "test_data"};
    static const char *const yn[3] = {"train_labels", "val_labels", "test_labels"};
    irvi_status st = IRVI_OK;
    for (int k = 0; k < 3 && !st; k++)
        st = read_split(mat, path, xn[k], yn[k], classes, &out[k]);
    for (int k = 1; k < 3 && !st; k++)
        if (out[k].D != out[0].D)
            st = irvi_fail(IRVI_EFORMAT, "%s: '%s' has %d columns but '%s' has %d", path, xn[k],
                           out[k].D, xn[0], out[0].D);
    Mat_Close(mat);
    if (st)
        irvi_mat_splits_free(out);
    return st;
}
