/* plot_data.c — CSV tables and experiment files for `hydrores plot` (see
 * plot_data.h): total readers with FILE:LINE messages. */
#include "interface/plot_data.h"
#include "base/status.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* Largest file the readers take (a traces.csv of 10^6 samples is ~200 MB). */
#define MAX_FILE_BYTES ((size_t)1 << 30)

static int read_all(const char *path, char **text, size_t *len)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return HR_ERROR(HR_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= MAX_FILE_BYTES) {
            free(buf);
            fclose(f);
            return HR_ERROR(HR_EPARSE, "%s: larger than %zu bytes (allowed: at most that)", path,
                            MAX_FILE_BYTES);
        }
        char *p = realloc(buf, 2 * cap + 1);
        if (!p) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = p, cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf)
        return HR_ERROR(HR_ENOMEM, "%s: out of memory", path);
    if (err) {
        free(buf);
        return HR_ERROR(HR_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    *text = buf, *len = n;
    return HR_OK;
}

/* ---- CSV ---- */

void hr_csv_free(hr_csv *t)
{
    if (!t)
        return;
    free(t->col);
    free(t->cell);
    free(t->line);
    free(t->buf);
    free(t);
}

typedef struct grow {
    char **p;
    size_t n, cap;
} grow;

static int push(grow *g, char *s)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 256;
        char **p = realloc(g->p, cap * sizeof *p);
        if (!p)
            return -1;
        g->p = p, g->cap = cap;
    }
    g->p[g->n++] = s;
    return 0;
}

int hr_csv_parse(const char *text, size_t len, const char *name, int header, hr_csv **out)
{
    *out = NULL;
    if (memchr(text, '\0', len)) {
        int line = 1;
        for (const char *c = text; *c; c++)
            line += *c == '\n';
        return HR_ERROR(HR_EPARSE, "%s:%d: a NUL byte (allowed: text)", name, line);
    }
    hr_csv *t = calloc(1, sizeof *t);
    if (!t)
        return HR_ERROR(HR_ENOMEM, "%s: out of memory", name);
    snprintf(t->name, sizeof t->name, "%s", name);
    /* Fields are copied unquoted into buf: never longer than the text. */
    t->buf = malloc(len + 1);
    grow fields = {0};
    int *lines = NULL;
    size_t nlines = 0, caplines = 0;
    int st = HR_OK, lineno = 1, ncols = -1;
    char *o = t->buf;
    size_t i = 0;
    if (!t->buf) {
        st = HR_ERROR(HR_ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    while (i < len) {
        int start_line = lineno;
        /* Skip blank and comment lines. */
        size_t j = i;
        while (j < len && (text[j] == ' ' || text[j] == '\t'))
            j++;
        if (j >= len || text[j] == '\n' || text[j] == '\r' || text[j] == '#') {
            while (i < len && text[i] != '\n')
                i++;
            i++, lineno++;
            continue;
        }
        size_t first = fields.n;
        for (;;) { /* one field */
            char *f = o;
            if (i < len && text[i] == '"') {
                i++;
                for (;;) {
                    if (i >= len) {
                        st = HR_ERROR(HR_EPARSE, "%s:%d: a quoted field is not closed (allowed: "
                                      "\"...\" with \"\" for a quote)", name, start_line);
                        goto fail;
                    }
                    if (text[i] == '"') {
                        if (i + 1 < len && text[i + 1] == '"') {
                            *o++ = '"';
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (text[i] == '\n')
                        lineno++;
                    *o++ = text[i++];
                }
                while (i < len && (text[i] == ' ' || text[i] == '\t'))
                    i++;
                if (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    st = HR_ERROR(HR_EPARSE, "%s:%d: text after a closing quote (allowed: a "
                                  "comma or the line end)", name, lineno);
                    goto fail;
                }
            } else {
                while (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
                    *o++ = text[i++];
            }
            *o++ = '\0';
            if (push(&fields, f)) {
                st = HR_ERROR(HR_ENOMEM, "%s: out of memory", name);
                goto fail;
            }
            if (i < len && text[i] == ',') {
                i++;
                continue;
            }
            if (i < len && text[i] == '\r')
                i++;
            if (i < len && text[i] == '\n')
                i++;
            lineno++;
            break;
        }
        int nf = (int)(fields.n - first);
        if (ncols < 0) {
            ncols = nf;
            if (header) {
                t->header_line = start_line;
                continue;
            }
        } else if (nf != ncols) {
            st = HR_ERROR(HR_EPARSE, "%s:%d: %d fields, but %s has %d (allowed: one per column)",
                          name, start_line, nf, header ? "the header" : "the first line", ncols);
            goto fail;
        }
        if (nlines == caplines) {
            size_t cap = caplines ? 2 * caplines : 256;
            int *p = realloc(lines, cap * sizeof *p);
            if (!p) {
                st = HR_ERROR(HR_ENOMEM, "%s: out of memory", name);
                goto fail;
            }
            lines = p, caplines = cap;
        }
        lines[nlines++] = start_line;
    }
    if (ncols < 0) {
        st = HR_ERROR(HR_EPARSE, "%s:1: empty (allowed: %s lines of comma-separated values)", name,
                      header ? "a header line and" : "");
        goto fail;
    }
    t->ncols = ncols;
    t->nrows = (int)nlines;
    t->line = lines;
    lines = NULL;
    t->col = calloc((size_t)ncols, sizeof *t->col);
    if (!t->col) {
        st = HR_ERROR(HR_ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    if (header) {
        for (int c = 0; c < ncols; c++)
            t->col[c] = fields.p[c];
        t->cell = malloc((fields.n - (size_t)ncols + 1) * sizeof *t->cell);
        if (!t->cell) {
            st = HR_ERROR(HR_ENOMEM, "%s: out of memory", name);
            goto fail;
        }
        memcpy(t->cell, fields.p + ncols, (fields.n - (size_t)ncols) * sizeof *t->cell);
        free(fields.p);
    } else {
        for (int c = 0; c < ncols; c++)
            t->col[c] = "";
        t->cell = fields.p;
    }
    *out = t;
    return HR_OK;
fail:
    free(fields.p);
    free(lines);
    hr_csv_free(t);
    return st;
}

int hr_csv_read(const char *path, int header, hr_csv **out)
{
    *out = NULL;
    char *text;
    size_t len;
    int st = read_all(path, &text, &len);
    if (st)
        return st;
    st = hr_csv_parse(text, len, path, header, out);
    free(text);
    return st;
}

int hr_csv_col(const hr_csv *t, const char *name)
{
    for (int c = 0; c < t->ncols; c++)
        if (strcmp(t->col[c], name) == 0)
            return c;
    return -1;
}

int hr_csv_need(const hr_csv *t, const char *const *names, int *col)
{
    for (int k = 0; names[k]; k++)
        if ((*col = hr_csv_col(t, names[k])) >= 0)
            return HR_OK;
    char allowed[512] = "";
    size_t o = 0;
    for (int k = 0; names[k] && o < sizeof allowed; k++)
        o += (size_t)snprintf(allowed + o, sizeof allowed - o, "%s'%s'", k ? " or " : "",
                              names[k]);
    return HR_ERROR(HR_EPARSE, "%s:%d: no column '%s' (allowed: a header with %s)", t->name,
                    t->header_line ? t->header_line : 1, names[0], allowed);
}

const char *hr_csv_text(const hr_csv *t, int row, int col)
{
    if (row < 0 || row >= t->nrows || col < 0 || col >= t->ncols)
        return "";
    return t->cell[(size_t)row * (size_t)t->ncols + (size_t)col];
}

int hr_csv_num(const hr_csv *t, int row, int col, double *v)
{
    const char *s = hr_csv_text(t, row, col);
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s) {
        *v = NAN;
        return HR_OK;
    }
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    while (end != s && (*end == ' ' || *end == '\t'))
        end++;
    if (end == s || *end) {
        const char *cn = t->col[col][0] ? t->col[col] : NULL;
        char cname[96];
        if (cn)
            snprintf(cname, sizeof cname, "column '%.80s'", cn);
        else
            snprintf(cname, sizeof cname, "field %d", col + 1);
        return HR_ERROR(HR_EPARSE, "%s:%d: %s: '%.40s' is not a number (allowed: a decimal "
                        "number, nan, inf or empty)", t->name, t->line[row], cname,
                        hr_csv_text(t, row, col));
    }
    *v = x; /* overflow gives +-HUGE_VAL = inf, underflow a tiny number: both fine */
    return HR_OK;
}

int hr_csv_column(const hr_csv *t, int col, double *out)
{
    for (int r = 0; r < t->nrows; r++) {
        int st = hr_csv_num(t, r, col, &out[r]);
        if (st)
            return st;
    }
    return HR_OK;
}

/* ---- Experiment files ---- */

struct hr_pconf {
    char path[1024]; /* for messages */
    xmlDoc *doc;     /* the parsed file */
    xmlNode *root;   /* <experiment> */
};

void hr_pconf_free(hr_pconf *c)
{
    if (!c)
        return;
    xmlFreeDoc(c->doc);
    free(c);
}

int hr_pconf_load(const char *path, hr_pconf **out)
{
    *out = NULL;
    char *text;
    size_t len;
    int st = read_all(path, &text, &len);
    if (st)
        return st;
    if (len > (size_t)1 << 28) {
        free(text);
        return HR_ERROR(HR_EPARSE, "%s: too large for an experiment file", path);
    }
    xmlResetLastError();
    xmlDoc *doc = xmlReadMemory(text, (int)len, path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    free(text);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[256] = "not well-formed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t n = strlen(msg);
            while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
        }
        return HR_ERROR(HR_EPARSE, "%s:%d: %s (allowed: an experiment file as hydrores writes "
                        "it)", path, e && e->line > 0 ? e->line : 1, msg);
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "experiment") != 0) {
        int line = root ? (int)xmlGetLineNo(root) : 1;
        xmlFreeDoc(doc);
        return HR_ERROR(HR_EPARSE, "%s:%d: the root element is not <experiment> (allowed: an "
                        "experiment file)", path, line > 0 ? line : 1);
    }
    hr_pconf *c = calloc(1, sizeof *c);
    if (!c) {
        xmlFreeDoc(doc);
        return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    snprintf(c->path, sizeof c->path, "%s", path);
    c->doc = doc, c->root = root;
    *out = c;
    return HR_OK;
}

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *k = n ? n->children : NULL; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE && strcmp((const char *)k->name, name) == 0)
            return k;
    return NULL;
}

static void attr(xmlNode *n, const char *name, char *buf, size_t size)
{
    buf[0] = '\0';
    xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
    if (v) {
        snprintf(buf, size, "%s", (const char *)v);
        xmlFree(v);
    }
}

const char *hr_pconf_kind(const hr_pconf *c, const char *section)
{
    static __thread char buf[64];
    attr(child(c->root, section), "kind", buf, sizeof buf);
    return buf;
}

const char *hr_pconf_name(const hr_pconf *c)
{
    static __thread char buf[128];
    attr(c->root, "name", buf, sizeof buf);
    return buf;
}

void hr_pconf_str(const hr_pconf *c, const char *section, const char *name, char *buf,
                  size_t size)
{
    buf[0] = '\0';
    xmlNode *n = child(child(c->root, section), name);
    if (!n)
        return;
    xmlChar *v = xmlNodeGetContent(n);
    if (!v)
        return;
    const char *s = (const char *)v;
    while (isspace((unsigned char)*s))
        s++;
    snprintf(buf, size, "%s", s);
    size_t k = strlen(buf);
    while (k && isspace((unsigned char)buf[k - 1]))
        buf[--k] = '\0';
    xmlFree(v);
}

int hr_pconf_list(const hr_pconf *c, const char *section, const char *name, double *v,
                  int max, int *n)
{
    *n = 0;
    xmlNode *e = child(child(c->root, section), name);
    if (!e)
        return HR_OK;
    xmlChar *txt = xmlNodeGetContent(e);
    if (!txt)
        return HR_OK;
    int st = HR_OK;
    const char *s = (const char *)txt;
    while (*s) {
        while (isspace((unsigned char)*s) || *s == ',')
            s++;
        if (!*s)
            break;
        char *end;
        double x = strtod(s, &end);
        if (end == s || (*end && !isspace((unsigned char)*end) && *end != ',')) {
            st = HR_ERROR(HR_EPARSE, "%s:%ld: <%s><%s>: '%.30s' is not a number (allowed: numbers "
                          "separated by spaces)", c->path, xmlGetLineNo(e), section, name, s);
            break;
        }
        if (*n >= max) {
            st = HR_ERROR(HR_ERANGE, "%s:%ld: <%s><%s> has more than %d values (allowed: at "
                          "most %d)", c->path, xmlGetLineNo(e), section, name, max, max);
            break;
        }
        v[(*n)++] = x;
        s = end;
    }
    xmlFree(txt);
    return st;
}

int hr_pconf_num(const hr_pconf *c, const char *section, const char *name, double def,
                 double *v)
{
    double buf[256];
    int n;
    int st = hr_pconf_list(c, section, name, buf, 256, &n);
    if (st)
        return st;
    *v = n > 0 ? buf[0] : def;
    return HR_OK;
}

static int gene_number(const hr_pconf *c, xmlNode *g, const char *name, int required,
                       double *v)
{
    char buf[64];
    attr(g, name, buf, sizeof buf);
    if (!buf[0]) {
        *v = NAN;
        if (!required)
            return HR_OK;
        return HR_ERROR(HR_EPARSE, "%s:%ld: <gene> has no %s (allowed: name, target, lo, hi and "
                        "an optional value)", c->path, xmlGetLineNo(g), name);
    }
    char *end;
    *v = strtod(buf, &end);
    if (end == buf || *end || (required && !isfinite(*v)))
        return HR_ERROR(HR_EPARSE, "%s:%ld: <gene %s=\"%s\">: not a number (allowed: a finite "
                        "number)", c->path, xmlGetLineNo(g), name, buf);
    return HR_OK;
}

int hr_pconf_genes(const hr_pconf *c, hr_pconf_gene *g, int max, int *n)
{
    *n = 0;
    xmlNode *genes = child(c->root, "genes");
    for (xmlNode *k = genes ? genes->children : NULL; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || strcmp((const char *)k->name, "gene") != 0)
            continue;
        if (*n >= max)
            return HR_ERROR(HR_ERANGE, "%s:%ld: more than %d genes (allowed: at most %d)",
                            c->path, xmlGetLineNo(k), max, max);
        hr_pconf_gene *x = &g[*n];
        memset(x, 0, sizeof *x);
        x->line = (int)xmlGetLineNo(k);
        attr(k, "name", x->name, sizeof x->name);
        attr(k, "target", x->target, sizeof x->target);
        if (!x->name[0] || !x->target[0])
            return HR_ERROR(HR_EPARSE, "%s:%d: <gene> without a name or a target (allowed: "
                            "<gene name=\"..\" target=\"section.setting\" lo=\"..\" hi=\"..\"/>)",
                            c->path, x->line);
        int st;
        if ((st = gene_number(c, k, "lo", 1, &x->lo)) || (st = gene_number(c, k, "hi", 1, &x->hi)) ||
            (st = gene_number(c, k, "value", 0, &x->value)))
            return st;
        (*n)++;
    }
    return HR_OK;
}

int hr_pconf_target(const hr_pconf *c, const char *target, double *v)
{
    *v = NAN;
    char sec[64], set[64];
    const char *dot = strchr(target, '.');
    if (!dot || dot == target || (size_t)(dot - target) >= sizeof sec || strlen(dot + 1) >= sizeof set)
        return HR_OK;
    memcpy(sec, target, (size_t)(dot - target));
    sec[dot - target] = '\0';
    snprintf(set, sizeof set, "%s", dot + 1);
    double buf[256];
    int n, st;
    xmlNode *s = child(c->root, sec);
    if (child(s, set)) {
        if ((st = hr_pconf_list(c, sec, set, buf, 256, &n)))
            return st;
        *v = n > 0 ? buf[0] : NAN;
        return HR_OK;
    }
    /* "settingI": element I of a list. */
    size_t k = strlen(set);
    while (k && isdigit((unsigned char)set[k - 1]))
        k--;
    if (k == strlen(set) || k == 0)
        return HR_OK;
    int idx = atoi(set + k);
    set[k] = '\0';
    if ((st = hr_pconf_list(c, sec, set, buf, 256, &n)))
        return st;
    *v = idx < n ? buf[idx] : NAN;
    return HR_OK;
}
