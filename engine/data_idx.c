/* engine/data_idx.c — LeCun IDX files (MNIST, Fashion-MNIST).
 *
 * Layout: magic 00 00 TT NN (TT = data type, NN = number of dims), NN
 * big-endian uint32 dimensions, then the payload. Only unsigned bytes
 * (TT = 0x08) with 1 dim (labels) or 3 dims (images) are accepted.
 *
 * Design: a file is read whole into memory through zlib's gzread, which
 * inflates gzip files and passes plain files through unchanged, so one code
 * path serves both `x-idx3-ubyte` and `x-idx3-ubyte.gz`. The header is then
 * validated by a single routine shared with irvi_idx_parse; every failure
 * leaves one line naming the file and the exact problem (magic found vs
 * expected, bytes expected vs present, ...). The loader moves the payload
 * to the front of its read buffer instead of copying it.
 */
#include "irvi/data.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* Refuse payloads above 16 GiB: a header claiming more is corrupt. */
#define IDX_MAX_BYTES ((uint64_t)1 << 34)

typedef struct {
    int ndim;
    int dims[3];
    size_t count;
    size_t header;  /* bytes before the payload */
} idx_header;

static const char *idx_type_name(unsigned t)
{
    switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    }
    return "unknown type";
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static irvi_status idx_check(const uint8_t *buf, size_t len, const char *name, idx_header *h)
{
    if (len == 0)
        return irvi_fail(IRVI_EFORMAT, "%s: empty file", name);
    if (len < 4)
        return irvi_fail(IRVI_EFORMAT, "%s: only %zu bytes, too short for an IDX header", name,
                         len);
    uint32_t magic = be32(buf);
    if (buf[0] != 0 || buf[1] != 0)
        return irvi_fail(IRVI_EFORMAT,
                         "%s: bad magic 0x%08x, expected an IDX file (0x00000801 labels or "
                         "0x00000803 images)",
                         name, (unsigned)magic);
    if (buf[2] != 0x08)
        return irvi_fail(IRVI_EFORMAT,
                         "%s: IDX data type 0x%02x (%s) not supported, expected 0x08 (unsigned "
                         "byte); magic 0x%08x",
                         name, buf[2], idx_type_name(buf[2]), (unsigned)magic);
    int ndim = buf[3];
    if (ndim != 1 && ndim != 3)
        return irvi_fail(IRVI_EFORMAT,
                         "%s: IDX file has %d dimensions (magic 0x%08x), expected 1 (labels, "
                         "0x00000801) or 3 (images, 0x00000803)",
                         name, ndim, (unsigned)magic);
    size_t hdr = 4 + 4 * (size_t)ndim;
    if (len < hdr)
        return irvi_fail(IRVI_EFORMAT, "%s: truncated header: expected %zu bytes, found %zu",
                         name, hdr, len);
    uint64_t count = 1;
    memset(h, 0, sizeof *h);
    for (int i = 0; i < ndim; i++) {
        uint32_t d = be32(buf + 4 + 4 * i);
        if (d > (uint32_t)INT_MAX)
            return irvi_fail(IRVI_EFORMAT, "%s: absurd dimension %d of size %u", name, i,
                             (unsigned)d);
        if (i > 0 && d == 0)
            return irvi_fail(IRVI_EFORMAT, "%s: image dimension %d is zero", name, i);
        h->dims[i] = (int)d;
        /* overflow-safe product against the absurdity limit */
        if (d != 0 && count > IDX_MAX_BYTES / d)
            return irvi_fail(IRVI_EFORMAT,
                             "%s: absurd dimensions (product exceeds %llu bytes)", name,
                             (unsigned long long)IDX_MAX_BYTES);
        count *= d;
    }
    if (count > IDX_MAX_BYTES || count > (uint64_t)(SIZE_MAX - hdr))
        return irvi_fail(IRVI_EFORMAT, "%s: absurd dimensions (%llu bytes)", name,
                         (unsigned long long)count);
    size_t want = hdr + (size_t)count;
    if (len < want)
        return irvi_fail(IRVI_EFORMAT,
                         "%s: truncated body: expected %zu bytes of data, found %zu (file %zu "
                         "bytes, expected %zu)",
                         name, (size_t)count, len - hdr, len, want);
    if (len > want)
        return irvi_fail(IRVI_EFORMAT,
                         "%s: %zu bytes of trailing garbage after the data (file %zu bytes, "
                         "expected %zu)",
                         name, len - want, len, want);
    h->ndim = ndim;
    h->count = (size_t)count;
    h->header = hdr;
    return IRVI_OK;
}

static void idx_fill(irvi_idx *out, const idx_header *h, uint8_t *data)
{
    out->ndim = h->ndim;
    for (int i = 0; i < 3; i++)
        out->dims[i] = h->dims[i];
    out->count = h->count;
    out->data = data;
}

irvi_status irvi_idx_parse(const uint8_t *buf, size_t len, const char *name, irvi_idx *out)
{
    if (!out)
        return irvi_fail(IRVI_EINVAL, "irvi_idx_parse: no output");
    memset(out, 0, sizeof *out);
    if (!name)
        name = "(memory)";
    if (!buf && len)
        return irvi_fail(IRVI_EINVAL, "%s: NULL buffer", name);
    idx_header h;
    irvi_status st = idx_check(buf, len, name, &h);
    if (st)
        return st;
    uint8_t *data = malloc(h.count ? h.count : 1);
    if (!data)
        return irvi_fail(IRVI_ENOMEM, "%s: cannot allocate %zu bytes", name, h.count);
    if (h.count)
        memcpy(data, buf + h.header, h.count);
    idx_fill(out, &h, data);
    return IRVI_OK;
}

/* Read the whole (possibly gzip-compressed) file. */
static irvi_status read_all(const char *path, uint8_t **buf_out, size_t *len_out)
{
    *buf_out = NULL;
    *len_out = 0;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return irvi_fail(IRVI_EIO, "%s: is a directory, not a data file", path);
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path,
                         errno ? strerror(errno) : "zlib could not open it");
    gzbuffer(gz, 1 << 17);
    /* plain-file size is a good first guess; gzip grows the buffer */
    size_t cap = sb.st_size > 0 ? (size_t)sb.st_size + 1 : 4096;
    if (cap < 4096)
        cap = 4096;
    size_t len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        gzclose(gz);
        return irvi_fail(IRVI_ENOMEM, "%s: cannot allocate %zu bytes", path, cap);
    }
    for (;;) {
        if (len == cap) {
            if (cap > (size_t)IDX_MAX_BYTES) {
                free(buf);
                gzclose(gz);
                return irvi_fail(IRVI_EFORMAT, "%s: absurdly large (over %llu bytes)", path,
                                 (unsigned long long)IDX_MAX_BYTES);
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                gzclose(gz);
                return irvi_fail(IRVI_ENOMEM, "%s: cannot allocate %zu bytes", path, cap * 2);
            }
            buf = nb;
            cap *= 2;
        }
        size_t want = cap - len;
        if (want > (1u << 30))
            want = 1u << 30;
        int got = gzread(gz, buf + len, (unsigned)want);
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(gz, &zerr);
            irvi_status st = zerr == Z_ERRNO
                                 ? irvi_fail(IRVI_EIO, "%s: read error: %s", path, strerror(errno))
                                 : irvi_fail(IRVI_EFORMAT, "%s: corrupt gzip stream: %s", path,
                                             msg ? msg : "unknown zlib error");
            free(buf);
            gzclose(gz);
            return st;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    int zerr = Z_OK;
    const char *msg = gzerror(gz, &zerr);
    if (zerr != Z_OK && zerr != Z_STREAM_END) {
        /* e.g. a gzip file cut short: "unexpected end of file" */
        irvi_status st = irvi_fail(IRVI_EFORMAT, "%s: corrupt gzip stream: %s", path,
                                   msg ? msg : "unknown zlib error");
        free(buf);
        gzclose(gz);
        return st;
    }
    gzclose(gz);
    *buf_out = buf;
    *len_out = len;
    return IRVI_OK;
}

irvi_status irvi_idx_load(const char *path, irvi_idx *out)
{
    if (!out)
        return irvi_fail(IRVI_EINVAL, "irvi_idx_load: no output");
    memset(out, 0, sizeof *out);
    if (!path)
        return irvi_fail(IRVI_EINVAL, "irvi_idx_load: no file name");
    uint8_t *buf;
    size_t len;
    irvi_status st = read_all(path, &buf, &len);
    if (st)
        return st;
    idx_header h;
    st = idx_check(buf, len, path, &h);
    if (st) {
        free(buf);
        return st;
    }
    /* keep the read buffer: move the payload to its front */
    memmove(buf, buf + h.header, h.count);
    uint8_t *shrunk = realloc(buf, h.count ? h.count : 1);
    idx_fill(out, &h, shrunk ? shrunk : buf);
    return IRVI_OK;
}

void irvi_idx_free(irvi_idx *idx)
{
    if (!idx)
        return;
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}
