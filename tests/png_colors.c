/* tests/png_colors.c — a PNG read back for the CLI tests (tests/cli/watch.sh):
 * png_colors FILE W H RRGGBB...  exits 0 when the image is W x H and every
 * colour given covers at least 50 pixels (a curve or legend swatch drawn in
 * it), else prints what it found and exits 1. */
#include <stdio.h>
#include <stdlib.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wtype-limits"
#define STB_IMAGE_IMPLEMENTATION /* as tests/test_image.c */
#define STBI_ONLY_PNG
#include <stb_image.h>
#pragma GCC diagnostic pop

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: png_colors FILE W H RRGGBB...\n");
        return 2;
    }
    int w, h, n;
    unsigned char *px = stbi_load(argv[1], &w, &h, &n, 3);
    if (!px) {
        printf("%s: not a readable PNG\n", argv[1]);
        return 1;
    }
    int ok = w == atoi(argv[2]) && h == atoi(argv[3]);
    if (!ok)
        printf("%s: %dx%d, want %sx%s\n", argv[1], w, h, argv[2], argv[3]);
    for (int a = 4; a < argc; a++) {
        unsigned long c = strtoul(argv[a], NULL, 16);
        long count = 0;
        for (long i = 0; i < (long)w * h; i++)
            count += px[3 * i] == (c >> 16 & 255) && px[3 * i + 1] == (c >> 8 & 255) &&
                     px[3 * i + 2] == (c & 255);
        if (count < 50) {
            printf("%s: colour %s on %ld pixels, want >= 50\n", argv[1], argv[a], count);
            ok = 0;
        }
    }
    stbi_image_free(px);
    return ok ? 0 : 1;
}
