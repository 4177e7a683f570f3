/* nirgraph.c — NIR graphs in memory, nir.read's checks, and the runner.
 *
 * Node types and parameter names follow neuromorphs/NIR at commit 7232ada
 * (nir/ir/ *.py, the dataclass fields each type's constructor takes;
 * nir/ir/graph.py infer_types / check_types for the edge types).
 *
 * Runner, per step with graph input x (forward Euler at dt; NIR's
 * continuous-time equations, spikes S = z in {0, 1}):
 *   pass A: static nodes (Affine y = W x + b, Linear y = W x, Scale
 *           y = s x) feeding neuron nodes, on x and the neuron outputs of
 *           the previous step;
 *   update: every neuron node with I = the sum of its incoming values:
 *     LIF      v <- v + dt/tau (v_leak - v + r I);  z = v > v_th;  v <- v_reset where z
 *     CubaLIF  i <- i + dt/tau_syn (w_in I - i);  v <- v + dt/tau_mem (v_leak - v + r i);
 *              z = v > v_th;  v <- v_reset where z
 *     LI       v <- v + dt/tau (v_leak - v + r I)          (output v)
 *     CubaLI   i as CubaLIF;  v <- v + dt/tau_mem (v_leak - v + r i)   (output v)
 *     I        v <- v + dt r I                              (output v)
 *     IF       v <- v + dt r I;  z = v > v_th;  v <- v_reset where z
 *   pass B: static nodes feeding Output nodes, on x and the new outputs;
 *           the Output nodes' values are the graph's output.
 * A neuron-to-neuron path therefore takes one step (Loihi's synaptic
 * delay), input-to-neuron and neuron-to-output paths none. */
#include "reservoir/nirgraph.h"
#include "base/status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Types ---- */

typedef struct type_info {
    const char *name; /* NIR's class name */
    const char *req;  /* required parameters, space-separated */
    const char *opt;  /* optional parameters */
    const char *ref;  /* the parameter whose shape is the node's type (NULL: none) */
    const char *same; /* parameters NIR asserts to share one shape */
} type_info;

static const type_info types[HR_NIR_NTYPES] = {
    [HR_NIR_CONV1D] = {"Conv1d", "weight stride padding dilation groups bias", "input_shape", NULL, ""},
    [HR_NIR_CONV2D] = {"Conv2d", "weight stride padding dilation groups bias", "input_shape", NULL, ""},
    [HR_NIR_DELAY] = {"Delay", "delay", "", "delay", ""},
    [HR_NIR_FLATTEN] = {"Flatten", "start_dim end_dim", "input_type", NULL, ""},
    [HR_NIR_INPUT] = {"Input", "shape", "", NULL, ""},
    [HR_NIR_GRAPH] = {"NIRGraph", "", "", NULL, ""},
    [HR_NIR_OUTPUT] = {"Output", "shape", "", NULL, ""},
    [HR_NIR_AFFINE] = {"Affine", "weight bias", "", NULL, ""},
    [HR_NIR_LINEAR] = {"Linear", "weight", "", NULL, ""},
    [HR_NIR_SCALE] = {"Scale", "scale", "", "scale", ""},
    [HR_NIR_CUBALI] = {"CubaLI", "tau_syn tau_mem r v_leak", "w_in", "v_leak", "tau_syn tau_mem r v_leak"},
    [HR_NIR_CUBALIF] = {"CubaLIF", "tau_syn tau_mem r v_leak v_threshold", "v_reset w_in", "v_threshold",
                        "tau_syn tau_mem r v_leak v_reset v_threshold"},
    [HR_NIR_I] = {"I", "r", "", "r", ""},
    [HR_NIR_IF] = {"IF", "r v_threshold", "v_reset", "r", "r v_threshold v_reset"},
    [HR_NIR_LI] = {"LI", "tau r v_leak", "", "r", "tau r v_leak"},
    [HR_NIR_LIF] = {"LIF", "tau r v_leak v_threshold", "v_reset", "r", "tau r v_leak v_reset v_threshold"},
    [HR_NIR_AVGPOOL2D] = {"AvgPool2d", "kernel_size stride padding", "", NULL, ""},
    [HR_NIR_SUMPOOL2D] = {"SumPool2d", "kernel_size stride padding", "", NULL, ""},
    [HR_NIR_THRESHOLD] = {"Threshold", "threshold", "", "threshold", ""},
};

const char *hr_nir_type_name(enum hr_nir_type t)
{
    return (int)t >= 0 && t < HR_NIR_NTYPES ? types[t].name : "?";
}

int hr_nir_type_parse(const char *name)
{
    for (int t = 0; t < HR_NIR_NTYPES; t++)
        if (strcmp(types[t].name, name) == 0)
            return t;
    return -1;
}

/* True if `word` is one of the space-separated words of `list`. */
static int in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        if ((size_t)(q - p) == n && n && strncmp(p, word, n) == 0)
            return 1;
        p = q;
    }
    return 0;
}

/* ---- Building ---- */

hr_nir_graph *hr_nir_graph_create(void)
{
    return calloc(1, sizeof(hr_nir_graph));
}

static void free_meta(hr_nir_meta *m, int n)
{
    for (int i = 0; i < n; i++)
        free(m[i].text);
    free(m);
}

void hr_nir_graph_destroy(hr_nir_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->nnodes; i++) {
        for (int k = 0; k < g->node[i].nparams; k++)
            free(g->node[i].param[k].v);
        free_meta(g->node[i].meta, g->node[i].nmeta);
    }
    free(g->node);
    free(g->edge);
    free_meta(g->meta, g->nmeta);
    free(g);
}

static int find_node(const hr_nir_graph *g, const char *name)
{
    for (int i = 0; i < g->nnodes; i++)
        if (strcmp(g->node[i].name, name) == 0)
            return i;
    return -1;
}

int hr_nir_add_node(hr_nir_graph *g, const char *name, enum hr_nir_type type, int *out)
{
    size_t len = strlen(name);
    if (len == 0 || len >= HR_NIR_NAME || strchr(name, '/'))
        return HR_ERROR(HR_EINVAL, "NIR node name '%.60s' (allowed: 1 .. %d bytes, no '/')", name,
                        HR_NIR_NAME - 1);
    if ((int)type < 0 || type >= HR_NIR_NTYPES)
        return HR_ERROR(HR_EINVAL, "NIR node '%s': type %d is not a NIR node type", name, type);
    if (find_node(g, name) >= 0)
        return HR_ERROR(HR_EINVAL, "NIR graph: a second node named '%s'", name);
    if (g->nnodes >= 1000000)
        return HR_ERROR(HR_ERANGE, "NIR graph: more than a million nodes");
    hr_nir_node *nn = realloc(g->node, (size_t)(g->nnodes + 1) * sizeof *nn);
    if (!nn)
        return HR_ERROR(HR_ENOMEM, "out of memory for NIR node '%s'", name);
    g->node = nn;
    hr_nir_node *nd = &g->node[g->nnodes];
    memset(nd, 0, sizeof *nd);
    memcpy(nd->name, name, len + 1);
    nd->type = type;
    nd->in = nd->out = -1;
    nd->in_rank = nd->out_rank = -1;
    if (out)
        *out = g->nnodes;
    g->nnodes++;
    return HR_OK;
}

const hr_nir_array *hr_nir_param(const hr_nir_node *nd, const char *name)
{
    for (int k = 0; k < nd->nparams; k++)
        if (strcmp(nd->param[k].name, name) == 0)
            return &nd->param[k];
    return NULL;
}

int hr_nir_set_param(hr_nir_graph *g, int i, const char *name, int rank, const size_t *dims,
                     const double *v, int is_int)
{
    hr_nir_node *nd = &g->node[i];
    if (strlen(name) == 0 || strlen(name) >= sizeof nd->param[0].name || rank < 0 ||
        rank > HR_NIR_MAX_RANK)
        return HR_ERROR(HR_EINVAL, "NIR node '%s': parameter '%.40s' of rank %d (allowed: names "
                        "of 1 .. 31 bytes, rank 0 .. %d)", nd->name, name, rank, HR_NIR_MAX_RANK);
    if (hr_nir_param(nd, name))
        return HR_ERROR(HR_EINVAL, "NIR node '%s': parameter '%s' given twice", nd->name, name);
    if (nd->nparams >= HR_NIR_MAX_PARAMS)
        return HR_ERROR(HR_ERANGE, "NIR node '%s': more than %d parameters (at '%s')", nd->name,
                        HR_NIR_MAX_PARAMS, name);
    size_t n = 1;
    for (int r = 0; r < rank; r++) {
        if (dims[r] > 0 && n > ((size_t)1 << 40) / dims[r])
            return HR_ERROR(HR_ERANGE, "NIR node '%s': parameter '%s' is too large", nd->name,
                            name);
        n *= dims[r];
    }
    hr_nir_array *a = &nd->param[nd->nparams];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    a->rank = rank;
    for (int r = 0; r < rank; r++)
        a->dims[r] = dims[r];
    a->n = n;
    a->is_int = is_int;
    a->v = malloc((n ? n : 1) * sizeof *a->v);
    if (!a->v)
        return HR_ERROR(HR_ENOMEM, "out of memory for NIR parameter '%s' of '%s'", name, nd->name);
    if (n)
        memcpy(a->v, v, n * sizeof *a->v);
    nd->nparams++;
    return HR_OK;
}

int hr_nir_set_vector(hr_nir_graph *g, int i, const char *name, size_t n, const double *v)
{
    return hr_nir_set_param(g, i, name, 1, &n, v, 0);
}

int hr_nir_add_edge(hr_nir_graph *g, const char *src, const char *dst)
{
    int a = find_node(g, src), b = find_node(g, dst);
    if (a < 0 || b < 0)
        return HR_ERROR(HR_EINVAL, "NIR edge '%.60s' -> '%.60s': no node named '%.60s'", src, dst,
                        a < 0 ? src : dst);
    int (*e)[2] = realloc(g->edge, (size_t)(g->nedges + 1) * sizeof *e);
    if (!e)
        return HR_ERROR(HR_ENOMEM, "out of memory for NIR edges");
    g->edge = e;
    g->edge[g->nedges][0] = a;
    g->edge[g->nedges][1] = b;
    g->nedges++;
    return HR_OK;
}

int hr_nir_add_meta(hr_nir_graph *g, int node, const char *key, const char *text, double num)
{
    hr_nir_meta **list = node < 0 ? &g->meta : &g->node[node].meta;
    int *n = node < 0 ? &g->nmeta : &g->node[node].nmeta;
    if (strlen(key) == 0 || strlen(key) >= sizeof(*list)[0].key || strchr(key, '/'))
        return HR_ERROR(HR_EINVAL, "NIR metadata key '%.40s' (allowed: 1 .. 63 bytes, no '/')",
                        key);
    hr_nir_meta *m = realloc(*list, (size_t)(*n + 1) * sizeof *m);
    if (!m)
        return HR_ERROR(HR_ENOMEM, "out of memory for NIR metadata");
    *list = m;
    hr_nir_meta *e = &m[*n];
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", key);
    e->num = num;
    if (text && !(e->text = strdup(text)))
        return HR_ERROR(HR_ENOMEM, "out of memory for NIR metadata");
    (*n)++;
    return HR_OK;
}

const hr_nir_meta *hr_nir_meta_find(const hr_nir_graph *g, const char *key)
{
    for (int i = 0; i < g->nmeta; i++)
        if (strcmp(g->meta[i].key, key) == 0)
            return &g->meta[i];
    return NULL;
}

/* ---- Checks (nir.read's) ---- */

/* "[3 2]" */
static void shape_text(int rank, const long *shape, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int r = 0; r < rank && used < size; r++)
        used += (size_t)snprintf(buf + used, size - used, "%s%ld", r ? " " : "", shape[r]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

static void set_type(long *shape, int *rank, long *count, int r, const long *s)
{
    *rank = r;
    long n = 1;
    for (int k = 0; k < r; k++) {
        shape[k] = s[k];
        n *= s[k];
    }
    *count = n;
}

/* Fills the input and output types of a node (NIR's __post_init__). */
static int node_types(hr_nir_node *nd, const char *where)
{
    const type_info *ti = &types[nd->type];
    long s[HR_NIR_MAX_RANK];
    if (nd->type == HR_NIR_INPUT || nd->type == HR_NIR_OUTPUT) {
        const hr_nir_array *a = hr_nir_param(nd, "shape");
        if (a->rank != 1 || a->n < 1 || a->n > HR_NIR_MAX_RANK)
            return HR_ERROR(HR_EPARSE, "%s: node '%s' (%s): 'shape' must be a 1-D array of 1 .. "
                            "%d sizes (found rank %d, %zu values)", where, nd->name, ti->name,
                            HR_NIR_MAX_RANK, a->rank, a->n);
        for (size_t k = 0; k < a->n; k++) {
            double v = a->v[k];
            if (!(v >= 0 && v <= 1e9) || v != floor(v))
                return HR_ERROR(HR_EPARSE, "%s: node '%s' (%s): shape[%zu] = %g (allowed: "
                                "integers 0 .. 1e9)", where, nd->name, ti->name, k, v);
            s[k] = (long)v;
        }
        set_type(nd->in_shape, &nd->in_rank, &nd->in, (int)a->n, s);
        set_type(nd->out_shape, &nd->out_rank, &nd->out, (int)a->n, s);
        return HR_OK;
    }
    if (nd->type == HR_NIR_AFFINE || nd->type == HR_NIR_LINEAR) {
        const hr_nir_array *w = hr_nir_param(nd, "weight");
        if (w->rank < 2)
            return HR_ERROR(HR_EPARSE, "%s: node '%s' (%s): weight must be at least 2-D (found "
                            "rank %d)", where, nd->name, ti->name, w->rank);
        int r = w->rank - 1;
        for (int k = 0; k < r - 1; k++)
            s[k] = (long)w->dims[k];
        s[r - 1] = (long)w->dims[w->rank - 1];
        set_type(nd->in_shape, &nd->in_rank, &nd->in, r, s);
        s[r - 1] = (long)w->dims[w->rank - 2];
        set_type(nd->out_shape, &nd->out_rank, &nd->out, r, s);
        return HR_OK; /* NIR does not check the bias's length (the runner does) */
    }
    if (!ti->ref)
        return HR_OK; /* Conv, pooling, Flatten: inferred by NIR from the input; not run here */
    /* Neuron parameters NIR asserts to share one shape. */
    const hr_nir_array *ref = hr_nir_param(nd, ti->ref);
    for (int k = 0; k < nd->nparams; k++) {
        const hr_nir_array *a = &nd->param[k];
        if (!in_list(ti->same, a->name))
            continue;
        int same = a->rank == ref->rank;
        for (int r = 0; same && r < a->rank; r++)
            same = a->dims[r] == ref->dims[r];
        if (!same)
            return HR_ERROR(HR_EPARSE, "%s: node '%s' (%s): All parameters must have the same "
                            "shape ('%s' has rank %d and %zu values, '%s' rank %d and %zu)", where,
                            nd->name, ti->name, a->name, a->rank, a->n, ref->name, ref->rank,
                            ref->n);
    }
    for (int r = 0; r < ref->rank; r++)
        s[r] = (long)ref->dims[r];
    set_type(nd->in_shape, &nd->in_rank, &nd->in, ref->rank, s);
    set_type(nd->out_shape, &nd->out_rank, &nd->out, ref->rank, s);
    return HR_OK;
}

/* Adds a missing optional parameter as `fill` with the shape of `like`;
 * broadcasts a scalar (or single-value) w_in to that shape. */
static int fill_default(hr_nir_graph *g, int i, const char *name, const char *like, double fill)
{
    hr_nir_node *nd = &g->node[i];
    const hr_nir_array *ref = hr_nir_param(nd, like);
    const hr_nir_array *have = hr_nir_param(nd, name);
    if (have) {
        int same = have->rank == ref->rank;
        for (int r = 0; same && r < ref->rank; r++)
            same = have->dims[r] == ref->dims[r];
        if (same || have->n != 1)
            return HR_OK; /* a shape mismatch is reported by node_types */
        fill = have->v[0];
        hr_nir_array *h = (hr_nir_array *)have;
        free(h->v);
        /* Remove and re-add with the full shape (numpy's ones_like * w_in). */
        int k = (int)(h - nd->param);
        memmove(&nd->param[k], &nd->param[k + 1], (size_t)(nd->nparams - k - 1) * sizeof *h);
        nd->nparams--;
        ref = hr_nir_param(nd, like);
    }
    double *v = malloc((ref->n ? ref->n : 1) * sizeof *v);
    if (!v)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    for (size_t k = 0; k < ref->n; k++)
        v[k] = fill;
    size_t dims[HR_NIR_MAX_RANK];
    for (int r = 0; r < ref->rank; r++)
        dims[r] = ref->dims[r];
    int st = hr_nir_set_param(g, i, name, ref->rank, dims, v, 0);
    free(v);
    return st;
}

int hr_nir_graph_check(hr_nir_graph *g, const char *where)
{
    for (int i = 0; i < g->nnodes; i++) {
        hr_nir_node *nd = &g->node[i];
        const type_info *ti = &types[nd->type];
        if (nd->type == HR_NIR_GRAPH)
            return HR_ERROR(HR_ENOTSUP, "%s: node '%s' is a nested NIRGraph (not supported here: "
                            "flatten the subgraph into its parent)", where, nd->name);
        for (int k = 0; k < nd->nparams; k++)
            if (!in_list(ti->req, nd->param[k].name) && !in_list(ti->opt, nd->param[k].name)) {
                char allowed[160];
                snprintf(allowed, sizeof allowed, "%s%s%s", ti->req, *ti->opt ? " " : "", ti->opt);
                return HR_ERROR(HR_EPARSE, "%s: node '%s' (%s): unexpected parameter '%s' "
                                "(allowed: %s)", where, nd->name, ti->name, nd->param[k].name,
                                allowed);
            }
        /* Required parameters. */
        for (const char *p = ti->req; *p;) {
            while (*p == ' ')
                p++;
            const char *q = p;
            while (*q && *q != ' ')
                q++;
            char word[32];
            snprintf(word, sizeof word, "%.*s", (int)(q - p), p);
            if (*word && !hr_nir_param(nd, word))
                return HR_ERROR(HR_EPARSE, "%s: node '%s' (%s): missing parameter '%s' (required: "
                                "%s)", where, nd->name, ti->name, word, ti->req);
            p = q;
        }
        int st = HR_OK;
        if (nd->type == HR_NIR_LIF || nd->type == HR_NIR_CUBALIF || nd->type == HR_NIR_IF)
            st = fill_default(g, i, "v_reset", "v_threshold", 0);
        if (!st && (nd->type == HR_NIR_CUBALIF || nd->type == HR_NIR_CUBALI))
            st = fill_default(g, i, "w_in", nd->type == HR_NIR_CUBALIF ? "v_threshold" : "v_leak",
                              1);
        if (!st)
            st = node_types(&g->node[i], where);
        if (st)
            return st;
    }
    for (int e = 0; e < g->nedges; e++) {
        const hr_nir_node *a = &g->node[g->edge[e][0]], *b = &g->node[g->edge[e][1]];
        if (a->out_rank < 0 || b->in_rank < 0)
            continue; /* types NIR infers from the input (Conv, pooling, Flatten) */
        int same = a->out_rank == b->in_rank;
        for (int r = 0; same && r < a->out_rank; r++)
            same = a->out_shape[r] == b->in_shape[r];
        if (!same) {
            char sa[64], sb[64];
            shape_text(a->out_rank, a->out_shape, sa, sizeof sa);
            shape_text(b->in_rank, b->in_shape, sb, sizeof sb);
            return HR_ERROR(HR_EPARSE, "%s: edge %d: type mismatch: %s.output: %s -> %s.input: %s",
                            where, e, a->name, sa, b->name, sb);
        }
    }
    return HR_OK;
}

/* ---- Runner ---- */

enum { K_INPUT, K_OUTPUT, K_STATIC, K_NEURON };

typedef struct rnode {
    int kind;          /* K_* */
    int type;          /* hr_nir_type */
    int n_in, n_out;   /* sizes */
    int npred;         /* incoming edges */
    int *pred;         /* their source nodes */
    double *w, *b;     /* static: weight (n_out x n_in; Scale: n), bias (Affine) */
    double *valA, *valB; /* static / output values of passes A and B */
    /* neurons: per element */
    double *ka, *kb, *kr, *kl, *th, *vr, *win; /* dt/tau(_mem), dt/tau_syn, r, v_leak, v_th, v_reset, w_in */
    double *v, *i, *z; /* state and output (z: spikes, or v for non-spiking) */
    double *zprev;     /* output at the end of the previous step */
    double *in;        /* input sum scratch */
    int in_offset;     /* Input nodes: first graph input channel */
    int out_offset;    /* Output nodes: first graph output */
    int inA, inB;      /* static: evaluated in pass A / pass B */
} rnode;

struct hr_nir_sim {
    const hr_nir_graph *g;
    int nnodes;
    rnode *node;
    int *order;      /* static and output nodes in topological order */
    int norder;
    int nin, nout;   /* graph input / output sizes */
    const double *x; /* input of the current step */
    double dt;
};

static void rnode_free(rnode *r)
{
    free(r->pred);
    free(r->w);
    free(r->b);
    free(r->valA);
    free(r->valB);
    free(r->ka);
    free(r->kb);
    free(r->kr);
    free(r->kl);
    free(r->th);
    free(r->vr);
    free(r->win);
    free(r->v);
    free(r->i);
    free(r->z);
    free(r->zprev);
    free(r->in);
}

void hr_nir_sim_destroy(hr_nir_sim *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nnodes && s->node; i++)
        rnode_free(&s->node[i]);
    free(s->node);
    free(s->order);
    free(s);
}

static double *alloc_d(size_t n)
{
    return calloc(n ? n : 1, sizeof(double));
}

/* Copies parameter `name` (n values) of a neuron node, applying f. */
static int neuron_param(const hr_nir_node *nd, const char *name, size_t n, double **out)
{
    const hr_nir_array *a = hr_nir_param(nd, name);
    *out = alloc_d(n);
    if (!*out)
        return HR_ERROR(HR_ENOMEM, "out of memory for NIR node '%s'", nd->name);
    for (size_t k = 0; k < n; k++) {
        double v = a ? a->v[k] : 0;
        if (!isfinite(v) && !(isinf(v) && v > 0 && strncmp(name, "tau", 3) == 0))
            return HR_ERROR(HR_EINVAL, "NIR node '%s': %s[%zu] = %g (allowed: finite values; "
                            "time constants may be +inf)", nd->name, name, k, v);
        (*out)[k] = v;
    }
    return HR_OK;
}

/* dt / tau for a time-constant parameter (tau scaled), checking tau > 0. */
static int rate_param(const hr_nir_node *nd, const char *name, size_t n, double dt,
                      double scale, double **out)
{
    int st = neuron_param(nd, name, n, out);
    if (st)
        return st;
    for (size_t k = 0; k < n; k++) {
        double tau = (*out)[k] * scale;
        if (!(tau > 0))
            return HR_ERROR(HR_EINVAL, "NIR node '%s': %s[%zu] = %g (allowed: > 0)", nd->name,
                            name, k, (*out)[k]);
        (*out)[k] = isinf(tau) ? 0 : dt / tau;
    }
    return HR_OK;
}

/* Does node b reach node a through edges (used for cycles)? */
static int reaches(const hr_nir_graph *g, int from, int to, unsigned char *seen)
{
    /* Iterative DFS over edges. */
    int n = g->nnodes;
    int *stack = malloc((size_t)(n + 1) * sizeof *stack);
    if (!stack)
        return 0;
    memset(seen, 0, (size_t)n);
    int top = 0, found = 0;
    stack[top++] = from;
    while (top && !found) {
        int u = stack[--top];
        for (int e = 0; e < g->nedges; e++) {
            if (g->edge[e][0] != u)
                continue;
            int v = g->edge[e][1];
            if (v == to) {
                found = 1;
                break;
            }
            if (!seen[v]) {
                seen[v] = 1;
                stack[top++] = v;
            }
        }
    }
    free(stack);
    return found;
}

static int is_neuron_type(int t)
{
    return t == HR_NIR_LIF || t == HR_NIR_CUBALIF || t == HR_NIR_LI || t == HR_NIR_CUBALI ||
           t == HR_NIR_I || t == HR_NIR_IF;
}

static int spiking(int t) { return t == HR_NIR_LIF || t == HR_NIR_CUBALIF || t == HR_NIR_IF; }

int hr_nir_sim_create(hr_nir_sim **out, const hr_nir_graph *g, const hr_nir_sim_opts *o)
{
    *out = NULL;
    if (!(o->dt > 0) || !isfinite(o->dt) || !isfinite(o->tau_scale) || !(o->tau_scale > 0) ||
        !isfinite(o->weight_scale) || !isfinite(o->input_scale) || !isfinite(o->threshold_scale))
        return HR_ERROR(HR_EINVAL, "NIR runner: dt = %g, tau_scale = %g, weight_scale = %g, "
                        "input_scale = %g, threshold_scale = %g (allowed: dt > 0, tau_scale > 0, "
                        "finite scales)", o->dt, o->tau_scale, o->weight_scale, o->input_scale,
                        o->threshold_scale);
    hr_nir_sim *s = calloc(1, sizeof *s);
    if (!s)
        return HR_ERROR(HR_ENOMEM, "out of memory for a NIR runner");
    s->g = g;
    s->dt = o->dt;
    s->nnodes = g->nnodes;
    s->node = calloc((size_t)g->nnodes + 1, sizeof *s->node);
    s->order = calloc((size_t)g->nnodes + 1, sizeof *s->order);
    unsigned char *seen = calloc((size_t)g->nnodes + 1, 1);
    int st = HR_OK;
    if (!s->node || !s->order || !seen) {
        st = HR_ERROR(HR_ENOMEM, "out of memory for a NIR runner");
        goto done;
    }
    /* Kinds, sizes, parameters (Input and Output nodes in name order: the
     * graph's nodes are read in name order already). */
    int nin = 0, nout = 0;
    for (int i = 0; i < g->nnodes && !st; i++) {
        const hr_nir_node *nd = &g->node[i];
        rnode *r = &s->node[i];
        r->type = nd->type;
        if (nd->in_rank > 1 || nd->out_rank > 1) {
            st = HR_ERROR(HR_ENOTSUP, "NIR node '%s' (%s) has a %d-D type; the runner takes "
                          "vectors (1-D types) only", nd->name, hr_nir_type_name(nd->type),
                          nd->in_rank > nd->out_rank ? nd->in_rank : nd->out_rank);
            break;
        }
        r->n_in = (int)nd->in;
        r->n_out = (int)nd->out;
        size_t n = (size_t)(r->n_out > 0 ? r->n_out : 0);
        switch (nd->type) {
        case HR_NIR_INPUT:
            r->kind = K_INPUT;
            r->in_offset = nin;
            nin += r->n_out;
            break;
        case HR_NIR_OUTPUT:
            r->kind = K_OUTPUT;
            r->out_offset = nout;
            nout += r->n_out;
            break;
        case HR_NIR_AFFINE:
        case HR_NIR_LINEAR:
        case HR_NIR_SCALE: {
            r->kind = K_STATIC;
            const hr_nir_array *w = hr_nir_param(nd, nd->type == HR_NIR_SCALE ? "scale" : "weight");
            r->w = alloc_d(w->n);
            if (!r->w) {
                st = HR_ERROR(HR_ENOMEM, "out of memory for NIR node '%s'", nd->name);
                break;
            }
            for (size_t k = 0; k < w->n; k++)
                r->w[k] = w->v[k];
            if (nd->type == HR_NIR_AFFINE) {
                const hr_nir_array *b = hr_nir_param(nd, "bias");
                if (!(b->rank == 1 && b->n == n) && b->rank != 0) {
                    st = HR_ERROR(HR_EINVAL, "NIR node '%s' (Affine): bias has %zu values for %zu "
                                  "outputs (allowed: one per row of weight, or a scalar)",
                                  nd->name, b->n, n);
                    break;
                }
                r->b = alloc_d(n);
                if (!r->b) {
                    st = HR_ERROR(HR_ENOMEM, "out of memory for NIR node '%s'", nd->name);
                    break;
                }
                for (size_t k = 0; k < n; k++)
                    r->b[k] = b->rank == 0 ? b->v[0] : b->v[k];
            }
            for (size_t k = 0; k < w->n && !st; k++)
                if (!isfinite(r->w[k]))
                    st = HR_ERROR(HR_EINVAL, "NIR node '%s': weight %zu is %g (allowed: finite)",
                                  nd->name, k, r->w[k]);
            break;
        }
        default:
            if (!is_neuron_type(nd->type)) {
                st = HR_ERROR(HR_ENOTSUP, "NIR node '%s' is a %s, which the runner does not run "
                              "(allowed: Input, Output, Affine, Linear, Scale, LIF, CubaLIF, LI, "
                              "CubaLI, I, IF)", nd->name, hr_nir_type_name(nd->type));
                break;
            }
            r->kind = K_NEURON;
            double dt = o->dt, ts = o->tau_scale;
            int t = nd->type;
            if (t == HR_NIR_LIF || t == HR_NIR_LI)
                st = rate_param(nd, "tau", n, dt, ts, &r->ka);
            else if (t == HR_NIR_CUBALIF || t == HR_NIR_CUBALI) {
                st = rate_param(nd, "tau_mem", n, dt, ts, &r->ka);
                if (!st)
                    st = rate_param(nd, "tau_syn", n, dt, ts, &r->kb);
                if (!st)
                    st = neuron_param(nd, "w_in", n, &r->win);
            }
            if (!st)
                st = neuron_param(nd, "r", n, &r->kr);
            if (!st && t != HR_NIR_I && t != HR_NIR_IF)
                st = neuron_param(nd, "v_leak", n, &r->kl);
            if (!st && spiking(t)) {
                st = neuron_param(nd, "v_threshold", n, &r->th);
                if (!st)
                    st = neuron_param(nd, "v_reset", n, &r->vr);
                for (size_t k = 0; k < n && !st; k++)
                    r->th[k] *= o->threshold_scale;
            }
            if (!st) {
                r->v = alloc_d(n);
                r->i = alloc_d(n);
                r->z = alloc_d(n);
                r->zprev = alloc_d(n);
                if (!r->v || !r->i || !r->z || !r->zprev)
                    st = HR_ERROR(HR_ENOMEM, "out of memory for NIR node '%s'", nd->name);
            }
        }
        if (!st && r->kind != K_INPUT) {
            r->in = alloc_d((size_t)(r->n_in > 0 ? r->n_in : 0));
            r->valA = alloc_d(n);
            r->valB = alloc_d(n);
            if (!r->in || !r->valA || !r->valB)
                st = HR_ERROR(HR_ENOMEM, "out of memory for NIR node '%s'", nd->name);
        }
    }
    if (st)
        goto done;
    if (nin == 0 || nout == 0) {
        st = HR_ERROR(HR_EINVAL, "NIR runner: the graph has %s (allowed: graphs with Input and "
                      "Output nodes)", nin == 0 ? "no Input node (or only empty ones)" :
                      "no Output node (or only empty ones)");
        goto done;
    }
    s->nin = nin;
    s->nout = nout;
    /* Predecessors. */
    for (int e = 0; e < g->nedges; e++) {
        rnode *r = &s->node[g->edge[e][1]];
        int *p = realloc(r->pred, (size_t)(r->npred + 1) * sizeof *p);
        if (!p) {
            st = HR_ERROR(HR_ENOMEM, "out of memory for a NIR runner");
            goto done;
        }
        r->pred = p;
        r->pred[r->npred++] = g->edge[e][0];
        if (s->node[g->edge[e][0]].kind == K_OUTPUT) {
            st = HR_ERROR(HR_EINVAL, "NIR runner: edge from Output node '%s' (allowed: Output "
                          "nodes end paths)", g->node[g->edge[e][0]].name);
            goto done;
        }
        if (r->kind == K_INPUT) {
            st = HR_ERROR(HR_EINVAL, "NIR runner: edge into Input node '%s' (allowed: Input "
                          "nodes start paths)", g->node[g->edge[e][1]].name);
            goto done;
        }
    }
    /* Topological order of the static and output nodes over static edges
     * (Kahn); a leftover node sits on a cycle of static nodes only. */
    {
        int *deg = calloc((size_t)g->nnodes + 1, sizeof *deg);
        if (!deg) {
            st = HR_ERROR(HR_ENOMEM, "out of memory for a NIR runner");
            goto done;
        }
        int want = 0;
        for (int i = 0; i < g->nnodes; i++) {
            rnode *r = &s->node[i];
            if (r->kind != K_STATIC && r->kind != K_OUTPUT)
                continue;
            want++;
            for (int k = 0; k < r->npred; k++)
                deg[i] += s->node[r->pred[k]].kind == K_STATIC;
        }
        int head = 0;
        for (int i = 0; i < g->nnodes; i++)
            if ((s->node[i].kind == K_STATIC || s->node[i].kind == K_OUTPUT) && deg[i] == 0)
                s->order[s->norder++] = i;
        while (head < s->norder) {
            int u = s->order[head++];
            if (s->node[u].kind != K_STATIC)
                continue;
            for (int e = 0; e < g->nedges; e++)
                if (g->edge[e][0] == u) {
                    int v = g->edge[e][1];
                    if ((s->node[v].kind == K_STATIC || s->node[v].kind == K_OUTPUT) &&
                        --deg[v] == 0)
                        s->order[s->norder++] = v;
                }
        }
        if (s->norder != want) {
            for (int i = 0; i < g->nnodes; i++)
                if ((s->node[i].kind == K_STATIC || s->node[i].kind == K_OUTPUT) && deg[i] > 0) {
                    st = HR_ERROR(HR_EINVAL, "NIR runner: node '%s' is on a cycle of Affine / "
                                  "Linear / Scale nodes only (allowed: cycles through a neuron "
                                  "node)", g->node[i].name);
                    break;
                }
            free(deg);
            goto done;
        }
        free(deg);
    }
    /* Passes: a static node is in pass A if a neuron node is reachable from
     * it through static nodes, in pass B if an Output node is (reverse
     * order sweep). */
    for (int k = s->norder - 1; k >= 0; k--) {
        int u = s->order[k];
        rnode *r = &s->node[u];
        if (r->kind == K_OUTPUT) {
            r->inB = 1;
            continue;
        }
        for (int e = 0; e < g->nedges; e++) {
            if (g->edge[e][0] != u)
                continue;
            rnode *t = &s->node[g->edge[e][1]];
            if (t->kind == K_NEURON)
                r->inA = 1;
            else if (t->kind == K_OUTPUT)
                r->inB = 1;
            else if (t->kind == K_STATIC) {
                r->inA |= t->inA;
                r->inB |= t->inB;
            }
        }
    }
    /* Scalings: recurrent (on a cycle) and input-fed static weights. */
    for (int i = 0; i < g->nnodes; i++) {
        rnode *r = &s->node[i];
        if (r->kind != K_STATIC)
            continue;
        double f = 1;
        if (reaches(g, i, i, seen))
            f *= o->weight_scale;
        for (int k = 0; k < r->npred; k++)
            if (s->node[r->pred[k]].kind == K_INPUT) {
                f *= o->input_scale;
                break;
            }
        if (f != 1) {
            size_t n = r->type == HR_NIR_SCALE ? (size_t)r->n_out : (size_t)r->n_out * (size_t)r->n_in;
            for (size_t k = 0; k < n; k++)
                r->w[k] *= f;
        }
    }
done:
    free(seen);
    if (st) {
        hr_nir_sim_destroy(s);
        return st;
    }
    *out = s;
    return HR_OK;
}

int hr_nir_sim_inputs(const hr_nir_sim *s) { return s->nin; }
int hr_nir_sim_outputs(const hr_nir_sim *s) { return s->nout; }

void hr_nir_sim_reset(hr_nir_sim *s)
{
    for (int i = 0; i < s->nnodes; i++) {
        rnode *r = &s->node[i];
        if (r->kind != K_NEURON)
            continue;
        size_t b = (size_t)r->n_out * sizeof(double);
        memset(r->v, 0, b);
        memset(r->i, 0, b);
        memset(r->z, 0, b);
        memset(r->zprev, 0, b);
    }
}

/* The value node p presents to its successors in pass `pass` (0 = A or the
 * neuron update, 1 = B). */
static const double *value_of(const hr_nir_sim *s, int p, int pass)
{
    const rnode *r = &s->node[p];
    switch (r->kind) {
    case K_INPUT: return s->x + r->in_offset;
    case K_NEURON: return pass ? r->z : r->zprev;
    default: return pass ? r->valB : r->valA;
    }
}

/* Sums node u's incoming values into r->in. */
static void gather(const hr_nir_sim *s, int u, int pass)
{
    rnode *r = &s->node[u];
    int n = r->n_in;
    for (int k = 0; k < n; k++)
        r->in[k] = 0;
    for (int q = 0; q < r->npred; q++) {
        const double *v = value_of(s, r->pred[q], pass);
        for (int k = 0; k < n; k++)
            r->in[k] += v[k];
    }
}

static void eval_static(const hr_nir_sim *s, int u, int pass)
{
    rnode *r = &s->node[u];
    gather(s, u, pass);
    double *y = pass ? r->valB : r->valA;
    if (r->kind == K_OUTPUT) {
        memcpy(y, r->in, (size_t)r->n_out * sizeof *y);
        return;
    }
    if (r->type == HR_NIR_SCALE) {
        for (int k = 0; k < r->n_out; k++)
            y[k] = r->w[k] * r->in[k];
        return;
    }
    for (int o = 0; o < r->n_out; o++) {
        const double *w = r->w + (size_t)o * (size_t)r->n_in;
        double acc = r->b ? r->b[o] : 0;
        for (int k = 0; k < r->n_in; k++)
            acc += w[k] * r->in[k];
        y[o] = acc;
    }
}

static void update_neuron(const hr_nir_sim *s, int u)
{
    rnode *r = &s->node[u];
    gather(s, u, 0);
    const double dt = s->dt;
    for (int k = 0; k < r->n_out; k++) {
        double in = r->in[k], v = r->v[k];
        switch (r->type) {
        case HR_NIR_LIF:
        case HR_NIR_LI:
            v += r->ka[k] * (r->kl[k] - v + r->kr[k] * in);
            break;
        case HR_NIR_CUBALIF:
        case HR_NIR_CUBALI:
            r->i[k] += r->kb[k] * (r->win[k] * in - r->i[k]);
            v += r->ka[k] * (r->kl[k] - v + r->kr[k] * r->i[k]);
            break;
        default: /* I, IF */
            v += dt * r->kr[k] * in;
        }
        if (spiking(r->type)) {
            int z = v > r->th[k];
            r->z[k] = z;
            if (z)
                v = r->vr[k];
        } else {
            r->z[k] = v;
        }
        r->v[k] = v;
    }
}

void hr_nir_sim_step(hr_nir_sim *s, const double *x, double *y)
{
    s->x = x;
    for (int i = 0; i < s->nnodes; i++)
        if (s->node[i].kind == K_NEURON)
            memcpy(s->node[i].zprev, s->node[i].z, (size_t)s->node[i].n_out * sizeof(double));
    for (int k = 0; k < s->norder; k++)
        if (s->node[s->order[k]].inA)
            eval_static(s, s->order[k], 0);
    for (int i = 0; i < s->nnodes; i++)
        if (s->node[i].kind == K_NEURON)
            update_neuron(s, i);
    for (int k = 0; k < s->norder; k++)
        if (s->node[s->order[k]].inB)
            eval_static(s, s->order[k], 1);
    if (y)
        for (int i = 0; i < s->nnodes; i++)
            if (s->node[i].kind == K_OUTPUT)
                memcpy(y + s->node[i].out_offset, s->node[i].valB,
                       (size_t)s->node[i].n_out * sizeof *y);
}

int hr_nir_sim_state(const hr_nir_sim *s, enum hr_nir_var var, int only, double *out)
{
    int n = 0;
    for (int i = 0; i < s->nnodes; i++) {
        const rnode *r = &s->node[i];
        if (r->kind != K_NEURON || (only >= 0 && i != only))
            continue;
        for (int k = 0; k < r->n_out; k++, n++)
            if (out)
                out[n] = var == HR_NIR_VAR_V ? r->v[k]
                       : var == HR_NIR_VAR_I ? r->i[k]
                       : spiking(r->type) ? r->z[k] : 0;
    }
    return n;
}
