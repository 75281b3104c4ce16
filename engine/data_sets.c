/* engine/data_sets.c — the per-name readers behind irvi_dataset_open.
 *
 * mnist / fashion-mnist: LeCun IDX files (plain, or name + ".gz"). The
 * training file's first n-10000 images are the train split, its last 10000
 * the valid split (50000/10000 for the 60000-image files); t10k is test.
 * Labels must be < 10. Grey levels are binarized once here: stochastic
 * x ~ Bernoulli(p/255) from irvi_rng stream (seed, 0), drawn over the
 * training file then the test file in storage order (same seed -> same
 * bytes), or threshold p/255 >= 0.5.
 * binarized-mnist: the fixed set as six IDX(.gz) files {train,valid,test}-
 * {images-idx3,labels-idx1}-ubyte (already binary: never binarized again;
 * each file's uncompressed md5 must be the published one; the labels are
 * checked but dropped, see open_bmnist_idx), else three .amat text files
 * (already binary, no labels).
 * caltech101: one .mat file with all three splits (already binary, labels
 * 0..100 after the 1-based file values); pixels column-major (transposed).
 *
 * Missing files give IRVI_EIO with a message saying where the file belongs.
 */
#include "data_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MNIST_VALID 10000

/* ---- IDX sets ----------------------------------------------------------- */

/* dir/file, else dir/file.gz when only that exists. */
static char *idx_path(const char *dir, const char *file)
{
    char *p = irvi_path_join(dir, file, "");
    if (p && access(p, F_OK) != 0) {
        char *gz = irvi_path_join(dir, file, ".gz");
        if (gz && access(gz, F_OK) == 0) {
            free(p);
            return gz;
        }
        free(gz);
    }
    return p;
}

static irvi_status load_idx_pair(irvi_dataset *ds, const char *dir, const char *stem,
                                 irvi_idx *img, irvi_idx *lab)
{
    char fi[64], fl[64];
    snprintf(fi, sizeof fi, "%s-images-idx3-ubyte", stem);
    snprintf(fl, sizeof fl, "%s-labels-idx1-ubyte", stem);
    char *pi = idx_path(dir, fi), *pl = idx_path(dir, fl);
    if (!pi || !pl) {
        free(pi);
        free(pl);
        return irvi_fail(IRVI_ENOMEM, "out of memory");
    }
    irvi_status st = IRVI_OK;
    if (access(pi, F_OK) != 0)
        st = irvi_fail(IRVI_EIO,
                       "%s not found (nor %s.gz): put the %s IDX files in %s/ or pass --dir", pi,
                       fi, ds->name, dir);
    if (!st)
        st = irvi_idx_load(pi, img);
    if (!st && img->ndim != 3)
        st = irvi_fail(IRVI_EFORMAT, "%s: has %d dimension(s), expected 3 (an image file)", pi,
                       img->ndim);
    if (!st)
        st = irvi_idx_load(pl, lab);
    if (!st && lab->ndim != 1)
        st = irvi_fail(IRVI_EFORMAT, "%s: has %d dimensions, expected 1 (a label file)", pl,
                       lab->ndim);
    if (!st && lab->dims[0] != img->dims[0])
        st = irvi_fail(IRVI_EFORMAT, "%s: %d labels for %d images in %s", pl, lab->dims[0],
                       img->dims[0], pi);
    for (size_t i = 0; !st && i < lab->count; i++)
        if (lab->data[i] >= 10)
            st = irvi_fail(IRVI_EFORMAT, "%s: label %u at index %zu out of range (expected 0..9)",
                           pl, lab->data[i], i);
    if (!st && (int64_t)img->dims[1] * img->dims[2] > INT_MAX)
        st = irvi_fail(IRVI_EFORMAT, "%s: absurd image size %dx%d", pi, img->dims[1],
                       img->dims[2]);
    if (!st && ds->D == 0) {
        ds->rows = img->dims[1];
        ds->cols = img->dims[2];
        ds->D = ds->rows * ds->cols;
    } else if (!st && (img->dims[1] != ds->rows || img->dims[2] != ds->cols))
        st = irvi_fail(IRVI_EFORMAT, "%s: images are %dx%d, the training file's are %dx%d", pi,
                       img->dims[1], img->dims[2], ds->rows, ds->cols);
    if (st) {
        free(pi);
        free(pl);
        return st;
    }
    if ((st = irvi_ds_add_source(ds, pi)) != IRVI_OK) {
        free(pl);
        return st;
    }
    return irvi_ds_add_source(ds, pl);
}

static void binarize(const uint8_t *in, uint8_t *out, size_t count, const irvi_data_opts *o,
                     irvi_rng *r)
{
    if (o->binarize == IRVI_BIN_THRESHOLD) {
        for (size_t i = 0; i < count; i++)
            out[i] = (float)in[i] / 255.0f >= 0.5f;
    } else {
        for (size_t i = 0; i < count; i++)
            out[i] = irvi_rng_uniform_f(r) < (float)in[i] / 255.0f;
    }
}

static irvi_status copy_split(irvi_dataset *ds, int k, const uint8_t *img, const uint8_t *lab,
                              int first, int n, const irvi_data_opts *o, irvi_rng *r)
{
    size_t D = (size_t)ds->D;
    ds->n[k] = n;
    ds->x[k] = malloc(n ? (size_t)n * D : 1);
    ds->y[k] = malloc(n ? (size_t)n : 1);
    if (!ds->x[k] || !ds->y[k])
        return irvi_fail(IRVI_ENOMEM, "%s: cannot allocate the %s split", ds->name,
                         irvi_split_name((irvi_split_id)k));
    binarize(img + (size_t)first * D, ds->x[k], (size_t)n * D, o, r);
    if (n)
        memcpy(ds->y[k], lab + first, (size_t)n);
    return IRVI_OK;
}

irvi_status irvi_open_idx_set(irvi_dataset *ds, const char *dir, const irvi_data_opts *o)
{
    if (o->binarize != IRVI_BIN_STOCHASTIC && o->binarize != IRVI_BIN_THRESHOLD)
        return irvi_fail(IRVI_EINVAL, "unknown binarization mode %d", (int)o->binarize);
    irvi_idx img = {0}, lab = {0};
    irvi_rng r;
    irvi_rng_seed(&r, o->seed, 0);
    irvi_status st = load_idx_pair(ds, dir, "train", &img, &lab);
    if (!st && img.dims[0] <= MNIST_VALID)
        st = irvi_fail(IRVI_EFORMAT,
                       "%s: only %d training images; the last %d form the validation split, "
                       "so more are needed",
                       ds->src_path[0], img.dims[0], MNIST_VALID);
    if (!st) {
        int ntr = img.dims[0] - MNIST_VALID;
        st = copy_split(ds, IRVI_SPLIT_TRAIN, img.data, lab.data, 0, ntr, o, &r);
        if (!st)
            st = copy_split(ds, IRVI_SPLIT_VALID, img.data, lab.data, ntr, MNIST_VALID, o, &r);
    }
    irvi_idx_free(&img);
    irvi_idx_free(&lab);
    if (!st)
        st = load_idx_pair(ds, dir, "t10k", &img, &lab);
    if (!st)
        st = copy_split(ds, IRVI_SPLIT_TEST, img.data, lab.data, 0, img.dims[0], o, &r);
    irvi_idx_free(&img);
    irvi_idx_free(&lab);
    return st;
}

/* ---- binarized MNIST (.amat) -------------------------------------------- */

irvi_status irvi_open_amat_set(irvi_dataset *ds, const char *dir)
{
    static const char *const files[3] = {"binarized_mnist_train.amat",
                                         "binarized_mnist_valid.amat", "binarized_mnist_test.amat"};
    ds->rows = ds->cols = 28;
    ds->D = 784;
    for (int k = 0; k < 3; k++) {
        char *p = irvi_path_join(dir, files[k], "");
        if (!p)
            return irvi_fail(IRVI_ENOMEM, "out of memory");
        if (access(p, F_OK) != 0) {
            irvi_status st = irvi_fail(IRVI_EIO,
                                       "%s not found: put the binarized MNIST .amat files "
                                       "(Larochelle & Murray 2011) in %s/ or pass --dir",
                                       p, dir);
            free(p);
            return st;
        }
        irvi_status st = irvi_amat_load(p, ds->D, &ds->x[k], &ds->n[k], NULL);
        if (st) {
            free(p);
            return st;
        }
        if ((st = irvi_ds_add_source(ds, p)) != IRVI_OK)
            return st;
    }
    return IRVI_OK;
}

/* The fixed binarization (Salakhutdinov & Murray 2008) as converted to IDX
 * without changing a value: md5 of each uncompressed file. */
static const struct {
    const char *stem;
    const char *images_md5, *labels_md5;
} BMNIST[3] = {
    {"train", "19fd26812fb0f0ed11e913ae686a207b", "da60e0b733e0096c122cf7958ef50522"},
    {"valid", "cb993ac8ef756c224ae4db0eeab95669", "bbf35eb8bf18bd6db2fcddb5f2917420"},
    {"test", "9f1602d5a50e19dfb708b380a72556be", "27ae3e4e09519cfbb04c329615203637"},
};

static irvi_status check_md5(const irvi_idx *idx, const char *path, const char *want,
                             char got[33])
{
    irvi_md5_idx(idx, got);
    if (strcmp(got, want) != 0)
        return irvi_fail(IRVI_EFORMAT,
                         "%s: md5 of the uncompressed file is %s, expected %s: not the fixed "
                         "binarized MNIST of Salakhutdinov & Murray (2008); replace it with the "
                         "published file",
                         path, got, want);
    return IRVI_OK;
}

static irvi_status open_bmnist_idx(irvi_dataset *ds, const char *dir)
{
    ds->rows = ds->cols = 28;
    ds->D = 784;
    irvi_status st = IRVI_OK;
    for (int k = 0; k < 3 && !st; k++) {
        irvi_idx img = {0}, lab = {0};
        const int first_src = ds->nsrc;
        st = load_idx_pair(ds, dir, BMNIST[k].stem, &img, &lab);
        char m_img[33], m_lab[33];
        if (!st)
            st = check_md5(&img, ds->src_path[first_src], BMNIST[k].images_md5, m_img);
        if (!st)
            st = check_md5(&lab, ds->src_path[first_src + 1], BMNIST[k].labels_md5, m_lab);
        for (size_t i = 0; !st && i < img.count; i++)
            if (img.data[i] > 1)
                st = irvi_fail(IRVI_EFORMAT,
                               "%s: pixel value %u at byte %zu: this set is binary already "
                               "(0/1)",
                               ds->src_path[first_src], img.data[i], i);
        if (!st) {
            /* record the md5 of the uncompressed bytes: the published values */
            memcpy(ds->src_md5[first_src], m_img, 33);
            memcpy(ds->src_md5[first_src + 1], m_lab, 33);
            /* The published label files are read and checked, but not kept:
             * they are LeCun's labels in LeCun's order, while these images are
             * in another order (a nearest-class-template check agrees with them
             * on 10% of the images: chance), so they do not describe the
             * images. README, Data. */
            ds->n[k] = img.dims[0];
            ds->x[k] = img.data;
            ds->y[k] = NULL;
            img.data = NULL;
        }
        irvi_idx_free(&img);
        irvi_idx_free(&lab);
    }
    return st;
}

irvi_status irvi_open_binarized_mnist(irvi_dataset *ds, const char *dir)
{
    char *p = idx_path(dir, "train-images-idx3-ubyte");
    if (!p)
        return irvi_fail(IRVI_ENOMEM, "out of memory");
    const int have_idx = access(p, F_OK) == 0;
    free(p);
    char *a = irvi_path_join(dir, "binarized_mnist_train.amat", "");
    const int have_amat = a && access(a, F_OK) == 0;
    free(a);
    if (have_idx || !have_amat) {
        if (!have_idx)
            return irvi_fail(IRVI_EIO,
                             "the fixed binarized MNIST is not in %s/: put its six IDX files "
                             "({train,valid,test}-{images-idx3,labels-idx1}-ubyte[.gz]) or "
                             "Larochelle's binarized_mnist_{train,valid,test}.amat there, or "
                             "pass --data-dir (scripts/setup.sh installs it from "
                             "$IRVI_BINARIZED_MNIST_DIR or ../shared/data/binarized-mnist)",
                             dir);
        return open_bmnist_idx(ds, dir);
    }
    return irvi_open_amat_set(ds, dir);
}

/* ---- Caltech-101 Silhouettes (.mat) ------------------------------------- */

irvi_status irvi_open_caltech(irvi_dataset *ds, const char *dir)
{
    char *p = irvi_path_join(dir, "caltech101_silhouettes_28_split1.mat", "");
    if (!p)
        return irvi_fail(IRVI_ENOMEM, "out of memory");
    if (access(p, F_OK) != 0) {
        irvi_status st = irvi_fail(
            IRVI_EIO,
            "%s not found: irvi does not download Caltech-101 Silhouettes; put "
            "caltech101_silhouettes_28_split1.mat in %s/ (or pass --dir / set IRVI_DATA_DIR)",
            p, dir);
        free(p);
        return st;
    }
    irvi_mat_split s[3];
    irvi_status st = irvi_mat_load_caltech(p, 101, s);
    if (!st && s[0].D != 784)
        st = irvi_fail(IRVI_EFORMAT, "%s: images have %d pixels, expected 784 (28x28)", p,
                       s[0].D);
    if (st) {
        irvi_mat_splits_free(s);
        free(p);
        return st;
    }
    ds->rows = ds->cols = 28;
    ds->D = 784;
    ds->transposed = 1;
    for (int k = 0; k < 3; k++) {
        ds->n[k] = s[k].n;
        ds->x[k] = s[k].x;
        ds->y[k] = s[k].y;
    }
    return irvi_ds_add_source(ds, p);
}

