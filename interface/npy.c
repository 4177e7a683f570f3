/* npy.c — writing NumPy .npy files (format 1.0, layout in npy.h) and the
 * arrays of an evaluation. */
#include "interface/npy.h"
#include "base/atomic.h"
#include "base/status.h"
#include "reservoir/pipeline.h"
#include "reservoir/substrate_digital.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const descr[] = {"<f8", "<i4", "<c16"};
static const size_t elem_size[] = {8, 4, 16};

int hr_npy_header(int dtype, int ndim, const size_t *shape, char *buf, size_t size,
                  size_t *len)
{
    if (dtype < 0 || dtype > 2 || ndim < 0 || ndim > HR_NPY_MAXDIM)
        return HR_ERROR(HR_EINVAL, ".npy: dtype %d with %d dimensions (allowed: f64, i32, c128; "
                        "0 .. %d dimensions)", dtype, ndim, HR_NPY_MAXDIM);
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr[dtype]);
    for (int i = 0; i < ndim; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%zu%s", shape[i],
                      ndim == 1 ? "," : i + 1 < ndim ? ", " : "");
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    /* 10 bytes of magic, version and length, then the dict, spaces and '\n'
     * up to a multiple of 64. */
    size_t total = ((10 + (size_t)n + 1 + 63) / 64) * 64;
    size_t hlen = total - 10;
    if (hlen + 1 > size)
        return HR_ERROR(HR_ERANGE, ".npy header of %zu bytes does not fit", hlen);
    memcpy(buf, dict, (size_t)n);
    memset(buf + n, ' ', hlen - (size_t)n - 1);
    buf[hlen - 1] = '\n';
    buf[hlen] = '\0';
    *len = hlen;
    return HR_OK;
}

static int little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

int hr_npy_write(const char *path, int dtype, int ndim, const size_t *shape, const void *data)
{
    char head[640];
    size_t hlen;
    int st = hr_npy_header(dtype, ndim, shape, head, sizeof head, &hlen);
    if (st)
        return st;
    size_t count = 1;
    for (int i = 0; i < ndim; i++)
        count *= shape[i];
    size_t bytes = count * elem_size[dtype];
    unsigned char *buf = malloc(10 + hlen + bytes);
    if (!buf)
        return HR_ERROR(HR_ENOMEM, "out of memory writing %s (%zu bytes)", path, bytes);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, head, hlen);
    memcpy(buf + 10 + hlen, data, bytes);
    if (!little_endian()) { /* swap each 8- or 4-byte word into little-endian order */
        size_t w = dtype == HR_NPY_I32 ? 4 : 8;
        for (unsigned char *p = buf + 10 + hlen; p < buf + 10 + hlen + bytes; p += w)
            for (size_t a = 0, b = w - 1; a < b; a++, b--) {
                unsigned char t = p[a];
                p[a] = p[b];
                p[b] = t;
            }
    }
    st = hr_write_atomic(path, buf, 10 + hlen + bytes, ".npy file");
    free(buf);
    return st;
}

/* ---- The arrays of an evaluation ---- */

typedef struct writer {
    const char *dir, *prefix;
} writer;

static int put(const writer *w, const char *name, int dtype, int ndim, const size_t *shape,
               const void *data)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s%s.npy", w->dir, w->prefix, name);
    return hr_npy_write(path, dtype, ndim, shape, data);
}

static int put2(const writer *w, const char *name, size_t r, size_t c, const double *d)
{
    size_t sh[2] = {r, c};
    return put(w, name, HR_NPY_F64, 2, sh, d);
}

/* Interleaves re and im (count values each) into a new array (caller frees). */
static double *complex_of(const double *re, const double *im, size_t count)
{
    double *z = malloc((count ? count : 1) * 2 * sizeof *z);
    for (size_t i = 0; z && i < count; i++) {
        z[2 * i] = re[i];
        z[2 * i + 1] = im[i];
    }
    return z;
}

static int32_t *pair_of(const int32_t *re, const int32_t *im, size_t count)
{
    int32_t *z = malloc((count ? count : 1) * 2 * sizeof *z);
    for (size_t i = 0; z && i < count; i++) {
        z[2 * i] = re[i];
        z[2 * i + 1] = im[i];
    }
    return z;
}

/* Dense codes of a CSR matrix's quantized values. */
static int32_t *dense_codes(const hr_csr *a, const hr_qtensor *q)
{
    int32_t *d = calloc((size_t)a->rows * (size_t)(a->cols ? a->cols : 1), sizeof *d);
    for (int i = 0; d && i < a->rows; i++)
        for (int k = a->rowptr[i]; k < a->rowptr[i + 1]; k++)
            d[(size_t)i * (size_t)a->cols + (size_t)a->col[k]] = q->code[k];
    return d;
}

static int write_esn(const writer *w, const hr_esn *e)
{
    size_t n = (size_t)hr_esn_units(e), m = (size_t)hr_esn_inputs(e);
    double *wd = malloc(n * n * sizeof *wd), *wi = malloc(n * (m ? m : 1) * sizeof *wi);
    int st = wd && wi ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory exporting the esn");
    if (!st) {
        hr_csr_to_dense(hr_esn_w(e), wd);
        hr_csr_to_dense(hr_esn_win(e), wi);
        size_t sh1[1] = {n};
        if (!(st = put2(w, "W", n, n, wd)) && !(st = put2(w, "W_in", n, m, wi)))
            st = put(w, "bias", HR_NPY_F64, 1, sh1, hr_esn_bias(e));
    }
    free(wd);
    free(wi);
    const hr_qtensor *qw = hr_esn_qw(e), *qi = hr_esn_qwin(e), *qb = hr_esn_qbias(e);
    if (st || !qw)
        return st;
    int32_t *cw = dense_codes(hr_esn_w(e), qw), *ci = dense_codes(hr_esn_win(e), qi);
    if (!cw || !ci) {
        free(cw);
        free(ci);
        return HR_ERROR(HR_ENOMEM, "out of memory exporting the esn's codes");
    }
    size_t shw[2] = {n, n}, shi[2] = {n, m}, sh1[1] = {n};
    if (!(st = put(w, "W_code", HR_NPY_I32, 2, shw, cw)) &&
        !(st = put(w, "W_scale", HR_NPY_F64, 1, sh1, qw->scale)) &&
        !(st = put(w, "W_in_code", HR_NPY_I32, 2, shi, ci)) &&
        !(st = put(w, "W_in_scale", HR_NPY_F64, 1, sh1, qi->scale)) &&
        !(st = put(w, "bias_code", HR_NPY_I32, 1, sh1, qb->code)))
        st = put(w, "bias_scale", HR_NPY_F64, 1, sh1, qb->scale);
    free(cw);
    free(ci);
    if (!st && hr_esn_state_frac(e) >= 0) {
        int32_t f[2] = {hr_esn_state_frac(e), hr_esn_input_frac(e)};
        size_t sh[1] = {2};
        st = put(w, "fraction_bits", HR_NPY_I32, 1, sh, f); /* state, input */
    }
    return st;
}

static int write_lru(const writer *w, const hr_lru *l)
{
    size_t n = (size_t)hr_lru_units(l), m = (size_t)hr_lru_inputs(l), h = (size_t)hr_lru_outputs(l);
    size_t nb = n * m, nc = h * n, nd = h * m;
    double *a[7];
    size_t sz[7] = {n, n, nb, nb, nc, nc, nd};
    int st = HR_OK;
    for (int i = 0; i < 7; i++)
        if (!(a[i] = malloc((sz[i] ? sz[i] : 1) * sizeof(double))))
            st = HR_ERROR(HR_ENOMEM, "out of memory exporting the lru");
    if (!st) {
        hr_lru_matrices(l, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
        double *lz = complex_of(a[0], a[1], n), *bz = complex_of(a[2], a[3], nb);
        double *cz = complex_of(a[4], a[5], nc);
        size_t sl[1] = {n}, sb[2] = {n, m}, sc[2] = {h, n}, sd[2] = {h, m};
        if (!lz || !bz || !cz)
            st = HR_ERROR(HR_ENOMEM, "out of memory exporting the lru");
        if (!st && !(st = put(w, "Lambda", HR_NPY_C128, 1, sl, lz)) &&
            !(st = put(w, "B", HR_NPY_C128, 2, sb, bz)) && !(st = put(w, "C", HR_NPY_C128, 2, sc, cz)))
            st = put(w, "D", HR_NPY_F64, 2, sd, a[6]);
        free(lz);
        free(bz);
        free(cz);
    }
    for (int i = 0; i < 7; i++)
        free(a[i]);
    if (st || hr_lru_bits(l) == 0)
        return st;
    int32_t *c[7];
    double *s[4];
    size_t cs[7] = {n, n, nb, nb, nc, nc, nd}, ss[4] = {n, n, h, h};
    for (int i = 0; i < 7; i++)
        if (!(c[i] = malloc((cs[i] ? cs[i] : 1) * sizeof(int32_t))))
            st = HR_ERROR(HR_ENOMEM, "out of memory exporting the lru's codes");
    for (int i = 0; i < 4; i++)
        if (!(s[i] = malloc((ss[i] ? ss[i] : 1) * sizeof(double))))
            st = HR_ERROR(HR_ENOMEM, "out of memory exporting the lru's codes");
    if (!st)
        st = hr_lru_codes(l, c[0], c[1], s[0], c[2], c[3], s[1], c[4], c[5], s[2], c[6], s[3]);
    if (!st) {
        int32_t *lp = pair_of(c[0], c[1], n), *bp = pair_of(c[2], c[3], nb);
        int32_t *cp = pair_of(c[4], c[5], nc);
        size_t sl[2] = {n, 2}, sb[3] = {n, m, 2}, sc[3] = {h, n, 2}, sd[2] = {h, m};
        size_t s1[1] = {n}, s2[1] = {h};
        if (!lp || !bp || !cp)
            st = HR_ERROR(HR_ENOMEM, "out of memory exporting the lru's codes");
        if (!st && !(st = put(w, "Lambda_code", HR_NPY_I32, 2, sl, lp)) &&
            !(st = put(w, "Lambda_scale", HR_NPY_F64, 1, s1, s[0])) &&
            !(st = put(w, "B_code", HR_NPY_I32, 3, sb, bp)) &&
            !(st = put(w, "B_scale", HR_NPY_F64, 1, s1, s[1])) &&
            !(st = put(w, "C_code", HR_NPY_I32, 3, sc, cp)) &&
            !(st = put(w, "C_scale", HR_NPY_F64, 1, s2, s[2])) &&
            !(st = put(w, "D_code", HR_NPY_I32, 2, sd, c[6])))
            st = put(w, "D_scale", HR_NPY_F64, 1, s2, s[3]);
        free(lp);
        free(bp);
        free(cp);
    }
    for (int i = 0; i < 7; i++)
        free(c[i]);
    for (int i = 0; i < 4; i++)
        free(s[i]);
    if (!st && hr_lru_state_frac(l) >= 0) {
        int32_t f[1] = {hr_lru_state_frac(l)};
        size_t sh[1] = {1};
        st = put(w, "fraction_bits", HR_NPY_I32, 1, sh, f);
    }
    return st;
}

static int write_traces(const writer *w, const hr_result *r)
{
    if (r->ntraces == 0)
        return HR_OK;
    size_t np = 0, nt = 0;
    for (int s = 0; s < r->ntraces; s++) {
        np = (size_t)r->traces[s].nprobes > np ? (size_t)r->traces[s].nprobes : np;
        nt = (size_t)r->traces[s].nt > nt ? (size_t)r->traces[s].nt : nt;
    }
    size_t runs = (size_t)r->ntraces;
    double *a = malloc(runs * np * nt * sizeof *a);
    if (!a)
        return HR_ERROR(HR_ENOMEM, "out of memory exporting %zu x %zu x %zu traces", runs, np, nt);
    for (size_t i = 0; i < runs * np * nt; i++)
        a[i] = NAN;
    for (size_t s = 0; s < runs; s++) {
        const hr_traces *t = &r->traces[s];
        for (int p = 0; p < t->nprobes; p++)
            memcpy(a + (s * np + (size_t)p) * nt, t->data + (size_t)p * (size_t)t->nt,
                   (size_t)t->nt * sizeof *a);
    }
    size_t sh[3] = {runs, np, nt};
    int st = put(w, "traces", HR_NPY_F64, 3, sh, a);
    free(a);
    return st;
}

int hr_npy_write_result(const char *dir, const char *prefix, const hr_experiment *e,
                        const hr_result *r, const hr_substrate *sub)
{
    writer w = {dir, prefix ? prefix : ""};
    size_t m = (size_t)r->nrows, mh = (size_t)r->nheld, n = (size_t)r->ncols, q = (size_t)r->nout;
    int st;
    if ((st = put2(&w, "X", m, n, r->x)) || (st = put2(&w, "X_test", mh, n, r->xh)) ||
        (st = put2(&w, "y", m, q, r->y)) || (st = put2(&w, "y_test", mh, q, r->yh)) ||
        (st = write_traces(&w, r)))
        return st;
    if (r->weights && r->pred) {
        size_t rows = n + (r->bias ? 1 : 0);
        if ((st = put2(&w, "pred", m, q, r->pred)) ||
            (st = put2(&w, "pred_test", mh, q, r->predh)) ||
            (st = put2(&w, "readout_weights", rows, q, r->weights)))
            return st;
    }
    const hr_section *ss = e->sec[HR_SEC_SUBSTRATE];
    hr_substrate *own = NULL;
    if (!sub && ss && (strcmp(ss->kind, "esn") == 0 || strcmp(ss->kind, "lru") == 0)) {
        if ((st = hr_substrate_open(&own, ss)))
            return st;
        sub = own;
    }
    const hr_esn *esn = hr__substrate_esn_net(sub);
    const hr_lru *lru = hr__substrate_lru_net(sub);
    if (esn)
        st = write_esn(&w, esn);
    else if (lru)
        st = write_lru(&w, lru);
    hr_substrate_close(own);
    return st;
}
