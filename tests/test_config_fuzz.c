/* test_config_fuzz.c — the experiment-file loader under hostile input, in
 * the manner of libxml2's fuzz/xml.c and SQLite's fuzzcheck: every shipped
 * config is mutated (bytes flipped, inserted, deleted, truncated, numbers
 * replaced with extreme values) a few thousand times with a fixed seed, and
 * each mutant must load or be refused with a message naming the file, never
 * crash (the sanitizer build of CI runs this under ASan and UBSan). Inputs
 * that once crashed a loader are replayed as fixed cases.
 *
 * Built with clang -fsanitize=fuzzer and -DHR_LIBFUZZER, the same file is a
 * libFuzzer target (LLVMFuzzerTestOneInput). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interface/config.h"
#include "base/status.h"
#include "tests/test_util.h"

/* Loads one input; returns 1 if it loaded, 0 if refused properly, -1 if
 * refused without a proper message. */
static int load_one(const char *data, size_t size)
{
    hr_experiment *e = NULL;
    int st = hr_config_load_memory(data, size, "fuzz.xml", &e);
    if (st == HR_OK) {
        /* Writing the resolved experiment must work and reload to the same. */
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);
        hr_config_write(e, f);
        fclose(f);
        hr_experiment *e2 = NULL;
        int st2 = hr_config_load_memory(buf, n, "resolved.xml", &e2);
        free(buf);
        hr_experiment_destroy(e2);
        hr_experiment_destroy(e);
        return st2 == HR_OK ? 1 : -1;
    }
    if (e != NULL)
        return -1;
    /* The FILE:LINE contract: "fuzz.xml:N: what", N a line of the input. */
    const char *m = hr_error_message();
    if (strncmp(m, "fuzz.xml:", 9) != 0)
        return -1;
    char *end;
    long line = strtol(m + 9, &end, 10);
    long lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    return end != m + 9 && end[0] == ':' && end[1] == ' ' && line >= 1 && line <= lines ? 0 : -1;
}

#ifdef HR_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_one((const char *)data, size);
    return 0;
}
#else

static char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *size = n > 0 ? (size_t)n : 0;
    return buf;
}

static uint64_t rng_state = 0x2385;
static uint64_t next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const char *const nasty[] = {
    "1e400", "-1e400", "nan", "inf", "-0", "0x1p-1074", "", " ", "1,2,,3", "99999999999999999999",
    "&amp;", "<", "]]>", "\xff\xfe", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 "
    "24 25 26 27 28 29 30 31 32 33 34", "t999", "readout.t99999", "none", "substrate.nu"};

/* One mutant of `src` into `dst` (capacity cap); returns its size. */
static size_t mutate(const char *src, size_t n, char *dst, size_t cap)
{
    size_t len = n < cap ? n : cap;
    memcpy(dst, src, len);
    int k = 1 + (int)(next() % 4);
    for (int m = 0; m < k; m++) {
        if (len == 0)
            break;
        size_t at = next() % len;
        switch (next() % 6) {
        case 0: /* flip a byte */
            dst[at] = (char)(next() & 0xff);
            break;
        case 1: /* delete a run */ {
            size_t run = 1 + next() % 16;
            if (at + run > len)
                run = len - at;
            memmove(dst + at, dst + at + run, len - at - run);
            len -= run;
            break;
        }
        case 2: /* truncate */
            len = at;
            break;
        case 3: /* duplicate a run */ {
            size_t run = 1 + next() % 64;
            if (at + run > len)
                run = len - at;
            if (len + run <= cap) {
                memmove(dst + at + run, dst + at, len - at);
                len += run;
            }
            break;
        }
        default: /* replace the text after the next '>' with a nasty token */ {
            char *gt = memchr(dst + at, '>', len - at);
            if (!gt)
                break;
            const char *tok = nasty[next() % (sizeof nasty / sizeof nasty[0])];
            size_t tl = strlen(tok), pos = (size_t)(gt + 1 - dst);
            char *lt = memchr(dst + pos, '<', len - pos);
            size_t old = lt ? (size_t)(lt - (dst + pos)) : 0;
            if (len - old + tl > cap)
                break;
            memmove(dst + pos + tl, dst + pos + old, len - pos - old);
            memcpy(dst + pos, tok, tl);
            len = len - old + tl;
            break;
        }
        }
    }
    return len;
}

static void test_mutants(void **state)
{
    static const char *const files[] = {"configs/xnor-amplitude.xml", "configs/xnor-frequency.xml",
                                        "configs/regression-digits.xml", "configs/tank-xnor.xml",
                                        "configs/tank-narma10.xml"};
    int loaded = 0, refused = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t n = 0;
        char *src = slurp(files[f], &n);
        assert_non_null(src);
        assert_int_equal(load_one(src, n), 1); /* the original loads */
        size_t cap = 2 * n + 256;
        char *buf = malloc(cap);
        for (int i = 0; i < 600; i++) {
            size_t len = mutate(src, n, buf, cap);
            int r = load_one(buf, len);
            if (r < 0) {
                print_error("mutant %d of %s: refused without a FILE:LINE message: '%s'\n", i,
                            files[f], hr_error_message());
                fail();
            }
            r ? loaded++ : refused++;
        }
        free(buf);
        free(src);
    }
    /* The mutations must exercise both paths, or the test tests nothing. */
    assert_true(loaded > 50);
    assert_true(refused > 500);
}

static void test_replay(void **state)
{
    /* Fixed cases: deep nesting, entity tricks, huge lists, empty documents. */
    static const char *const cases[] = {
        "",
        "<",
        "<?xml version=\"1.0\"?>",
        "<experiment/>",
        "<experiment><substrate kind=\"kdv\"><nu><nu>1</nu></nu></substrate></experiment>",
        "<!DOCTYPE experiment [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
        "<experiment name=\"&b;\"><substrate kind=\"kdv\"/></experiment>",
        "<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><experiment/>",
        "<experiment><genes><gene name=\"a\" target=\"readout.t\" lo=\"0\" hi=\"1\"/></genes>"
        "</experiment>",
        "<experiment><readout><t>1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 "
        "26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 "
        "56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 "
        "86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 "
        "112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 "
        "135 136 137 138 139 140 141 142 143 144 145 146 147 148 149 150 151 152 153 154 155 156 157 "
        "158 159 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175 176 177 178 179 180 "
        "181 182 183 184 185 186 187 188 189 190 191 192 193 194 195 196 197 198 199 200 201 202 203 "
        "204 205 206 207 208 209 210 211 212 213 214 215 216 217 218 219 220 221 222 223 224 225 226 "
        "227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 "
        "250 251 252 253 254 255 256 257</t></readout></experiment>",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r = load_one(cases[i], strlen(cases[i]));
        if (r != 0) {
            print_error("case %zu: %s (message '%s')\n", i, r > 0 ? "loaded" : "no FILE:LINE",
                        hr_error_message());
            fail();
        }
    }
}

/* Faults at known lines are reported at exactly those lines. */
static void test_fault_lines(void **state)
{
    static const struct {
        const char *xml;
        int line;
        const char *what;
    } cases[] = {
        {"<experiment>\n<substrate kind=\"kdv\">\n<nu>1</nu>\n<n>256</n>\n<nu>2</nu>\n"
         "</substrate>\n</experiment>\n", 5, "<nu> is set twice in <substrate> (first at line 3"},
        {"<experiment>\n<substrate kind=\"kdv\">\n\n<mass>1</mass>\n</substrate>\n"
         "</experiment>\n", 4, "unknown element <mass>"},
        {"<experiment>\n<substrate kind=\"kdv\">\n<nu>1</nu>\n</substrate>\n<readout>\n"
         "<t>1 2</t>\n<rule>nearest</rule>\n</readout>\n</experiment>\n", 7, "is not allowed"},
        {"<experiment>\n<substrate kind=\"kdv\"/>\n<encoder kind=\"amplitude\"/>\n<readout>"
         "<t>1 2 3 4</t></readout>\n<task kind=\"xnor\"/>\n<genes>\n\n"
         "<gene name=\"a\" target=\"readout.t4\" lo=\"0\" hi=\"1\"/>\n</genes>\n"
         "</experiment>\n", 8, "has 4 elements, so readout.t4 does not exist (allowed: t0 .. t3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hr_experiment *e = NULL;
        assert_int_not_equal(hr_config_load_memory(cases[i].xml, strlen(cases[i].xml), "f.xml",
                                                   &e), HR_OK);
        char want[32];
        snprintf(want, sizeof want, "f.xml:%d: ", cases[i].line);
        const char *m = hr_error_message();
        if (strncmp(m, want, strlen(want)) != 0 || !strstr(m, cases[i].what)) {
            print_error("case %zu: '%s', expected '%s...%s'\n", i, m, want, cases[i].what);
            fail();
        }
    }
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutants),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_fault_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
