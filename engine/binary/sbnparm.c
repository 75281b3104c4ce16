/* engine/binary/sbnparm.c — the PyTorch peer's parameter file (shared/peers/
 * torch_air_bench.py, "SBN parameter file v2"), read and written so the
 * engine and the peer can run on exactly the same model.
 *
 * Little-endian throughout:
 *   "SBNPARM2"  u32 version = 2  u32 dtype (4 = f32, 8 = f64)  u32 D  u32 L
 *   u32 H_1 .. H_L (bottom first)  u32 flags (bit 0 recognition arrays present,
 *   bit 1 squashed means), then arrays of that dtype, row-major [in][out]:
 *     G_0 [H_1][D]  c_0 [D]  G_1 [H_2][H_1]  c_1 [H_1] ... G_{L-1} c_{L-1}  z [H_L]
 *   and with bit 0:  xbar [D]  V_1 [D][H_1]  v_1 [H_1]  V_2 [H_1][H_2]  v_2 ...
 * The file is exactly the header plus these arrays. These are the engine's own
 * tensors G0, c0, G1, c1, ..., z, V1, v1, ... in the same [in][out] layout
 * (a = u.G + c), so both directions are plain copies; f64 values are rounded
 * to the engine's float. The v1 layout ("SBNPARM1", transposed matrices) is
 * not read: re-save such a file with the peer.
 */
#include "ckfile.h"
#include "family.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SBN_MAGIC "SBNPARM2"
#define SBN_VERSION 2u
#define SBN_FLAG_REC 1u
#define SBN_FLAG_SQUASH 2u
#define SBN_MAX_BYTES ((size_t)1 << 36)

static uint32_t rd32(const uint8_t *d)
{
    return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

static uint64_t rd64(const uint8_t *d)
{
    return (uint64_t)rd32(d) | (uint64_t)rd32(d + 4) << 32;
}

/* Whole file into memory; IRVI_EIO naming the file on any failure. */
static irvi_status read_all(const char *path, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return irvi_fail(IRVI_EIO, "%s: cannot seek", path);
    }
    long sz = ftell(f);
    if (sz < 0 || (size_t)sz > SBN_MAX_BYTES || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return sz < 0 ? irvi_fail(IRVI_EIO, "%s: cannot tell its size", path)
                      : irvi_fail(IRVI_EFORMAT, "%s: %ld bytes is too large for a parameter file",
                                  path, sz);
    }
    uint8_t *buf = malloc(sz ? (size_t)sz : 1);
    if (!buf) {
        fclose(f);
        return irvi_fail(IRVI_ENOMEM, "%s: %ld bytes", path, sz);
    }
    size_t got = fread(buf, 1, (size_t)sz, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != (size_t)sz) {
        free(buf);
        return irvi_fail(IRVI_EIO, "%s: read failed", path);
    }
    *out = buf;
    *len = (size_t)sz;
    return IRVI_OK;
}

/* The arrays of the file in order: tensor name and element count. */
typedef struct { const char *name; size_t n; } sbn_array;

static int sbn_arrays(const irvi_arch *a, int rec, sbn_array *arr)
{
    static const char *const Gn[] = {"G0", "G1", "G2"}, *const cn[] = {"c0", "c1", "c2"};
    static const char *const Vn[] = {"V1", "V2", "V3"}, *const vn[] = {"v1", "v2", "v3"};
    int k = 0;
    for (int l = 0; l < a->L; l++) {
        int out = l ? a->H[l - 1] : a->D;
        arr[k++] = (sbn_array){Gn[l], (size_t)a->H[l] * out};
        arr[k++] = (sbn_array){cn[l], (size_t)out};
    }
    arr[k++] = (sbn_array){"z", (size_t)a->H[a->L - 1]};
    if (rec) {
        arr[k++] = (sbn_array){"xbar", (size_t)a->D};
        for (int l = 0; l < a->L; l++) {
            int in = l ? a->H[l - 1] : a->D;
            arr[k++] = (sbn_array){Vn[l], (size_t)in * a->H[l]};
            arr[k++] = (sbn_array){vn[l], (size_t)a->H[l]};
        }
    }
    return k;
}

irvi_status irvi_model_import_sbnparm(const char *path, irvi_model **out)
{
    *out = NULL;
    if (!path || !*path)
        return irvi_fail(IRVI_EINVAL, "irvi_model_import_sbnparm: no path");
    uint8_t *buf;
    size_t len;
    irvi_status st = read_all(path, &buf, &len);
    if (st)
        return st;
    const size_t fixed = 8 + 4 * 4; /* magic, version, dtype, D, L */
    if (len < 8 || memcmp(buf, SBN_MAGIC, 8) != 0) {
        int v1 = len >= 8 && memcmp(buf, "SBNPARM1", 8) == 0;
        free(buf);
        return v1 ? irvi_fail(IRVI_EFORMAT,
                              "%s: SBNPARM1 (old transposed layout) is not supported; re-save it "
                              "with the peer (--params old --save-params new)", path)
                  : irvi_fail(IRVI_EFORMAT, "%s: not an SBN parameter file (magic is not "
                              "SBNPARM2)", path);
    }
    if (len < fixed) {
        free(buf);
        return irvi_fail(IRVI_EFORMAT, "%s: truncated header (%zu bytes)", path, len);
    }
    uint32_t version = rd32(buf + 8), code = rd32(buf + 12), D = rd32(buf + 16), L = rd32(buf + 20);
    char bad[160] = "";
    if (version != SBN_VERSION)
        snprintf(bad, sizeof bad, "version %u (expected %u)", version, SBN_VERSION);
    else if (code != 4 && code != 8)
        snprintf(bad, sizeof bad, "dtype code %u (expected 4 = float32 or 8 = float64)", code);
    else if (L < 1 || L > IRVI_MAX_LAYERS)
        snprintf(bad, sizeof bad, "%u hidden layers (irvi supports 1..%d)", L, IRVI_MAX_LAYERS);
    else if (D < 1 || D > (1u << 20))
        snprintf(bad, sizeof bad, "D = %u visible units (must be 1..%d)", D, 1 << 20);
    else if (len < fixed + 4 * (size_t)L + 4)
        snprintf(bad, sizeof bad, "truncated header (%zu bytes)", len);
    if (bad[0]) {
        free(buf);
        return irvi_fail(IRVI_EFORMAT, "%s: %s", path, bad);
    }
    irvi_arch a;
    memset(&a, 0, sizeof a);
    a.D = (int)D;
    a.L = (int)L;
    for (uint32_t l = 0; l < L; l++) {
        uint32_t h = rd32(buf + fixed + 4 * l);
        if (h < 1 || h > 65536) {
            free(buf);
            return irvi_fail(IRVI_EFORMAT, "%s: layer %u has %u units (must be 1..65536)", path,
                             l + 1, h);
        }
        a.H[l] = (int)h;
    }
    size_t off = fixed + 4 * (size_t)L;
    uint32_t flags = rd32(buf + off);
    off += 4;
    if (flags & ~(SBN_FLAG_REC | SBN_FLAG_SQUASH)) {
        free(buf);
        return irvi_fail(IRVI_EFORMAT, "%s: unknown flag bits 0x%x", path, flags);
    }
    a.prior = IRVI_PRIOR_FACTORIZED;
    a.squash = (flags & SBN_FLAG_SQUASH) != 0;
    int rec = (flags & SBN_FLAG_REC) != 0;
    sbn_array arr[4 * IRVI_MAX_LAYERS + 2];
    int na = sbn_arrays(&a, rec, arr);
    size_t es = code, need = off;
    for (int k = 0; k < na; k++)
        need += arr[k].n * es;
    if (len != need) {
        free(buf);
        return irvi_fail(IRVI_EFORMAT, "%s: %s: %zu bytes, but the header (D=%u, %u layers, %s, "
                         "%s) needs exactly %zu", path, len < need ? "truncated" : "trailing bytes",
                         len, D, L, code == 8 ? "float64" : "float32",
                         rec ? "with recognition" : "no recognition", need);
    }
    irvi_model *m;
    if ((st = irvi_model_create(&a, 0, &m))) {
        free(buf);
        return st;
    }
    for (int k = 0; k < na && !st; k++) {
        float *dst;
        if (!strcmp(arr[k].name, "xbar")) {
            dst = m->xbar;
        } else {
            const irvi_tensor *t = irvi_model_find_tensor(m, arr[k].name);
            /* the layouts are the same by construction; a mismatch is an engine bug */
            if (!t || (size_t)t->rows * t->cols != arr[k].n) {
                st = irvi_fail(IRVI_EINVAL, "%s: tensor %s does not match the model layout", path,
                               arr[k].name);
                break;
            }
            dst = m->p + t->offset;
        }
        for (size_t i = 0; i < arr[k].n; i++, off += es) {
            float v;
            if (es == 8) {
                uint64_t u = rd64(buf + off);
                double d;
                memcpy(&d, &u, 8);
                v = (float)d;
            } else {
                uint32_t u = rd32(buf + off);
                memcpy(&v, &u, 4);
            }
            if (!isfinite(v)) {
                st = irvi_fail(IRVI_EFORMAT, "%s: %s[%zu] is not a finite float32 value", path,
                               arr[k].name, i);
                break;
            }
            dst[i] = v;
        }
    }
    free(buf);
    if (st) {
        irvi_model_free(m);
        return st;
    }
    if (!rec) { /* no recognition net: zero weights and biases, xbar 0.5 */
        for (int l = 0; l < a.L; l++) {
            memset(m->p + m->V[l], 0, sizeof(float) * (size_t)(l ? a.H[l - 1] : a.D) * a.H[l]);
            memset(m->p + m->v[l], 0, sizeof(float) * (size_t)a.H[l]);
        }
        for (int d = 0; d < a.D; d++)
            m->xbar[d] = 0.5f;
    }
    *out = m;
    return IRVI_OK;
}

irvi_status irvi_model_export_sbnparm(const irvi_model *m, const char *path)
{
    if (!m || !path || !*path)
        return irvi_fail(IRVI_EINVAL, "irvi_model_export_sbnparm: no model or no path");
    const irvi_arch *a = &m->arch;
    if (!family_of(a)->discrete) /* its hidden layers are softplus, not tanh */
        return irvi_fail(IRVI_EINVAL, "%s: the SBN parameter file holds only binary-latent SBN "
                         "models; this is a VAE (Gaussian latents)", path);
    if (a->prior != IRVI_PRIOR_FACTORIZED || a->gen_hidden || a->rec_hidden)
        return irvi_fail(IRVI_EINVAL, "%s: the SBN parameter file holds plain SBNs only (this "
                         "model has a %s%s%s)", path,
                         a->prior != IRVI_PRIOR_FACTORIZED ? "DARN prior " : "",
                         a->gen_hidden ? "tanh generative layer " : "",
                         a->rec_hidden ? "tanh recognition layer" : "");
    wbuf b = {0};
    ck_put_u32(&b, rd32((const uint8_t *)SBN_MAGIC));
    ck_put_u32(&b, rd32((const uint8_t *)SBN_MAGIC + 4));
    ck_put_u32(&b, SBN_VERSION);
    ck_put_u32(&b, 4); /* float32: the engine's own precision, so the copy is exact */
    ck_put_u32(&b, (uint32_t)a->D);
    ck_put_u32(&b, (uint32_t)a->L);
    for (int l = 0; l < a->L; l++)
        ck_put_u32(&b, (uint32_t)a->H[l]);
    ck_put_u32(&b, SBN_FLAG_REC | (a->squash ? SBN_FLAG_SQUASH : 0));
    sbn_array arr[4 * IRVI_MAX_LAYERS + 2];
    int na = sbn_arrays(a, 1, arr);
    for (int k = 0; k < na; k++) {
        if (!strcmp(arr[k].name, "xbar")) {
            ck_put_f32s(&b, m->xbar, arr[k].n);
            continue;
        }
        const irvi_tensor *t = irvi_model_find_tensor(m, arr[k].name);
        if (!t || (size_t)t->rows * t->cols != arr[k].n) {
            free(b.p);
            return irvi_fail(IRVI_EINVAL, "%s: tensor %s does not match the file layout", path,
                             arr[k].name);
        }
        ck_put_f32s(&b, m->p + t->offset, arr[k].n);
    }
    return ck_write(path, &b);
}
