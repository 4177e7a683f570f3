/* test_plot.c — the figure layer (ticks, log axes, ranges, colour maps
 * against matplotlib's published values), its readers (CSV and experiment
 * files: errors with FILE:LINE, fuzzed), every figure kind from the
 * fixture folders of tests/fixtures/plot/ in PNG, SVG and PDF (size and
 * content checked), malformed folders, and the tank movie (frames the same
 * bits as the simulation, a valid looping GIF). Run from the repository
 * root (make check does). */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#include <gif_lib.h>

#include "base/status.h"
#include "interface/config.h"
#include "interface/outdir.h"
#include "interface/plot.h"
#include "interface/plot_data.h"
#include "interface/plot_folder.h"
#include "interface/plot_internal.h"
#include "reservoir/experiment.h"
#include "reservoir/pipeline.h"
#include "tests/test_util.h"

#define FIX "tests/fixtures/plot"

/* ---- helpers ---- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        b[n] = '\0';
    if (len)
        *len = (size_t)n;
    return b;
}

static void spit(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static void tmpdir(char *buf, size_t size)
{
    snprintf(buf, size, "/tmp/hr_plot_test_XXXXXX");
    assert_non_null(mkdtemp(buf));
}

/* Copies the plain files of fixture `name` into a new temporary folder. */
static void copy_fixture(const char *name, char *dst, size_t size)
{
    tmpdir(dst, size);
    char src[512];
    snprintf(src, sizeof src, FIX "/%s", name);
    DIR *d = opendir(src);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char a[1024], b[1024];
        snprintf(a, sizeof a, "%s/%s", src, e->d_name);
        snprintf(b, sizeof b, "%s/%s", dst, e->d_name);
        size_t n;
        char *t = slurp(a, &n);
        assert_non_null(t);
        spit(b, t, n);
        free(t);
    }
    closedir(d);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PNG of w x h pixels whose luminance varies (not blank). */
static void check_png(const char *path, int w, int h)
{
    size_t n;
    unsigned char *b = (unsigned char *)slurp(path, &n);
    assert_non_null(b);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_true(n > 33);
    assert_memory_equal(b, sig, 8);
    assert_memory_equal(b + 12, "IHDR", 4);
    if (w > 0) {
        assert_int_equal(be32(b + 16), (uint32_t)w);
        assert_int_equal(be32(b + 20), (uint32_t)h);
    }
    free(b);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    int sw = cairo_image_surface_get_width(s), sh = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    double sum = 0, sum2 = 0;
    long cnt = 0, colour = 0;
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++) {
            uint32_t p = *(const uint32_t *)(const void *)(d + (size_t)y * stride + 4 * (size_t)x);
            int r = p >> 16 & 255, g = p >> 8 & 255, bl = p & 255;
            double l = 0.3 * r + 0.59 * g + 0.11 * bl;
            sum += l, sum2 += l * l, cnt++;
            colour += abs(r - g) > 40 || abs(g - bl) > 40;
        }
    cairo_surface_destroy(s);
    double mean = sum / cnt, var = sum2 / cnt - mean * mean;
    /* A white page with a few black lines already has a variance of ~100;
     * a blank one has 0. */
    assert_true(var > 100);
    assert_true(colour > 0); /* something drawn in colour (data, not only the frame) */
}

/* An SVG of w x h pt with at least `min_elements` drawing elements. */
static void check_svg(const char *path, double w, double h, int min_elements)
{
    char *t = slurp(path, NULL);
    assert_non_null(t);
    char want[128];
    snprintf(want, sizeof want, "width=\"%gpt\" height=\"%gpt\"", w, h);
    if (!strstr(t, want)) {
        print_error("%s: no %s in %.300s\n", path, want, t);
        fail();
    }
    int n = 0;
    for (const char *p = t; (p = strstr(p, "<path")) || 0; p++)
        n++;
    for (const char *p = t; (p = strstr(p, "<use")) || 0; p++)
        n++;
    assert_true(n >= min_elements);
    free(t);
}

static void check_pdf(const char *path, double w, double h)
{
    size_t n;
    char *t = slurp(path, &n);
    assert_non_null(t);
    assert_memory_equal(t, "%PDF-", 5);
    char want[128];
    snprintf(want, sizeof want, "/MediaBox [ 0 0 %g %g ]", w, h);
    assert_non_null(memmem(t, n, want, strlen(want)));
    assert_non_null(memmem(t, n, "%%EOF", 5));
    free(t);
}

/* ---- ticks, ranges, lengths ---- */

static void test_ticks_linear(void **state)
{
    hr_plot_ticks t;
    assert_status(hr_plot_ticks_linear(0, 1, 7, &t), HR_OK);
    assert_int_equal(t.n, 6);
    for (int i = 0; i < 6; i++)
        assert_abs(t.v[i], 0.2 * i, 1e-15);
    assert_string_equal(t.label[0], "0.0");
    assert_string_equal(t.label[5], "1.0");
    assert_string_equal(t.offset, "");
    /* A high-entropy range: step 2, ticks -2 .. 6, a true minus sign. */
    assert_status(hr_plot_ticks_linear(-2.385, 7.1, 7, &t), HR_OK);
    assert_int_equal(t.n, 5);
    assert_true(t.v[0] == -2 && t.v[4] == 6);
    assert_string_equal(t.label[0], "\xe2\x88\x92" "2");
    assert_string_equal(t.label[1], "0");
    /* Step 2.5 needs a decimal. */
    assert_status(hr_plot_ticks_linear(0, 10, 5, &t), HR_OK);
    assert_int_equal(t.n, 5);
    assert_string_equal(t.label[1], "2.5");
    /* Small values get a common factor: a tank surface of 3e-4 m. */
    assert_status(hr_plot_ticks_linear(-3.11e-4, 3.11e-4, 7, &t), HR_OK);
    assert_string_equal(t.offset, "\xc3\x97" "10^{\xe2\x88\x92" "4}");
    assert_int_equal(t.n, 7);
    assert_true(t.v[0] == -3 * 1e-4 || fabs(t.v[0] + 3e-4) < 1e-19);
    assert_string_equal(t.label[6], "3");
    /* Large ones too. */
    assert_status(hr_plot_ticks_linear(0, 2.385e5, 6, &t), HR_OK);
    assert_string_equal(t.offset, "\xc3\x97" "10^{5}");
    /* Every tick inside the range, increasing. */
    for (int i = 0; i < t.n; i++) {
        assert_true(t.v[i] >= 0 && t.v[i] <= 2.385e5);
        if (i)
            assert_true(t.v[i] > t.v[i - 1]);
    }
    assert_status(hr_plot_ticks_linear(1, 1, 6, &t), HR_EINVAL);
    assert_status(hr_plot_ticks_linear(0, INFINITY, 6, &t), HR_EINVAL);
}

static void test_ticks_log(void **state)
{
    hr_plot_ticks t;
    assert_status(hr_plot_ticks_log(3e-5, 2e2, &t), HR_OK);
    assert_int_equal(t.n, 7); /* 1e-4 .. 1e2 */
    assert_rel(t.v[0], 1e-4, 1e-12);
    assert_rel(t.v[6], 1e2, 1e-12);
    assert_string_equal(t.label[0], "10^{\xe2\x88\x92" "4}");
    assert_string_equal(t.label[4], "10^{0}");
    /* Minor ticks at 2..9 x 10^k inside the range only. */
    int has4e5 = 0, has2e5 = 0;
    for (int i = 0; i < t.nminor; i++) {
        assert_true(t.minor[i] >= 3e-5 && t.minor[i] <= 2e2);
        has4e5 |= fabs(t.minor[i] - 4e-5) < 1e-12;
        has2e5 |= fabs(t.minor[i] - 2e-5) < 1e-12;
    }
    assert_true(has4e5 && !has2e5);
    /* 25 decades: every 4th, no minor ticks. */
    assert_status(hr_plot_ticks_log(1e-12, 1e12, &t), HR_OK);
    assert_int_equal(t.n, 7);
    assert_int_equal(t.nminor, 0);
    assert_rel(t.v[1], 1e-8, 1e-12);
    /* Under two decades: 1, 2, 5. */
    assert_status(hr_plot_ticks_log(0.3, 2.385, &t), HR_OK);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.label[0], "0.5");
    assert_string_equal(t.label[2], "2");
    /* Narrower still: linear ticks. */
    assert_status(hr_plot_ticks_log(1.1, 1.9, &t), HR_OK);
    assert_true(t.n >= 2);
    assert_status(hr_plot_ticks_log(0, 10, &t), HR_EINVAL);
    assert_status(hr_plot_ticks_log(-1, 10, &t), HR_EINVAL);
}

static void test_ranges(void **state)
{
    double lo, hi;
    hr_plot_pad_range(0, 10, 0, 0.05, &lo, &hi);
    assert_abs(lo, -0.5, 1e-15);
    assert_abs(hi, 10.5, 1e-15);
    hr_plot_pad_range(1, 100, 1, 0.05, &lo, &hi);
    assert_rel(lo, pow(10, -0.1), 1e-14);
    assert_rel(hi, pow(10, 2.1), 1e-14);
    hr_plot_pad_range(3e-5, 3e-5, 0, 0.05, &lo, &hi);
    assert_rel(lo, 2.7e-5, 1e-12);
    assert_rel(hi, 3.3e-5, 1e-12);
    hr_plot_pad_range(0, 0, 0, 0.05, &lo, &hi);
    assert_true(lo == -1 && hi == 1);

    /* Ranges from the data of a panel. */
    hr_plot_fig *f = hr_plot_fig_create(1, 2, 400, 300);
    assert_non_null(f);
    hr_plot_axes *a = hr_plot_panel(f, 0), *b = hr_plot_panel(f, 1);
    assert_null(hr_plot_panel(f, 2));
    double x[5] = {0, 2.5, 5, 7.5, 10}, y[5] = {2, -1e9 * 0 + 3, NAN, 7, 4};
    assert_status(hr_plot_line(a, 5, x, y, NULL), HR_OK);
    double xl, xh, yl, yh;
    assert_status(hr_plot_axes_range(a, &xl, &xh, &yl, &yh), HR_OK);
    /* The NaN point's x (5) still counts for neither axis: x spans 0 .. 10. */
    assert_abs(xl, -0.5, 1e-12);
    assert_abs(xh, 10.5, 1e-12);
    assert_abs(yl, 2 - 0.25, 1e-12);
    assert_abs(yh, 7 + 0.25, 1e-12);
    /* A log axis ignores values <= 0; a heatmap spans exactly its extent. */
    hr_plot_ylog(b, 1);
    double ly[4] = {-1, 0, 1e-3, 10}, lx[4] = {1, 2, 3, 4};
    assert_status(hr_plot_line(b, 4, lx, ly, NULL), HR_OK);
    assert_status(hr_plot_axes_range(b, &xl, &xh, &yl, &yh), HR_OK);
    assert_rel(yl, pow(10, -3 - 0.2), 1e-12);
    assert_rel(yh, pow(10, 1 + 0.2), 1e-12);
    hr_plot_fig_destroy(f);
    f = hr_plot_fig_create(1, 1, 400, 300);
    a = hr_plot_panel(f, 0);
    double z[6] = {1, 2, 3, 4, NAN, 6};
    assert_status(hr_plot_heatmap(a, 3, 2, z, 0, 1.5, -0.25, 0.5, HR_CMAP_VIRIDIS, 1, 6, "v"), HR_OK);
    assert_status(hr_plot_axes_range(a, &xl, &xh, &yl, &yh), HR_OK);
    assert_true(xl == 0 && xh == 1.5 && yl == -0.25 && yh == 0.5);
    assert_status(hr_plot_axes_crange(a, &xl, &xh), HR_OK);
    assert_true(xl == 1 && xh == 6);
    assert_status(hr_plot_heatmap(a, 3, 2, z, 0, 1.5, 0, 1, HR_CMAP_VIRIDIS, 6, 1, NULL), HR_EINVAL);
    hr_plot_fig_destroy(f);
    assert_null(hr_plot_fig_create(0, 1, 400, 300));
    assert_null(hr_plot_fig_create(1, 1, 10, 300));
    hr_plot_fig_destroy(NULL);
}

static void test_lengths(void **state)
{
    double pt;
    assert_status(hr_plot_parse_length("6.4", 100, "--width", &pt), HR_OK);
    assert_rel(pt, 460.8, 1e-14);
    assert_status(hr_plot_parse_length("16cm", 100, "--width", &pt), HR_OK);
    assert_rel(pt, 16 / 2.54 * 72, 1e-14);
    assert_status(hr_plot_parse_length("800px", 100, "--width", &pt), HR_OK);
    assert_rel(pt, 576, 1e-14);
    assert_status(hr_plot_parse_length("300pt", 100, "--width", &pt), HR_OK);
    assert_rel(pt, 300, 1e-14);
    const char *bad[] = {"0", "-2", "abc", "5furlongs", "200in", "nan", "", "3 in"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_status(hr_plot_parse_length(bad[i], 100, "--width", &pt), HR_EINVAL);
        assert_non_null(strstr(hr_error_message(), "--width"));
    }
    assert_int_equal(hr_plot_format_parse("svg"), HR_PLOT_SVG);
    assert_int_equal(hr_plot_format_parse("jpeg"), -1);
}

/* ---- colour maps ---- */

static void test_viridis(void **state)
{
    /* matplotlib 3.6.3's _viridis_data entries 0, 64, 128, 192, 255; the
     * lookup is matplotlib's (entry floor(256 t)), so they are exact. */
    static const struct { double t, r, g, b; } ref[] = {
        {0.0, 0.267004, 0.004874, 0.329415},
        {0.25, 0.229739, 0.322361, 0.545706},
        {0.5, 0.127568, 0.566949, 0.550556},
        {0.75, 0.369214, 0.788888, 0.382914},
        {1.0, 0.993248, 0.906157, 0.143936},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        hr_rgb c = hr_cmap_lookup(HR_CMAP_VIRIDIS, ref[i].t);
        assert_abs(c.r, ref[i].r, 1e-12);
        assert_abs(c.g, ref[i].g, 1e-12);
        assert_abs(c.b, ref[i].b, 1e-12);
    }
    /* Clamped outside [0, 1]; NaN is grey. */
    hr_rgb lo = hr_cmap_lookup(HR_CMAP_VIRIDIS, -3), nan = hr_cmap_lookup(HR_CMAP_VIRIDIS, NAN);
    assert_abs(lo.r, 0.267004, 1e-12);
    assert_abs(nan.g, 0.5, 0);
    /* Lightness rises monotonically (perceptually ordered). */
    double prev = -1;
    for (int i = 0; i <= 256; i++) {
        hr_rgb c = hr_cmap_lookup(HR_CMAP_VIRIDIS, i / 256.0);
        double l = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
        assert_true(l >= prev - 1e-9);
        prev = l;
    }
}

static void test_coolwarm(void **state)
{
    /* Moreland's map computed here against matplotlib 3.6.3's "coolwarm"
     * (Moreland's own 257-entry table, looked up in 256 bins). Tolerance
     * 0.01: at the steepest part a channel changes by 0.0075 over one of
     * matplotlib's bins, and the table itself is rounded. */
    static const struct { double t, r, g, b; } ref[] = {
        {0.0, 0.229806, 0.298718, 0.753683},   {0.125, 0.383662, 0.510183, 0.917831},
        {0.25, 0.554312, 0.690097, 0.995516},  {0.375, 0.724041, 0.814910, 0.975651},
        {0.5, 0.867428, 0.864377, 0.862602},   {0.625, 0.959518, 0.766973, 0.674145},
        {0.75, 0.956653, 0.598034, 0.477302},  {0.875, 0.865391, 0.371128, 0.295769},
        {1.0, 0.705673, 0.015556, 0.150233},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        hr_rgb c = hr_cmap_lookup(HR_CMAP_COOLWARM, ref[i].t);
        assert_abs(c.r, ref[i].r, 0.01);
        assert_abs(c.g, ref[i].g, 0.01);
        assert_abs(c.b, ref[i].b, 0.01);
    }
    /* The ends are exactly Moreland's control colours; the middle a neutral
     * grey (L* = 88); symmetric in lightness about it. */
    hr_rgb a = hr_cmap_lookup(HR_CMAP_COOLWARM, 0), b = hr_cmap_lookup(HR_CMAP_COOLWARM, 1);
    /* (to 1e-3 of a level: the round trip through CIELAB with the 7-digit
     * sRGB matrices) */
    assert_abs(a.r * 255, 59, 1e-3);
    assert_abs(a.b * 255, 192, 1e-3);
    assert_abs(b.r * 255, 180, 1e-3);
    assert_abs(b.g * 255, 4, 1e-3);
    hr_rgb m = hr_cmap_lookup(HR_CMAP_COOLWARM, 0.5);
    assert_abs(m.r, m.g, 1e-4);
    assert_abs(m.g, m.b, 1e-4);
}

/* ---- readers ---- */

static void test_csv(void **state)
{
    const char *good = "# a comment\nname,\"quoted, with comma\",v\r\n\n"
                       "a,\"say \"\"hi\"\"\",1.5\n"
                       "b,,nan\n"
                       "c,x, -2.385 \n";
    hr_csv *t;
    assert_status(hr_csv_parse(good, strlen(good), "g.csv", 1, &t), HR_OK);
    assert_int_equal(t->ncols, 3);
    assert_int_equal(t->nrows, 3);
    assert_string_equal(t->col[1], "quoted, with comma");
    assert_string_equal(hr_csv_text(t, 0, 1), "say \"hi\"");
    assert_int_equal(t->line[0], 4);
    double v;
    assert_status(hr_csv_num(t, 0, 2, &v), HR_OK);
    assert_true(v == 1.5);
    assert_status(hr_csv_num(t, 1, 1, &v), HR_OK);
    assert_true(isnan(v));
    assert_status(hr_csv_num(t, 2, 2, &v), HR_OK);
    assert_true(v == -2.385);
    assert_status(hr_csv_num(t, 2, 1, &v), HR_EPARSE);
    assert_non_null(strstr(hr_error_message(), "g.csv:6: column 'quoted, with comma': 'x' is not a number"));
    static const char *const want[] = {"missing", "also", NULL};
    int col;
    assert_status(hr_csv_need(t, want, &col), HR_EPARSE);
    assert_non_null(strstr(hr_error_message(), "g.csv:2: no column 'missing'"));
    hr_csv_free(t);

    struct { const char *text, *msg; } bad[] = {
        {"a,b\n1,2\n3\n", "b.csv:3: 1 fields, but the header has 2"},
        {"a,b\n1,\"2\n", "b.csv:2: a quoted field is not closed"},
        {"a,b\n1,\"2\"x\n", "b.csv:2: text after a closing quote"},
        {"", "b.csv:1: empty"},
        {"# only a comment\n\n", "b.csv:1: empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_status(hr_csv_parse(bad[i].text, strlen(bad[i].text), "b.csv", 1, &t), HR_EPARSE);
        assert_null(t);
        if (!strstr(hr_error_message(), bad[i].msg)) {
            print_error("case %zu: '%s' lacks '%s'\n", i, hr_error_message(), bad[i].msg);
            fail();
        }
    }
    assert_status(hr_csv_parse("a\n1\0\n", 5, "n.csv", 1, &t), HR_EPARSE);
    assert_non_null(strstr(hr_error_message(), "n.csv:2: a NUL byte"));
    assert_status(hr_csv_read("/nonexistent/x.csv", 1, &t), HR_EIO);
    assert_non_null(strstr(hr_error_message(), "/nonexistent/x.csv: cannot open"));
    /* Without a header (a snapshot grid). */
    const char *grid = "# grid\n1,2,3\n4,5,6\n";
    assert_status(hr_csv_parse(grid, strlen(grid), "s.csv", 0, &t), HR_OK);
    assert_int_equal(t->nrows, 2);
    assert_int_equal(t->ncols, 3);
    hr_csv_free(t);
}

/* Deterministic mutations of valid input: every result is a status, never a
 * crash or a read past the end (the sanitizer build watches). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static void mutate(char *b, size_t *n, size_t cap)
{
    static const char alphabet[] = ",\"\n\r#0123456789.-e nanix<>/=&\\";
    int k = 1 + (int)(rnd() % 4);
    for (int i = 0; i < k && *n > 0; i++) {
        size_t at = rnd() % *n;
        switch (rnd() % 4) {
        case 0:
            b[at] = alphabet[rnd() % (sizeof alphabet - 1)];
            break;
        case 1: /* delete */
            memmove(b + at, b + at + 1, *n - at - 1);
            (*n)--;
            break;
        case 2: /* insert */
            if (*n + 1 < cap) {
                memmove(b + at + 1, b + at, *n - at);
                b[at] = alphabet[rnd() % (sizeof alphabet - 1)];
                (*n)++;
            }
            break;
        default: /* truncate */
            *n = at;
        }
    }
    b[*n] = '\0';
}

static void test_fuzz_readers(void **state)
{
    size_t len;
    char *csv = slurp(FIX "/evolve/generations.csv", &len);
    char *xml = slurp(FIX "/evolve/best.xml", NULL);
    assert_non_null(csv);
    assert_non_null(xml);
    char *b = malloc(len + 64);
    for (int it = 0; it < 3000; it++) {
        size_t n = len;
        memcpy(b, csv, len + 1);
        mutate(b, &n, len + 64);
        hr_csv *t;
        int st = hr_csv_parse(b, n, "fuzz.csv", 1, &t);
        assert_true(st == HR_OK || st == HR_EPARSE);
        if (st == HR_OK) {
            for (int r = 0; r < t->nrows; r++)
                for (int c = 0; c < t->ncols; c++) {
                    double v;
                    int s2 = hr_csv_num(t, r, c, &v);
                    assert_true(s2 == HR_OK || s2 == HR_EPARSE);
                }
            hr_csv_free(t);
        } else {
            assert_non_null(strstr(hr_error_message(), "fuzz.csv:"));
        }
    }
    free(b);
    size_t xl = strlen(xml);
    b = malloc(xl + 64);
    char path[] = "/tmp/hr_plot_fuzz_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (int it = 0; it < 600; it++) {
        size_t n = xl;
        memcpy(b, xml, xl + 1);
        mutate(b, &n, xl + 64);
        spit(path, b, n);
        hr_pconf *c;
        int st = hr_pconf_load(path, &c);
        assert_true(st == HR_OK || st == HR_EPARSE);
        if (st) {
            assert_non_null(strstr(hr_error_message(), path));
            continue;
        }
        hr_pconf_gene g[HR_PCONF_MAX_GENES];
        int ng;
        double v[16];
        st = hr_pconf_genes(c, g, HR_PCONF_MAX_GENES, &ng);
        assert_true(st == HR_OK || st == HR_EPARSE || st == HR_ERANGE);
        st = hr_pconf_list(c, "readout", "t", v, 16, &ng);
        assert_true(st == HR_OK || st == HR_EPARSE || st == HR_ERANGE);
        st = hr_pconf_target(c, "encoder.freq1", v);
        assert_true(st == HR_OK || st == HR_EPARSE || st == HR_ERANGE);
        hr_pconf_free(c);
    }
    unlink(path);
    free(b);
    free(csv);
    free(xml);
}

static void test_pconf(void **state)
{
    hr_pconf *c;
    assert_status(hr_pconf_load(FIX "/simulate/config.xml", &c), HR_OK);
    assert_string_equal(hr_pconf_kind(c, "substrate"), "tank");
    assert_string_equal(hr_pconf_name(c), "tank-xnor");
    double v[8];
    int n;
    assert_status(hr_pconf_list(c, "substrate", "maker_y", v, 8, &n), HR_OK);
    assert_int_equal(n, 2);
    assert_rel(v[1], 0.35, 1e-15);
    assert_status(hr_pconf_target(c, "encoder.freq1", v), HR_OK);
    assert_rel(v[0], 3.0, 1e-15);
    assert_status(hr_pconf_list(c, "substrate", "maker_y", v, 1, &n), HR_ERANGE);
    hr_pconf_gene g[HR_PCONF_MAX_GENES];
    assert_status(hr_pconf_genes(c, g, HR_PCONF_MAX_GENES, &n), HR_OK);
    assert_int_equal(n, 8);
    assert_string_equal(g[6].name, "t0");
    assert_true(g[6].lo == 0.5 && g[6].hi == 2.5);
    hr_pconf_free(c);
    char d[64], p[128];
    tmpdir(d, sizeof d);
    snprintf(p, sizeof p, "%s/config.xml", d);
    spit(p, "<experiment>\n<readout><t>1 x</t></readout>\n", 44);
    assert_status(hr_pconf_load(p, &c), HR_EPARSE);
    assert_non_null(strstr(hr_error_message(), "config.xml:3:"));
    spit(p, "<experiment>\n<readout><t>1 x</t></readout>\n</experiment>\n", 57);
    assert_status(hr_pconf_load(p, &c), HR_OK);
    assert_status(hr_pconf_list(c, "readout", "t", v, 8, &n), HR_EPARSE);
    assert_non_null(strstr(hr_error_message(), "config.xml:2: <readout><t>: 'x' is not a number"));
    hr_pconf_free(c);
    spit(p, "<other/>\n", 9);
    assert_status(hr_pconf_load(p, &c), HR_EPARSE);
    assert_non_null(strstr(hr_error_message(), "not <experiment>"));
    hr_remove_tree(d);
}

/* ---- figures from the fixture folders ---- */

/* What the emit hook saw. */
static struct seen {
    char base[16][32];
    int n;
    double xr[16][2], yr[16][2], cr[16][2];
    int ylog[16];
} seen;

static void hook(const char *base, hr_plot_fig *f)
{
    if (seen.n >= 16)
        return;
    int i = seen.n++;
    snprintf(seen.base[i], sizeof seen.base[i], "%s", base);
    hr_plot_axes *a = hr_plot_panel(f, 0);
    seen.xr[i][0] = seen.xr[i][1] = seen.yr[i][0] = seen.yr[i][1] = NAN;
    seen.cr[i][0] = seen.cr[i][1] = NAN;
    hr_plot_axes_range(a, &seen.xr[i][0], &seen.xr[i][1], &seen.yr[i][0], &seen.yr[i][1]);
    for (int k = 0; hr_plot_panel(f, k); k++) /* the panel with the colour bar */
        if (hr_plot_axes_crange(hr_plot_panel(f, k), &seen.cr[i][0], &seen.cr[i][1]) == HR_OK)
            break;
    hr_error_clear();
    seen.ylog[i] = hr_plot_axes_log(a, 1);
}

static int seen_index(const char *base)
{
    for (int i = 0; i < seen.n; i++)
        if (strcmp(seen.base[i], base) == 0)
            return i;
    print_error("no figure '%s'\n", base);
    fail();
    return -1;
}

/* Plots fixture `name` into a temporary folder in every format, checks the
 * files, returns the folder (the caller removes it). */
static void plot_fixture(const char *name, const char *const *figs, int nfigs, char *out,
                         size_t size)
{
    tmpdir(out, size);
    char dir[256];
    snprintf(dir, sizeof dir, FIX "/%s", name);
    for (int fmt = 0; fmt < 3; fmt++) {
        hr_plot_options o = hr_plot_options_default();
        o.format = (hr_plot_format)fmt;
        o.out = out;
        o.quiet = 1;
        o.dpi = 80;
        o.width_pt = 5 * 72;
        o.height_pt = 3.5 * 72;
        memset(&seen, 0, sizeof seen);
        hr__plot_emit_hook = hook;
        int st = hr_plot_folder(dir, &o);
        hr__plot_emit_hook = NULL;
        assert_status(st, HR_OK);
        assert_int_equal(seen.n, nfigs);
        for (int k = 0; k < nfigs; k++) {
            char p[512];
            snprintf(p, sizeof p, "%s/%s.%s", out, figs[k], hr_plot_format_ext(o.format));
            if (fmt == HR_PLOT_PNG)
                check_png(p, 400, 280); /* 5 x 3.5 in at 80 dpi */
            else if (fmt == HR_PLOT_SVG)
                check_svg(p, 360, 252, 40);
            else
                check_pdf(p, 360, 252);
        }
    }
}

static void test_fig_evolve(void **state)
{
    static const char *const figs[] = {"fitness", "archive", "genes"};
    char out[64];
    plot_fixture("evolve", figs, 3, out, sizeof out);
    /* The fitness axis: log, spanning the exp of the fitness columns and the
     * hand-selected line (summary.csv), padded 5% in log space. */
    hr_csv *g, *s;
    assert_status(hr_csv_read(FIX "/evolve/generations.csv", 1, &g), HR_OK);
    assert_status(hr_csv_read(FIX "/evolve/summary.csv", 1, &s), HR_OK);
    double lo = INFINITY, hi = -INFINITY, emin = INFINITY, emax = -INFINITY, v;
    const char *cols[] = {"best", "mean", "best_ever"};
    for (int r = 0; r < g->nrows; r++) {
        for (int k = 0; k < 3; k++) {
            assert_status(hr_csv_num(g, r, hr_csv_col(g, cols[k]), &v), HR_OK);
            lo = fmin(lo, exp(v)), hi = fmax(hi, exp(v));
        }
        assert_status(hr_csv_num(g, r, hr_csv_col(g, "evaluations"), &v), HR_OK);
        emin = fmin(emin, v), emax = fmax(emax, v);
    }
    for (int r = 0; r < s->nrows; r++)
        if (strcmp(hr_csv_text(s, r, 0), "fitness") == 0) {
            assert_status(hr_csv_num(s, r, hr_csv_col(s, "hand_selected"), &v), HR_OK);
            lo = fmin(lo, exp(v)), hi = fmax(hi, exp(v));
        }
    hr_csv_free(g);
    hr_csv_free(s);
    int i = seen_index("fitness");
    assert_true(seen.ylog[i]);
    double w = log10(hi) - log10(lo);
    assert_rel(seen.yr[i][0], pow(10, log10(lo) - 0.05 * w), 1e-9);
    assert_rel(seen.yr[i][1], pow(10, log10(hi) + 0.05 * w), 1e-9);
    assert_rel(seen.xr[i][0], emin - 0.05 * (emax - emin), 1e-12);
    /* The archive: the descriptor grid [lo, hi]^2 of config.xml, colours over
     * the archive's fitness range. */
    i = seen_index("archive");
    assert_true(seen.xr[i][0] == 0 && seen.xr[i][1] == 1 && seen.yr[i][1] == 1);
    hr_csv *a;
    assert_status(hr_csv_read(FIX "/evolve/archive.csv", 1, &a), HR_OK);
    double fl = INFINITY, fh = -INFINITY;
    for (int r = 0; r < a->nrows; r++) {
        assert_status(hr_csv_num(a, r, hr_csv_col(a, "fitness"), &v), HR_OK);
        if (isfinite(v))
            fl = fmin(fl, v), fh = fmax(fh, v);
    }
    hr_csv_free(a);
    assert_true(seen.cr[i][0] == fl && seen.cr[i][1] == fh);
    /* Genes: one category per gene. */
    i = seen_index("genes");
    assert_true(seen.yr[i][0] == -0.5 && seen.yr[i][1] == 9.5);
    hr_remove_tree(out);
}

static void test_fig_run(void **state)
{
    static const char *const figs[] = {"traces", "readout"};
    char out[64];
    plot_fixture("run", figs, 2, out, sizeof out);
    /* The traces' time axis is traces.csv's, padded; X's colour range is
     * viridis over [min, max] of X (KdV features are positive). */
    hr_csv *tc;
    double tl;
    assert_status(hr_csv_read(FIX "/run/traces.csv", 1, &tc), HR_OK);
    assert_status(hr_csv_num(tc, tc->nrows - 1, 0, &tl), HR_OK);
    hr_csv_free(tc);
    int i = seen_index("traces");
    assert_abs(seen.xr[i][0], -0.05 * tl, 1e-9);
    assert_abs(seen.xr[i][1], tl * 1.05, 1e-9);
    i = seen_index("readout");
    hr_csv *t;
    assert_status(hr_csv_read(FIX "/run/readout.csv", 1, &t), HR_OK);
    double lo = INFINITY, hi = -INFINITY, v;
    for (int r = 0; r < t->nrows; r++)
        for (int k = 0; k < 4; k++) {
            char col[16];
            snprintf(col, sizeof col, "x%d", k);
            assert_status(hr_csv_num(t, r, hr_csv_col(t, col), &v), HR_OK);
            lo = fmin(lo, v), hi = fmax(hi, v);
        }
    hr_csv_free(t);
    assert_true(seen.cr[i][0] == lo && seen.cr[i][1] == hi);
    assert_true(seen.xr[i][0] == -0.5 && seen.xr[i][1] == 3.5);
    assert_true(seen.yr[i][0] == -0.5 && seen.yr[i][1] == 3.5); /* 4 training rows */
    hr_remove_tree(out);
}

static void test_fig_stream(void **state)
{
    static const char *const figs[] = {"traces", "readout", "prediction"};
    char out[64];
    plot_fixture("stream", figs, 3, out, sizeof out);
    /* Tank features are signed: the diverging map over a symmetric range. */
    int i = seen_index("readout");
    if (!(seen.cr[i][0] == -seen.cr[i][1] && seen.cr[i][1] > 0)) {
        print_error("colour range %g .. %g\n", seen.cr[i][0], seen.cr[i][1]);
        fail();
    }
    hr_remove_tree(out);
}

static void test_fig_simulate(void **state)
{
    static const char *const figs[] = {"traces", "snapshots"};
    char out[64];
    plot_fixture("simulate", figs, 2, out, sizeof out);
    /* The snapshots share one symmetric range: the largest |eta| of all four. */
    double m = 0;
    for (int k = 0; k < 4; k++) {
        char p[128];
        snprintf(p, sizeof p, FIX "/simulate/snapshot_run%d.csv", k);
        hr_csv *t;
        assert_status(hr_csv_read(p, 0, &t), HR_OK);
        for (int r = 0; r < t->nrows; r++)
            for (int c = 0; c < t->ncols; c++) {
                double v;
                assert_status(hr_csv_num(t, r, c, &v), HR_OK);
                m = fmax(m, fabs(v));
            }
        hr_csv_free(t);
    }
    int i = seen_index("snapshots");
    assert_true(seen.cr[i][0] == -m && seen.cr[i][1] == m);
    assert_true(seen.xr[i][0] == 0 && seen.xr[i][1] == 1.0 && seen.yr[i][1] == 0.5);
    hr_remove_tree(out);
}

static void test_fig_compare(void **state)
{
    static const char *const figs[] = {"pareto", "bits", "density"};
    char out[64];
    plot_fixture("compare", figs, 3, out, sizeof out);
    int i = seen_index("pareto");
    /* Operations 520 .. 250500 of narma10's rows, with room for labels. */
    assert_rel(seen.xr[i][0], 520 / 1.6, 1e-12);
    assert_rel(seen.xr[i][1], 250500 * 6.0, 1e-12);
    i = seen_index("bits");
    assert_rel(seen.xr[i][0], 4 - 0.05 * 60, 1e-12); /* bits 4 .. 64 */
    hr_remove_tree(out);
}

/* The snapshot figure `simulate` writes. */
static void test_snapshot_png(void **state)
{
    char d[64], p[128];
    tmpdir(d, sizeof d);
    snprintf(p, sizeof p, "%s/s.png", d);
    double z[12 * 6];
    for (int i = 0; i < 72; i++)
        z[i] = 2.385e-4 * sin(0.7 * i);
    assert_status(hr_plot_snapshot_png(FIX "/simulate/config.xml", 2, z, 12, 6, 2.385e-4, p),
                  HR_OK);
    check_png(p, 640, 400);
    /* Without a config (or an unreadable one): drawn in cells, still valid. */
    assert_status(hr_plot_snapshot_png(NULL, 0, z, 12, 6, 2.385e-4, p), HR_OK);
    check_png(p, 640, 400);
    assert_status(hr_plot_snapshot_png(NULL, 0, z, 12, 6, 0, p), HR_EINVAL);
    hr_remove_tree(d);
}

/* ---- malformed folders ---- */

static void expect_error(const char *dir, int status, const char *msg)
{
    hr_plot_options o = hr_plot_options_default();
    o.quiet = 1;
    int st = hr_plot_folder(dir, &o);
    if (st != status || !strstr(hr_error_message(), msg)) {
        print_error("%s: status %d '%s', expected %d with '%s'\n", dir, st, hr_error_message(),
                    status, msg);
        fail();
    }
}

static void replace_line(const char *path, int line, const char *text)
{
    size_t n;
    char *t = slurp(path, &n);
    assert_non_null(t);
    char *out = malloc(n + strlen(text) + 2);
    size_t o = 0;
    int l = 1;
    for (size_t i = 0; i <= n; i++) {
        if (l == line) {
            o += (size_t)sprintf(out + o, "%s\n", text);
            while (i < n && t[i] != '\n')
                i++;
            l++;
            continue;
        }
        if (i < n) {
            out[o++] = t[i];
            l += t[i] == '\n';
        }
    }
    spit(path, out, o);
    free(out);
    free(t);
}

static void test_malformed(void **state)
{
    char d[64], p[256];
    copy_fixture("evolve", d, sizeof d);
    snprintf(p, sizeof p, "%s/generations.csv", d);
    replace_line(p, 3, "1,200,0,abc,0,0,0,0,0,0,0,0");
    expect_error(d, HR_EPARSE, "generations.csv:3: column 'best': 'abc' is not a number");
    replace_line(p, 3, "1,200,0");
    expect_error(d, HR_EPARSE, "generations.csv:3: 3 fields, but the header has 12");
    hr_remove_tree(d);
    copy_fixture("evolve", d, sizeof d);
    snprintf(p, sizeof p, "%s/generations.csv", d);
    replace_line(p, 1, "generation,evals,failures,best,mean,worst,best_ever,filled,coverage,"
                 "qd_score,elapsed_s,evals_per_s");
    expect_error(d, HR_EPARSE, "generations.csv:1: no column 'evaluations'");
    hr_remove_tree(d);

    copy_fixture("evolve", d, sizeof d);
    snprintf(p, sizeof p, "%s/archive.csv", d);
    replace_line(p, 2, "1,99,0,0.1,0.1,-3,0,0,0,0,0,0,0,0,0,0");
    expect_error(d, HR_EPARSE, "archive.csv:2: cell (99, 0) is outside the 12 x 12 grid");
    snprintf(p, sizeof p, "%s/config.xml", d);
    unlink(p);
    expect_error(d, HR_EIO, "config.xml: cannot open");
    hr_remove_tree(d);

    copy_fixture("run", d, sizeof d);
    snprintf(p, sizeof p, "%s/traces.csv", d);
    replace_line(p, 1, "t,run0_probe0,run1_probe0,run2_probe0,run3_probe0,run4_probe0,"
                 "run5_probe0,run6_sensor0,run7_probe0");
    expect_error(d, HR_EPARSE, "traces.csv:1: column 'run6_sensor0'");
    snprintf(p, sizeof p, "%s/readout.csv", d);
    replace_line(p, 3, "1,validation,0,1,1,1,1,1,0,0");
    expect_error(d, HR_EPARSE, "readout.csv:3: set 'validation' (allowed: train, test)");
    snprintf(p, sizeof p, "%s/metrics.csv", d);
    unlink(p);
    expect_error(d, HR_EIO, "metrics.csv: cannot open");
    hr_remove_tree(d);

    copy_fixture("simulate", d, sizeof d);
    snprintf(p, sizeof p, "%s/snapshot_run2.csv", d);
    replace_line(p, 4, "1,2,3");
    expect_error(d, HR_EPARSE, "snapshot_run2.csv:4: 3 fields, but the first line has 40");
    snprintf(p, sizeof p, "%s/config.xml", d);
    spit(p, "<experiment><substrate kind=\"tank\"><lx>1", 41);
    expect_error(d, HR_EPARSE, "config.xml:1:");
    hr_remove_tree(d);

    copy_fixture("compare", d, sizeof d);
    snprintf(p, sizeof p, "%s/compare.csv", d);
    replace_line(p, 1, "substrate,task,score_name,score,operations,weight_bytes,state_bytes,bits,density");
    expect_error(d, HR_EPARSE, "compare.csv:1: no column 'synaptic_ops'");
    hr_remove_tree(d);

    tmpdir(d, sizeof d);
    expect_error(d, HR_EINVAL, "nothing to plot");
    hr_remove_tree(d);
    expect_error("/nonexistent/folder", HR_EIO, "not a folder");
    /* --movie where there is no tank surface. */
    hr_plot_options o = hr_plot_options_default();
    o.quiet = 1;
    o.movie = 1;
    assert_status(hr_plot_folder(FIX "/evolve", &o), HR_ENOTSUP);
}

/* ---- the movie ---- */

static void test_movie(void **state)
{
    /* The frames are the states the simulation passes through: the last one
     * is the snapshot of the same run, bit for bit (the tank's step does not
     * depend on the end time). */
    hr_experiment *e;
    assert_status(hr_config_load(FIX "/simulate/config.xml", &e), HR_OK);
    hr_worker *w;
    assert_status(hr_worker_create(&w, e), HR_OK);
    hr_result r;
    assert_status(hr_worker_simulate(w, 1, &r), HR_OK);
    assert_int_equal(r.ntraces, 4);
    hr__plot_frames fr;
    assert_status(hr__plot_movie_frames(FIX "/simulate", 3, 7, &fr), HR_OK);
    assert_int_equal(fr.n, 7);
    assert_int_equal(fr.nx, r.snap_nx);
    assert_int_equal(fr.ny, r.snap_ny);
    size_t cells = (size_t)fr.nx * fr.ny;
    assert_memory_equal(fr.eta + 6 * cells, r.snapshots[3], cells * sizeof(double));
    assert_abs(fr.t[6], (r.traces[3].nt - 1) * r.traces[3].dt, 1e-9);
    for (size_t i = 0; i < cells; i++)
        assert_true(fr.eta[i] == 0); /* frame 0: the tank at rest */
    assert_string_equal(fr.pattern, "(1, 1)");
    hr__plot_frames_free(&fr);
    hr_result_free(&r);
    hr_worker_destroy(w);
    hr_experiment_destroy(e);

    /* The GIF: 5 frames of the requested size, looping. */
    char d[64], p[128];
    tmpdir(d, sizeof d);
    hr_plot_options o = hr_plot_options_default();
    o.quiet = 1;
    o.movie = 1;
    o.movie_frames = 5;
    o.movie_run = 1;
    o.out = d;
    o.dpi = 50;
    o.width_pt = 4 * 72;
    o.height_pt = 2.5 * 72;
    assert_status(hr_plot_folder(FIX "/simulate", &o), HR_OK);
    snprintf(p, sizeof p, "%s/movie.gif", d);
    int err;
    GifFileType *g = DGifOpenFileName(p, &err);
    assert_non_null(g);
    assert_int_equal(DGifSlurp(g), GIF_OK);
    assert_int_equal(g->ImageCount, 5);
    assert_int_equal(g->SWidth, 200);
    assert_int_equal(g->SHeight, 125);
    int loop = 0; /* giflib files extensions under the image that follows them */
    const SavedImage *im0 = &g->SavedImages[0];
    for (int i = 0; i < im0->ExtensionBlockCount; i++)
        loop |= im0->ExtensionBlocks[i].ByteCount == 11 &&
                memcmp(im0->ExtensionBlocks[i].Bytes, "NETSCAPE2.0", 11) == 0;
    assert_true(loop);
    /* The last frame is not one colour. */
    const GifByteType *px = g->SavedImages[4].RasterBits;
    int distinct = 0, seen_idx[256] = {0};
    for (int i = 0; i < 200 * 125; i++)
        if (!seen_idx[px[i]]++)
            distinct++;
    assert_true(distinct > 20);
    DGifCloseFile(g, &err);
    o.movie_run = 4;
    assert_status(hr_plot_folder(FIX "/simulate", &o), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "--movie-run 4"));
    o.movie_run = 0;
    assert_status(hr_plot_folder(FIX "/run", &o), HR_ENOTSUP); /* KdV: no surface */
    assert_non_null(strstr(hr_error_message(), "kdv"));
    hr_remove_tree(d);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticks_linear), cmocka_unit_test(test_ticks_log),
        cmocka_unit_test(test_ranges),       cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_viridis),      cmocka_unit_test(test_coolwarm),
        cmocka_unit_test(test_csv),          cmocka_unit_test(test_fuzz_readers),
        cmocka_unit_test(test_pconf),        cmocka_unit_test(test_fig_evolve),
        cmocka_unit_test(test_fig_run),      cmocka_unit_test(test_fig_stream),
        cmocka_unit_test(test_fig_simulate), cmocka_unit_test(test_fig_compare),
        cmocka_unit_test(test_snapshot_png), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_movie),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
