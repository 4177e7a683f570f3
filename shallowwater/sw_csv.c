/* sw_csv.c — reads a bathymetry grid from a CSV file: one grid row per line,
 * comma-separated depths in meters, '#' comments and blank lines skipped.
 * Every error names the file, the line and the column. */
#include "shallowwater/sw.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

/* Largest grid side accepted (as hr_sw_create). */
#define CSV_MAX_SIDE (1 << 16)

int hr_sw_depth_from_csv(const char *path, double **depth, int *nx, int *ny)
{
    if (!depth || !nx || !ny)
        return HR_ERROR(HR_EINVAL, "sw_depth_from_csv: an output pointer is NULL");
    *depth = NULL;
    *nx = *ny = 0;
    if (!path)
        return HR_ERROR(HR_EINVAL, "sw_depth_from_csv: path is NULL");
    FILE *f = fopen(path, "r");
    if (!f)
        return HR_ERROR(HR_EIO, "%s: cannot open the depth grid: %s", path, strerror(errno));

    char *line = NULL;
    size_t cap = 0, n = 0, ncap = 0;
    double *H = NULL;
    int cols = -1, rows = 0, first_line = 0;
    long lineno = 0;
    int st = HR_OK;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        const char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if (rows >= CSV_MAX_SIDE) {
            st = HR_ERROR(HR_ERANGE, "%s:%ld: more than %d rows (the most a grid may have)",
                          path, lineno, CSV_MAX_SIDE);
            break;
        }
        int c = 0;
        for (;;) {
            while (*p == ' ' || *p == '\t')
                p++;
            errno = 0;
            char *end;
            double v = strtod(p, &end);
            if (end == p) {
                char field[24];
                size_t k = 0;
                while (p[k] && p[k] != ',' && p[k] != '\n' && p[k] != '\r' && k < 20) {
                    field[k] = p[k];
                    k++;
                }
                field[k] = '\0';
                st = HR_ERROR(HR_EPARSE, "%s:%ld: column %d: '%s' is not a number (expected a "
                              "depth in m)", path, lineno, c + 1, field);
                break;
            }
            if (!isfinite(v) || errno == ERANGE) {
                st = HR_ERROR(HR_EPARSE, "%s:%ld: column %d: %.*s is not a finite number", path,
                              lineno, c + 1, (int)(end - p), p);
                break;
            }
            if (v <= 0) {
                st = HR_ERROR(HR_ERANGE, "%s:%ld: column %d: depth %g m <= 0 is dry (dry cells "
                              "are not supported: every depth must be > 0)", path, lineno,
                              c + 1, v);
                break;
            }
            if (c >= CSV_MAX_SIDE) {
                st = HR_ERROR(HR_ERANGE, "%s:%ld: more than %d columns", path, lineno,
                              CSV_MAX_SIDE);
                break;
            }
            if (n == ncap) {
                size_t nc = ncap ? 2 * ncap : 1024;
                double *q = realloc(H, nc * sizeof *q);
                if (!q) {
                    st = HR_ERROR(HR_ENOMEM, "%s:%ld: out of memory", path, lineno);
                    break;
                }
                H = q;
                ncap = nc;
            }
            H[n++] = v;
            c++;
            p = end;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\0' || *p == '\n' || *p == '\r')
                break;
            st = HR_ERROR(HR_EPARSE, "%s:%ld: column %d: unexpected '%c' after a value "
                          "(expected ',' or the end of the line)", path, lineno, c, *p);
            break;
        }
        if (st)
            break;
        if (cols < 0) {
            cols = c;
            first_line = (int)lineno;
        } else if (c != cols) {
            st = HR_ERROR(HR_EPARSE, "%s:%ld: %d values, but the first row (line %d) has %d "
                          "(every row must have the same count)", path, lineno, c, first_line,
                          cols);
            break;
        }
        rows++;
    }
    if (!st && ferror(f))
        st = HR_ERROR(HR_EIO, "%s:%ld: read error", path, lineno);
    if (!st && rows == 0)
        st = HR_ERROR(HR_EPARSE, "%s: no data rows (expected ny lines of nx comma-separated "
                      "depths)", path);
    free(line);
    fclose(f);
    if (st) {
        free(H);
        return st;
    }
    *depth = H;
    *nx = cols;
    *ny = rows;
    return HR_OK;
}
