/* app/picture/png.c — PNG files, atomically.
 *
 * The only translation unit that compiles stb_image_write (Debian libstb-dev
 * headers): STB_IMAGE_WRITE_STATIC keeps that copy private to this file, so
 * it cannot clash with anyone else's, and STBI_WRITE_NO_STDIO leaves out
 * stb's own file writing: we encode to memory and write the bytes through
 * the app's atomic writer (common/sysutil.h: temporary file, fsync, rename)
 * so that a crash or a full disk never
 * leaves a truncated PNG where a good one was. stb's process-wide settings
 * (compression level, forced filter, vertical flip) are never changed, so
 * concurrent calls from several threads are safe. This file is built with
 * relaxed warnings (app/picture/meson.build) because of stb's code.
 */
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#include <stb_image_write.h>

#include "picture/picture.h"

#include "common/sysutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

    char tmp[4200];
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    const char *what = "cannot create";
    FILE *f = app_atomic_open(path, suffix, tmp, sizeof tmp);
    if (f) {
        size_t put = fwrite(png, 1, (size_t)len, f);
        if (app_atomic_close(f, tmp, path, put == (size_t)len, &what) == 0 && put == (size_t)len) {
            free(png);
            return IRVI_OK;
        }
        if (!what)
            what = "cannot write";
    }
    irvi_status st = irvi_fail(IRVI_EIO, "%s %s: %s", what, path, strerror(errno));
    free(png);
    return st;
}
