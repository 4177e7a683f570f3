/* plot_data.h — the readers behind `hydrores plot`: CSV tables of result
 * folders and the settings and genes of a resolved experiment file
 * (config.xml, best.xml) read with libxml2, without validating it against
 * the kinds this build knows (so folders of other builds still plot).
 *
 * Readers are total: every malformed input gives HR_EPARSE (or HR_EIO for
 * a file that cannot be read) with a message "FILE:LINE: what is wrong
 * (allowed: ...)", never a crash or a silent default. */
#ifndef HR_PLOT_DATA_H
#define HR_PLOT_DATA_H

#include <stddef.h>

/* ---- CSV ---- */

/* A CSV table: a header line of column names, then rows of as many fields
 * (RFC 4180 quoting allowed; blank lines and lines starting with '#'
 * skipped; CR LF line ends accepted). */
typedef struct hr_csv {
    char name[1024]; /* the path, as given, for messages */
    int ncols;       /* columns (fields per line) */
    int nrows;       /* data rows */
    char **col;      /* ncols column names (header) */
    char **cell;     /* nrows * ncols fields, row-major */
    int *line;       /* file line (1-based) of each data row */
    int header_line; /* file line of the header (0 without a header) */
    char *buf;       /* storage of the fields (owned) */
} hr_csv;

/* Reads `path`. With header = 1 the first line that is not blank or a
 * comment is the column names (columns are then named "1", "2", ... with
 * header = 0, as for a snapshot grid). HR_EIO if it cannot be read, HR_EPARSE
 * for an empty table, a line with another number of fields than the first,
 * an unterminated quote or a NUL byte. *out is NULL on failure. */
int hr_csv_read(const char *path, int header, hr_csv **out);

/* Parses CSV text from memory (`name` is used in messages). */
int hr_csv_parse(const char *text, size_t len, const char *name, int header, hr_csv **out);

/* Frees; NULL is allowed. */
void hr_csv_free(hr_csv *t);

/* Index of the first column named `name` (exactly), or -1. */
int hr_csv_col(const hr_csv *t, const char *name);

/* As hr_csv_col, but trying each of `names` (NULL-terminated) in turn;
 * HR_EPARSE "FILE:LINE: no column 'a' (allowed: ...)" if none is there. */
int hr_csv_need(const hr_csv *t, const char *const *names, int *col);

/* Field (row, col) as text ("" for an empty field). */
const char *hr_csv_text(const hr_csv *t, int row, int col);

/* Field (row, col) as a number: strtod syntax, surrounding spaces allowed;
 * an empty field is NaN; "nan", "inf", "-inf" are accepted. HR_EPARSE
 * "FILE:LINE: column 'c': 'abc' is not a number" otherwise. */
int hr_csv_num(const hr_csv *t, int row, int col, double *v);

/* Every row of column `col` into out[nrows] (see hr_csv_num). */
int hr_csv_column(const hr_csv *t, int col, double *out);

/* ---- Resolved experiment files ---- */

#define HR_PCONF_MAX_GENES 128

/* A gene as an experiment file declares it. */
typedef struct hr_pconf_gene {
    char name[32];    /* gene name */
    char target[64];  /* "section.setting" or "section.settingI" */
    double lo, hi;    /* target = lo + (hi - lo) g */
    double value;     /* g in [0, 1], or NaN if the file gives none */
    int line;         /* line in the file */
} hr_pconf_gene;

typedef struct hr_pconf hr_pconf;

/* Reads an experiment file. HR_EIO if it cannot be read, HR_EPARSE
 * "FILE:LINE: ..." if it is not well-formed XML with an <experiment> root. */
int hr_pconf_load(const char *path, hr_pconf **out);

/* Frees; NULL is allowed. */
void hr_pconf_free(hr_pconf *c);

/* The kind attribute of <section> ("" if the section or kind is absent),
 * in a per-thread buffer valid until the next hr_pconf_kind call. */
const char *hr_pconf_kind(const hr_pconf *c, const char *section);

/* The experiment's name attribute ("" if none), in a per-thread buffer
 * valid until the next hr_pconf_name call. */
const char *hr_pconf_name(const hr_pconf *c);

/* The numbers of setting section/name (a space-separated list; an empty
 * element or an absent one gives *n = 0) into v[max]. HR_EPARSE
 * "FILE:LINE: <section><name>: 'x' is not a number" for a bad value,
 * HR_ERANGE for more than max values. */
int hr_pconf_list(const hr_pconf *c, const char *section, const char *name, double *v,
                  int max, int *n);

/* One number: the first of the list, or `def` if the setting is absent
 * or empty. */
int hr_pconf_num(const hr_pconf *c, const char *section, const char *name, double def,
                 double *v);

/* The text of a setting (trimmed, "" if absent) into buf[size]. */
void hr_pconf_str(const hr_pconf *c, const char *section, const char *name, char *buf,
                  size_t size);

/* The genes in declaration order. HR_EPARSE for a gene without a name,
 * a target or numeric lo / hi. */
int hr_pconf_genes(const hr_pconf *c, hr_pconf_gene *g, int max, int *n);

/* The value of a gene target "section.setting" or "section.settingI"
 * (element I of a list) as the file sets it; HR_OK and NaN if absent. */
int hr_pconf_target(const hr_pconf *c, const char *target, double *v);

#endif
