/* png.h — a small PNG writer for pictures of fields (tank surface
 * snapshots): 8-bit RGB, uncompressed (stored) deflate blocks, so it needs no
 * zlib and any viewer opens it. */
#ifndef HR_PNG_H
#define HR_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Writes a width x height field (row-major, row 0 first) as a PNG picture
 * with a diverging blue-white-red colour map centred on 0 and scaled to
 * max |field| (all white if the field is 0), row 0 at the bottom (y up).
 * `scale` (pixels per cell, >= 1) enlarges small grids. HR_OK or HR_EIO. */
int hr_png_write_field(const char *path, const double *field, int width, int height, int scale);

#endif
