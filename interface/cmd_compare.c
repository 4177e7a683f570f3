/* cmd_compare.c — `hydrores compare`: substrates x tasks through the same
 * pipeline (hr_worker_create / hr_worker_simulate / hr_worker_evaluate), with
 * task scores, ranks, costs (reservoir/substrate.h hr_costs), wall time per
 * substrate step, the Pareto front of score against operations, and sweeps.
 *
 * A compare file:
 *   <compare name="NAME">
 *     <variant label="esn100" config="esn.xml"> ...sections... <set name="N" value="V"/> </variant>
 *     <task label="narma10"> <task kind="narma10">...</task> <fitness .../> <set .../> </task>
 *     <experiment name="...">...</experiment>          (a complete cell, run as it is)
 *     <sweep name="substrate.bits" values="0 8 4"/>
 *   </compare>
 * A variant's sections come from its config file (relative to the compare
 * file; its genes, evolve and task sections left out), then its own child
 * sections replace those of the same name; a task block's sections replace
 * the variant's again. Every variant meets every task. Files whose root is
 * <experiment> are cells too. Sets apply in the order variant, task, --set;
 * a --set or sweep applies to the cells that have the setting (error if
 * none has it); sweeps multiply the cells (the cartesian product of all
 * sweeps). */
#include "base/clock.h"
#include "base/status.h"
#include "interface/cli.h"
#include "interface/config.h"
#include "interface/npy.h"
#include "interface/outdir.h"
#include "reservoir/experiment.h"
#include "reservoir/pipeline.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SWEEPS 8
#define MAX_VALUES 64
#define MAX_SETS 256

typedef struct sweep {
    char name[128];                /* section.setting */
    int nvalues;
    char values[MAX_VALUES][64];   /* as text */
} sweep;

typedef struct cell {
    char label[160];      /* unique name (file names, CSV) */
    char variant[64];     /* variant label */
    char task[64];        /* task label */
    char sweep[256];      /* "substrate.bits=8 ..." ("" without sweeps) */
    int whole;            /* a complete experiment: its label is its name */
    hr_experiment *e;     /* the resolved experiment (owned) */
    /* Results. */
    int status;           /* HR_OK or the failure */
    char err[600];        /* message of a failure */
    char kind[32];        /* substrate kind */
    char score_name[16];
    double score, score_train, kernel_rank, gen_rank;
    double steps, seconds, sim_seconds; /* substrate steps, evaluation and simulation time */
    hr_costs costs;       /* NaN fields if the kind does not report them */
    int pareto;           /* on the front of its task */
} cell;

typedef struct plan {
    cell *cells;
    int ncells, cap;
    sweep sweeps[MAX_SWEEPS];
    int nsweeps;
    const char *sets[MAX_SETS];
    int nsets;
    char name[64];
} plan;

static int sane_label(const char *s)
{
    if (!*s || strlen(s) >= 48)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

static cell *add_cell(plan *p)
{
    if (p->ncells == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        cell *c = realloc(p->cells, (size_t)cap * sizeof *c);
        if (!c)
            return NULL;
        p->cells = c;
        p->cap = cap;
    }
    cell *c = &p->cells[p->ncells++];
    memset(c, 0, sizeof *c);
    return c;
}

/* ---- Reading compare files ---- */

static int parse_values(const char *text, sweep *s, const char *where)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", text);
    s->nvalues = 0;
    for (char *t = strtok(buf, ", \t\n"); t; t = strtok(NULL, ", \t\n")) {
        if (s->nvalues >= MAX_VALUES || strlen(t) >= sizeof s->values[0])
            return HR_ERROR(HR_ERANGE, "%s: sweep %s has too many or too long values (allowed: "
                            "%d values of up to 63 characters)", where, s->name, MAX_VALUES);
        snprintf(s->values[s->nvalues++], sizeof s->values[0], "%s", t);
    }
    if (s->nvalues == 0)
        return HR_ERROR(HR_EINVAL, "%s: sweep %s has no values (allowed: NAME=V1,V2,...)", where,
                        s->name);
    return HR_OK;
}

static int add_sweep(plan *p, const char *spec, const char *where)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof p->sweeps[0].name)
        return HR_ERROR(HR_EINVAL, "%s: sweep '%s' (allowed: section.setting=V1,V2,...)", where,
                        spec);
    if (p->nsweeps >= MAX_SWEEPS)
        return HR_ERROR(HR_ERANGE, "%s: too many sweeps (allowed: %d)", where, MAX_SWEEPS);
    sweep *s = &p->sweeps[p->nsweeps];
    memcpy(s->name, spec, (size_t)(eq - spec));
    s->name[eq - spec] = '\0';
    int st = parse_values(eq + 1, s, where);
    if (!st)
        p->nsweeps++;
    return st;
}

/* One section element kept for a cell. */
typedef struct part {
    const char *name;
    xmlNodePtr node;
} part;

#define MAX_PARTS 16

static void put_part(part *parts, int *n, xmlNodePtr node)
{
    const char *name = (const char *)node->name;
    for (int i = 0; i < *n; i++)
        if (strcmp(parts[i].name, name) == 0) {
            parts[i].node = node;
            return;
        }
    if (*n < MAX_PARTS)
        parts[(*n)++] = (part){name, node};
}

static int is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)n->name, name) == 0);
}

static char *attr(xmlNodePtr n, const char *name)
{
    return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* The <set name value/> children of a block, appended as "name=value". */
static int collect_sets(xmlNodePtr block, char (*out)[256], int *n, int max, const char *where)
{
    for (xmlNodePtr c = block->children; c; c = c->next) {
        if (!is_element(c, "set"))
            continue;
        char *name = attr(c, "name"), *value = attr(c, "value");
        int st = HR_OK;
        if (!name || !value)
            st = HR_ERROR(HR_EINVAL, "%s:%ld: <set> needs name and value attributes", where,
                          xmlGetLineNo(c));
        else if (*n >= max)
            st = HR_ERROR(HR_ERANGE, "%s:%ld: too many <set> (allowed: %d)", where,
                          xmlGetLineNo(c), max);
        else
            snprintf(out[(*n)++], 256, "%s=%s", name, value);
        xmlFree(name);
        xmlFree(value);
        if (st)
            return st;
    }
    return HR_OK;
}

/* The folder of path (for config= attributes), with a trailing slash. */
static void dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, size, "%s", "");
    else
        snprintf(dir, size, "%.*s/", (int)(slash - path + 1) - 1, path);
}

/* Applies "name=value" to e. */
static int apply_set(hr_experiment *e, const char *nv, const char *where)
{
    char name[128];
    const char *eq = strchr(nv, '=');
    if (!eq || eq == nv || (size_t)(eq - nv) >= sizeof name)
        return HR_ERROR(HR_EINVAL, "%s: '%s' (allowed: NAME=VALUE)", where, nv);
    memcpy(name, nv, (size_t)(eq - nv));
    name[eq - nv] = '\0';
    int st = hr_experiment_set(e, name, eq + 1);
    return st ? hr_error_prefix(st, "%s", where) : HR_OK;
}

/* Builds and loads the experiment of one variant x task cell. */
static int make_cell(plan *p, const char *file, xmlNodePtr variant, xmlDocPtr vdoc,
                     xmlNodePtr task, const char *vlabel, const char *tlabel)
{
    part parts[MAX_PARTS];
    int np = 0;
    if (vdoc)
        for (xmlNodePtr c = xmlDocGetRootElement(vdoc)->children; c; c = c->next)
            if (is_element(c, NULL) && strcmp((const char *)c->name, "genes") != 0 &&
                strcmp((const char *)c->name, "evolve") != 0 &&
                strcmp((const char *)c->name, "task") != 0)
                put_part(parts, &np, c);
    for (xmlNodePtr c = variant->children; c; c = c->next)
        if (is_element(c, NULL) && !is_element(c, "set"))
            put_part(parts, &np, c);
    for (xmlNodePtr c = task->children; c; c = c->next)
        if (is_element(c, NULL) && !is_element(c, "set"))
            put_part(parts, &np, c);
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    char head[256];
    snprintf(head, sizeof head, "<?xml version=\"1.0\"?>\n<experiment name=\"%s-%s\">\n", vlabel,
             tlabel);
    xmlBufferCCat(buf, head);
    for (int i = 0; i < np; i++) {
        xmlNodeDump(buf, parts[i].node->doc, parts[i].node, 0, 0);
        xmlBufferCCat(buf, "\n");
    }
    xmlBufferCCat(buf, "</experiment>\n");
    char where[700];
    snprintf(where, sizeof where, "%s:%ld (variant %s x task %s)", file, xmlGetLineNo(variant),
             vlabel, tlabel);
    hr_experiment *e;
    int st = hr_config_load_memory((const char *)xmlBufferContent(buf),
                                   (size_t)xmlBufferLength(buf), where, &e);
    xmlBufferFree(buf);
    if (st)
        return st;
    char sets[2 * MAX_SETS][256];
    int ns = 0;
    if ((st = collect_sets(variant, sets, &ns, MAX_SETS, file)) ||
        (st = collect_sets(task, sets, &ns, 2 * MAX_SETS, file))) {
        hr_experiment_destroy(e);
        return st;
    }
    for (int i = 0; i < ns && !st; i++)
        st = apply_set(e, sets[i], where);
    cell *c = st ? NULL : add_cell(p);
    if (!st && !c)
        st = HR_ERROR(HR_ENOMEM, "out of memory");
    if (st) {
        hr_experiment_destroy(e);
        return st;
    }
    c->e = e;
    snprintf(c->variant, sizeof c->variant, "%s", vlabel);
    snprintf(c->task, sizeof c->task, "%s", tlabel);
    return HR_OK;
}

/* A label attribute, checked. */
static int label_of(xmlNodePtr n, const char *file, char *out, size_t size, int index)
{
    char *l = attr(n, "label");
    int st = HR_OK;
    if (!l)
        snprintf(out, size, "%s%d", (const char *)n->name, index);
    else if (!sane_label(l))
        st = HR_ERROR(HR_EINVAL, "%s:%ld: label '%s' (allowed: 1 to 47 letters, digits, '-', "
                      "'_', '.')", file, xmlGetLineNo(n), l);
    else
        snprintf(out, size, "%s", l);
    xmlFree(l);
    return st;
}

static int read_compare(plan *p, const char *file, xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char *name = attr(root, "name");
    if (name && !p->name[0])
        snprintf(p->name, sizeof p->name, "%s", name);
    xmlFree(name);
    xmlNodePtr variants[256], tasks[64];
    xmlDocPtr vdocs[256];
    int nv = 0, nt = 0, st = HR_OK;
    char dir[1024];
    dir_of(file, dir, sizeof dir);
    for (xmlNodePtr c = root->children; c && !st; c = c->next) {
        if (!is_element(c, NULL))
            continue;
        if (is_element(c, "variant")) {
            if (nv >= 256) {
                st = HR_ERROR(HR_ERANGE, "%s: too many variants (allowed: 256)", file);
                break;
            }
            variants[nv] = c;
            vdocs[nv] = NULL;
            char *cfg = attr(c, "config");
            if (cfg) {
                char path[2048];
                snprintf(path, sizeof path, "%s%s", cfg[0] == '/' ? "" : dir, cfg);
                vdocs[nv] = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING |
                                                        XML_PARSE_NOERROR);
                if (!vdocs[nv] || !xmlDocGetRootElement(vdocs[nv]) ||
                    strcmp((const char *)xmlDocGetRootElement(vdocs[nv])->name, "experiment")) {
                    st = HR_ERROR(HR_EPARSE, "%s:%ld: config '%s' is not a readable experiment "
                                  "file", file, xmlGetLineNo(c), path);
                    if (vdocs[nv])
                        xmlFreeDoc(vdocs[nv]);
                    vdocs[nv] = NULL;
                }
            }
            xmlFree(cfg);
            nv++;
        } else if (is_element(c, "task")) {
            if (nt >= 64)
                st = HR_ERROR(HR_ERANGE, "%s: too many tasks (allowed: 64)", file);
            else
                tasks[nt++] = c;
        } else if (is_element(c, "sweep")) {
            char *n = attr(c, "name"), *v = attr(c, "values");
            char spec[4300], where[1100];
            snprintf(where, sizeof where, "%s:%ld", file, xmlGetLineNo(c));
            if (!n || !v)
                st = HR_ERROR(HR_EINVAL, "%s: <sweep> needs name and values attributes", where);
            else {
                snprintf(spec, sizeof spec, "%s=%s", n, v);
                st = add_sweep(p, spec, where);
            }
            xmlFree(n);
            xmlFree(v);
        } else if (is_element(c, "experiment")) {
            char *t = attr(c, "task");
            xmlUnsetProp(c, (const xmlChar *)"task");
            xmlBufferPtr buf = xmlBufferCreate();
            xmlBufferCCat(buf, "<?xml version=\"1.0\"?>\n");
            xmlNodeDump(buf, doc, c, 0, 0);
            char where[1100];
            snprintf(where, sizeof where, "%s:%ld", file, xmlGetLineNo(c));
            hr_experiment *e;
            st = hr_config_load_memory((const char *)xmlBufferContent(buf),
                                       (size_t)xmlBufferLength(buf), where, &e);
            xmlBufferFree(buf);
            cell *cl = st ? NULL : add_cell(p);
            if (!st && !cl) {
                hr_experiment_destroy(e);
                st = HR_ERROR(HR_ENOMEM, "out of memory");
            }
            if (!st) {
                cl->e = e;
                cl->whole = 1;
                snprintf(cl->variant, sizeof cl->variant, "%.63s", e->name);
                snprintf(cl->task, sizeof cl->task, "%.63s", t ? t : e->sec[HR_SEC_TASK]->kind);
            }
            xmlFree(t);
        } else {
            st = HR_ERROR(HR_EINVAL, "%s:%ld: unknown element <%s> in <compare> (allowed: "
                          "variant, task, experiment, sweep)", file, xmlGetLineNo(c), c->name);
        }
    }
    if (!st && nv > 0 && nt == 0)
        st = HR_ERROR(HR_EINVAL, "%s: %d variants but no <task> (allowed: at least one task for "
                      "the variants to meet)", file, nv);
    char vl[64], tl[64];
    for (int i = 0; i < nv && !st; i++) {
        if ((st = label_of(variants[i], file, vl, sizeof vl, i)))
            break;
        for (int j = 0; j < nt && !st; j++)
            if (!(st = label_of(tasks[j], file, tl, sizeof tl, j)))
                st = make_cell(p, file, variants[i], vdocs[i], tasks[j], vl, tl);
    }
    for (int i = 0; i < nv; i++)
        if (vdocs[i])
            xmlFreeDoc(vdocs[i]);
    return st;
}

static int read_input(plan *p, const char *file)
{
    xmlDocPtr doc = xmlReadFile(file, NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING |
                                                XML_PARSE_NOERROR);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (doc)
            xmlFreeDoc(doc);
        return HR_ERROR(HR_EPARSE, "%s: not a readable XML file (allowed: a <compare> or an "
                        "<experiment> file)", file);
    }
    const char *root = (const char *)xmlDocGetRootElement(doc)->name;
    int st;
    if (strcmp(root, "compare") == 0) {
        st = read_compare(p, file, doc);
    } else if (strcmp(root, "experiment") == 0) {
        hr_experiment *e;
        st = hr_config_load(file, &e);
        cell *c = st ? NULL : add_cell(p);
        if (!st && !c) {
            hr_experiment_destroy(e);
            st = HR_ERROR(HR_ENOMEM, "out of memory");
        }
        if (c) {
            c->e = e;
            c->whole = 1;
            snprintf(c->variant, sizeof c->variant, "%.63s", e->name);
            snprintf(c->task, sizeof c->task, "%s", e->sec[HR_SEC_TASK]->kind);
        }
    } else {
        st = HR_ERROR(HR_EINVAL, "%s: root element <%s> (allowed: compare, experiment)", file,
                      root);
    }
    xmlFreeDoc(doc);
    return st;
}

/* ---- Sets and sweeps ---- */

/* Whether e has the setting "section.name" (or "section.nameI"). */
static int has_setting(const hr_experiment *e, const char *full)
{
    const char *dot = strchr(full, '.');
    if (!dot)
        return 0;
    for (int i = 0; i < HR_NSECTIONS; i++)
        if (strlen(hr_sections[i]) == (size_t)(dot - full) &&
            strncmp(full, hr_sections[i], (size_t)(dot - full)) == 0) {
            if (!e->sec[i])
                return 0;
            if (hr_section_find(e->sec[i], dot + 1) >= 0 || strcmp(dot + 1, "kind") == 0)
                return 1;
            int si, k;
            int st = hr_section_slot(e->sec[i], dot + 1, &si, &k);
            hr_error_clear();
            return st == HR_OK;
        }
    return 0;
}

static int apply_cli_sets(plan *p)
{
    for (int s = 0; s < p->nsets; s++) {
        char name[128];
        const char *eq = strchr(p->sets[s], '=');
        if (!eq || eq == p->sets[s] || (size_t)(eq - p->sets[s]) >= sizeof name)
            return HR_ERROR(HR_EINVAL, "--set %s: expected NAME=VALUE", p->sets[s]);
        memcpy(name, p->sets[s], (size_t)(eq - p->sets[s]));
        name[eq - p->sets[s]] = '\0';
        int used = 0;
        for (int i = 0; i < p->ncells; i++) {
            int gene = 0;
            for (int g = 0; g < p->cells[i].e->ngenes; g++)
                gene |= strcmp(p->cells[i].e->genes[g].name, name) == 0;
            if (!gene && !has_setting(p->cells[i].e, name))
                continue;
            int st = apply_set(p->cells[i].e, p->sets[s], p->cells[i].variant);
            if (st)
                return st;
            used = 1;
        }
        if (!used)
            return HR_ERROR(HR_EINVAL, "--set %s: no cell has the setting %s", p->sets[s], name);
    }
    return HR_OK;
}

/* Replaces the cells by their sweep products; labels get unique names. */
static int expand_sweeps(plan *p)
{
    for (int s = 0; s < p->nsweeps; s++) {
        const sweep *sw = &p->sweeps[s];
        int used = 0;
        for (int i = 0; i < p->ncells; i++)
            used |= has_setting(p->cells[i].e, sw->name);
        if (!used)
            return HR_ERROR(HR_EINVAL, "sweep %s: no cell has this setting", sw->name);
        plan q;
        memset(&q, 0, sizeof q);
        for (int i = 0; i < p->ncells; i++) {
            cell *c = &p->cells[i];
            if (!has_setting(c->e, sw->name)) {
                cell *d = add_cell(&q);
                if (!d)
                    return HR_ERROR(HR_ENOMEM, "out of memory");
                *d = *c;
                c->e = NULL;
                continue;
            }
            for (int v = 0; v < sw->nvalues; v++) {
                cell *d = add_cell(&q);
                hr_experiment *e = hr_experiment_clone(c->e);
                if (!d || !e) {
                    hr_experiment_destroy(e);
                    return HR_ERROR(HR_ENOMEM, "out of memory");
                }
                *d = *c;
                d->e = e;
                char nv[256];
                snprintf(nv, sizeof nv, "%s=%s", sw->name, sw->values[v]);
                int st = apply_set(e, nv, "sweep");
                if (st)
                    return hr_error_prefix(st, "cell %s-%s", c->variant, c->task);
                size_t len = strlen(d->sweep);
                snprintf(d->sweep + len, sizeof d->sweep - len, "%s%s", len ? " " : "", nv);
            }
            hr_experiment_destroy(c->e);
            c->e = NULL;
        }
        free(p->cells);
        p->cells = q.cells;
        p->ncells = q.ncells;
        p->cap = q.cap;
    }
    for (int i = 0; i < p->ncells; i++) {
        cell *c = &p->cells[i];
        if (c->whole)
            snprintf(c->label, sizeof c->label, "%s", c->variant);
        else
            snprintf(c->label, sizeof c->label, "%s-%s", c->variant, c->task);
        /* "substrate.bits=8 substrate.density=0.1" -> "-bits8-density0.1". */
        char sw[256];
        snprintf(sw, sizeof sw, "%s", c->sweep);
        for (char *t = strtok(sw, " "); t; t = strtok(NULL, " ")) {
            const char *eq = strchr(t, '='), *dot = strchr(t, '.');
            const char *name = dot && dot < eq ? dot + 1 : t;
            size_t len = strlen(c->label);
            snprintf(c->label + len, sizeof c->label - len, "-%.*s%s", (int)(eq - name), name,
                     eq + 1);
        }
    }
    /* Unique labels (a cell listed twice gets a number). */
    for (int i = 0; i < p->ncells; i++)
        for (int j = 0, k = 2; j < i; j++)
            if (strcmp(p->cells[i].label, p->cells[j].label) == 0) {
                size_t len = strlen(p->cells[i].label);
                snprintf(p->cells[i].label + len, sizeof p->cells[i].label - len, "~%d", k++);
                j = -1;
            }
    return HR_OK;
}

/* ---- Running ---- */

static void run_cell(cell *c, int npy, const hr_outdir *od, int index)
{
    hr_worker *w = NULL;
    hr_result sim, r;
    memset(&sim, 0, sizeof sim);
    memset(&r, 0, sizeof r);
    c->score = c->score_train = c->kernel_rank = c->gen_rank = NAN;
    c->costs.synaptic_ops = c->costs.messages = c->costs.neuron_updates = NAN;
    c->costs.weight_bytes = c->costs.state_bytes = NAN;
    snprintf(c->kind, sizeof c->kind, "%s", c->e->sec[HR_SEC_SUBSTRATE]->kind);
    int st = hr_worker_create(&w, c->e);
    /* Substrate time: the runs alone (hr_worker_simulate: no readout); the
     * evaluation after it finds them in the worker's trace cache. */
    double t0 = hr_now();
    if (!st)
        st = hr_worker_simulate(w, 0, &sim);
    double t1 = hr_now();
    if (!st) {
        double steps = 0;
        for (int k = 0; k < sim.ntraces; k++)
            steps += sim.traces[k].nt;
        c->steps = steps;
        c->sim_seconds = t1 - t0;
        st = hr_worker_evaluate(w, NULL, npy ? HR_EVAL_TRACES : 0, &r);
        c->seconds = hr_now() - t0;
    }
    if (!st) {
        c->score = r.score;
        c->score_train = r.score_train;
        c->kernel_rank = r.kernel_rank;
        c->gen_rank = r.gen_rank;
        snprintf(c->score_name, sizeof c->score_name, "%s", r.score_name);
        /* Costs of the instance that ran (static for the digital kinds; the
         * last run's averages for event-driven ones). */
        const hr_substrate *sub = hr_worker_substrate(w);
        hr_substrate_costs(sub, &c->costs);
        hr_error_clear();
        if (npy) {
            char prefix[200];
            snprintf(prefix, sizeof prefix, "cell%02d_", index);
            st = hr_npy_write_result(od->tmp, prefix, hr_worker_experiment(w), &r, sub);
        }
    }
    if (st) {
        c->status = st;
        snprintf(c->err, sizeof c->err, "%s", hr_error_message());
    }
    hr_result_free(&sim);
    hr_result_free(&r);
    hr_worker_destroy(w);
}

/* Higher is better for accuracy and memory capacity, lower for errors. */
static int higher_better(const char *score_name)
{
    return strcmp(score_name, "accuracy") == 0 || strcmp(score_name, "mc") == 0;
}

/* Marks, per task, the cells not dominated in (score, synaptic ops). */
static void pareto(plan *p)
{
    for (int i = 0; i < p->ncells; i++) {
        cell *a = &p->cells[i];
        a->pareto = 0;
        if (a->status || !isfinite(a->score) || !isfinite(a->costs.synaptic_ops))
            continue;
        int hb = higher_better(a->score_name), dominated = 0;
        for (int j = 0; j < p->ncells && !dominated; j++) {
            const cell *b = &p->cells[j];
            if (j == i || b->status || strcmp(a->task, b->task) != 0 || !isfinite(b->score) ||
                !isfinite(b->costs.synaptic_ops))
                continue;
            int better_or_eq = hb ? b->score >= a->score : b->score <= a->score;
            int strictly = (hb ? b->score > a->score : b->score < a->score) ||
                           b->costs.synaptic_ops < a->costs.synaptic_ops;
            dominated = better_or_eq && b->costs.synaptic_ops <= a->costs.synaptic_ops && strictly;
        }
        a->pareto = !dominated;
    }
}

/* ---- Writing ---- */

static void num(FILE *f, double v)
{
    if (isnan(v))
        fprintf(f, ",");
    else
        fprintf(f, ",%.10g", v);
}

static int write_csv(const hr_outdir *od, const plan *p)
{
    FILE *f = hr_outdir_open(od, "compare.csv");
    if (!f)
        return HR_EIO;
    fprintf(f, "cell,label,variant,task,sweep,substrate,status,score_name,score,score_train,"
               "kernel_rank,effective_rank,synaptic_ops,neuron_updates,messages,weight_bytes,"
               "state_bytes,weight_bits,state_bits,steps,substrate_seconds,us_per_step,"
               "evaluation_seconds,pareto\n");
    for (int i = 0; i < p->ncells; i++) {
        const cell *c = &p->cells[i];
        fprintf(f, "%d,%s,%s,%s,%s,%s,%s,%s", i, c->label, c->variant, c->task, c->sweep, c->kind,
                c->status ? hr_status_name(c->status) : "ok", c->score_name);
        num(f, c->score);
        num(f, c->score_train);
        num(f, c->kernel_rank);
        num(f, c->gen_rank);
        num(f, c->costs.synaptic_ops);
        num(f, c->costs.neuron_updates);
        num(f, c->costs.messages);
        num(f, c->costs.weight_bytes);
        num(f, c->costs.state_bytes);
        num(f, c->costs.weight_bits ? c->costs.weight_bits : NAN);
        num(f, c->costs.state_bits ? c->costs.state_bits : NAN);
        num(f, c->steps);
        num(f, c->sim_seconds);
        num(f, c->steps > 0 ? 1e6 * c->sim_seconds / c->steps : NAN);
        num(f, c->seconds);
        fprintf(f, ",%d\n", c->pareto);
    }
    return hr_close_checked(f, "compare.csv");
}

/* A table cell: "-" for NaN, else v with `prec` decimals (or significant
 * digits if sig). */
static void md_num(FILE *f, double v, int prec, int sig)
{
    if (isnan(v))
        fprintf(f, " - |");
    else if (sig)
        fprintf(f, " %.*g |", prec, v);
    else
        fprintf(f, " %.*f |", prec, v);
}

static int write_md(const hr_outdir *od, const plan *p, FILE *also)
{
    FILE *f = hr_outdir_open(od, "compare.md");
    if (!f)
        return HR_EIO;
    for (int pass = 0; pass < (also ? 2 : 1); pass++) {
        FILE *o = pass ? also : f;
        fprintf(o, "# %s\n\n", p->name[0] ? p->name : "compare");
        fprintf(o, "| cell | substrate | task | score | kernel rank | effective rank | synaptic "
                   "ops / step | weight bytes | state bytes | bits (w / state) | us / step | "
                   "Pareto |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < p->ncells; i++) {
            const cell *c = &p->cells[i];
            fprintf(o, "| %s | %s | %s |", c->label, c->kind, c->task);
            if (c->status) {
                fprintf(o, " failed: %s | | | | | | | | |\n", hr_status_name(c->status));
                continue;
            }
            fprintf(o, " %s %.4g |", c->score_name, c->score);
            md_num(o, c->kernel_rank, 0, 0);
            md_num(o, c->gen_rank, 1, 0);
            md_num(o, c->costs.synaptic_ops, 0, 0);
            md_num(o, c->costs.weight_bytes, 0, 0);
            md_num(o, c->costs.state_bytes, 0, 0);
            if (c->costs.weight_bits)
                fprintf(o, " %d / %d |", c->costs.weight_bits, c->costs.state_bits);
            else
                fprintf(o, " - |");
            md_num(o, c->steps > 0 ? 1e6 * c->sim_seconds / c->steps : NAN, 3, 1);
            fprintf(o, " %s |\n", c->pareto ? "yes" : "");
        }
        fprintf(o, "\nPareto front of the task score against synaptic operations per step "
                   "(per task; substrates that report no operation count, such as the tanks, "
                   "are left out):\n\n");
        char done[64][64];
        int nd = 0;
        for (int i = 0; i < p->ncells; i++) {
            int seen = 0;
            for (int k = 0; k < nd; k++)
                seen |= strcmp(done[k], p->cells[i].task) == 0;
            if (seen || nd >= 64)
                continue;
            snprintf(done[nd++], sizeof done[0], "%s", p->cells[i].task);
            fprintf(o, "- %s:", p->cells[i].task);
            int any = 0;
            for (int j = 0; j < p->ncells; j++)
                if (p->cells[j].pareto && strcmp(p->cells[j].task, p->cells[i].task) == 0) {
                    fprintf(o, "%s %s (%s %.4g, %.0f ops)", any ? "," : "", p->cells[j].label,
                            p->cells[j].score_name, p->cells[j].score,
                            p->cells[j].costs.synaptic_ops);
                    any = 1;
                }
            fprintf(o, "%s\n", any ? "" : " none");
        }
        fprintf(o, "\nus / step: wall time of the substrate runs alone (hydrores's "
                   "hr_worker_simulate) per trace sample; scores on held-out data.\n");
    }
    return hr_close_checked(f, "compare.md");
}

/* config.xml: every cell's resolved experiment in one <compare>, so
 * `hydrores compare DIR/config.xml` runs the same cells again. */
static int write_config(const hr_outdir *od, const plan *p)
{
    FILE *f = hr_outdir_open(od, "config.xml");
    if (!f)
        return HR_EIO;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hydrores compare: the resolved "
               "cells, sweeps applied -->\n<compare name=\"%s\">\n",
            p->name[0] ? p->name : "compare");
    int st = HR_OK;
    for (int i = 0; i < p->ncells && !st; i++) {
        char *text = NULL;
        size_t size = 0;
        FILE *m = open_memstream(&text, &size);
        if (!m) {
            st = HR_ERROR(HR_ENOMEM, "out of memory");
            break;
        }
        hr_experiment *e = hr_experiment_clone(p->cells[i].e);
        if (!e) {
            fclose(m);
            free(text);
            st = HR_ERROR(HR_ENOMEM, "out of memory");
            break;
        }
        snprintf(e->name, sizeof e->name, "%.63s", p->cells[i].label);
        st = hr_config_write(e, m);
        hr_experiment_destroy(e);
        fclose(m);
        if (!st) {
            const char *body = strstr(text, "<experiment");
            const char *end = body ? strstr(body, "</experiment>") : NULL;
            if (!body || !end)
                st = HR_ERROR(HR_EIO, "cannot embed cell %s", p->cells[i].label);
            else
                fprintf(f, "%.*s task=\"%s\"%.*s</experiment>\n", 11, body, p->cells[i].task,
                        (int)(end - body - 11), body + 11);
        }
        free(text);
    }
    fprintf(f, "</compare>\n");
    int cst = hr_close_checked(f, "config.xml");
    return st ? st : cst;
}

/* ---- The command ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hydrores compare FILE.xml [FILE.xml ...] --out DIR [--sweep NAME=V1,V2,...]\n"
            "                        [--set NAME=VALUE] [--npy] [--threads N] [--force] [--quiet]\n"
            "       hydrores compare FILE.xml [FILE.xml ...] --list [--sweep ...] [--set ...]\n\n"
            "Runs every cell (a variant of a compare file x each of its tasks, or an experiment\n"
            "file) through the same task, readout training and scoring, and writes into DIR:\n"
            "  compare.csv   one row per cell: score (held-out), ranks, synaptic operations,\n"
            "                memory, bits, wall time per substrate step, on the Pareto front\n"
            "  compare.md    the same as a Markdown table, and the Pareto front of score\n"
            "                against operations per task\n"
            "  config.xml    the resolved cells (hydrores compare DIR/config.xml reruns them)\n"
            "  cellNN_*.npy  with --npy: X, targets, predictions, readout weights, traces and\n"
            "                the substrate's weights of cell NN (numpy.load)\n\n"
            "  --sweep NAME=V1,V2,...  run each cell having setting NAME once per value\n"
            "                          (e.g. substrate.bits=16,8,6,4); repeatable: products\n"
            "  --set NAME=VALUE        override a setting in every cell that has it\n"
            "  --threads N             cells evaluated side by side (default 1: clean timings)\n"
            "  --list                  print the cells (label, substrate, task) and stop\n");
}

int hr_cmd_compare(int argc, char **argv)
{
    if (hr_cli_wants_help(argc, argv)) {
        usage(stdout);
        return HR_EXIT_OK;
    }
    plan p;
    memset(&p, 0, sizeof p);
    const char *files[256], *out = NULL;
    int nfiles = 0, npy = 0, force = 0, quiet = 0, threads = 1, list = 0, st = HR_OK;
    hr_cli_opts plots = {0}; /* only no_plots is used */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int needs = strcmp(a, "--out") == 0 || strcmp(a, "--sweep") == 0 ||
                    strcmp(a, "--set") == 0 || strcmp(a, "--threads") == 0;
        if (needs && !val) {
            fprintf(stderr, "hydrores compare: %s needs a value\n", a);
            return HR_EXIT_USAGE;
        }
        if (strcmp(a, "--out") == 0) {
            out = argv[++i];
        } else if (strcmp(a, "--sweep") == 0) {
            if ((st = add_sweep(&p, argv[++i], "--sweep"))) {
                fprintf(stderr, "hydrores compare: %s\n", hr_error_message());
                return HR_EXIT_USAGE;
            }
        } else if (strcmp(a, "--set") == 0) {
            if (p.nsets >= MAX_SETS) {
                fprintf(stderr, "hydrores compare: too many --set (allowed: %d)\n", MAX_SETS);
                return HR_EXIT_USAGE;
            }
            p.sets[p.nsets++] = argv[++i];
        } else if (strcmp(a, "--threads") == 0) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || t < 0 || t > 1024) {
                fprintf(stderr, "hydrores compare: --threads %s (allowed: 0 .. 1024, 0 = all)\n",
                        argv[i]);
                return HR_EXIT_USAGE;
            }
            threads = (int)t;
        } else if (strcmp(a, "--npy") == 0) {
            npy = 1;
        } else if (strcmp(a, "--list") == 0) {
            list = 1;
        } else if (strcmp(a, "--force") == 0) {
            force = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--no-plots") == 0) {
            plots.no_plots = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "hydrores compare: unknown option '%s' (see hydrores compare --help)\n",
                    a);
            return HR_EXIT_USAGE;
        } else if (nfiles < 256) {
            files[nfiles++] = a;
        } else {
            fprintf(stderr, "hydrores compare: too many files (allowed: 256)\n");
            return HR_EXIT_USAGE;
        }
    }
    if (nfiles == 0 || (!out && !list)) {
        fprintf(stderr, "hydrores compare: missing %s (see hydrores compare --help)\n",
                nfiles == 0 ? "FILE.xml" : "--out DIR");
        return HR_EXIT_USAGE;
    }
    for (int i = 0; i < nfiles && !st; i++)
        st = read_input(&p, files[i]);
    if (!st && p.ncells == 0)
        st = HR_ERROR(HR_EINVAL, "no cells to run (allowed: variants and tasks, or experiments)");
    if (!st)
        st = apply_cli_sets(&p);
    if (!st)
        st = expand_sweeps(&p);
    for (int i = 0; i < p.ncells && !st; i++)
        if ((st = hr_experiment_check(p.cells[i].e)))
            hr_error_prefix(st, "cell %s", p.cells[i].label);
    if (!st && list) {
        for (int i = 0; i < p.ncells; i++)
            printf("%s %s %s\n", p.cells[i].label, p.cells[i].e->sec[HR_SEC_SUBSTRATE]->kind,
                   p.cells[i].task);
        for (int i = 0; i < p.ncells; i++)
            hr_experiment_destroy(p.cells[i].e);
        free(p.cells);
        return HR_EXIT_OK;
    }
    hr_outdir od;
    if (!st && (st = hr_outdir_begin(&od, out, force))) {
        fprintf(stderr, "hydrores compare: %s\n", hr_error_message());
        for (int i = 0; i < p.ncells; i++)
            hr_experiment_destroy(p.cells[i].e);
        free(p.cells);
        return HR_EXIT_USAGE;
    }
    if (st) {
        fprintf(stderr, "hydrores compare: %s\n", hr_error_message());
        for (int i = 0; i < p.ncells; i++)
            hr_experiment_destroy(p.cells[i].e);
        free(p.cells);
        return HR_EXIT_USAGE;
    }
    if (!quiet)
        fprintf(stderr, "hydrores compare: %d cells\n", p.ncells);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads > 0 ? threads : omp_get_num_procs()) if (threads != 1)
    for (int i = 0; i < p.ncells; i++) {
        run_cell(&p.cells[i], npy, &od, i);
        if (!quiet) {
#pragma omp critical(compare_progress)
            fprintf(stderr, "  %-40s %s %.4g (%.1f s)\n", p.cells[i].label,
                    p.cells[i].status ? "failed" : p.cells[i].score_name,
                    p.cells[i].status ? NAN : p.cells[i].score, p.cells[i].seconds);
        }
    }
    pareto(&p);
    int failed = 0;
    for (int i = 0; i < p.ncells; i++)
        if (p.cells[i].status) {
            failed++;
            fprintf(stderr, "hydrores compare: cell %s failed: %s\n", p.cells[i].label,
                    p.cells[i].err);
        }
    st = write_csv(&od, &p);
    if (!st)
        st = write_md(&od, &p, quiet ? NULL : stdout);
    if (!st)
        st = write_config(&od, &p);
    if (!st)
        hr_cli_plots(&plots, "compare", od.tmp);
    if (!st)
        st = hr_outdir_commit(&od);
    int rc = HR_EXIT_OK;
    if (st) {
        fprintf(stderr, "hydrores compare: %s\n", hr_error_message());
        hr_outdir_abort(&od);
        rc = HR_EXIT_FAIL;
    } else {
        if (!quiet)
            printf("%-22s %s/\n", "results", od.final);
        if (failed)
            rc = HR_EXIT_FAIL;
    }
    for (int i = 0; i < p.ncells; i++)
        hr_experiment_destroy(p.cells[i].e);
    free(p.cells);
    return rc;
}
