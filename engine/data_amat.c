/* engine/data_amat.c — Larochelle & Murray's fixed-binarization MNIST
 * (binarized_mnist_{train,valid,test}.amat): plain text, one image a line,
 * D space-separated values 0 or 1, no labels.
 *
 * Design: a streaming parser over 64 KiB chunks read through gzread (so a
 * gzip-compressed .amat.gz is read as well), with a fast path for the
 * one-character tokens "0"/"1"; other tokens are parsed as numbers and
 * accepted only if exactly 0 or 1 ("1.0", "0e0"). The image buffer grows by
 * doubling. Errors name the file, the 1-based line and the 1-based column
 * (value index). Blank lines are tolerated only at the end of the file.
 */
#include "data_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define TOKMAX 64

typedef struct {
    const char *path;
    int D;             /* values per line (0 = not yet known) */
    uint8_t *x;        /* images so far */
    size_t cap;        /* bytes allocated in x */
    int n;             /* complete lines stored */
    int col;           /* values seen on the current line */
    long line;         /* current line, 1-based */
    long blank_line;   /* first blank line seen (0 = none) */
    char tok[TOKMAX + 1];
    int ntok;          /* chars in tok (TOKMAX+1 marks "too long") */
} amat_parser;

static irvi_status push_value(amat_parser *p, uint8_t v)
{
    if (p->blank_line)
        return irvi_fail(IRVI_EFORMAT, "%s: line %ld is empty (blank lines only allowed at the end)",
                         p->path, p->blank_line);
    if (p->D > 0 && p->col >= p->D)
        return irvi_fail(IRVI_EFORMAT, "%s: line %ld has more than %d values", p->path,
                         p->line, p->D);
    size_t at = (size_t)p->n * (size_t)(p->D > 0 ? p->D : 0) + (size_t)p->col;
    if (at >= p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 1 << 16;
        uint8_t *nx = realloc(p->x, nc);
        if (!nx)
            return irvi_fail(IRVI_ENOMEM, "%s: cannot allocate %zu bytes", p->path, nc);
        p->x = nx;
        p->cap = nc;
    }
    p->x[at] = v;
    p->col++;
    return IRVI_OK;
}

static irvi_status end_token(amat_parser *p)
{
    if (p->ntok == 0)
        return IRVI_OK;
    int n = p->ntok;
    p->ntok = 0;
    if (n == 1 && (p->tok[0] == '0' || p->tok[0] == '1'))
        return push_value(p, (uint8_t)(p->tok[0] - '0'));
    if (n > TOKMAX)
        return irvi_fail(IRVI_EFORMAT, "%s: line %ld, column %d: value '%.16s...' is not 0 or 1",
                         p->path, p->line, p->col + 1, p->tok);
    p->tok[n] = '\0';
    char *end;
    double v = strtod(p->tok, &end);
    if (*end != '\0' || (v != 0.0 && v != 1.0))
        return irvi_fail(IRVI_EFORMAT, "%s: line %ld, column %d: value '%s' is not 0 or 1",
                         p->path, p->line, p->col + 1, p->tok);
    return push_value(p, v == 1.0);
}

static irvi_status end_line(amat_parser *p)
{
    irvi_status st = end_token(p);
    if (st)
        return st;
    if (p->col == 0) {
        if (!p->blank_line)
            p->blank_line = p->line;
    } else {
        if (p->D == 0)
            p->D = p->col;
        else if (p->col != p->D)
            return irvi_fail(IRVI_EFORMAT, "%s: line %ld has %d values, expected %d", p->path,
                             p->line, p->col, p->D);
        if (p->n == INT_MAX)
            return irvi_fail(IRVI_EFORMAT, "%s: too many lines", p->path);
        p->n++;
    }
    p->col = 0;
    p->line++;
    return IRVI_OK;
}

static irvi_status feed(amat_parser *p, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        irvi_status st = IRVI_OK;
        if (c == '\n')
            st = end_line(p);
        else if (c == ' ' || c == '\t' || c == '\r' || c == ',')
            st = end_token(p);
        else if (c == '\0')
            st = irvi_fail(IRVI_EFORMAT, "%s: line %ld: NUL byte, not a text .amat file",
                           p->path, p->line);
        else if (p->ntok <= TOKMAX)
            p->tok[p->ntok++] = c;
        if (st)
            return st;
    }
    return IRVI_OK;
}

irvi_status irvi_amat_load(const char *path, int D, uint8_t **x, int *n, int *D_out)
{
    *x = NULL;
    *n = 0;
    if (D_out)
        *D_out = 0;
    if (!path)
        return irvi_fail(IRVI_EINVAL, "amat: no file name");
    if (D < 0)
        return irvi_fail(IRVI_EINVAL, "%s: negative image size %d", path, D);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return irvi_fail(IRVI_EIO, "%s: is a directory, not a data file", path);
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return irvi_fail(IRVI_EIO, "%s: cannot open: %s", path, strerror(errno));
    enum { CHUNK = 1 << 16 };
    char *chunk = malloc(CHUNK);
    if (!chunk) {
        gzclose(gz);
        return irvi_fail(IRVI_ENOMEM, "%s: no memory for read buffer", path);
    }
    amat_parser p = {.path = path, .D = D, .line = 1};
    irvi_status st = IRVI_OK;
    for (;;) {
        int got = gzread(gz, chunk, CHUNK);
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(gz, &zerr);
            st = irvi_fail(IRVI_EFORMAT, "%s: read error: %s", path, msg ? msg : "zlib error");
            break;
        }
        if (got == 0)
            break;
        if ((st = feed(&p, chunk, (size_t)got)) != IRVI_OK)
            break;
    }
    if (!st) {
        int zerr = Z_OK;
        const char *msg = gzerror(gz, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END)
            st = irvi_fail(IRVI_EFORMAT, "%s: corrupt gzip stream: %s", path,
                           msg ? msg : "zlib error");
    }
    if (!st && (p.col > 0 || p.ntok > 0))
        st = end_line(&p); /* last line without a newline */
    free(chunk);
    gzclose(gz);
    if (!st && p.n == 0)
        st = irvi_fail(IRVI_EFORMAT, "%s: empty file (no images)", path);
    if (st) {
        free(p.x);
        return st;
    }
    *x = p.x;
    *n = p.n;
    if (D_out)
        *D_out = p.D;
    return IRVI_OK;
}
