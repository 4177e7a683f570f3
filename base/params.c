/* params.c — table-driven settings: storage, parsing, range checks. */
#include "base/params.h"
#include "base/status.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hr_section *hr_section_create(const char *name, const char *kind, const hr_param_spec *spec)
{
    hr_section *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    int n = 0;
    while (spec[n].name)
        n++;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->kind, sizeof s->kind, "%s", kind);
    s->spec = spec;
    s->nspec = n;
    s->val = calloc((size_t)(n ? n : 1) * HR_PARAM_MAXLIST, sizeof *s->val);
    s->len = calloc((size_t)(n ? n : 1), sizeof *s->len);
    s->str = calloc((size_t)(n ? n : 1), sizeof *s->str);
    s->line = calloc((size_t)(n ? n : 1), sizeof *s->line);
    if (!s->val || !s->len || !s->str || !s->line) {
        hr_section_destroy(s);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        switch (spec[i].type) {
        case HR_PARAM_NUMBER:
        case HR_PARAM_INT:
            s->val[(size_t)i * HR_PARAM_MAXLIST] = spec[i].def;
            s->len[i] = 1;
            break;
        case HR_PARAM_LIST:
            s->len[i] = 0;
            break;
        case HR_PARAM_STRING:
            snprintf(s->str[i], sizeof s->str[i], "%s", spec[i].defstr ? spec[i].defstr : "");
            s->len[i] = 1;
            break;
        }
    }
    return s;
}

void hr_section_copy(hr_section *dst, const hr_section *src)
{
    int n = src->nspec ? src->nspec : 1;
    memcpy(dst->val, src->val, (size_t)n * HR_PARAM_MAXLIST * sizeof *dst->val);
    memcpy(dst->len, src->len, (size_t)n * sizeof *dst->len);
    memcpy(dst->str, src->str, (size_t)n * sizeof *dst->str);
    memcpy(dst->line, src->line, (size_t)n * sizeof *dst->line);
}

hr_section *hr_section_clone(const hr_section *src)
{
    hr_section *s = hr_section_create(src->name, src->kind, src->spec);
    if (s)
        hr_section_copy(s, src);
    return s;
}

void hr_section_destroy(hr_section *s)
{
    if (!s)
        return;
    free(s->val);
    free(s->len);
    free(s->str);
    free(s->line);
    free(s);
}

int hr_section_find(const hr_section *s, const char *name)
{
    for (int i = 0; i < s->nspec; i++)
        if (strcmp(s->spec[i].name, name) == 0)
            return i;
    return -1;
}

void hr_section_names(const hr_section *s, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < s->nspec && used + 1 < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", s->spec[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static void range_text(const hr_param_spec *p, char *buf, size_t size)
{
    if (p->type == HR_PARAM_STRING) {
        snprintf(buf, size, "%s", p->choices ? p->choices : "any text");
        for (char *c = buf; *c; c++)
            if (*c == '|')
                *c = ',';
        return;
    }
    const char *what = p->type == HR_PARAM_INT ? "an integer" : "a number";
    if (p->type == HR_PARAM_LIST)
        snprintf(buf, size, "up to %d numbers, each %.10g .. %.10g", p->maxlen, p->lo, p->hi);
    else
        snprintf(buf, size, "%s %.10g .. %.10g", what, p->lo, p->hi);
}

static int check_value(const hr_section *s, int i, double v, const char *shown,
                       const char *where)
{
    const hr_param_spec *p = &s->spec[i];
    char range[160];
    range_text(p, range, sizeof range);
    if (!isfinite(v) || v < p->lo || v > p->hi)
        return HR_ERROR(HR_ERANGE, "%s: %s.%s = %.10g is out of range (allowed: %s)", where,
                        s->name, shown, v, range);
    if (p->type == HR_PARAM_INT && v != floor(v))
        return HR_ERROR(HR_ERANGE, "%s: %s.%s = %.10g is not an integer (allowed: %s)", where,
                        s->name, shown, v, range);
    return HR_OK;
}

/* Copies `text` into buf without leading and trailing white space; returns buf. */
static char *trimmed(const char *text, char *buf, size_t size)
{
    snprintf(buf, size, "%s", text);
    char *b = buf;
    while (isspace((unsigned char)*b))
        b++;
    char *e = b + strlen(b);
    while (e > b && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return b;
}

/* Parses one number; the whole token must be consumed. */
static int parse_number(const char *tok, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(tok, &end);
    if (end == tok || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Splits "name" into base + trailing index ("t12" -> "t", 12); returns -1 if
 * there is no trailing index. */
static int split_index(const char *name, char *base, size_t size)
{
    size_t n = strlen(name), k = n;
    while (k > 0 && isdigit((unsigned char)name[k - 1]))
        k--;
    if (k == n || k == 0 || n - k > 4 || k >= size)
        return -1;
    memcpy(base, name, k);
    base[k] = '\0';
    return atoi(name + k);
}

int hr_section_slot(const hr_section *s, const char *name, int *spec_index, int *elem)
{
    int i = hr_section_find(s, name);
    if (i >= 0 && s->spec[i].type != HR_PARAM_STRING && s->spec[i].type != HR_PARAM_LIST) {
        *spec_index = i;
        *elem = 0;
        return HR_OK;
    }
    char base[64];
    int k = split_index(name, base, sizeof base);
    if (k >= 0) {
        i = hr_section_find(s, base);
        if (i >= 0 && s->spec[i].type == HR_PARAM_LIST && k < s->spec[i].maxlen) {
            *spec_index = i;
            *elem = k;
            return HR_OK;
        }
    }
    char names[1024];
    hr_section_names(s, names, sizeof names);
    return HR_ERROR(HR_EINVAL, "%s.%s is not a numeric setting of %s kind '%s' (allowed: %s; "
                    "list elements as NAME0, NAME1, ...)", s->name, name, s->name, s->kind, names);
}

int hr_section_set_number(hr_section *s, const char *name, double v, const char *where)
{
    int i, k;
    int st = hr_section_slot(s, name, &i, &k);
    if (st)
        return hr_error_prefix(st, "%s", where);
    if (s->spec[i].type == HR_PARAM_LIST && k > s->len[i])
        return HR_ERROR(HR_ERANGE, "%s: %s.%s: list %s has %d elements, so element %d cannot be "
                        "set (allowed: %s0 .. %s%d)", where, s->name, name, s->spec[i].name,
                        s->len[i], k, s->spec[i].name, s->spec[i].name, s->len[i]);
    st = check_value(s, i, v, name, where);
    if (st)
        return st;
    s->val[(size_t)i * HR_PARAM_MAXLIST + (size_t)k] = v;
    if (s->spec[i].type == HR_PARAM_LIST && k == s->len[i])
        s->len[i]++;
    return HR_OK;
}

int hr_section_set_text(hr_section *s, const char *name, const char *text, const char *where,
                        int line)
{
    int i = hr_section_find(s, name);
    if (i < 0) {
        /* Maybe a list element, "t2". */
        int si, k;
        if (hr_section_slot(s, name, &si, &k) == HR_OK) {
            double v;
            char tok[128];
            if (parse_number(trimmed(text, tok, sizeof tok), &v))
                return HR_ERROR(HR_EPARSE, "%s: %s.%s = '%s' is not a number", where, s->name,
                                name, text);
            int st = hr_section_set_number(s, name, v, where);
            if (st == HR_OK && line)
                s->line[si] = line;
            return st;
        }
        char names[1024];
        hr_section_names(s, names, sizeof names);
        return HR_ERROR(HR_EINVAL, "%s: unknown setting %s.%s for %s kind '%s' (allowed: %s)",
                        where, s->name, name, s->name, s->kind, names);
    }
    const hr_param_spec *p = &s->spec[i];
    if (p->type == HR_PARAM_STRING) {
        char buf[128];
        char *b = trimmed(text, buf, sizeof buf);
        if (p->choices) {
            int ok = 0;
            const char *c = p->choices;
            size_t n = strlen(b);
            while (*c) {
                const char *bar = strchr(c, '|');
                size_t m = bar ? (size_t)(bar - c) : strlen(c);
                if (m == n && strncmp(c, b, n) == 0)
                    ok = 1;
                c += m + (bar ? 1 : 0);
            }
            if (!ok) {
                char range[160];
                range_text(p, range, sizeof range);
                return HR_ERROR(HR_ERANGE, "%s: %s.%s = '%s' is not allowed (allowed: %s)", where,
                                s->name, name, b, range);
            }
        }
        snprintf(s->str[i], sizeof s->str[i], "%s", b);
        s->line[i] = line;
        return HR_OK;
    }
    /* Numbers and lists: whitespace- or comma-separated tokens. */
    double tmp[HR_PARAM_MAXLIST];
    int n = 0;
    const char *c = text;
    while (*c) {
        while (*c && (isspace((unsigned char)*c) || *c == ','))
            c++;
        if (!*c)
            break;
        char tok[64];
        size_t m = 0;
        while (c[m] && !isspace((unsigned char)c[m]) && c[m] != ',')
            m++;
        if (m >= sizeof tok)
            return HR_ERROR(HR_EPARSE, "%s: %s.%s: '%.20s...' (%zu characters) is too long for a "
                            "number (allowed: at most %zu characters)", where, s->name, name, c, m,
                            sizeof tok - 1);
        memcpy(tok, c, m);
        tok[m] = '\0';
        c += m;
        int cap = p->type == HR_PARAM_LIST ? p->maxlen : 1;
        if (n >= cap) {
            if (p->type == HR_PARAM_LIST)
                return HR_ERROR(HR_ERANGE, "%s: %s.%s has more than %d values (allowed: at most %d)",
                                where, s->name, name, cap, cap);
            return HR_ERROR(HR_EPARSE, "%s: %s.%s = '%s' must be one number", where, s->name, name,
                            text);
        }
        double v;
        if (parse_number(tok, &v))
            return HR_ERROR(HR_EPARSE, "%s: %s.%s: '%s' is not a number", where, s->name, name,
                            tok);
        char shown[80];
        if (p->type == HR_PARAM_LIST)
            snprintf(shown, sizeof shown, "%s%d", name, n);
        else
            snprintf(shown, sizeof shown, "%s", name);
        int st = check_value(s, i, v, shown, where);
        if (st)
            return st;
        tmp[n++] = v;
    }
    if (n == 0 && p->type != HR_PARAM_LIST)
        return HR_ERROR(HR_EPARSE, "%s: %s.%s is empty (allowed: %s)", where, s->name, name,
                        p->type == HR_PARAM_INT ? "an integer" : "a number");
    memcpy(s->val + (size_t)i * HR_PARAM_MAXLIST, tmp, (size_t)n * sizeof *tmp);
    s->len[i] = n;
    s->line[i] = line;
    return HR_OK;
}

static int must_find(const hr_section *s, const char *name)
{
    int i = hr_section_find(s, name);
    if (i < 0)
        fprintf(stderr, "hydrores: internal error: %s kind '%s' has no setting '%s'\n", s->name,
                s->kind, name);
    return i;
}

double hr_section_num(const hr_section *s, const char *name)
{
    int i = must_find(s, name);
    return i < 0 ? NAN : s->val[(size_t)i * HR_PARAM_MAXLIST];
}

int hr_section_int(const hr_section *s, const char *name)
{
    int i = must_find(s, name);
    return i < 0 ? 0 : (int)s->val[(size_t)i * HR_PARAM_MAXLIST];
}

const double *hr_section_list(const hr_section *s, const char *name, int *len)
{
    int i = must_find(s, name);
    if (i < 0) {
        *len = 0;
        return NULL;
    }
    *len = s->len[i];
    return s->val + (size_t)i * HR_PARAM_MAXLIST;
}

const char *hr_section_str(const hr_section *s, const char *name)
{
    int i = must_find(s, name);
    return i < 0 ? "" : s->str[i];
}

void hr_section_format(const hr_section *s, int i, char *buf, size_t size)
{
    const hr_param_spec *p = &s->spec[i];
    buf[0] = '\0';
    if (p->type == HR_PARAM_STRING) {
        snprintf(buf, size, "%s", s->str[i]);
        return;
    }
    size_t used = 0;
    for (int k = 0; k < s->len[i] && used + 1 < size; k++) {
        double v = s->val[(size_t)i * HR_PARAM_MAXLIST + (size_t)k];
        int w = p->type == HR_PARAM_INT ? snprintf(buf + used, size - used, "%s%.0f", k ? " " : "", v)
                                        : snprintf(buf + used, size - used, "%s%.17g", k ? " " : "", v);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int hr_choice_index(const char *choices, const char *value)
{
    size_t n = strlen(value);
    int k = 0;
    for (const char *c = choices; c && *c; k++) {
        const char *bar = strchr(c, '|');
        size_t m = bar ? (size_t)(bar - c) : strlen(c);
        if (m == n && strncmp(c, value, n) == 0)
            return k;
        if (!bar)
            break;
        c = bar + 1;
    }
    return -1;
}

void hr_section_decode(const hr_section *s, void *out)
{
    char *base = out;
    for (int i = 0; i < s->nspec; i++) {
        const hr_param_spec *p = &s->spec[i];
        if (!p->offset)
            continue;
        char *at = base + (p->offset - 1);
        const double *v = s->val + (size_t)i * HR_PARAM_MAXLIST;
        switch (p->type) {
        case HR_PARAM_NUMBER:
            memcpy(at, &v[0], sizeof(double));
            break;
        case HR_PARAM_INT:
            if (p->maxlen == 8) {
                long x = (long)v[0];
                memcpy(at, &x, sizeof x);
            } else {
                int x = (int)v[0];
                memcpy(at, &x, sizeof x);
            }
            break;
        case HR_PARAM_LIST: {
            hr_plist *l = (hr_plist *)(void *)at;
            l->n = s->len[i];
            memcpy(l->v, v, (size_t)s->len[i] * sizeof(double));
            break;
        }
        case HR_PARAM_STRING:
            if (p->choices) {
                int x = hr_choice_index(p->choices, s->str[i]);
                memcpy(at, &x, sizeof x);
            } else {
                memcpy(at, s->str[i], sizeof s->str[i]);
            }
            break;
        }
    }
}
