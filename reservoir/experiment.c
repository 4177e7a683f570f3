/* experiment.c — experiments as data: sections, genes, overrides, checks. */
#include "reservoir/experiment.h"
#include "base/status.h"
#include "reservoir/encoder.h"
#include "reservoir/readout.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hr_sections[HR_NSECTIONS] = {
    "substrate", "encoder", "readout", "task", "fitness", "evolve", "output",
};

/* ---- Settings tables of the sections owned here ---- */



static const hr_param_spec output_params[] = {
    HR_INT("traces", 1, 0, 1, "1: write traces.csv"),
    HR_INT("snapshots", 1, 0, 1, "simulate, tank: 1 = write the surface at the end of every run (snapshot_runK.csv)"),
    HR_PARAMS_END,
};


/* The registry class behind a pluggable section, or -1. */
static int section_class(int id)
{
    switch (id) {
    case HR_SEC_SUBSTRATE:
        return HR_CLASS_SUBSTRATE;
    case HR_SEC_ENCODER:
        return HR_CLASS_ENCODER;
    case HR_SEC_TASK:
        return HR_CLASS_TASK;
    case HR_SEC_FITNESS:
        return HR_CLASS_FITNESS;
    case HR_SEC_EVOLVE:
        return HR_CLASS_OPTIMIZER;
    default:
        return -1;
    }
}

const hr_param_spec *hr_experiment_spec(int id, const char *kind, char *kinds, size_t size)
{
    int cls = section_class(id);
    if (cls >= 0) {
        if (kinds && size)
            hr_kind_names((enum hr_class)cls, kinds, size);
        const hr_kind *k = hr_kind_find((enum hr_class)cls, kind);
        return k ? k->params : NULL;
    }
    const char *list = "";
    const hr_param_spec *spec = NULL;
    switch (id) {
    case HR_SEC_READOUT:
        list = "default";
        spec = hr_readout_params;
        break;
    case HR_SEC_OUTPUT:
        list = "default";
        spec = output_params;
        break;
    default:
        return NULL;
    }
    if (kinds && size) {
        snprintf(kinds, size, "%s", list);
        for (char *c = kinds; *c; c++)
            if (*c == '|')
                *c = ',';
    }
    return hr_choice_index(list, kind) >= 0 ? spec : NULL;
}

hr_experiment *hr_experiment_create(void)
{
    hr_experiment *e = calloc(1, sizeof *e);
    if (e)
        snprintf(e->name, sizeof e->name, "experiment");
    return e;
}

void hr_experiment_destroy(hr_experiment *e)
{
    if (!e)
        return;
    for (int i = 0; i < HR_NSECTIONS; i++)
        hr_section_destroy(e->sec[i]);
    free(e);
}

hr_experiment *hr_experiment_clone(const hr_experiment *src)
{
    hr_experiment *e = malloc(sizeof *e);
    if (!e)
        return NULL;
    memcpy(e, src, sizeof *e);
    for (int i = 0; i < HR_NSECTIONS; i++)
        e->sec[i] = NULL; /* none of src's: a failure below frees only our own */
    for (int i = 0; i < HR_NSECTIONS; i++) {
        if (src->sec[i] && !(e->sec[i] = hr_section_clone(src->sec[i]))) {
            hr_experiment_destroy(e);
            return NULL;
        }
    }
    return e;
}

int hr_experiment_add_section(hr_experiment *e, int id, const char *kind)
{
    char kinds[512];
    const hr_param_spec *spec = hr_experiment_spec(id, kind, kinds, sizeof kinds);
    if (!spec)
        return HR_ERROR(HR_EINVAL, "unknown %s kind '%s' (allowed: %s)", hr_sections[id], kind,
                        kinds);
    hr_section *s = hr_section_create(hr_sections[id], kind, spec);
    if (!s)
        return HR_ERROR(HR_ENOMEM, "out of memory for section %s", hr_sections[id]);
    hr_section_destroy(e->sec[id]);
    e->sec[id] = s;
    return HR_OK;
}

/* Splits "section.setting" into a section id and the setting name. */
static int split_target(const hr_experiment *e, const char *target, int *id, const char **setting)
{
    const char *dot = strchr(target, '.');
    if (dot) {
        for (int i = 0; i < HR_NSECTIONS; i++)
            if (strlen(hr_sections[i]) == (size_t)(dot - target) &&
                strncmp(target, hr_sections[i], (size_t)(dot - target)) == 0) {
                if (!e->sec[i])
                    return HR_ERROR(HR_EINVAL, "'%s' names section <%s>, which this experiment "
                                    "does not have", target, hr_sections[i]);
                *id = i;
                *setting = dot + 1;
                return HR_OK;
            }
    }
    return HR_ERROR(HR_EINVAL, "'%s' is not of the form section.setting (allowed sections: "
                    "substrate, encoder, readout, task, fitness, evolve, output)", target);
}

int hr_experiment_add_gene(hr_experiment *e, const char *name, const char *target, double lo,
                           double hi, double value, int line)
{
    if (e->ngenes >= HR_MAX_GENES)
        return HR_ERROR(HR_ERANGE, "gene '%s': too many genes (allowed: at most %d)", name,
                        HR_MAX_GENES);
    size_t nl = strlen(name);
    if (nl == 0 || nl >= sizeof e->genes[0].name)
        return HR_ERROR(HR_EINVAL, "gene name '%s' must have 1 to %zu characters", name,
                        sizeof e->genes[0].name - 1);
    for (size_t i = 0; i < nl; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return HR_ERROR(HR_EINVAL, "gene name '%s' has a '%c' (allowed: letters, digits, _)",
                            name, name[i]);
    for (int i = 0; i < e->ngenes; i++)
        if (strcmp(e->genes[i].name, name) == 0)
            return HR_ERROR(HR_EINVAL, "gene '%s' is declared twice (allowed: unique names)", name);
    if (!(lo <= hi) || !isfinite(lo) || !isfinite(hi))
        return HR_ERROR(HR_ERANGE, "gene '%s': lo = %g, hi = %g (allowed: finite, lo <= hi)", name,
                        lo, hi);
    if (!isnan(value) && !(value >= 0 && value <= 1))
        return HR_ERROR(HR_ERANGE, "gene '%s': value = %g is out of range (allowed: 0 .. 1)", name,
                        value);
    hr_gene *g = &e->genes[e->ngenes];
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    snprintf(g->target, sizeof g->target, "%s", target);
    g->lo = lo;
    g->hi = hi;
    g->value = value;
    g->line = line;
    g->section = -1;
    g->spec_index = -1;
    if (strcmp(target, "none") != 0) {
        const char *setting;
        int st = split_target(e, target, &g->section, &setting);
        if (st)
            return hr_error_prefix(st, "gene '%s'", name);
        if (strlen(setting) >= sizeof g->setting)
            return HR_ERROR(HR_EINVAL, "gene '%s': target '%s' is too long", name, target);
        snprintf(g->setting, sizeof g->setting, "%s", setting);
        hr_section *s = e->sec[g->section];
        int si, k;
        st = hr_section_slot(s, setting, &si, &k);
        if (st)
            return hr_error_prefix(st, "gene '%s'", name);
        g->spec_index = si;
        g->elem = k;
        const hr_param_spec *p = &s->spec[si];
        if (lo < p->lo || hi > p->hi)
            return HR_ERROR(HR_ERANGE, "gene '%s': range %g .. %g goes outside %s (allowed: "
                            "%.10g .. %.10g)", name, lo, hi, target, p->lo, p->hi);
        if (p->type == HR_PARAM_LIST && k >= s->len[si])
            return s->len[si] == 0
                       ? HR_ERROR(HR_ERANGE, "gene '%s': %s is an element of %s.%s, which is "
                                  "empty (a gene sets an element, it does not add one)", name,
                                  target, s->name, p->name)
                       : HR_ERROR(HR_ERANGE, "gene '%s': %s.%s has %d elements, so %s does not "
                                  "exist (allowed: %s0 .. %s%d; a gene sets an element, it does "
                                  "not add one)", name, s->name, p->name, s->len[si], target,
                                  p->name, p->name, s->len[si] - 1);
        for (int j = 0; j < e->ngenes; j++)
            if (e->genes[j].section == g->section && e->genes[j].spec_index == si &&
                e->genes[j].elem == k)
                return HR_ERROR(HR_EINVAL, "gene '%s': %s is already the target of gene '%s' "
                                "(allowed: one gene per setting)", name, target,
                                e->genes[j].name);
        if (p->type == HR_PARAM_INT)
            return HR_ERROR(HR_EINVAL, "gene '%s': %s is an integer setting (allowed: real-valued "
                            "settings)", name, target);
    }
    e->ngenes++;
    return HR_OK;
}

int hr_experiment_apply_genes(hr_experiment *e)
{
    for (int i = 0; i < e->ngenes; i++) {
        const hr_gene *g = &e->genes[i];
        if (g->section < 0 || isnan(g->value))
            continue;
        double v = g->lo + (g->hi - g->lo) * g->value;
        if (v > g->hi) /* round-off at g = 1 */
            v = g->hi;
        char where[64];
        snprintf(where, sizeof where, "gene '%s'", g->name);
        int st = hr_section_set_number(e->sec[g->section], g->setting, v, where);
        if (st)
            return st;
    }
    return HR_OK;
}

int hr_experiment_set_genome(hr_experiment *e, const double *genome, int n)
{
    if (n != e->ngenes)
        return HR_ERROR(HR_EINVAL, "the genome has %d values but the experiment declares %d genes "
                        "(allowed: exactly %d)", n, e->ngenes, e->ngenes);
    for (int i = 0; i < n; i++) {
        if (!(genome[i] >= 0 && genome[i] <= 1))
            return HR_ERROR(HR_ERANGE, "genome value %d (gene '%s') = %g is out of range "
                            "(allowed: 0 .. 1)", i + 1, e->genes[i].name, genome[i]);
        e->genes[i].value = genome[i];
    }
    return hr_experiment_apply_genes(e);
}

int hr_experiment_set(hr_experiment *e, const char *name, const char *value)
{
    for (int i = 0; i < e->ngenes; i++)
        if (strcmp(e->genes[i].name, name) == 0) {
            char *end;
            double g = strtod(value, &end);
            if (end == value || *end != '\0' || !(g >= 0 && g <= 1))
                return HR_ERROR(HR_ERANGE, "--set %s=%s: a gene value (allowed: 0 .. 1)", name,
                                value);
            e->genes[i].value = g;
            return hr_experiment_apply_genes(e);
        }
    int id;
    const char *setting;
    int st = split_target(e, name, &id, &setting);
    if (st)
        return hr_error_prefix(st, "--set %s: neither a gene nor a setting", name);
    char where[128];
    snprintf(where, sizeof where, "--set %s", name);
    if (strcmp(setting, "kind") == 0) {
        /* A section's kind can change when its settings table stays the same
         * (ga <-> map-elites, the encoder kinds, the fitness kinds). */
        char kinds[512];
        hr_section *sec = e->sec[id];
        const hr_param_spec *spec = hr_experiment_spec(id, value, kinds, sizeof kinds);
        if (!spec)
            return HR_ERROR(HR_EINVAL, "%s: '%s' is not a %s kind (allowed: %s)", where, value,
                            hr_sections[id], kinds);
        if (spec != sec->spec)
            return HR_ERROR(HR_EINVAL, "%s: kind '%s' has other settings than '%s' (allowed: "
                            "change it in the experiment file)", where, value, sec->kind);
        snprintf(sec->kind, sizeof sec->kind, "%s", value);
        return HR_OK;
    }
    /* A gene that targets this setting would silently overwrite it. */
    for (int i = 0; i < e->ngenes; i++)
        if (e->genes[i].section == id && strcmp(e->genes[i].setting, setting) == 0 &&
            !isnan(e->genes[i].value))
            return HR_ERROR(HR_EINVAL, "--set %s: gene '%s' sets this target (allowed: --set %s=G "
                            "with G in 0 .. 1)", name, e->genes[i].name, e->genes[i].name);
    return hr_section_set_text(e->sec[id], setting, value, where, 0);
}

int hr_experiment_complete(hr_experiment *e)
{
    static const struct {
        int id;
        const char *kind;
    } defaults[] = {{HR_SEC_FITNESS, "logdet"}, {HR_SEC_EVOLVE, "map-elites"},
                    {HR_SEC_OUTPUT, "default"}};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        if (e->sec[defaults[i].id])
            continue;
        int st = hr_experiment_add_section(e, defaults[i].id, defaults[i].kind);
        if (st)
            return st;
    }
    return HR_OK;
}

int hr_experiment_check(const hr_experiment *e)
{
    static const int required[] = {HR_SEC_SUBSTRATE, HR_SEC_ENCODER, HR_SEC_TASK};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!e->sec[required[i]])
            return HR_ERROR(HR_EINVAL, "the experiment has no <%s> (allowed: substrate, encoder "
                            "and task are required)", hr_sections[required[i]]);
    const hr_section *ro = e->sec[HR_SEC_READOUT];
    if (ro) {
        int nt;
        hr_section_list(ro, "t", &nt);
        if (nt == 0)
            return HR_ERROR(HR_EINVAL, "readout.t is empty (allowed: 1 .. %d readout times)",
                            HR_PARAM_MAXLIST);
    } else {
        return HR_ERROR(HR_EINVAL, "the experiment has no <readout> (allowed: a readout with at "
                        "least one time <t>)");
    }
    return HR_OK;
}
