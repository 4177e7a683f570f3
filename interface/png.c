/* png.c — PNG files without zlib: the image data is a zlib stream of stored
 * (uncompressed) deflate blocks of at most 65535 bytes, each with its
 * length and one's complement, closed by the Adler-32 of the raw data. */
#include "interface/png.h"
#include <zlib.h>
#include "base/status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

static int chunk(FILE *f, const char *type, const unsigned char *data, size_t n)
{
    unsigned char head[8];
    be32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    uLong crc = crc32_z(0, head + 4, 4);
    if (n > 0) /* zlib: a NULL buffer would reset the crc */
        crc = crc32_z(crc, data, n);
    unsigned char tail[4];
    be32(tail, (uint32_t)crc);
    return fwrite(head, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) &&
           fwrite(tail, 1, 4, f) == 4;
}

/* Blue (-1) through white (0) to red (+1). */
static void colour(double v, unsigned char *rgb)
{
    if (!isfinite(v))
        v = 0;
    v = v < -1 ? -1 : v > 1 ? 1 : v;
    double a = fabs(v);
    unsigned char fade = (unsigned char)lround(255 * (1 - a));
    rgb[0] = v > 0 ? 255 : fade;
    rgb[1] = fade;
    rgb[2] = v < 0 ? 255 : fade;
}

int hr_png_write_field(const char *path, const double *field, int width, int height, int scale)
{
    if (width < 1 || height < 1 || scale < 1 || (long)width * scale > 16384 ||
        (long)height * scale > 16384)
        return HR_ERROR(HR_EINVAL, "%s: a %d x %d picture at %d pixels per cell (allowed: 1 .. "
                        "16384 pixels a side)", path, width, height, scale);
    double m = 0;
    for (long i = 0; i < (long)width * height; i++)
        if (isfinite(field[i]) && fabs(field[i]) > m)
            m = fabs(field[i]);
    size_t w = (size_t)width * (size_t)scale, h = (size_t)height * (size_t)scale;
    size_t row = 1 + 3 * w, raw_n = row * h;
    unsigned char *raw = malloc(raw_n);
    size_t nblocks = (raw_n + 65534) / 65535;
    size_t z_n = 2 + raw_n + 5 * nblocks + 4;
    unsigned char *z = malloc(z_n);
    if (!raw || !z) {
        free(raw);
        free(z);
        return HR_ERROR(HR_ENOMEM, "%s: out of memory for a %zu x %zu picture", path, w, h);
    }
    for (size_t y = 0; y < h; y++) {
        unsigned char *r = raw + y * row;
        size_t j = (size_t)height - 1 - y / (size_t)scale; /* row 0 at the bottom */
        r[0] = 0;                                          /* filter: none */
        for (size_t x = 0; x < w; x++)
            colour(m > 0 ? field[j * (size_t)width + x / (size_t)scale] / m : 0, r + 1 + 3 * x);
    }
    /* zlib stream: header, stored blocks, Adler-32. */
    size_t o = 0;
    z[o++] = 0x78;
    z[o++] = 0x01;
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < raw_n; i++) {
        a = (a + raw[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    for (size_t off = 0; off < raw_n; off += 65535) {
        size_t len = raw_n - off < 65535 ? raw_n - off : 65535;
        z[o++] = off + len == raw_n ? 1 : 0; /* BFINAL, BTYPE = stored */
        z[o++] = (unsigned char)(len & 0xff);
        z[o++] = (unsigned char)(len >> 8);
        z[o++] = (unsigned char)(~len & 0xff);
        z[o++] = (unsigned char)((~len >> 8) & 0xff);
        memcpy(z + o, raw + off, len);
        o += len;
    }
    be32(z + o, (b << 16) | a);
    o += 4;
    unsigned char ihdr[13];
    be32(ihdr, (uint32_t)w);
    be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(sig, 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, 13) &&
             chunk(f, "IDAT", z, o) && chunk(f, "IEND", NULL, 0);
    if (f && fclose(f) != 0)
        ok = 0;
    free(raw);
    free(z);
    if (!ok)
        return HR_ERROR(HR_EIO, "%s: cannot write (%s)", path, strerror(errno));
    return HR_OK;
}
