/* substrate.c — the registry of substrate types and the thin call wrappers
 * (the one place every substrate call passes, where tests inject faults). */
#include "reservoir/substrate.h"
#include "interface/status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const hr_substrate_type *const types[] = {
    &hr_substrate_kdv,
    &hr_substrate_tank,
};

static const int ntypes = (int)(sizeof types / sizeof types[0]);

const hr_substrate_type *hr_substrate_lookup(const char *name, char *names, size_t size)
{
    if (names && size) {
        names[0] = '\0';
        size_t used = 0;
        for (int i = 0; i < ntypes && used + 1 < size; i++) {
            int w = snprintf(names + used, size - used, "%s%s", i ? ", " : "", types[i]->name);
            if (w > 0)
                used += (size_t)w;
        }
    }
    for (int i = 0; i < ntypes; i++)
        if (strcmp(types[i]->name, name) == 0)
            return types[i];
    return NULL;
}

int hr_traces_nt(double t_end, double dt)
{
    return (int)floor(t_end / dt + 1e-9) + 1;
}

int hr_substrate_open(hr_substrate **out, const hr_section *settings)
{
    *out = NULL;
    char names[256];
    const hr_substrate_type *t = hr_substrate_lookup(settings->kind, names, sizeof names);
    if (!t)
        return HR_ERROR(HR_EINVAL, "unknown substrate kind '%s' (allowed: %s)", settings->kind,
                        names);
    if (t->version < 1 || t->version > HR_SUBSTRATE_VERSION)
        return HR_ERROR(HR_ENOTSUP, "substrate '%s' has interface version %d (allowed: 1 .. %d)",
                        t->name, t->version, HR_SUBSTRATE_VERSION);
    hr_substrate *s = calloc(1, sizeof *s);
    if (!s)
        return HR_ERROR(HR_ENOMEM, "out of memory opening substrate '%s'", t->name);
    s->type = t;
    s->state = calloc(1, t->state_size ? t->state_size : 1);
    if (!s->state) {
        free(s);
        return HR_ERROR(HR_ENOMEM, "out of memory opening substrate '%s'", t->name);
    }
    int st = t->open(s->state, settings);
    if (st) {
        t->close(s->state);
        free(s->state);
        free(s);
        return st;
    }
    *out = s;
    return HR_OK;
}

int hr_substrate_probes(const hr_substrate *s, int *nprobes, double *dt)
{
    return s->type->probes(s->state, nprobes, dt);
}

int hr_substrate_run(hr_substrate *s, const hr_stimulus *stim, hr_traces *traces)
{
    memset(traces, 0, sizeof *traces);
    int np;
    double dt;
    int st = hr_substrate_probes(s, &np, &dt);
    if (st)
        return st;
    if (!(stim->t_end > 0) || !isfinite(stim->t_end))
        return HR_ERROR(HR_EINVAL, "stimulus end time %g must be > 0", stim->t_end);
    int nt = hr_traces_nt(stim->t_end, dt);
    traces->data = malloc((size_t)np * (size_t)nt * sizeof *traces->data);
    if (!traces->data)
        return HR_ERROR(HR_ENOMEM, "out of memory for %d x %d traces", np, nt);
    traces->nprobes = np;
    traces->nt = nt;
    traces->dt = dt;
    st = s->type->run(s->state, stim, traces);
    if (st) {
        free(traces->data);
        traces->data = NULL;
    }
    return st;
}

void hr_substrate_close(hr_substrate *s)
{
    if (!s)
        return;
    s->type->close(s->state);
    free(s->state);
    free(s);
}

int hr_substrate_snapshot(const hr_substrate *s, double **field, int *nx, int *ny)
{
    *field = NULL;
    if (!s->type->snapshot)
        return HR_ERROR(HR_ENOTSUP, "substrate '%s' has no surface field to snapshot", s->type->name);
    int st = s->type->snapshot(s->state, NULL, nx, ny);
    if (st)
        return st;
    *field = malloc((size_t)*nx * (size_t)*ny * sizeof **field);
    if (!*field)
        return HR_ERROR(HR_ENOMEM, "out of memory for a %d x %d snapshot", *nx, *ny);
    st = s->type->snapshot(s->state, *field, nx, ny);
    if (st) {
        free(*field);
        *field = NULL;
    }
    return st;
}
