/* engine/png.c — PNG files, atomically.
 *
 * The only translation unit that compiles stb_image_write (Debian libstb-dev
 * headers): STB_IMAGE_WRITE_STATIC keeps that copy private to this file, so
 * it cannot clash with anyone else's, and STBI_WRITE_NO_STDIO leaves out
 * stb's own file writing: we encode to memory and write the bytes ourselves
 * (temporary file, fsync, rename) so that a crash or a full disk never
 * leaves a truncated PNG where a good one was. stb's process-wide settings
 * (compression level, forced filter, vertical flip) are never changed, so
 * concurrent calls from several threads are safe. This file is built with
 * relaxed warnings (engine/meson.build) because of stb's code.
 */
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#include <stb_image_write.h>

#include "picture/picture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* write all of buf, retrying short writes and EINTR */
static int write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, buf, len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Make the rename durable: fsync the directory holding path (best effort;
 * some file systems refuse to fsync directories). */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

irvi_status irvi_png_write(const char *path, const uint8_t *rgb, int w, int h)
{
    if (!path || !path[0])
        return irvi_fail(IRVI_EINVAL, "png: no file name");
    if (!rgb || w < 1 || h < 1 || w > 65535 || h > 65535)
        return irvi_fail(IRVI_EINVAL, "png %s: bad image %d x %d", path, w, h);

    int len = 0;
    unsigned char *png = stbi_write_png_to_mem(rgb, w * 3, w, h, 3, &len);
    if (!png || len <= 0) {
        free(png);
        return irvi_fail(IRVI_ENOMEM, "png %s: out of memory encoding %d x %d", path, w, h);
    }

    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp) {
        free(png);
        return irvi_fail(IRVI_ENOMEM, "png %s: out of memory", path);
    }
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());

    irvi_status st = IRVI_OK;
    const char *what = NULL;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        what = "cannot create";
        goto fail;
    }
    if (write_all(fd, png, (size_t)len) != 0) {
        what = "cannot write";
        goto fail_fd;
    }
    if (fsync(fd) != 0) {
        what = "cannot sync";
        goto fail_fd;
    }
    if (close(fd) != 0) {
        fd = -1;
        what = "cannot write";
        goto fail_unlink;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        what = "cannot replace";
        goto fail_unlink;
    }
    sync_parent(path);
    free(tmp);
    free(png);
    return IRVI_OK;

fail_fd:
    {
        int e = errno;
        close(fd);
        errno = e;
    }
fail_unlink:
    {
        int e = errno;
        unlink(tmp);
        errno = e;
    }
fail:
    st = irvi_fail(IRVI_EIO, "%s %s: %s", what, path, strerror(errno));
    free(tmp);
    free(png);
    return st;
}
