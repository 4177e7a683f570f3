/* substrate.c — the registry of substrate types and the thin call wrappers
 * (the one place every substrate call passes, where tests inject faults). */
#include "reservoir/substrate.h"
#include "base/status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long hr__substrate_fault_countdown = 0;
int hr__substrate_fault_status = HR_ENOMEM;

/* True when the fault countdown reaches this call. */
static int fault_now(void)
{
    if (hr__substrate_fault_countdown <= 0)
        return 0;
    return --hr__substrate_fault_countdown == 0;
}

int hr_substrate_register(const hr_substrate_type *t)
{
    if (!t || t->base.cls != HR_CLASS_SUBSTRATE)
        return HR_ERROR(HR_EINVAL, "hr_substrate_register: not a substrate table");
    if (t->base.version < 1 || t->base.version > HR_SUBSTRATE_VERSION)
        return HR_ERROR(HR_ENOTSUP, "substrate '%s' has interface version %d (allowed: 1 .. %d)",
                        t->base.name ? t->base.name : "?", t->base.version, HR_SUBSTRATE_VERSION);
    if (!t->open || !t->probes || !t->run || !t->close || !t->base.params || !t->example)
        return HR_ERROR(HR_EINVAL, "substrate '%s' lacks open, probes, run, close, its "
                        "settings table or its example settings", t->base.name ? t->base.name : "?");
    return hr_kind_register(&t->base);
}

const hr_substrate_type *hr_substrate_lookup(const char *name, char *names, size_t size)
{
    if (names && size)
        hr_kind_names(HR_CLASS_SUBSTRATE, names, size);
    return (const hr_substrate_type *)hr_kind_find(HR_CLASS_SUBSTRATE, name);
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
    if (fault_now())
        return HR_ERROR(hr__substrate_fault_status, "injected fault opening substrate '%s'",
                        t->base.name);
    hr_substrate *s = calloc(1, sizeof *s);
    if (!s)
        return HR_ERROR(HR_ENOMEM, "out of memory opening substrate '%s'", t->base.name);
    s->type = t;
    s->state = calloc(1, t->state_size ? t->state_size : 1);
    if (!s->state) {
        free(s);
        return HR_ERROR(HR_ENOMEM, "out of memory opening substrate '%s'", t->base.name);
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
    if (fault_now())
        return HR_ERROR(hr__substrate_fault_status, "injected fault running substrate '%s'",
                        s->type->base.name);
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
        return HR_ERROR(HR_ENOTSUP, "substrate '%s' has no surface field to snapshot", s->type->base.name);
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

int hr_substrate_probe_info(const hr_substrate *s, int p, hr_probe_info *info)
{
    int np;
    double dt;
    int st = hr_substrate_probes(s, &np, &dt);
    if (st)
        return st;
    if (p < 0 || p >= np)
        return HR_ERROR(HR_ERANGE, "probe %d of substrate '%s' (allowed: 0 .. %d)", p,
                        s->type->base.name, np - 1);
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "probe%d", p);
    info->x = info->y = NAN;
    snprintf(info->units, sizeof info->units, "1");
    return s->type->probe_info ? s->type->probe_info(s->state, p, info) : HR_OK;
}

unsigned hr_substrate_flags_of(const hr_substrate *s) { return s->type->base.flags; }

int hr_substrate_costs(const hr_substrate *s, hr_costs *out)
{
    out->synaptic_ops = out->messages = out->neuron_updates = NAN;
    out->weight_bytes = out->state_bytes = NAN;
    out->weight_bits = out->state_bits = 0;
    if (!s->type->costs)
        return HR_ERROR(HR_ENOTSUP, "substrate '%s' does not report its costs", s->type->base.name);
    return s->type->costs(s->state, out);
}
