/* app/live/draw_util.h — small RGB8 helpers of the inspector views (filled
 * rectangles, grey images, PNG with an error string). Any thread. */
#ifndef IRVI_APP_DRAW_UTIL_H
#define IRVI_APP_DRAW_UTIL_H

#include "picture/picture.h"
#include <stddef.h>
#include <stdint.h>

void du_fill(uint8_t *rgb, int w, int h, uint32_t c);
void du_rect(uint8_t *rgb, int w, int h, int x0, int y0, int rw, int rh, uint32_t c);
/* A grey image (0..1; NaN red), each pixel scale x scale, clipped. */
void du_image(uint8_t *rgb, int w, int h, int x0, int y0, const float *img, int rows, int cols,
              int transposed, int scale);
int du_png(const char *path, const uint8_t *rgb, int w, int h, char *err, size_t errcap);

#endif
