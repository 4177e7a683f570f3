/* substrate_nir.c — a NIR graph file as a substrate (kind `nir`): a
 * reservoir designed or trained in snnTorch, Norse, Lava or exported by
 * `hydrores export` runs in the pipeline and can be evolved through its
 * scalings (tau_scale, weight_scale, in_weight_scale, threshold_scale,
 * input_scale are ordinary numeric settings, so genes can target them).
 *
 * The graph is read with interface/nir.h (NIR's own checks) and run by
 * reservoir/nirgraph.h's runner (forward Euler at `dt`, neuron-to-neuron
 * paths one step, see there). The stimulus is sampled every dt
 * (reservoir/drive.h) and becomes the graph input: as it is times
 * input_scale (encoding none), or through loihi-lif's encoders (current,
 * rate, delta: reservoir/substrate_loihi.h), so a graph exported from a
 * loihi-lif reservoir sees the messages the chip would. Trace sample k is
 * taken after step k window, as loihi-lif does. */
#include "interface/nir.h"
#include "base/status.h"
#include "reservoir/drive.h"
#include "reservoir/substrate.h"
#include "reservoir/substrate_loihi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct nir_cfg {
    char file[128];          /* the NIR file */
    double dt;               /* step (s); 0: the graph's metadata "dt" */
    int inputs;              /* stimulus channels (0: from the graph) */
    int encoding;            /* 0 none, else 1 + hr_loihi_encoding */
    double input_scale;      /* none: graph input = input_scale x; else the encoder's scale */
    int input_bits;          /* current encoding */
    double threshold;        /* delta encoding */
    int record;              /* 0 output, 1 v, 2 i, 3 spikes */
    char node[128];          /* record only this neuron node ("": all) */
    int window;              /* steps per trace sample */
    int probes;              /* values recorded (the first ones; 0: all) */
    double tau_scale, weight_scale, in_weight_scale, threshold_scale; /* scalings */
} nir_cfg;

#define NC nir_cfg
static const hr_param_spec nir_params[] = {
    HR_TEXT_AT(NC, file, "file", "", "the NIR graph file (HDF5, NIR's layout)"),
    HR_NUMBER_AT(NC, dt, "dt", 0, 0, 1e6, "time step (s); 0: the graph's metadata entry 'dt' (hydrores exports write it)"),
    HR_INT_AT(NC, inputs, "inputs", 0, 0, 1024, "stimulus channels (0: as many as the graph input takes)"),
    HR_CHOICE_AT(NC, encoding, "encoding", "none|" HR_LOIHI_ENCODINGS, "none", "how the stimulus becomes the graph input: as it is (times input_scale), or loihi-lif's encoders"),
    HR_NUMBER_AT(NC, input_scale, "input_scale", 1, -1e9, 1e9, "graph input per unit of stimulus (none), or the encoder's scale (as loihi-lif)"),
    HR_INT_AT(NC, input_bits, "input_bits", 8, 2, 24, "current encoding: signed message bits"),
    HR_NUMBER_AT(NC, threshold, "threshold", 0.05, 1e-12, 1e12, "delta encoding: input change per spike"),
    HR_CHOICE_AT(NC, record, "record", "output|v|i|spikes", "output", "what the probes record: the Output nodes, or the neuron nodes' voltage, synaptic current or spikes"),
    HR_TEXT_AT(NC, node, "node", "", "record only this neuron node (empty: all, in name order)"),
    HR_INT_AT(NC, window, "window", 1, 1, 1000000, "steps per trace sample (dt_out = window * dt)"),
    HR_INT_AT(NC, probes, "probes", 0, 0, 1000000, "values recorded (the first ones; 0: all)"),
    HR_NUMBER_AT(NC, tau_scale, "tau_scale", 1, 1e-6, 1e6, "every time constant times this"),
    HR_NUMBER_AT(NC, weight_scale, "weight_scale", 1, -1e6, 1e6, "weights of the recurrent (on-a-cycle) Affine / Linear / Scale nodes times this"),
    HR_NUMBER_AT(NC, in_weight_scale, "in_weight_scale", 1, -1e6, 1e6, "weights of the nodes fed by Input nodes times this"),
    HR_NUMBER_AT(NC, threshold_scale, "threshold_scale", 1, 1e-6, 1e6, "every v_threshold times this"),
    HR_PARAMS_END,
};
#undef NC

typedef struct nir_state {
    nir_cfg cfg;          /* settings */
    hr_nir_graph *g;      /* the graph */
    hr_nir_sim *sim;      /* its runner */
    double dt;            /* step */
    int nchannels;        /* stimulus channels */
    int nin, nout;        /* graph input / output sizes */
    int only;             /* node index recorded, or -1 */
    int nvals, nprobes;   /* recordable values, recorded */
    hr_loihi_encoder enc; /* encoder (encoding != none) */
    int32_t *lines;       /* encoded messages */
    double *x, *y, *vals; /* graph input, output, recorded values */
    long steps;           /* statistics */
    double msgs;
} nir_state;

static void nir_close(void *state)
{
    nir_state *k = state;
    hr_nir_sim_destroy(k->sim);
    hr_nir_graph_destroy(k->g);
    hr_loihi_encoder_free(&k->enc);
    free(k->lines);
    free(k->x);
    free(k->y);
    free(k->vals);
    memset(k, 0, sizeof *k);
}

static int nir_open(void *state, const hr_section *set)
{
    nir_state *k = state;
    nir_cfg *c = &k->cfg;
    hr_section_decode(set, c);
    if (!c->file[0])
        return HR_ERROR(HR_EINVAL, "substrate.file is empty (allowed: the path of a NIR graph "
                        "file)");
    int st = hr_nir_read(c->file, &k->g);
    if (st)
        return st;
    k->dt = c->dt;
    if (k->dt == 0) {
        const hr_nir_meta *m = hr_nir_meta_find(k->g, "dt");
        if (!m || m->text || !(m->num > 0) || !isfinite(m->num))
            return HR_ERROR(HR_EINVAL, "%s: the graph has no metadata 'dt' (a positive number), "
                            "so substrate.dt must be set (allowed: dt > 0 seconds)", c->file);
        k->dt = m->num;
    }
    hr_nir_sim_opts o = {.dt = k->dt, .tau_scale = c->tau_scale, .weight_scale = c->weight_scale,
                         .input_scale = c->in_weight_scale, .threshold_scale = c->threshold_scale};
    st = hr_nir_sim_create(&k->sim, k->g, &o);
    if (st)
        return hr_error_prefix(st, "%s", c->file);
    k->nin = hr_nir_sim_inputs(k->sim);
    k->nout = hr_nir_sim_outputs(k->sim);
    int per = c->encoding == 0 || c->encoding == 1 + HR_LOIHI_ENC_CURRENT ? 1 : 2;
    if (k->nin % per)
        return HR_ERROR(HR_EINVAL, "%s: the graph takes %d inputs, but %s encoding needs two per "
                        "channel (on and off lines)", c->file, k->nin,
                        c->encoding == 1 + HR_LOIHI_ENC_RATE ? "rate" : "delta");
    k->nchannels = c->inputs ? c->inputs : k->nin / per;
    if (k->nchannels * per != k->nin)
        return HR_ERROR(HR_EINVAL, "substrate.inputs = %d channels give %d graph inputs, but %s "
                        "takes %d (allowed: inputs = %d or 0)", c->inputs, k->nchannels * per,
                        c->file, k->nin, k->nin / per);
    if (c->encoding) {
        st = hr_loihi_encoder_init(&k->enc, c->encoding - 1, k->nchannels, c->input_scale,
                                   c->input_bits, c->threshold);
        if (st)
            return st;
    }
    k->only = -1;
    if (c->node[0]) {
        for (int i = 0; i < k->g->nnodes; i++)
            if (strcmp(k->g->node[i].name, c->node) == 0)
                k->only = i;
        if (k->only < 0 || hr_nir_sim_state(k->sim, HR_NIR_VAR_V, k->only, NULL) == 0)
            return HR_ERROR(HR_EINVAL, "substrate.node = '%s' is not a neuron node of %s", c->node,
                            c->file);
    }
    k->nvals = c->record == 0 ? k->nout : hr_nir_sim_state(k->sim, HR_NIR_VAR_V, k->only, NULL);
    if (k->nvals == 0)
        return HR_ERROR(HR_EINVAL, "%s: nothing to record (substrate.record = %s finds no values)",
                        c->file, c->record == 0 ? "output" : "v/i/spikes");
    if (c->probes > k->nvals)
        return HR_ERROR(HR_ERANGE, "substrate.probes = %d is more than the %d values recorded "
                        "(allowed: 0 .. %d)", c->probes, k->nvals, k->nvals);
    k->nprobes = c->probes ? c->probes : k->nvals;
    k->lines = calloc((size_t)k->nin, sizeof *k->lines);
    k->x = calloc((size_t)k->nin, sizeof *k->x);
    k->y = calloc((size_t)k->nout, sizeof *k->y);
    k->vals = calloc((size_t)k->nvals, sizeof *k->vals);
    if (!k->lines || !k->x || !k->y || !k->vals)
        return HR_ERROR(HR_ENOMEM, "out of memory for the NIR substrate");
    return HR_OK;
}

static int nir_probes(const void *state, int *nprobes, double *dt)
{
    const nir_state *k = state;
    *nprobes = k->nprobes;
    *dt = k->cfg.window * k->dt;
    return HR_OK;
}

static int nir_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    nir_state *k = state;
    const nir_cfg *c = &k->cfg;
    int nc = k->nchannels, win = c->window;
    long nsteps = (long)(tr->nt - 1) * win + 1;
    if (nsteps > 100000000L)
        return HR_ERROR(HR_ERANGE, "nir: %ld steps for one stimulus (allowed: at most 1e8)",
                        nsteps);
    double *u = malloc((size_t)nsteps * (size_t)nc * sizeof *u);
    if (!u)
        return HR_ERROR(HR_ENOMEM, "out of memory sampling the stimulus (%ld steps)", nsteps);
    int st = hr_stimulus_sample(stim, k->dt, (int)nsteps, nc, u);
    if (st) {
        free(u);
        return st;
    }
    hr_nir_sim_reset(k->sim);
    if (c->encoding)
        hr_loihi_encoder_reset(&k->enc);
    double msgs = 0;
    static const enum hr_nir_var var[] = {HR_NIR_VAR_V, HR_NIR_VAR_V, HR_NIR_VAR_I, HR_NIR_VAR_Z};
    for (long s = 0; s < nsteps; s++) {
        const double *xs = u + (size_t)s * (size_t)nc;
        if (c->encoding) {
            msgs += hr_loihi_encoder_step(&k->enc, xs, k->lines);
            for (int i = 0; i < k->nin; i++)
                k->x[i] = k->lines[i];
        } else {
            for (int i = 0; i < k->nin; i++)
                k->x[i] = c->input_scale * xs[i];
        }
        hr_nir_sim_step(k->sim, k->x, k->y);
        if (s % win)
            continue;
        const double *v = k->y;
        if (c->record) {
            hr_nir_sim_state(k->sim, var[c->record], k->only, k->vals);
            v = k->vals;
        }
        long j = s / win;
        for (int p = 0; p < k->nprobes; p++)
            tr->data[(size_t)p * (size_t)tr->nt + (size_t)j] = v[p];
    }
    free(u);
    k->steps = nsteps;
    k->msgs = msgs;
    return HR_OK;
}

static int nir_probe_info(const void *state, int p, hr_probe_info *info)
{
    const nir_state *k = state;
    snprintf(info->name, sizeof info->name, "%s%d", k->cfg.record ? "neuron" : "output", p);
    snprintf(info->units, sizeof info->units, "%s", k->cfg.record == 3 ? "spike" : "nir");
    return HR_OK;
}

static int nir_costs(const void *state, hr_costs *o)
{
    const nir_state *k = state;
    double weights = 0;
    for (int i = 0; i < k->g->nnodes; i++) {
        const hr_nir_node *nd = &k->g->node[i];
        const hr_nir_array *w = hr_nir_param(nd, nd->type == HR_NIR_SCALE ? "scale" : "weight");
        if (w && (nd->type == HR_NIR_AFFINE || nd->type == HR_NIR_LINEAR || nd->type == HR_NIR_SCALE))
            weights += (double)w->n;
    }
    o->synaptic_ops = weights; /* dense evaluation: every weight every step */
    o->messages = k->steps > 0 && k->cfg.encoding ? k->msgs / (double)k->steps : NAN;
    o->neuron_updates = hr_nir_sim_state(k->sim, HR_NIR_VAR_V, -1, NULL);
    o->weight_bits = 64;
    o->weight_bytes = weights * 8;
    o->state_bits = 64;
    o->state_bytes = o->neuron_updates * 2 * 8;
    return HR_OK;
}

/* The graph NIR's own writer made (tests/reference/nir; paths are relative
 * to the working folder, the repository root in the tests). */
static const char *const nir_example[] = {"file=tests/reference/nir/written_by_nir.nir",
                                          "input_scale=20", NULL};

const hr_substrate_type hr_substrate_nir = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "nir",
             .doc = "a NIR graph file (LIF, CubaLIF, LI, CubaLI, I, IF, Affine, Linear, Scale nodes; recurrent edges allowed), forward Euler at dt",
             .params = nir_params},
    .state_size = sizeof(nir_state),
    .open = nir_open,
    .probes = nir_probes,
    .run = nir_run,
    .close = nir_close,
    .probe_info = nir_probe_info,
    .costs = nir_costs,
    .example = nir_example,
    .example_sources = 2,
};
