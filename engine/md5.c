/* engine/md5.c — MD5 (RFC 1321) for dataset provenance: each source file's
 * digest is recorded so a run can say exactly which bytes it was trained on.
 *
 * A small self-contained implementation: 64-byte blocks, little-endian word
 * loads done byte by byte (no alignment or endianness assumptions), the
 * per-round shift amounts and sine-derived constants of the RFC. Files are
 * hashed in 64 KiB chunks with stdio. MD5 is used as a checksum only.
 */
#include "irvi/data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t h[4];
    uint64_t len;      /* bytes hashed so far */
    uint8_t buf[64];   /* pending partial block */
    size_t nbuf;
} md5_ctx;

static const uint32_t K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

static const int S[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                          5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                          4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                          6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static inline uint32_t rotl32(uint32_t x, int c) { return (x << c) | (x >> (32 - c)); }

static void md5_block(uint32_t h[4], const uint8_t *p)
{
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) & 15;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) & 15;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) & 15;
        }
        uint32_t t = d;
        d = c;
        c = b;
        b = b + rotl32(a + f + K[i] + m[g], S[i]);
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

static void md5_init(md5_ctx *c)
{
    c->h[0] = 0x67452301;
    c->h[1] = 0xefcdab89;
    c->h[2] = 0x98badcfe;
    c->h[3] = 0x10325476;
    c->len = 0;
    c->nbuf = 0;
}

static void md5_update(md5_ctx *c, const uint8_t *p, size_t n)
{
    c->len += n;
    if (c->nbuf) {
        size_t k = 64 - c->nbuf < n ? 64 - c->nbuf : n;
        memcpy(c->buf + c->nbuf, p, k);
        c->nbuf += k;
        p += k;
        n -= k;
        if (c->nbuf < 64)
            return;
        md5_block(c->h, c->buf);
        c->nbuf = 0;
    }
    for (; n >= 64; p += 64, n -= 64)
        md5_block(c->h, p);
    memcpy(c->buf, p, n);
    c->nbuf = n;
}

static void md5_final(md5_ctx *c, char out[33])
{
    uint64_t bits = c->len * 8;
    uint8_t pad[72] = {0x80};
    size_t npad = (c->nbuf < 56 ? 56 : 120) - c->nbuf;
    for (int i = 0; i < 8; i++)
        pad[npad + i] = (uint8_t)(bits >> (8 * i));
    md5_update(c, pad, npad + 8);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        uint8_t byte = (uint8_t)(c->h[i / 4] >> (8 * (i % 4)));
        out[2 * i] = hex[byte >> 4];
        out[2 * i + 1] = hex[byte & 15];
    }
    out[32] = '\0';
}

void irvi_md5_idx(const irvi_idx *idx, char out[33])
{
    /* the IDX header (big-endian magic 0x0000080N, then the dims) as the
     * file stores it, then the payload: the md5 of the uncompressed file */
    uint8_t head[16];
    size_t nh = 0;
    const int nd = idx->ndim;
    const uint8_t magic[4] = {0, 0, 8, (uint8_t)nd};
    memcpy(head, magic, 4);
    nh = 4;
    for (int i = 0; i < nd; i++) {
        uint32_t d = (uint32_t)idx->dims[i];
        head[nh++] = (uint8_t)(d >> 24);
        head[nh++] = (uint8_t)(d >> 16);
        head[nh++] = (uint8_t)(d >> 8);
        head[nh++] = (uint8_t)d;
    }
    md5_ctx c;
    md5_init(&c);
    md5_update(&c, head, nh);
    md5_update(&c, idx->data, idx->count);
    md5_final(&c, out);
}

irvi_status irvi_md5_file(const char *path, char out[33])
{
    out[0] = '\0';
    if (!path)
        return irvi_fail(IRVI_EINVAL, "md5: no file name");
    FILE *f = fopen(path, "rb");
    if (!f)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path, strerror(errno));
    enum { CHUNK = 1 << 16 };
    uint8_t *chunk = malloc(CHUNK);
    if (!chunk) {
        fclose(f);
        return irvi_fail(IRVI_ENOMEM, "%s: no memory for md5 buffer", path);
    }
    md5_ctx c;
    md5_init(&c);
    size_t got;
    while ((got = fread(chunk, 1, CHUNK, f)) > 0)
        md5_update(&c, chunk, got);
    int bad = ferror(f);
    fclose(f);
    free(chunk);
    if (bad)
        return irvi_fail(IRVI_EIO, "%s: read error while computing md5", path);
    md5_final(&c, out);
    return IRVI_OK;
}
