/* engine/ckfile.h — the little-endian container behind model files and
 * trainer checkpoints (see checkpoint.c for the sections):
 *
 *   "IRVICKPT"  u32 version (1)  u32 kind (1 model, 2 trainer)  u64 file length
 *   sections:   4-byte tag, u64 payload length, payload
 *   trailer:    u32 CRC-32 (IEEE 802.3, reflected 0xEDB88320) of every byte before it
 *
 * Writers build the whole file in memory (wbuf) and hand it to ck_write,
 * which writes PATH.tmp.<pid>, fsyncs it, renames it over PATH and fsyncs the
 * directory; any failure removes the temporary file, leaves PATH as it was
 * and returns IRVI_EIO naming the path and the errno text. Before writing it
 * removes PATH.tmp.<pid> files of writers that no longer run (left by
 * SIGKILL). Readers load the whole file (ck_open checks magic, version,
 * length and checksum, each failure IRVI_EFORMAT naming the file) and read
 * sections through bounded cursors (rcur: any overrun clears ok).
 */
#ifndef IRVI_CKFILE_H
#define IRVI_CKFILE_H

#include "irvi/core.h"

#include <stddef.h>
#include <stdint.h>

#define CK_KIND_MODEL 1u
#define CK_KIND_TRAINER 2u

uint32_t ck_crc32(const uint8_t *p, size_t n);

/* ---- writing: on allocation failure oom is set and later puts do nothing */
typedef struct {
    uint8_t *p;
    size_t n, cap;
    int oom;
    size_t sec; /* offset of the open section's length field */
} wbuf;

void ck_put_header(wbuf *b, uint32_t kind);
void ck_sec_begin(wbuf *b, const char tag[4]);
void ck_sec_end(wbuf *b);
void ck_put_u32(wbuf *b, uint32_t v);
void ck_put_u64(wbuf *b, uint64_t v);
void ck_put_f32(wbuf *b, float x);
void ck_put_f32s(wbuf *b, const float *x, size_t n);
void ck_put_f64(wbuf *b, double x);
/* Patch the length and append the CRC. */
void ck_finish(wbuf *b);
/* Write the finished buffer to path atomically and free it. */
irvi_status ck_write(const char *path, wbuf *b);

/* ---- reading ----------------------------------------------------------- */
typedef struct {
    const char *path;
    uint8_t *data;
    size_t len;
    uint32_t kind;
} ckfile;

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    int ok;
} rcur;

/* Read and verify a whole file; on success f->data is owned (free it). */
irvi_status ck_open(const char *path, ckfile *f);
/* Cursor over the payload of section tag; IRVI_EFORMAT when missing. */
irvi_status ck_section(const ckfile *f, const char tag[4], rcur *out);
uint32_t ck_get_u32(rcur *c);
uint64_t ck_get_u64(rcur *c);
float ck_get_f32(rcur *c);
void ck_get_f32s(rcur *c, float *x, size_t n);
double ck_get_f64(rcur *c);

#endif
