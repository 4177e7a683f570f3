/* params.h — named, typed, range-checked settings of the pipeline's parts.
 *
 * Every part of an experiment (substrate, encoder, readout, task, fitness) is
 * a *section* whose settings are described by a const table of hr_param_spec
 * (name, type, default, allowed range, documentation). Values come from the
 * experiment file, from `--set NAME=VALUE` and from genes; all of them are
 * checked against the table here, so one place says what is allowed.
 *
 * A setting is addressed as "section.name" ("substrate.nu"); one element of a
 * list setting as "section.nameI" ("readout.t2"). */
#ifndef HR_PARAMS_H
#define HR_PARAMS_H

#include <stddef.h>

enum hr_param_type {
    HR_PARAM_NUMBER = 0, /* one double in [lo, hi] */
    HR_PARAM_INT = 1,    /* one integer in [lo, hi] */
    HR_PARAM_LIST = 2,   /* 0..maxlen doubles, each in [lo, hi] */
    HR_PARAM_STRING = 3  /* one of the '|'-separated `choices`, or free text if NULL */
};

#define HR_PARAM_MAXLIST 256

/* What a setting may be. Tables end with an entry whose name is NULL. */
typedef struct hr_param_spec {
    const char *name;         /* setting name within its section */
    enum hr_param_type type;  /* kind of value */
    double def;               /* default (numbers); lists default to empty */
    double lo, hi;            /* allowed range, inclusive */
    int maxlen;               /* lists: most elements allowed; integers: 8 when
                                 hr_section_decode writes a long (HR_LONG_AT) */
    const char *choices;      /* strings: "a|b|c", or NULL for any text */
    const char *defstr;       /* strings: the default */
    const char *doc;          /* one line for --help and the schema */
    size_t offset;            /* where hr_section_decode puts the value in the
                                 part's typed struct, plus 1 (0: not decoded) */
} hr_param_spec;

/* A decoded list setting (HR_LIST_AT): its length and values. */
typedef struct hr_plist {
    int n;                       /* elements */
    double v[HR_PARAM_MAXLIST];  /* values */
} hr_plist;

/* Per-type constructors for settings tables (Redis's createIntConfig): a
 * table entry cannot be filled wrong. The _AT forms also say where
 * hr_section_decode puts the value in the part's typed struct T:
 *   number -> double, integer -> int (HR_LONG_AT: long, for seeds and
 *   counts beyond 2^31), list -> hr_plist,
 *   choice -> int (the index of the value in `choices`), text -> char[128]. */
#define HR_NUMBER(name, def, lo, hi, doc) \
    {(name), HR_PARAM_NUMBER, (def), (lo), (hi), 0, NULL, NULL, (doc), 0}
#define HR_INT(name, def, lo, hi, doc) \
    {(name), HR_PARAM_INT, (def), (lo), (hi), 0, NULL, NULL, (doc), 0}
#define HR_LIST(name, lo, hi, maxlen, doc) \
    {(name), HR_PARAM_LIST, 0, (lo), (hi), (maxlen), NULL, NULL, (doc), 0}
#define HR_CHOICE(name, choices, def, doc) \
    {(name), HR_PARAM_STRING, 0, 0, 0, 0, (choices), (def), (doc), 0}
#define HR_TEXT(name, def, doc) {(name), HR_PARAM_STRING, 0, 0, 0, 0, NULL, (def), (doc), 0}
#define HR_PARAMS_END {NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0}

#define HR__AT(T, f) (offsetof(T, f) + 1)
#define HR_NUMBER_AT(T, f, name, def, lo, hi, doc) \
    {(name), HR_PARAM_NUMBER, (def), (lo), (hi), 0, NULL, NULL, (doc), HR__AT(T, f)}
#define HR_INT_AT(T, f, name, def, lo, hi, doc) \
    {(name), HR_PARAM_INT, (def), (lo), (hi), 0, NULL, NULL, (doc), HR__AT(T, f)}
#define HR_LONG_AT(T, f, name, def, lo, hi, doc) \
    {(name), HR_PARAM_INT, (def), (lo), (hi), 8, NULL, NULL, (doc), HR__AT(T, f)}
#define HR_LIST_AT(T, f, name, lo, hi, maxlen, doc) \
    {(name), HR_PARAM_LIST, 0, (lo), (hi), (maxlen), NULL, NULL, (doc), HR__AT(T, f)}
#define HR_CHOICE_AT(T, f, name, choices, def, doc) \
    {(name), HR_PARAM_STRING, 0, 0, 0, 0, (choices), (def), (doc), HR__AT(T, f)}
#define HR_TEXT_AT(T, f, name, def, doc) \
    {(name), HR_PARAM_STRING, 0, 0, 0, 0, NULL, (def), (doc), HR__AT(T, f)}

/* One section's values, bound to its table. */
typedef struct hr_section {
    char name[32];                 /* "substrate", "encoder", ... */
    char kind[32];                 /* the section's kind ("kdv", "amplitude") */
    const hr_param_spec *spec;     /* table for this kind (not owned) */
    int nspec;                     /* entries in spec */
    double *val;                   /* per spec entry: HR_PARAM_MAXLIST doubles */
    int *len;                      /* per spec entry: list length (1 for scalars) */
    char (*str)[128];              /* per spec entry: string value */
    int *line;                     /* per spec entry: config line (0 = default/CLI) */
} hr_section;

/* Allocates a section of `kind` bound to `spec`, filled with the defaults.
 * Returns NULL on allocation failure. */
hr_section *hr_section_create(const char *name, const char *kind, const hr_param_spec *spec);

/* Deep copy (NULL on failure). */
hr_section *hr_section_clone(const hr_section *s);

/* Copies all values of `src` into `dst`, which must have the same table. */
void hr_section_copy(hr_section *dst, const hr_section *src);

/* Frees a section; NULL is allowed. */
void hr_section_destroy(hr_section *s);

/* Index of setting `name` in the table, or -1. */
int hr_section_find(const hr_section *s, const char *name);

/* Sets a setting from text (a number, a whitespace/comma separated list, or a
 * string), checking it against the table. `where` ("file.xml:12" or
 * "--set") prefixes error messages. An element "nameI" of a list may be set
 * when I <= current length. `line` is recorded for later messages. */
int hr_section_set_text(hr_section *s, const char *name, const char *text,
                        const char *where, int line);

/* Sets one numeric value ("nu", or list element "t2") with range check. */
int hr_section_set_number(hr_section *s, const char *name, double v, const char *where);

/* Resolves "name" or "nameI" to a numeric slot: returns the spec index and
 * sets *elem (0 for scalars). HR_EINVAL if no such numeric setting. */
int hr_section_slot(const hr_section *s, const char *name, int *spec_index, int *elem);

/* Accessors for parts reading their settings (name must be in the table;
 * an unknown name is a programming error and returns NaN / 0 / ""). */
double hr_section_num(const hr_section *s, const char *name);
int hr_section_int(const hr_section *s, const char *name);
const double *hr_section_list(const hr_section *s, const char *name, int *len);
const char *hr_section_str(const hr_section *s, const char *name);

/* Writes a list of the allowed setting names ("nu, length, n, ...") into buf. */
void hr_section_names(const hr_section *s, char *buf, size_t size);

/* Formats the value of spec entry i as text (lists space-separated, %.17g). */
void hr_section_format(const hr_section *s, int i, char *buf, size_t size);

/* Decodes every entry of the section's table that has an offset (the _AT
 * constructors) into the typed struct at `out` (see the constructors for the
 * C types). Entries without one are left alone. Called when an experiment is
 * built and after a genome is applied, so evaluations read fields, not
 * names. */
void hr_section_decode(const hr_section *s, void *out);

/* The index of `value` among the '|'-separated `choices`, or -1. */
int hr_choice_index(const char *choices, const char *value);

#endif
