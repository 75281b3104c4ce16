/* app/picture/text.c — the built-in 5x7 bitmap font (assets/font5x7.inc) drawn
 * into RGB8 buffers: row labels of the Fig. 2 grid, tick labels and titles
 * of charts. Glyphs are magnified by pixel replication (scale x scale blocks)
 * so text stays crisp at any size. Pure functions; any thread.
 */
#include "picture/picture.h"

#include <string.h>

/* 8 rows per glyph: 7 down to the baseline, 1 for descenders (g j p q y) */
#define GLYPH_ROWS 8

static const uint8_t font[95][GLYPH_ROWS] = {
#include "../../assets/font5x7.inc"
};

static const uint8_t *glyph(unsigned char c)
{
    if (c < 32 || c > 126)
        c = '?';
    return font[c - 32];
}

int irvi_text_width(const char *text, int scale)
{
    size_t n = text ? strlen(text) : 0;
    if (n == 0 || scale < 1)
        return 0;
    return (int)n * IRVI_FONT_ADVANCE * scale - scale;
}

int irvi_text_height(int scale)
{
    return scale < 1 ? 0 : IRVI_FONT_H * scale;
}

/* Fill the clipped rectangle [x, x + bw) x [y, y + bh). */
static void fill(uint8_t *rgb, int w, int h, int x, int y, int bw, int bh, uint32_t color)
{
    int xa = x < 0 ? 0 : x, ya = y < 0 ? 0 : y;
    int xb = x + bw > w ? w : x + bw, yb = y + bh > h ? h : y + bh;
    uint8_t r = (uint8_t)(color >> 16), g = (uint8_t)(color >> 8), b = (uint8_t)color;
    for (int yy = ya; yy < yb; yy++) {
        uint8_t *p = rgb + 3 * ((size_t)yy * (size_t)w + (size_t)xa);
        for (int xx = xa; xx < xb; xx++, p += 3) {
            p[0] = r;
            p[1] = g;
            p[2] = b;
        }
    }
}

int irvi_text_draw(uint8_t *rgb, int w, int h, int x, int y, const char *text,
                   uint32_t color, int scale)
{
    if (!rgb || !text || scale < 1)
        return x;
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        const uint8_t *gl = glyph(*s);
        for (int gy = 0; gy < GLYPH_ROWS; gy++)
            for (int gx = 0; gx < IRVI_FONT_W; gx++)
                if (gl[gy] & (0x10 >> gx))
                    fill(rgb, w, h, x + gx * scale, y + gy * scale, scale, scale, color);
        x += IRVI_FONT_ADVANCE * scale;
    }
    return x - (text[0] ? scale : 0);
}

/* Rotated a quarter turn counter-clockwise: glyph column gx goes up from the
 * baseline corner, glyph row gy goes right. (x, y) is the bottom-left. */
int irvi_text_draw_up(uint8_t *rgb, int w, int h, int x, int y, const char *text,
                      uint32_t color, int scale)
{
    if (!rgb || !text || scale < 1)
        return y;
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        const uint8_t *gl = glyph(*s);
        for (int gy = 0; gy < GLYPH_ROWS; gy++)
            for (int gx = 0; gx < IRVI_FONT_W; gx++)
                if (gl[gy] & (0x10 >> gx))
                    fill(rgb, w, h, x + gy * scale, y - (gx + 1) * scale, scale, scale, color);
        y -= IRVI_FONT_ADVANCE * scale;
    }
    return y + (text[0] ? scale : 0);
}
