/* output.c — what the evolution engine writes for people: the archive or
 * population as CSV, the one-line progress display, and generations.csv. */
#include "evolve/evolve.h"
#include "evolve/evolve_internal.h"
#include "base/status.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void hr__evo_csv_gene_header(FILE *f, const hr_evo *evo, const char *const *gene_names)
{
    for (int i = 0; i < evo->cfg.ngenes; i++) {
        if (gene_names && gene_names[i])
            fprintf(f, ",%s", gene_names[i]);
        else
            fprintf(f, ",gene_%d", i);
    }
}

void hr__evo_csv_values(FILE *f, const double *v, int n)
{
    for (int i = 0; i < n; i++)
        fprintf(f, ",%.17g", v[i]);
}

int hr_evo_write_csv(const hr_evo *evo, const char *path, const char *const *gene_names)
{
    if (!evo || !path)
        return HR_ERROR(HR_EINVAL, "hr_evo_write_csv: evo and path must not be NULL");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return HR_ERROR(HR_ENOMEM, "CSV '%s': out of memory", path);
    const hr_evo_config *c = &evo->cfg;
    int n = c->ngenes, nd = c->ndesc, s = HR_OK;
    double *g = malloc((size_t)(n + nd + 1) * sizeof(double));
    int *bin = malloc((size_t)(nd + 1) * sizeof(int));
    long *order = NULL;
    if (!g || !bin) {
        s = HR_ERROR(HR_ENOMEM, "CSV '%s': out of memory", path);
        goto out;
    }
    double *d = g + n;
    if (evo->ops->write_csv) {
        s = evo->ops->write_csv(evo, f, gene_names);
    } else {
        fprintf(f, "rank,index,fitness");
        for (int k = 0; k < nd; k++)
            fprintf(f, ",desc_%d", k);
        hr__evo_csv_gene_header(f, evo, gene_names);
        fprintf(f, "\n");
        long size = hr_evo_size(evo);
        double *fit = malloc((size_t)(size > 0 ? size : 1) * sizeof(double));
        order = malloc((size_t)(size > 0 ? size : 1) * sizeof(long));
        if (!fit || !order) {
            free(fit);
            s = HR_ERROR(HR_ENOMEM, "CSV '%s': out of memory", path);
            goto out;
        }
        for (long i = 0; i < size; i++)
            hr_evo_individual(evo, i, NULL, &fit[i], NULL, NULL);
        s = hr__evo_rank(fit, size, order);
        free(fit);
        if (s)
            goto out;
        for (long r = 0; r < size; r++) {
            double fi;
            hr_evo_individual(evo, order[r], g, &fi, d, NULL);
            fprintf(f, "%ld,%ld,%.17g", r, order[r], fi);
            hr__evo_csv_values(f, d, nd);
            hr__evo_csv_values(f, g, n);
            fprintf(f, "\n");
        }
    }
out:
    free(g);
    free(bin);
    free(order);
    if (fclose(f) != 0 && !s)
        s = HR_ERROR(HR_ENOMEM, "CSV '%s': out of memory", path);
    if (!s)
        s = hr_write_atomic(path, text, len, "CSV");
    free(text);
    return s;
}

/* Writes seconds as H:MM:SS (or "--:--" when unknown). */
static void format_hms(char *buf, size_t size, double seconds)
{
    if (!(seconds >= 0) || seconds > 1e9) {
        snprintf(buf, size, "--:--");
        return;
    }
    long t = (long)(seconds + 0.5);
    int h = (int)(t / 3600), m = (int)(t / 60 % 60), s = (int)(t % 60);
    snprintf(buf, size, "%d:%02d:%02d", h, m, s);
}

int hr_evo_progress_format(const hr_evo_progress *p, char *buf, size_t size)
{
    char gens[48], evals[48], fill[32], el[24], eta[24];
    if (p->max_generations > 0)
        snprintf(gens, sizeof gens, "%ld/%ld", p->generations, p->max_generations);
    else
        snprintf(gens, sizeof gens, "%ld", p->generations);
    if (p->max_evaluations > 0)
        snprintf(evals, sizeof evals, "%ld/%ld", p->evaluations, p->max_evaluations);
    else
        snprintf(evals, sizeof evals, "%ld", p->evaluations);
    const hr_optimizer_type *t = hr__evo_type_of(p->kind);
    if (t && t->write_csv) /* an archive with cells to fill */
        snprintf(fill, sizeof fill, "  fill %.1f%%", 100.0 * p->coverage);
    else
        fill[0] = '\0';
    format_hms(el, sizeof el, p->elapsed);
    format_hms(eta, sizeof eta, p->eta);
    return snprintf(buf, size,
                    "%s %s  evals %s  best %.4g  mean %.4g  worst %.4g%s  %.1f ev/s  %s  "
                    "ETA %s",
                    t ? t->unit : "gen", gens, evals, p->best,
                    p->mean, p->worst, fill, p->evals_per_s, el, eta);
}

static const char csv_header[] = "generation,evaluations,failures,best,mean,worst,best_ever,"
                                 "filled,coverage,qd_score,elapsed_s,evals_per_s";

const char *hr_evo_csv_header(void) { return csv_header; }

/* Keeps from text[0..len) the header line and the complete rows whose first
 * field is a generation < keep_below, into *kept (malloc'd). */
static int filter_rows(const char *path, const char *text, size_t len, long keep_below,
                       char **kept, size_t *kept_len)
{
    size_t hl = strlen(csv_header);
    if (len < hl + 1 || memcmp(text, csv_header, hl) != 0 || text[hl] != '\n')
        return HR_ERROR(HR_EPARSE,
                        "'%s' does not start with the generations header \"%s\"; move it "
                        "away or start a new run",
                        path, csv_header);
    char *out = malloc(len + 1);
    if (!out)
        return HR_ERROR(HR_ENOMEM, "'%s': out of memory", path);
    memcpy(out, text, hl + 1);
    size_t o = hl + 1, i = hl + 1;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        if (!nl)
            break; /* a torn last line */
        size_t end = (size_t)(nl - text) + 1;
        char *stop;
        errno = 0;
        long g = strtol(text + i, &stop, 10);
        if (stop == text + i || *stop != ',' || errno || g >= keep_below)
            break;
        memcpy(out + o, text + i, end - i);
        o += end - i;
        i = end;
    }
    *kept = out;
    *kept_len = o;
    return HR_OK;
}

int hr_evo_csv_open(const char *path, long keep_below, FILE **out)
{
    if (!out || !path)
        return HR_ERROR(HR_EINVAL, "hr_evo_csv_open: path and out must not be NULL");
    *out = NULL;
    FILE *old = keep_below >= 0 ? fopen(path, "rb") : NULL;
    if (!old && keep_below >= 0 && errno != ENOENT)
        return HR_ERROR(HR_EIO, "cannot open '%s': %s", path, strerror(errno));
    char *text = NULL, *kept = NULL;
    size_t len = 0, kept_len = 0;
    int s = HR_OK;
    if (old) {
        FILE *mem = open_memstream(&text, &len);
        if (!mem) {
            fclose(old);
            return HR_ERROR(HR_ENOMEM, "'%s': out of memory", path);
        }
        char chunk[8192];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, old)) > 0)
            fwrite(chunk, 1, got, mem);
        int err = ferror(old);
        fclose(old);
        if (fclose(mem) != 0 || err) {
            free(text);
            return HR_ERROR(HR_EIO, "cannot read '%s'", path);
        }
        s = filter_rows(path, text, len, keep_below, &kept, &kept_len);
        free(text);
    } else {
        kept_len = strlen(csv_header) + 1;
        kept = malloc(kept_len + 1);
        if (!kept)
            return HR_ERROR(HR_ENOMEM, "'%s': out of memory", path);
        snprintf(kept, kept_len + 1, "%s\n", csv_header);
    }
    if (!s)
        s = hr_write_atomic(path, kept, kept_len, "generations CSV");
    free(kept);
    if (s)
        return s;
    FILE *f = fopen(path, "ab");
    if (!f)
        return HR_ERROR(HR_EIO, "cannot open '%s' for appending: %s", path, strerror(errno));
    *out = f;
    return HR_OK;
}

int hr_evo_csv_row(FILE *f, const hr_evo_progress *p)
{
    int rc = fprintf(f, "%ld,%ld,%ld,%.17g,%.17g,%.17g,%.17g,%ld,%.17g,%.17g,%.3f,%.6g\n",
                     p->generation, p->evaluations, p->failures, p->best, p->mean, p->worst,
                     p->best_ever, p->filled, p->coverage, p->qd_score, p->elapsed_total,
                     p->evals_per_s);
    if (rc < 0 || fflush(f) != 0)
        return HR_ERROR(HR_EIO, "cannot append to the generations CSV: %s", strerror(errno));
    return HR_OK;
}
