/* loihi_reference.c — conformance of reservoir/loihi.c with reference
 * vectors computed by Lava's own bit-accurate models (tests/reference/loihi/
 * README.md describes the format).
 *
 *     loihi_reference DIR
 *
 * Reads DIR/cases.csv (CUBA-LIF cases) and/or DIR/cases_sdn.csv
 * (sigma-delta cases), runs every case from rest with the given inputs,
 * parameters and weights, and compares every state variable of every
 * neuron at every step exactly (integers: no tolerance). Prints one line
 * per case, and for a case that differs the first mismatch: step, neuron,
 * variable, our value and the reference's. Exit status: 0 if every value of
 * every case is identical; 1 if any differs; 2 for bad usage or input files
 * (reported as file:line: what is wrong). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "reservoir/loihi.h"

#define MAX_FIELDS 24
#define MAX_NEURONS 100000
#define MAX_STEPS 1000000
#define MAX_VALUES 50000000LL /* steps x neurons read into memory */

/* ---- A strict CSV reader (integers and short words) ---- */

typedef struct csv {
    FILE *f;
    char path[1200];
    int line;
    int nf;                 /* fields of the current row */
    char *field[MAX_FIELDS];
    char buf[8192];
} csv;

static int fail_input(const csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "loihi_reference: FILE:LINE: message" and returns 2. */
static int fail_input(const csv *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "loihi_reference: %s:%d: ", c->path, c->line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

/* Splits the current buffer at commas. */
static int split(csv *c)
{
    c->nf = 0;
    char *p = c->buf;
    for (;;) {
        if (c->nf == MAX_FIELDS)
            return -1;
        c->field[c->nf++] = p;
        char *q = strchr(p, ',');
        if (!q)
            return 0;
        *q = '\0';
        p = q + 1;
    }
}

/* Reads the next line; 1 a row, 0 end of file, 2 an error (printed). */
static int csv_read(csv *c)
{
    if (!fgets(c->buf, sizeof c->buf, c->f))
        return ferror(c->f) ? fail_input(c, "read error") : 0;
    c->line++;
    size_t len = strlen(c->buf);
    if (len == sizeof c->buf - 1 && c->buf[len - 1] != '\n' && !feof(c->f))
        return fail_input(c, "line too long (allowed: %zu characters)", sizeof c->buf - 2);
    while (len > 0 && (c->buf[len - 1] == '\n' || c->buf[len - 1] == '\r'))
        c->buf[--len] = '\0';
    if (split(c))
        return fail_input(c, "too many fields (allowed: %d)", MAX_FIELDS);
    return 1;
}

/* Opens DIR/NAME and checks its header; `optional` files may be absent
 * (returns -1 then). 0 on success, 2 on error (printed). */
static int csv_open(csv *c, const char *dir, const char *name, const char *header, int optional)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
    c->f = fopen(c->path, "r");
    if (!c->f) {
        if (optional)
            return -1;
        fprintf(stderr, "loihi_reference: %s: cannot open: %s\n", c->path, strerror(errno));
        return 2;
    }
    int st = csv_read(c);
    if (st == 0)
        return fail_input(c, "empty file (expected the header '%s')", header);
    if (st != 1)
        return 2;
    char want[512];
    snprintf(want, sizeof want, "%s", header);
    /* Rebuild the row to compare with the header text. */
    char got[512] = "";
    for (int i = 0; i < c->nf; i++) {
        if (i)
            strncat(got, ",", sizeof got - strlen(got) - 1);
        strncat(got, c->field[i], sizeof got - strlen(got) - 1);
    }
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "loihi_reference: %s:1: header '%s' (expected '%s')\n", c->path, got,
                want);
        return 2;
    }
    return 0;
}

static void csv_close(csv *c)
{
    if (c->f)
        fclose(c->f);
    c->f = NULL;
}

/* Checks the row has n fields. */
static int want_fields(csv *c, int n)
{
    if (c->nf != n) {
        fprintf(stderr, "loihi_reference: %s:%d: %d comma-separated fields (expected %d)\n",
                c->path, c->line, c->nf, n);
        return 2;
    }
    return 0;
}

/* Field i as an integer in [lo, hi]. */
static int get_int(csv *c, int i, long long lo, long long hi, const char *what, long long *out)
{
    const char *s = c->field[i];
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno) {
        fprintf(stderr, "loihi_reference: %s:%d: %s = '%s' is not an integer\n", c->path,
                c->line, what, s);
        return 2;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "loihi_reference: %s:%d: %s = %lld (allowed: %lld .. %lld)\n", c->path,
                c->line, what, v, lo, hi);
        return 2;
    }
    *out = v;
    return 0;
}

/* ---- Shared case pieces ---- */

typedef struct triplets {
    size_t n, cap;
    int *post, *pre;
    int32_t *w;
} triplets;

static void triplets_free(triplets *t)
{
    free(t->post);
    free(t->pre);
    free(t->w);
    memset(t, 0, sizeof *t);
}

static int triplets_push(triplets *t, int post, int pre, int32_t w)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        int *a = realloc(t->post, cap * sizeof *a);
        if (a)
            t->post = a;
        int *b = realloc(t->pre, cap * sizeof *b);
        if (b)
            t->pre = b;
        int32_t *c = realloc(t->w, cap * sizeof *c);
        if (c)
            t->w = c;
        if (!a || !b || !c)
            return 2;
        t->cap = cap;
    }
    t->post[t->n] = post;
    t->pre[t->n] = pre;
    t->w[t->n] = w;
    t->n++;
    return 0;
}

/* Reads NAME.<suffix> with header "a,b,weight": rows (i < n_a, j < n_b, w). */
static int read_weights(const char *dir, const char *name, const char *suffix, const char *hdr,
                        int n_a, int n_b, triplets *t)
{
    char file[300];
    snprintf(file, sizeof file, "%s.%s", name, suffix);
    csv c;
    int st = csv_open(&c, dir, file, hdr, 0);
    if (st)
        return st;
    int rs;
    while ((rs = csv_read(&c)) == 1) {
        long long i, j, w;
        if ((st = want_fields(&c, 3)) || (st = get_int(&c, 0, 0, n_a - 1, "row index", &i)) ||
            (st = get_int(&c, 1, 0, n_b - 1, "column index", &j)) ||
            (st = get_int(&c, 2, INT32_MIN, INT32_MAX, "weight", &w)))
            break;
        if (triplets_push(t, (int)i, (int)j, (int32_t)w)) {
            fprintf(stderr, "loihi_reference: out of memory\n");
            st = 2;
            break;
        }
    }
    csv_close(&c);
    return st ? st : rs == 2 ? 2 : 0;
}

/* A table of reference values: nvar variables per (step, neuron). */
typedef struct table {
    int steps, n, nvar;
    int64_t *val;    /* (step - 1) * n + neuron, then variable */
    unsigned char *seen;
} table;

static void table_free(table *t)
{
    free(t->val);
    free(t->seen);
}

static int table_alloc(table *t, int steps, int n, int nvar)
{
    t->steps = steps;
    t->n = n;
    t->nvar = nvar;
    size_t cells = (size_t)steps * (size_t)n;
    t->val = calloc(cells * (size_t)nvar + 1, sizeof *t->val);
    t->seen = calloc(cells + 1, 1);
    if (!t->val || !t->seen) {
        fprintf(stderr, "loihi_reference: out of memory for %zu reference values\n", cells);
        return 2;
    }
    return 0;
}

/* Reads a trace file: columns step, unit, then nvar values; every (step,
 * unit) exactly once. */
static int read_table(const char *dir, const char *file, const char *hdr, table *t,
                      const char *unit)
{
    csv c;
    int st = csv_open(&c, dir, file, hdr, 0);
    if (st)
        return st;
    int rs;
    long long rows = 0;
    while ((rs = csv_read(&c)) == 1) {
        long long s, i;
        if ((st = want_fields(&c, 2 + t->nvar)) ||
            (st = get_int(&c, 0, 1, t->steps, "step", &s)) ||
            (st = get_int(&c, 1, 0, t->n - 1, unit, &i)))
            break;
        size_t cell = (size_t)(s - 1) * (size_t)t->n + (size_t)i;
        if (t->seen[cell]) {
            fprintf(stderr, "loihi_reference: %s:%d: a second row for step %lld, %s %lld\n",
                    c.path, c.line, s, unit, i);
            st = 2;
            break;
        }
        t->seen[cell] = 1;
        for (int k = 0; k < t->nvar && !st; k++) {
            long long x;
            st = get_int(&c, 2 + k, INT32_MIN, INT32_MAX, "value", &x);
            t->val[cell * (size_t)t->nvar + (size_t)k] = x;
        }
        if (st)
            break;
        rows++;
    }
    if (!st && rs == 2)
        st = 2;
    if (!st && rows != (long long)t->steps * t->n) {
        for (size_t cell = 0; cell < (size_t)t->steps * (size_t)t->n; cell++)
            if (!t->seen[cell]) {
                fprintf(stderr, "loihi_reference: %s: no row for step %zu, %s %zu (%lld rows, "
                        "expected %lld)\n", c.path, cell / (size_t)t->n + 1, unit,
                        cell % (size_t)t->n, rows, (long long)t->steps * t->n);
                break;
            }
        st = 2;
    }
    csv_close(&c);
    return st;
}

/* Compares one computed value; reports the first mismatch of the case. */
typedef struct checker {
    const char *name;
    long long compared;
    int mismatched;
} checker;

static void check(checker *k, int step, int neuron, const char *unit, const char *var,
                  int64_t ours, int64_t ref)
{
    k->compared++;
    if (ours == ref || k->mismatched)
        return;
    k->mismatched = 1;
    printf("case %s: FIRST MISMATCH at step %d, %s %d: %s = %lld here, %lld in the reference\n",
           k->name, step, unit, neuron, var, (long long)ours, (long long)ref);
}

/* ---- CUBA-LIF cases ---- */

static int run_lif_case(const char *dir, csv *cc, int *differs)
{
    const char *name = cc->field[0];
    long long n, k, steps, du, dv, vth, wie, wib, wre, wrb;
    int st;
    if ((st = get_int(cc, 1, 1, MAX_NEURONS, "neurons", &n)) ||
        (st = get_int(cc, 2, 0, MAX_NEURONS, "inputs", &k)) ||
        (st = get_int(cc, 3, 0, MAX_STEPS, "steps", &steps)) ||
        (st = get_int(cc, 4, 0, 4095, "du", &du)) || (st = get_int(cc, 5, 0, 4095, "dv", &dv)) ||
        (st = get_int(cc, 6, 0, 131071, "vth", &vth)) ||
        (st = get_int(cc, 7, -31, 31, "w_in_exp", &wie)) ||
        (st = get_int(cc, 8, 1, 8, "w_in_bits", &wib)) ||
        (st = get_int(cc, 9, -31, 31, "w_rec_exp", &wre)) ||
        (st = get_int(cc, 10, 1, 8, "w_rec_bits", &wrb)))
        return st;
    if (n * steps > MAX_VALUES) {
        fprintf(stderr, "loihi_reference: %s:%d: case %s has %lld x %lld values (allowed: at "
                "most %lld)\n", cc->path, cc->line, name, n, steps, MAX_VALUES);
        return 2;
    }
    hr_loihi_lif *lif = NULL;
    hr_loihi_conn *cin = NULL, *crec = NULL;
    triplets tin = {0}, trec = {0};
    table tr = {0};
    int32_t *x = NULL, *a = NULL, *s = NULL;
    unsigned char *xs = NULL;
    char file[300];
    csv c = {0};
    c.f = NULL;

    if ((st = read_weights(dir, name, "w_in.csv", "neuron,input,weight", (int)n,
                           k > 0 ? (int)k : 1, &tin)) ||
        (st = read_weights(dir, name, "w_rec.csv", "post,pre,weight", (int)n, (int)n, &trec)))
        goto done;
    if (hr_loihi_lif_create(&lif, (int)n, (int)du, (int)dv, (int32_t)vth) ||
        hr_loihi_conn_create(&cin, (int)n, (int)k, tin.n, tin.post, tin.pre, tin.w, (int)wie,
                             (int)wib, 0) ||
        hr_loihi_conn_create(&crec, (int)n, (int)n, trec.n, trec.post, trec.pre, trec.w,
                             (int)wre, (int)wrb, 0)) {
        fprintf(stderr, "loihi_reference: case %s: %s\n", name, hr_error_message());
        st = 2;
        goto done;
    }
    /* Biases: one row per neuron. */
    snprintf(file, sizeof file, "%s.bias.csv", name);
    if ((st = csv_open(&c, dir, file, "neuron,bias_mant,bias_exp", 0)))
        goto done;
    {
        unsigned char *have = calloc((size_t)n, 1);
        int rs;
        if (!have) {
            st = 2;
            goto done;
        }
        while ((rs = csv_read(&c)) == 1) {
            long long i, m, e;
            if ((st = want_fields(&c, 3)) || (st = get_int(&c, 0, 0, n - 1, "neuron", &i)) ||
                (st = get_int(&c, 1, -4096, 4095, "bias_mant", &m)) ||
                (st = get_int(&c, 2, -24, 24, "bias_exp", &e)))
                break;
            have[i] = 1;
            hr_loihi_lif_set_bias(lif, (int)i, (int32_t)m, (int)e);
        }
        if (!st && rs == 2)
            st = 2;
        for (long long i = 0; i < n && !st; i++)
            if (!have[i]) {
                fprintf(stderr, "loihi_reference: %s: no bias for neuron %lld\n", c.path, i);
                st = 2;
            }
        free(have);
        csv_close(&c);
        if (st)
            goto done;
    }
    /* Input spikes. */
    xs = calloc((size_t)(steps + 1) * (size_t)(k > 0 ? k : 1), 1);
    if (!xs) {
        st = 2;
        goto done;
    }
    snprintf(file, sizeof file, "%s.input.csv", name);
    if ((st = csv_open(&c, dir, file, "step,input", 0)))
        goto done;
    {
        int rs;
        while ((rs = csv_read(&c)) == 1) {
            long long t, i;
            if ((st = want_fields(&c, 2)) || (st = get_int(&c, 0, 1, steps, "step", &t)) ||
                (st = get_int(&c, 1, 0, k - 1, "input", &i)))
                break;
            xs[t * k + i] = 1;
        }
        if (!st && rs == 2)
            st = 2;
        csv_close(&c);
        if (st)
            goto done;
    }
    snprintf(file, sizeof file, "%s.trace.csv", name);
    if ((st = table_alloc(&tr, (int)steps, (int)n, 3)) ||
        (st = read_table(dir, file, "step,neuron,u,v,spike", &tr, "neuron")))
        goto done;

    x = calloc((size_t)k + 1, sizeof *x);
    a = calloc((size_t)n, sizeof *a);
    s = calloc((size_t)n, sizeof *s);
    if (!x || !a || !s) {
        st = 2;
        goto done;
    }
    checker chk = {.name = name};
    long spikes = 0;
    /* Lava's timing (see README): at step t each connection sends what it
     * accumulated at t - 1, the neurons update, then the recurrent
     * connection receives their spikes and the input connection x(t). */
    for (int t = 1; t <= steps; t++) {
        memset(a, 0, (size_t)n * sizeof *a);
        hr_loihi_conn_deliver(cin, a);
        hr_loihi_conn_deliver(crec, a);
        spikes += hr_loihi_lif_step(lif, a, s);
        hr_loihi_conn_accumulate(crec, s);
        for (int i = 0; i < k; i++)
            x[i] = xs[(size_t)t * (size_t)k + (size_t)i];
        hr_loihi_conn_accumulate(cin, x);
        for (int i = 0; i < n; i++) {
            const int64_t *ref = tr.val + ((size_t)(t - 1) * (size_t)n + (size_t)i) * 3;
            check(&chk, t, i, "neuron", "u", lif->u[i], ref[0]);
            check(&chk, t, i, "neuron", "v", lif->v[i], ref[1]);
            check(&chk, t, i, "neuron", "spike", s[i], ref[2]);
        }
    }
    if (chk.mismatched)
        *differs = 1;
    else
        printf("case %s: CUBA-LIF, %lld neurons, %lld steps, %ld spikes: all %lld values "
               "identical\n", name, n, steps, spikes, chk.compared);
done:
    csv_close(&c);
    hr_loihi_lif_destroy(lif);
    hr_loihi_conn_destroy(cin);
    hr_loihi_conn_destroy(crec);
    triplets_free(&tin);
    triplets_free(&trec);
    table_free(&tr);
    free(x);
    free(xs);
    free(a);
    free(s);
    return st;
}

/* ---- Sigma-delta cases ---- */

static int run_sdn_case(const char *dir, csv *cc, int *differs)
{
    const char *name = cc->field[0];
    long long n, k, steps, act_mode, cum, vth, se, ste, ivth, wie, wib, wre, wrb;
    int st, model;
    if ((st = get_int(cc, 1, 1, MAX_NEURONS, "neurons", &n)) ||
        (st = get_int(cc, 2, 0, MAX_NEURONS, "inputs", &k)) ||
        (st = get_int(cc, 3, 0, MAX_STEPS, "steps", &steps)))
        return st;
    if (strcmp(cc->field[4], "fixed") == 0)
        model = HR_SDN_FIXED;
    else if (strcmp(cc->field[4], "corrected") == 0)
        model = HR_SDN_CORRECTED;
    else {
        fprintf(stderr, "loihi_reference: %s:%d: model = '%s' (allowed: fixed, corrected)\n",
                cc->path, cc->line, cc->field[4]);
        return 2;
    }
    if ((st = get_int(cc, 5, 0, 1, "act_mode", &act_mode)) ||
        (st = get_int(cc, 6, 0, 1, "cum_error", &cum)) ||
        (st = get_int(cc, 7, 0, INT32_MAX, "vth", &vth)) ||
        (st = get_int(cc, 8, 0, 23, "spike_exp", &se)) ||
        (st = get_int(cc, 9, 0, 23, "state_exp", &ste)) ||
        (st = get_int(cc, 10, -1, INT32_MAX, "input_vth", &ivth)) ||
        (st = get_int(cc, 11, -31, 31, "w_in_exp", &wie)) ||
        (st = get_int(cc, 12, 1, 8, "w_in_bits", &wib)) ||
        (st = get_int(cc, 13, -31, 31, "w_rec_exp", &wre)) ||
        (st = get_int(cc, 14, 1, 8, "w_rec_bits", &wrb)))
        return st;
    if (n * steps > MAX_VALUES || k * steps > MAX_VALUES) {
        fprintf(stderr, "loihi_reference: %s:%d: case %s is too large (allowed: at most %lld "
                "values)\n", cc->path, cc->line, name, MAX_VALUES);
        return 2;
    }
    hr_loihi_sdn *sdn = NULL, *delta = NULL;
    hr_loihi_conn *cin = NULL, *crec = NULL;
    triplets tin = {0}, trec = {0};
    table tr = {0}, td = {0};
    int32_t *xv = NULL, *x = NULL, *a = NULL, *s = NULL;
    char file[300];
    csv c = {0};

    if ((st = read_weights(dir, name, "w_in.csv", "neuron,input,weight", (int)n,
                           k > 0 ? (int)k : 1, &tin)) ||
        (st = read_weights(dir, name, "w_rec.csv", "post,pre,weight", (int)n, (int)n, &trec)))
        goto done;
    if (hr_loihi_sdn_create(&sdn, (int)n, model, (int)act_mode, (int)cum, (int32_t)vth, (int)se,
                            (int)ste) ||
        (ivth >= 0 && hr_loihi_sdn_create(&delta, (int)k, HR_SDN_FIXED, 0, 0, (int32_t)ivth,
                                          (int)se, (int)ste)) ||
        hr_loihi_conn_create(&cin, (int)n, (int)k, tin.n, tin.post, tin.pre, tin.w, (int)wie,
                             (int)wib, 1) ||
        hr_loihi_conn_create(&crec, (int)n, (int)n, trec.n, trec.post, trec.pre, trec.w,
                             (int)wre, (int)wrb, 1)) {
        fprintf(stderr, "loihi_reference: case %s: %s\n", name, hr_error_message());
        st = 2;
        goto done;
    }
    snprintf(file, sizeof file, "%s.bias.csv", name);
    if ((st = csv_open(&c, dir, file, "neuron,bias", 0)))
        goto done;
    {
        int rs;
        while ((rs = csv_read(&c)) == 1) {
            long long i, b;
            if ((st = want_fields(&c, 2)) || (st = get_int(&c, 0, 0, n - 1, "neuron", &i)) ||
                (st = get_int(&c, 1, -(1 << 23), (1 << 23) - 1, "bias", &b)))
                break;
            hr_loihi_sdn_set_bias(sdn, (int)i, (int32_t)b);
        }
        if (!st && rs == 2)
            st = 2;
        csv_close(&c);
        if (st)
            goto done;
    }
    xv = calloc((size_t)(steps + 1) * (size_t)(k > 0 ? k : 1), sizeof *xv);
    if (!xv) {
        st = 2;
        goto done;
    }
    snprintf(file, sizeof file, "%s.input.csv", name);
    if ((st = csv_open(&c, dir, file, "step,input,value", 0)))
        goto done;
    {
        int rs;
        while ((rs = csv_read(&c)) == 1) {
            long long t, i, v;
            if ((st = want_fields(&c, 3)) || (st = get_int(&c, 0, 1, steps, "step", &t)) ||
                (st = get_int(&c, 1, 0, k - 1, "input", &i)) ||
                (st = get_int(&c, 2, INT32_MIN, INT32_MAX, "value", &v)))
                break;
            xv[t * k + i] = (int32_t)v;
        }
        if (!st && rs == 2)
            st = 2;
        csv_close(&c);
        if (st)
            goto done;
    }
    snprintf(file, sizeof file, "%s.trace.csv", name);
    if ((st = table_alloc(&tr, (int)steps, (int)n, 5)) ||
        (st = read_table(dir, file, "step,neuron,sigma,act,residue,error,s_out", &tr, "neuron")))
        goto done;
    if (delta) {
        snprintf(file, sizeof file, "%s.delta.csv", name);
        if ((st = table_alloc(&td, (int)steps, (int)k, 1)) ||
            (st = read_table(dir, file, "step,input,s_out", &td, "input")))
            goto done;
    }
    x = calloc((size_t)k + 1, sizeof *x);
    a = calloc((size_t)n, sizeof *a);
    s = calloc((size_t)n, sizeof *s);
    if (!x || !a || !s) {
        st = 2;
        goto done;
    }
    checker chk = {.name = name};
    long msgs = 0;
    for (int t = 1; t <= steps; t++) {
        const int32_t *in = xv + (size_t)t * (size_t)k;
        /* The input messages of step t: the values themselves, or the
         * delta encoder's output in the same step. */
        if (delta) {
            hr_loihi_delta_step(delta, in, x);
            for (int i = 0; i < k; i++)
                check(&chk, t, i, "input", "delta s_out", x[i], td.val[(size_t)(t - 1) * (size_t)k + (size_t)i]);
        } else {
            memcpy(x, in, (size_t)k * sizeof *x);
        }
        memset(a, 0, (size_t)n * sizeof *a);
        hr_loihi_conn_deliver(cin, a);
        hr_loihi_conn_deliver(crec, a);
        msgs += hr_loihi_sdn_step(sdn, a, s);
        hr_loihi_conn_accumulate(crec, s);
        hr_loihi_conn_accumulate(cin, x);
        for (int i = 0; i < n; i++) {
            const int64_t *ref = tr.val + ((size_t)(t - 1) * (size_t)n + (size_t)i) * 5;
            check(&chk, t, i, "neuron", "sigma", sdn->sigma[i], ref[0]);
            check(&chk, t, i, "neuron", "act", sdn->act[i], ref[1]);
            check(&chk, t, i, "neuron", "residue", sdn->residue[i], ref[2]);
            check(&chk, t, i, "neuron", "error", sdn->error[i], ref[3]);
            check(&chk, t, i, "neuron", "s_out", s[i], ref[4]);
        }
    }
    if (chk.mismatched)
        *differs = 1;
    else
        printf("case %s: sigma-delta (%s), %lld neurons, %lld steps, %ld graded messages: all "
               "%lld values identical\n", name, model == HR_SDN_FIXED ? "fixed" : "corrected", n,
               steps, msgs, chk.compared);
done:
    csv_close(&c);
    hr_loihi_sdn_destroy(sdn);
    hr_loihi_sdn_destroy(delta);
    hr_loihi_conn_destroy(cin);
    hr_loihi_conn_destroy(crec);
    triplets_free(&tin);
    triplets_free(&trec);
    table_free(&tr);
    table_free(&td);
    free(xv);
    free(x);
    free(a);
    free(s);
    return st;
}

static int run_cases(const char *dir, const char *file, const char *hdr, int nfields,
                     int (*run)(const char *, csv *, int *), int *ncases, int *differs)
{
    csv c;
    int st = csv_open(&c, dir, file, hdr, 1);
    if (st < 0)
        return -1;
    if (st)
        return st;
    int rs;
    while ((rs = csv_read(&c)) == 1) {
        if ((st = want_fields(&c, nfields)))
            break;
        if (strlen(c.field[0]) == 0 || strlen(c.field[0]) > 200 || strchr(c.field[0], '/')) {
            fprintf(stderr, "loihi_reference: %s:%d: case name '%s' (allowed: 1 .. 200 "
                    "characters, no '/')\n", c.path, c.line, c.field[0]);
            st = 2;
            break;
        }
        if ((st = run(dir, &c, differs)))
            break;
        (*ncases)++;
    }
    csv_close(&c);
    return st ? st : rs == 2 ? 2 : 0;
}

int main(int argc, char **argv)
{
    hr_init();
    if (argc != 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr, "usage: loihi_reference DIR\n"
                "  checks reservoir/loihi.c against Lava's vectors in DIR (cases.csv and/or "
                "cases_sdn.csv)\n");
        return argc == 2 ? 0 : 2;
    }
    const char *dir = argv[1];
    int ncases = 0, differs = 0;
    int a = run_cases(dir, "cases.csv",
                      "case,neurons,inputs,steps,du,dv,vth,w_in_exp,w_in_bits,w_rec_exp,"
                      "w_rec_bits", 11, run_lif_case, &ncases, &differs);
    if (a > 0)
        return 2;
    int b = run_cases(dir, "cases_sdn.csv",
                      "case,neurons,inputs,steps,model,act_mode,cum_error,vth,spike_exp,"
                      "state_exp,input_vth,w_in_exp,w_in_bits,w_rec_exp,w_rec_bits", 15,
                      run_sdn_case, &ncases, &differs);
    if (b > 0)
        return 2;
    if (a < 0 && b < 0) {
        fprintf(stderr, "loihi_reference: %s/cases.csv: cannot open (nor cases_sdn.csv): %s\n",
                dir, strerror(errno));
        return 2;
    }
    printf("%d case%s, %s\n", ncases, ncases == 1 ? "" : "s",
           differs ? "SOME DIFFER from the reference" : "all identical to the reference");
    return differs ? 1 : 0;
}
