/* test_png.c — the PNG writer: read the file back by the PNG and zlib
 * specifications (signature, chunk lengths and CRCs, stored deflate blocks,
 * Adler-32) and check the pixels' colours and orientation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include "interface/png.h"
#include "base/status.h"
#include "tests/test_util.h"

static uint32_t rd32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void test_crc_known_value(void **state)
{
    /* The CRC-32 check value of "123456789" (zlib's crc32). */
    assert_int_equal((uint32_t)crc32_z(0, (const unsigned char *)"123456789", 9), 0xCBF43926u);
}

static void test_roundtrip(void **state)
{
    /* 3 x 2 cells, scale 2: row 0 (bottom) = -2.385, 0, 1; row 1 = 0.5, 2.385, 0. */
    const double field[6] = {-2.385, 0, 1, 0.5, 2.385, 0};
    char path[] = "/tmp/hr_png_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_status(hr_png_write_field(path, field, 3, 2, 2), HR_OK);
    FILE *f = fopen(path, "rb");
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unlink(path);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_memory_equal(buf, sig, 8);
    size_t o = 8, w = 0, h = 0;
    unsigned char z[4096];
    size_t zn = 0;
    int iend = 0;
    while (o + 12 <= n) {
        uint32_t len = rd32(buf + o);
        assert_true(o + 12 + len <= n);
        assert_int_equal((uint32_t)crc32_z(0, buf + o + 4, 4 + len), rd32(buf + o + 8 + len));
        if (memcmp(buf + o + 4, "IHDR", 4) == 0) {
            w = rd32(buf + o + 8);
            h = rd32(buf + o + 12);
            assert_int_equal(buf[o + 16], 8); /* depth */
            assert_int_equal(buf[o + 17], 2); /* RGB */
        } else if (memcmp(buf + o + 4, "IDAT", 4) == 0) {
            memcpy(z + zn, buf + o + 8, len);
            zn += len;
        } else if (memcmp(buf + o + 4, "IEND", 4) == 0) {
            iend = 1;
        }
        o += 12 + len;
    }
    assert_true(iend && o == n);
    assert_int_equal(w, 6);
    assert_int_equal(h, 4);
    /* zlib header, one stored final block, Adler-32. */
    assert_int_equal((z[0] * 256 + z[1]) % 31, 0);
    assert_int_equal(z[2], 1);
    size_t len = (size_t)z[3] | (size_t)z[4] << 8;
    assert_int_equal(len ^ 0xffff, (size_t)z[5] | (size_t)z[6] << 8);
    const unsigned char *raw = z + 7;
    assert_int_equal(len, h * (1 + 3 * w));
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < len; i++) {
        a = (a + raw[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    assert_int_equal(rd32(raw + len), (b << 16) | a);
    /* Pixel (x, y) of the picture, y = 0 the top line. */
#define PIX(x, y, c) raw[(y) * (1 + 3 * w) + 1 + 3 * (x) + (c)]
    /* Bottom-left cell (-2.385 = -max): pure blue, in the bottom two lines. */
    assert_int_equal(PIX(0, 3, 0), 0);
    assert_int_equal(PIX(1, 2, 2), 255);
    /* Top-middle cell (+max): pure red in the top lines. */
    assert_int_equal(PIX(2, 0, 0), 255);
    assert_int_equal(PIX(3, 1, 1), 0);
    /* Zero: white; 1 / 2.385 of max: a pale red with G = B = 255 (1 - 0.419). */
    assert_int_equal(PIX(2, 3, 1), 255);
    assert_int_equal(PIX(4, 3, 0), 255);
    assert_int_equal(PIX(4, 3, 1), 148);
    for (size_t y = 0; y < h; y++)
        assert_int_equal(raw[y * (1 + 3 * w)], 0); /* filter byte */
    /* Bad sizes are refused. */
    assert_status(hr_png_write_field(path, field, 0, 2, 1), HR_EINVAL);
    assert_status(hr_png_write_field("/nonexistent/dir/x.png", field, 3, 2, 1), HR_EIO);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_known_value),
        cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
