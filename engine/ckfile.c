/* engine/ckfile.c — the checkpoint container: CRC-32, buffered little-endian
 * writing, atomic replacement of the file, verified reading (ckfile.h). */
#include "ckfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CKPT_MAGIC "IRVICKPT"
#define CKPT_VERSION 1u
#define HEADER_BYTES 24
#define MAX_FILE_BYTES ((size_t)1 << 36)

/* ---- CRC-32 ------------------------------------------------------------- */

uint32_t ck_crc32(const uint8_t *p, size_t n)
{
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* ---- writing ------------------------------------------------------------ */

static uint8_t *wb_room(wbuf *b, size_t k)
{
    if (b->oom)
        return NULL;
    if (b->n + k > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + k)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return NULL;
        }
        b->p = q;
        b->cap = cap;
    }
    uint8_t *r = b->p + b->n;
    b->n += k;
    return r;
}

static void le32(uint8_t *d, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        d[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *d, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        d[i] = (uint8_t)(v >> (8 * i));
}

void ck_put_u32(wbuf *b, uint32_t v)
{
    uint8_t *d = wb_room(b, 4);
    if (d)
        le32(d, v);
}

void ck_put_u64(wbuf *b, uint64_t v)
{
    uint8_t *d = wb_room(b, 8);
    if (d)
        le64(d, v);
}

void ck_put_f32s(wbuf *b, const float *x, size_t n)
{
    uint8_t *d = wb_room(b, 4 * n);
    for (size_t i = 0; d && i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        le32(d + 4 * i, u);
    }
}

void ck_put_f32(wbuf *b, float x) { ck_put_f32s(b, &x, 1); }

void ck_put_f64(wbuf *b, double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    ck_put_u64(b, u);
}

void ck_sec_begin(wbuf *b, const char tag[4])
{
    uint8_t *d = wb_room(b, 4);
    if (d)
        memcpy(d, tag, 4);
    b->sec = b->n;
    ck_put_u64(b, 0);
}

void ck_sec_end(wbuf *b)
{
    if (!b->oom)
        le64(b->p + b->sec, (uint64_t)(b->n - b->sec - 8));
}

void ck_put_header(wbuf *b, uint32_t kind)
{
    uint8_t *d = wb_room(b, 8);
    if (d)
        memcpy(d, CKPT_MAGIC, 8);
    ck_put_u32(b, CKPT_VERSION);
    ck_put_u32(b, kind);
    ck_put_u64(b, 0); /* file length, patched by ck_finish */
}

void ck_finish(wbuf *b)
{
    if (b->oom)
        return;
    le64(b->p + 16, (uint64_t)(b->n + 4));
    uint32_t crc = ck_crc32(b->p, b->n);
    ck_put_u32(b, crc);
}


/* Remove PATH.tmp.<pid> files left by writers that were killed mid-write
 * (SIGKILL skips their cleanup). Only those whose process is gone: a live
 * pid may be another process writing the same target right now, and an
 * unreadable directory or a failed unlink just leaves the file (best effort;
 * PATH itself is never touched, so the write stays atomic). */
static void remove_stale_temps(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dl = slash ? (size_t)(slash - path) : 0, bl = strlen(base);
    char *dir = slash ? strndup(path, dl ? dl : 1) : strdup(".");
    if (!dir)
        return;
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (strncmp(n, base, bl) != 0 || strncmp(n + bl, ".tmp.", 5) != 0)
            continue;
        char *end;
        errno = 0;
        long pid = strtol(n + bl + 5, &end, 10);
        if (errno || end == n + bl + 5 || *end || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (EPERM: someone else's) */
        unlinkat(dirfd(d), n, 0);
    }
    closedir(d);
    free(dir);
}

/* Write len bytes to path atomically (see the header comment). */
static irvi_status write_atomic(const char *path, const uint8_t *buf, size_t len)
{
    remove_stale_temps(path);
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    if (!tmp)
        return irvi_fail(IRVI_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
    const char *what;
    int err = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        irvi_status st = irvi_fail(IRVI_EIO, "%s: cannot create %s: %s", path, tmp, strerror(e));
        free(tmp);
        return st;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t k = write(fd, buf + done, len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            err = k < 0 ? errno : EIO;
            what = "write";
            goto fail_fd;
        }
        done += (size_t)k;
    }
    if (fsync(fd) != 0) {
        err = errno;
        what = "fsync";
        goto fail_fd;
    }
    if (close(fd) != 0) {
        err = errno;
        fd = -1;
        what = "close";
        goto fail_fd;
    }
    if (rename(tmp, path) != 0) {
        err = errno;
        fd = -1;
        what = "rename";
        goto fail_fd;
    }
    free(tmp);
    /* make the rename itself durable */
    char *dir = strdup(path);
    if (!dir)
        return IRVI_OK;
    char *slash = strrchr(dir, '/');
    const char *d = ".";
    if (slash == dir)
        d = "/";
    else if (slash) {
        *slash = '\0';
        d = dir;
    }
    int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    irvi_status st = IRVI_OK;
    if (dfd >= 0) {
        if (fsync(dfd) != 0 && errno != EINVAL && errno != EROFS)
            st = irvi_fail(IRVI_EIO, "%s: fsync of directory %s: %s", path, d, strerror(errno));
        close(dfd);
    }
    free(dir);
    return st;
fail_fd: {
        int e = err ? err : EIO;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        irvi_status st = irvi_fail(IRVI_EIO, "%s: %s of %s failed: %s", path, what, tmp, strerror(e));
        free(tmp);
        return st;
    }
}

irvi_status ck_write(const char *path, wbuf *b)
{
    irvi_status st;
    if (b->oom)
        st = irvi_fail(IRVI_ENOMEM, "%s: out of memory building the file", path);
    else
        st = write_atomic(path, b->p, b->n);
    free(b->p);
    return st;
}


/* ---- reading ------------------------------------------------------------ */

static uint32_t rd32(const uint8_t *d)
{
    return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

static uint64_t rd64(const uint8_t *d)
{
    return (uint64_t)rd32(d) | (uint64_t)rd32(d + 4) << 32;
}

static const uint8_t *take(rcur *c, size_t k)
{
    if (!c->ok || c->len - c->pos < k) {
        c->ok = 0;
        return NULL;
    }
    const uint8_t *r = c->p + c->pos;
    c->pos += k;
    return r;
}

uint32_t ck_get_u32(rcur *c)
{
    const uint8_t *d = take(c, 4);
    return d ? rd32(d) : 0;
}

uint64_t ck_get_u64(rcur *c)
{
    const uint8_t *d = take(c, 8);
    return d ? rd64(d) : 0;
}

float ck_get_f32(rcur *c)
{
    uint32_t u = ck_get_u32(c);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

double ck_get_f64(rcur *c)
{
    uint64_t u = ck_get_u64(c);
    double f;
    memcpy(&f, &u, 8);
    return f;
}

void ck_get_f32s(rcur *c, float *x, size_t n)
{
    const uint8_t *d = take(c, 4 * n);
    for (size_t i = 0; d && i < n; i++) {
        uint32_t u = rd32(d + 4 * i);
        memcpy(&x[i], &u, 4);
    }
}

/* Read the whole file and check header, length and checksum. */
irvi_status ck_open(const char *path, ckfile *f)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    if (!path || !*path)
        return irvi_fail(IRVI_EINVAL, "no checkpoint path");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = errno;
        fclose(fp);
        return irvi_fail(IRVI_EIO, "%s: not a regular file%s%s", path, e ? ": " : "",
                         e ? strerror(e) : "");
    }
    size_t len = (size_t)sb.st_size;
    if (len == 0) {
        fclose(fp);
        return irvi_fail(IRVI_EFORMAT, "%s: empty file, not an irvi checkpoint", path);
    }
    if (len > MAX_FILE_BYTES) {
        fclose(fp);
        return irvi_fail(IRVI_EFORMAT, "%s: %zu bytes is too large for an irvi checkpoint", path,
                         len);
    }
    f->data = malloc(len);
    if (!f->data) {
        fclose(fp);
        return irvi_fail(IRVI_ENOMEM, "%s: cannot hold %zu bytes", path, len);
    }
    size_t got = fread(f->data, 1, len, fp);
    int rerr = ferror(fp);
    fclose(fp);
    if (rerr) {
        free(f->data);
        f->data = NULL;
        return irvi_fail(IRVI_EIO, "%s: read error", path);
    }
    f->len = len = got;
    irvi_status st = IRVI_OK;
    if (len < 8 && !memcmp(f->data, CKPT_MAGIC, len))
        st = irvi_fail(IRVI_EFORMAT, "%s: truncated (%zu bytes)", path, len);
    else if (len < 8 || memcmp(f->data, CKPT_MAGIC, 8) != 0)
        st = irvi_fail(IRVI_EFORMAT, "%s: not an irvi checkpoint (bad magic)", path);
    else if (len < HEADER_BYTES + 4)
        st = irvi_fail(IRVI_EFORMAT, "%s: truncated (%zu bytes, shorter than the header)", path,
                       len);
    else if (rd32(f->data + 8) != CKPT_VERSION)
        st = irvi_fail(IRVI_EFORMAT, "%s: unknown checkpoint version %u (this build reads %u)",
                       path, rd32(f->data + 8), CKPT_VERSION);
    else {
        uint64_t want = rd64(f->data + 16);
        f->kind = rd32(f->data + 12);
        if (want > len)
            st = irvi_fail(IRVI_EFORMAT, "%s: truncated (%zu of %llu bytes)", path, len,
                           (unsigned long long)want);
        else if (want < len)
            st = irvi_fail(IRVI_EFORMAT, "%s: %zu bytes but the header says %llu (trailing data)",
                           path, len, (unsigned long long)want);
        else if (ck_crc32(f->data, len - 4) != rd32(f->data + len - 4))
            st = irvi_fail(IRVI_EFORMAT, "%s: bad checksum (the file is corrupted)", path);
        else if (f->kind != CK_KIND_MODEL && f->kind != CK_KIND_TRAINER)
            st = irvi_fail(IRVI_EFORMAT, "%s: unknown content kind %u", path, f->kind);
    }
    if (st) {
        free(f->data);
        f->data = NULL;
    }
    return st;
}

/* Find a section's payload; EFORMAT naming it when missing or malformed. */
irvi_status ck_section(const ckfile *f, const char tag[4], rcur *out)
{
    size_t pos = HEADER_BYTES, end = f->len - 4;
    while (pos < end) {
        if (end - pos < 12)
            return irvi_fail(IRVI_EFORMAT, "%s: section table is damaged at byte %zu", f->path, pos);
        uint64_t n = rd64(f->data + pos + 4);
        if (n > end - pos - 12)
            return irvi_fail(IRVI_EFORMAT, "%s: section %.4s overruns the file", f->path,
                             (const char *)f->data + pos);
        if (!memcmp(f->data + pos, tag, 4)) {
            out->p = f->data + pos + 12;
            out->len = (size_t)n;
            out->pos = 0;
            out->ok = 1;
            return IRVI_OK;
        }
        pos += 12 + (size_t)n;
    }
    return irvi_fail(IRVI_EFORMAT, "%s: missing section %.4s", f->path, tag);
}
