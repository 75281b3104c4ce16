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
#include <zlib.h>

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

/* ---- a structural check before matio -------------------------------------
 * matio believes the sizes written in a file: a damaged or crafted file can
 * make it allocate gigabytes (a name or an array said to be 4 GB long) or
 * run for seconds before it notices the file is short (found by
 * tests/fuzz/fuzz_mat.c). So the file is walked here first. Level 5 (MATLAB
 * v5/v6/v7): every data element must fit inside its parent (the file, the
 * inflated bytes of a compressed element, an array), arrays nest at most
 * MAT_MAX_DEPTH deep, a numeric or char array's data must hold as many
 * values as its dimensions say, and a cell array's cells (a struct's fields
 * times elements) need a tag each. Level 4: each variable's name and data must
 * fit in the file. HDF5-based v7.3 files are left to matio. */

#define MAT_MAX_DEPTH 16
#define MAT_MAX_INFLATED ((size_t)1 << 30)

typedef struct {
    int be;          /* big-endian file */
    char why[160];   /* what is wrong, for the message */
} mcheck;

static uint32_t m32(const uint8_t *p, int be)
{
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Bytes per value of a level-5 data type (0: not a numeric type). */
static size_t m5_size(uint32_t t)
{
    switch (t) {
    case 1: case 2: case 16: return 1;   /* int8 uint8 utf8 */
    case 3: case 4: case 17: return 2;   /* int16 uint16 utf16 */
    case 5: case 6: case 7: case 18: return 4; /* int32 uint32 single utf32 */
    case 9: case 12: case 13: return 8;  /* double int64 uint64 */
    }
    return 0;
}

/* The element at p (n bytes left): type, payload, bytes to the next one. */
static int m5_element(mcheck *k, const uint8_t *p, size_t n, size_t at, uint32_t *type,
                      const uint8_t **data, size_t *len, size_t *next)
{
    if (n < 8) {
        snprintf(k->why, sizeof k->why, "element at byte %zu is cut short", at);
        return -1;
    }
    uint32_t t = m32(p, k->be);
    if (t >> 16) { /* small element: type and length in one word, data in the next */
        *type = t & 0xFFFF;
        *len = t >> 16;
        *data = p + 4;
        *next = 8;
        if (*len > 4) {
            snprintf(k->why, sizeof k->why, "small element at byte %zu claims %zu bytes", at, *len);
            return -1;
        }
        return 0;
    }
    uint32_t nb = m32(p + 4, k->be);
    if (nb > n - 8) {
        snprintf(k->why, sizeof k->why,
                 "element at byte %zu claims %u bytes, only %zu are left", at, (unsigned)nb, n - 8);
        return -1;
    }
    *type = t;
    *data = p + 8;
    *len = nb;
    size_t total = 8 + (size_t)nb;
    if (t != 15) /* uncompressed elements are padded to 8 bytes */
        total = (total + 7) & ~(size_t)7;
    *next = total < n ? total : n;
    return 0;
}

static int m5_walk(mcheck *k, const uint8_t *p, size_t n, size_t base, int depth, int vars);

/* The payload of an miMATRIX element. */
static int m5_matrix(mcheck *k, const uint8_t *p, size_t n, size_t base, int depth)
{
    if (depth > MAT_MAX_DEPTH) {
        snprintf(k->why, sizeof k->why, "arrays nested more than %d deep", MAT_MAX_DEPTH);
        return -1;
    }
    if (n == 0) /* an empty array (e.g. an empty cell) */
        return 0;
    uint32_t type;
    const uint8_t *d;
    size_t len, next, pos = 0;
    /* array flags, dimensions, name */
    if (m5_element(k, p, n, base, &type, &d, &len, &next))
        return -1;
    if (type != 6 || len < 8) {
        snprintf(k->why, sizeof k->why, "array at byte %zu has no array flags", base);
        return -1;
    }
    const uint8_t *d0 = d; /* the array flags: class and flags, nzmax */
    uint32_t flags = m32(d, k->be), cls = flags & 0xFF;
    int cplx = (flags & 0x800) != 0;
    pos += next;
    if (m5_element(k, p + pos, n - pos, base + pos, &type, &d, &len, &next))
        return -1;
    if (type != 5 || len % 4 || len < 8) {
        snprintf(k->why, sizeof k->why, "array at byte %zu has bad dimensions", base);
        return -1;
    }
    uint64_t count = 1;
    for (size_t i = 0; i < len / 4; i++) {
        uint32_t dim = m32(d + 4 * i, k->be);
        if (dim > (uint32_t)INT_MAX || (dim && count > ((uint64_t)1 << 40) / dim)) {
            snprintf(k->why, sizeof k->why, "array at byte %zu has absurd dimensions", base);
            return -1;
        }
        count *= dim;
    }
    pos += next;
    if (m5_element(k, p + pos, n - pos, base + pos, &type, &d, &len, &next))
        return -1;
    if (type != 1) {
        snprintf(k->why, sizeof k->why, "array at byte %zu has no name element", base);
        return -1;
    }
    pos += next;
    /* numeric and char arrays: real (and imaginary) data as long as the
     * dimensions say; any class: whatever follows fits and nests properly */
    if ((cls == 4 || (cls >= 6 && cls <= 15)) && !(count == 0 && pos == n)) {
        for (int part = 0; part < 1 + cplx; part++) {
            if (m5_element(k, p + pos, n - pos, base + pos, &type, &d, &len, &next))
                return -1;
            size_t sz = m5_size(type);
            if (!sz || len / sz < count) {
                snprintf(k->why, sizeof k->why,
                         "array at byte %zu: %llu values of type %u need more than the %zu "
                         "bytes stored", base, (unsigned long long)count, (unsigned)type, len);
                return -1;
            }
            pos += next;
        }
    }
    /* containers: matio allocates one pointer per cell, or per field and
     * element, before reading them; each needs at least an 8-byte tag here */
    uint64_t slots = 0;
    if (cls == 1) /* cell */
        slots = count;
    if (cls == 2 || cls == 3) { /* struct, object: [class name], field name length, names */
        uint64_t L = 0, names = 0;
        for (int e = cls == 3 ? 0 : 1; e < 3 && n - pos >= 8; e++) {
            if (m5_element(k, p + pos, n - pos, base + pos, &type, &d, &len, &next))
                return -1;
            if (e == 1 && len >= 4)
                L = m32(d, k->be);
            if (e == 2)
                names = len;
            pos += next;
        }
        uint64_t fields = L ? names / L : 0;
        slots = fields && count > UINT64_MAX / 8 / fields ? UINT64_MAX / 8 : fields * count;
    }
    if (cls == 5) { /* sparse: irvi reads none, and matio sizes its parts from the tags */
        (void)d0;
        snprintf(k->why, sizeof k->why, "sparse array at byte %zu (not supported)", base);
        return -1;
    }
    if (slots > (n - pos) / 8) {
        snprintf(k->why, sizeof k->why, "array at byte %zu claims %llu elements in %zu bytes",
                 base, (unsigned long long)slots, n - pos);
        return -1;
    }
    return m5_walk(k, p + pos, n - pos, base + pos, depth, 0);
}

/* A sequence of elements; miMATRIX and miCOMPRESSED ones are looked into. */
/* vars: the elements are variables (the file's top level, or the inflated
 * bytes of a compressed variable), not the cells or fields of an array. */
static int m5_walk(mcheck *k, const uint8_t *p, size_t n, size_t base, int depth, int vars)
{
    size_t pos = 0;
    while (n - pos >= 8) {
        uint32_t type;
        const uint8_t *d;
        size_t len, next;
        if (m5_element(k, p + pos, n - pos, base + pos, &type, &d, &len, &next))
            return -1;
        /* an empty cell is a 0-byte array, but matio reads a variable's
         * flags and dimensions whatever its tag says: from the next element */
        if (type == 14 && vars && len == 0) {
            snprintf(k->why, sizeof k->why, "variable at byte %zu is an empty array element",
                     base + pos);
            return -1;
        }
        if (type == 14 && m5_matrix(k, d, len, base + pos + 8, depth + 1))
            return -1;
        if (type == 15) {
            if (depth > 0) {
                snprintf(k->why, sizeof k->why, "compressed element inside an array at byte %zu",
                         base + pos);
                return -1;
            }
            z_stream z;
            memset(&z, 0, sizeof z);
            if (inflateInit(&z) != Z_OK) {
                snprintf(k->why, sizeof k->why, "zlib cannot start");
                return -1;
            }
            size_t cap = 1 << 16, got = 0;
            uint8_t *out = malloc(cap);
            z.next_in = (Bytef *)d;
            z.avail_in = (uInt)len;
            int zr = Z_OK;
            while (out && zr == Z_OK) {
                if (got == cap) {
                    uint8_t *o2 = cap < MAT_MAX_INFLATED ? realloc(out, cap * 2) : NULL;
                    if (!o2)
                        break;
                    out = o2;
                    cap *= 2;
                }
                z.next_out = out + got;
                z.avail_out = (uInt)(cap - got);
                zr = inflate(&z, Z_NO_FLUSH);
                got = cap - z.avail_out;
            }
            inflateEnd(&z);
            int bad = !out || zr != Z_STREAM_END;
            if (bad)
                snprintf(k->why, sizeof k->why, "compressed element at byte %zu %s", base + pos,
                         !out || got == cap ? "inflates to too much" : "is corrupt");
            else
                bad = m5_walk(k, out, got, 0, depth + 1, 1) != 0;
            free(out);
            if (bad)
                return -1;
        }
        pos += next;
    }
    return 0;
}

/* Level 4: 20-byte header (type, rows, cols, imaginary flag, name length),
 * name, data. Read the way matio reads it: the type word in host order, byte
 * swapped if out of 0..4052; its thousands digit then gives the byte order of
 * the rest (0 little, 1 big endian); the imaginary flag is taken raw (any
 * non-zero value). Sparse variables are refused (matio reads their
 * dimensions from the data). */
static int m4_walk(mcheck *k, const uint8_t *p, size_t n)
{
    static const size_t psize[6] = {8, 4, 4, 2, 2, 1};
    const uint16_t one = 1;
    int host_be = *(const uint8_t *)&one == 0;
    size_t pos = 0;
    if (n == 0) {
        snprintf(k->why, sizeof k->why, "no variables");
        return -1;
    }
    while (pos < n) {
        if (n - pos < 20) {
            snprintf(k->why, sizeof k->why, "variable header at byte %zu is cut short", pos);
            return -1;
        }
        int32_t type = (int32_t)m32(p + pos, host_be);
        if (type < 0 || type > 4052)
            type = (int32_t)m32(p + pos, !host_be);
        int be = type / 1000 == 1;
        int32_t rows = (int32_t)m32(p + pos + 4, be), cols = (int32_t)m32(p + pos + 8, be),
                nlen = (int32_t)m32(p + pos + 16, be);
        int imag = m32(p + pos + 12, 0) != 0;
        int prec = type / 10 % 10, cls = type % 10;
        if (type < 0 || type > 4052 || type / 1000 > 1 || type / 100 % 10 || prec > 5 || cls > 1) {
            snprintf(k->why, sizeof k->why, "variable at byte %zu has type %d (%s)", pos,
                     (int)type, cls == 2 ? "sparse, not supported" : "not MATLAB v4");
            return -1;
        }
        if (rows < 0 || cols < 0 || nlen < 1) {
            snprintf(k->why, sizeof k->why, "variable at byte %zu has a bad size or name length",
                     pos);
            return -1;
        }
        pos += 20;
        uint64_t bytes = (uint64_t)rows * (uint64_t)cols * psize[prec] * (imag ? 2 : 1);
        if ((size_t)nlen > n - pos || bytes > n - pos - (size_t)nlen) {
            snprintf(k->why, sizeof k->why,
                     "variable at byte %zu claims a %d-byte name and %llu bytes of data, only "
                     "%zu are left", pos - 20, (int)nlen, (unsigned long long)bytes, n - pos);
            return -1;
        }
        pos += (size_t)nlen + (size_t)bytes;
    }
    return 0;
}

/* Read path whole and walk it; IRVI_EFORMAT naming the problem. */
static irvi_status mat_precheck(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *b2 = cap < MAT_MAX_INFLATED ? realloc(b, cap * 2) : NULL;
            if (!b2) {
                free(b);
                b = NULL;
                break;
            }
            b = b2;
            cap *= 2;
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (!b)
        return irvi_fail(IRVI_ENOMEM, "%s: too large to check", path);
    if (rerr) {
        free(b);
        return irvi_fail(IRVI_EIO, "%s: read error", path);
    }
    if (n == 0) {
        free(b);
        return irvi_fail(IRVI_EFORMAT, "%s: empty file", path);
    }
    mcheck k;
    memset(&k, 0, sizeof k);
    int rc = 0;
    if (n >= 128 && (!memcmp(b + 126, "IM", 2) || !memcmp(b + 126, "MI", 2))) {
        k.be = b[126] == 'M';
        unsigned version = k.be ? (unsigned)b[124] << 8 | b[125] : (unsigned)b[125] << 8 | b[124];
        if (version == 0x0200) { /* v7.3: HDF5, matio's (and libhdf5's) business */
            free(b);
            return IRVI_OK;
        }
        rc = version == 0x0100 ? m5_walk(&k, b + 128, n - 128, 128, 0, 1) : m4_walk(&k, b, n);
    } else {
        rc = m4_walk(&k, b, n);
    }
    free(b);
    if (rc)
        return irvi_fail(IRVI_EFORMAT, "%s: not a MATLAB file irvi can read: %s", path, k.why);
    return IRVI_OK;
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
    irvi_status pst = mat_precheck(path);
    if (pst)
        return pst;
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
