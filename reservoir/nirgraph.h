/* nirgraph.h — NIR graphs (the Neuromorphic Intermediate Representation,
 * neuromorphs/NIR 1.0, commit 7232ada) in memory: nodes of NIR's types with
 * their parameters by NIR's names, edges, metadata; the checks nir.read
 * makes when it builds a graph (parameter names, missing-parameter
 * defaults, equal shapes, the types along every edge); and a discrete-time
 * runner for graphs of Input, Output, Affine, Linear, Scale, LIF, CubaLIF,
 * LI, CubaLI, I (integrator) and IF nodes, recurrent edges allowed. Files:
 * interface/nir.h reads and writes them (HDF5); this module never touches
 * a file. The runner's equations are in nirgraph.c. */
#ifndef HR_NIRGRAPH_H
#define HR_NIRGRAPH_H

#include <stddef.h>

/* NIR's node types (the classes nir.ir exports), in its order. */
enum hr_nir_type {
    HR_NIR_CONV1D = 0, HR_NIR_CONV2D, HR_NIR_DELAY, HR_NIR_FLATTEN, HR_NIR_INPUT,
    HR_NIR_GRAPH, HR_NIR_OUTPUT, HR_NIR_AFFINE, HR_NIR_LINEAR, HR_NIR_SCALE, HR_NIR_CUBALI,
    HR_NIR_CUBALIF, HR_NIR_I, HR_NIR_IF, HR_NIR_LI, HR_NIR_LIF, HR_NIR_AVGPOOL2D,
    HR_NIR_SUMPOOL2D, HR_NIR_THRESHOLD, HR_NIR_NTYPES
};

#define HR_NIR_MAX_PARAMS 8
#define HR_NIR_MAX_RANK 4
#define HR_NIR_NAME 128

/* One parameter (one HDF5 dataset of a node group). */
typedef struct hr_nir_array {
    char name[32];                /* NIR's parameter name ("tau_mem") */
    int rank;                     /* 0 for a scalar dataset */
    size_t dims[HR_NIR_MAX_RANK]; /* shape, C order */
    size_t n;                     /* elements (1 for a scalar) */
    double *v;                    /* values (owned) */
    int is_int;                   /* integer data (written as int64) */
} hr_nir_array;

/* One metadata entry: text or a number. */
typedef struct hr_nir_meta {
    char key[64];  /* dataset name in the metadata group */
    char *text;    /* the string (owned), or NULL for a number */
    double num;    /* the number (text == NULL) */
} hr_nir_meta;

typedef struct hr_nir_node {
    char name[HR_NIR_NAME];           /* node name (its group's name) */
    enum hr_nir_type type;            /* node type */
    int nparams;                      /* parameters */
    hr_nir_array param[HR_NIR_MAX_PARAMS];
    int nmeta;                        /* metadata entries */
    hr_nir_meta *meta;                /* (owned) */
    long in, out;                     /* vector sizes (hr_nir_graph_check; -1: unknown) */
    int in_rank, out_rank;            /* ranks of the input and output types (-1: unknown) */
    long in_shape[HR_NIR_MAX_RANK];   /* NIR's input_type */
    long out_shape[HR_NIR_MAX_RANK];  /* NIR's output_type */
} hr_nir_node;

typedef struct hr_nir_graph {
    char version[32];      /* the file's /version ("" if none) */
    int nnodes;            /* nodes */
    hr_nir_node *node;     /* (owned) */
    int nedges;            /* edges */
    int (*edge)[2];        /* (source, target) node indices (owned) */
    int nmeta;             /* graph metadata entries */
    hr_nir_meta *meta;     /* (owned) */
} hr_nir_graph;

/* The type's name as NIR writes it ("CubaLIF"); "?" if out of range. */
const char *hr_nir_type_name(enum hr_nir_type t);

/* The type of a name, or -1 if NIR has no such node type. */
int hr_nir_type_parse(const char *name);

/* Allocates an empty graph (NULL on allocation failure). */
hr_nir_graph *hr_nir_graph_create(void);

/* Frees; NULL is allowed. */
void hr_nir_graph_destroy(hr_nir_graph *g);

/* Adds a node (name unique, 1 .. 127 bytes, no '/'); *out (may be NULL)
 * receives its index. HR_EINVAL for a bad or repeated name. */
int hr_nir_add_node(hr_nir_graph *g, const char *name, enum hr_nir_type type, int *out);

/* Adds (copies) parameter `name` of node `i`: rank 0 .. 4, dims, values. */
int hr_nir_set_param(hr_nir_graph *g, int i, const char *name, int rank, const size_t *dims,
                     const double *v, int is_int);

/* Convenience: a rank-1 parameter of n values. */
int hr_nir_set_vector(hr_nir_graph *g, int i, const char *name, size_t n, const double *v);

/* The parameter `name` of a node, or NULL. */
const hr_nir_array *hr_nir_param(const hr_nir_node *nd, const char *name);

/* Adds an edge between the nodes named src and dst (HR_EINVAL naming the
 * missing node if either does not exist). */
int hr_nir_add_edge(hr_nir_graph *g, const char *src, const char *dst);

/* Adds metadata to the graph (node < 0) or to node `node`: text (copied)
 * if text != NULL, else the number. */
int hr_nir_add_meta(hr_nir_graph *g, int node, const char *key, const char *text, double num);

/* The graph metadata entry `key`, or NULL. */
const hr_nir_meta *hr_nir_meta_find(const hr_nir_graph *g, const char *key);

/* What nir.read checks when it builds the graph, with its defaults: every
 * parameter of a node must be one its type takes (else "unexpected
 * parameter"), every required one present; a missing v_reset becomes
 * zeros (LIF, CubaLIF, IF) and a missing w_in ones (CubaLIF, CubaLI);
 * neuron parameters all have one shape; weights are at least 2-D; Input and
 * Output shapes are 1-D integers; and along every edge the source's output
 * size is the target's input size. Fills every node's in/out. `where`
 * (the file name) prefixes messages. HR_EPARSE on the first fault. */
int hr_nir_graph_check(hr_nir_graph *g, const char *where);

/* ---- The runner ----
 * Discretisation (forward Euler at step dt, NIR's equations; spikes are 1
 * in the step they happen, S = z):
 *   LIF      v += dt/tau (v_leak - v + r I);  z = v > v_threshold;  v = v_reset where z
 *   CubaLIF  i += dt/tau_syn (w_in I - i);  v += dt/tau_mem (v_leak - v + r i);  z, reset as LIF
 *   LI       v += dt/tau (v_leak - v + r I);  output v
 *   CubaLI   i as CubaLIF, v as LI with r i;  output v
 *   I        v += dt r I;  output v
 *   IF       v += dt r I;  z = v > v_threshold;  v = v_reset where z
 *   Affine W x + b, Linear W x, Scale s * x: instantaneous.
 * A node's input I is the sum over its incoming edges. Timing: all neuron
 * nodes update together once per step. They read the static nodes
 * (Affine, Linear, Scale) evaluated on this step's graph input and on the
 * outputs every neuron node had at the end of the previous step, so a path
 * from one neuron node to another (a recurrent edge, or the next layer)
 * takes one step, as a synapse does on Loihi; the Output nodes report the
 * static nodes evaluated on the outputs after the update. Cycles through
 * static nodes only are refused. */

typedef struct hr_nir_sim hr_nir_sim;

/* Scalings applied when the runner is built (genes act on them). */
typedef struct hr_nir_sim_opts {
    double dt;               /* step (s), > 0 */
    double tau_scale;        /* every time constant times this */
    double weight_scale;     /* weights of the static nodes on cycles (recurrent) */
    double input_scale;      /* weights of the static nodes fed by Input nodes */
    double threshold_scale;  /* every v_threshold times this */
} hr_nir_sim_opts;

/* Builds a runner for a checked graph (hr_nir_graph_check). HR_ENOTSUP
 * naming the node for types the runner does not run, HR_EINVAL for a
 * static cycle, non-finite or non-positive time constants, a graph without
 * Input or Output nodes. The graph must outlive the runner. */
int hr_nir_sim_create(hr_nir_sim **out, const hr_nir_graph *g, const hr_nir_sim_opts *o);

/* Frees; NULL is allowed. */
void hr_nir_sim_destroy(hr_nir_sim *s);

/* Graph input and output sizes (Input / Output nodes in name order,
 * concatenated). */
int hr_nir_sim_inputs(const hr_nir_sim *s);
int hr_nir_sim_outputs(const hr_nir_sim *s);

/* Back to rest: every state 0 (v = 0, not v_leak: as NIR backends start). */
void hr_nir_sim_reset(hr_nir_sim *s);

/* One step with graph input x (hr_nir_sim_inputs values); y (may be NULL)
 * receives the outputs. */
void hr_nir_sim_step(hr_nir_sim *s, const double *x, double *y);

/* What the runner can record of its neuron nodes. */
enum hr_nir_var { HR_NIR_VAR_V = 0, HR_NIR_VAR_I = 1, HR_NIR_VAR_Z = 2 };

/* The neuron nodes' values of `var` after the last step, concatenated in
 * node order (only node `only` if >= 0): their number, and the values into
 * out (if not NULL). I is 0 for nodes without a synaptic current, z is 0
 * for non-spiking nodes. */
int hr_nir_sim_state(const hr_nir_sim *s, enum hr_nir_var var, int only, double *out);

#endif
