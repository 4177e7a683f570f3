/* substrate_esn.c — the leaky echo state network (reservoir/esn.h) as a
 * substrate. The stimulus's sources are sampled every dt into the input
 * sequence (source index i drives input i, reservoir/drive.h); the network
 * starts from x = 0 and trace k is the state after input k (at t = k dt),
 * as ReservoirPy's Reservoir.run gives it. */
#include "reservoir/esn.h"
#include "base/status.h"
#include "reservoir/digital.h"
#include "reservoir/substrate_digital.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The decoded settings. */
typedef struct esn_settings {
    int units, inputs;           /* n, m */
    double sr, lr;               /* spectral radius, leak rate */
    double input_scaling, bias_scaling;
    double connectivity, input_connectivity;
    int w_dist, win_dist, bias_dist; /* enum hr_dist */
    int activation;              /* enum hr_activation */
    int seed;                    /* weights */
    double input_density;        /* pruning of W_in */
    int prune_rescale;           /* 1: rescale W to sr after pruning */
    hr_digital_settings d;       /* sampling, probes, pruning of W, quantization */
} esn_settings;

static const hr_param_spec esn_params[] = {
    HR_INT_AT(esn_settings, units, "units", 100, 1, 20000, "reservoir units n"),
    HR_INT_AT(esn_settings, inputs, "inputs", 1, 0, HR_STIMULUS_MAX_SOURCES, "input channels (stimulus source indices 0 .. inputs-1)"),
    HR_NUMBER_AT(esn_settings, sr, "sr", 0.9, 1e-6, 100, "spectral radius W is rescaled to (computed with ARPACK)"),
    HR_NUMBER_AT(esn_settings, lr, "lr", 1, 1e-6, 1, "leak rate: x = (1 - lr) x + lr tanh(W x + W_in u + b)"),
    HR_NUMBER_AT(esn_settings, input_scaling, "input_scaling", 1, 0, 1e6, "W_in = input_scaling x draws"),
    HR_NUMBER_AT(esn_settings, bias_scaling, "bias_scaling", 1, 0, 1e6, "b = bias_scaling x draws (0: no bias)"),
    HR_NUMBER_AT(esn_settings, connectivity, "connectivity", 0.1, 1e-6, 1, "density of W when drawn (ReservoirPy's rc_connectivity)"),
    HR_NUMBER_AT(esn_settings, input_connectivity, "input_connectivity", 0.1, 1e-6, 1, "density of W_in and b when drawn"),
    HR_CHOICE_AT(esn_settings, w_dist, "w_dist", HR_DIST_CHOICES, "normal", "distribution of W's nonzeros"),
    HR_CHOICE_AT(esn_settings, win_dist, "win_dist", HR_DIST_CHOICES, "bernoulli", "distribution of W_in's nonzeros"),
    HR_CHOICE_AT(esn_settings, bias_dist, "bias_dist", HR_DIST_CHOICES, "bernoulli", "distribution of b's nonzeros"),
    HR_CHOICE_AT(esn_settings, activation, "activation", "tanh|identity", "tanh", "activation f"),
    HR_INT_AT(esn_settings, seed, "seed", 1, 0, 2147483647, "seed of the weights (W: seed, W_in: seed + 1, b: seed + 2)"),
    HR_NUMBER_AT(esn_settings, input_density, "input_density", 1, 0, 1, "magnitude pruning of W_in to this density"),
    HR_INT_AT(esn_settings, prune_rescale, "prune_rescale", 1, 0, 1, "1: rescale W to sr after pruning it; 0: prune after rescaling"),
    HR_DIGITAL_PARAMS(esn_settings, d, 1, 1),
    HR_PARAMS_END,
};

typedef struct esn_state {
    hr_esn *net;     /* the network */
    int *probes;     /* traced units */
    int nprobes;
    double dt;       /* input step */
    double *u;       /* input sequence scratch */
    size_t ucap;     /* its capacity (doubles) */
} esn_state;

static int esn_open(void *state, const hr_section *set)
{
    esn_state *k = state;
    esn_settings s;
    memset(&s, 0, sizeof s);
    hr_section_decode(set, &s);
    hr_fixed_spec fx;
    int st = hr_digital_fixed(&s.d, "esn", &fx);
    if (st)
        return st;
    hr_esn_params p = hr_esn_params_default();
    p.units = s.units;
    p.inputs = s.inputs;
    p.sr = s.sr;
    p.lr = s.lr;
    p.input_scaling = s.input_scaling;
    p.bias_scaling = s.bias_scaling;
    p.rc_connectivity = s.connectivity;
    p.input_connectivity = s.input_connectivity;
    p.w_dist = s.w_dist;
    p.win_dist = s.win_dist;
    p.bias_dist = s.bias_dist;
    p.activation = s.activation;
    p.seed = (unsigned long)s.seed;
    p.density = s.d.density;
    p.input_density = s.input_density;
    p.prune_rescale = s.prune_rescale;
    k->dt = s.d.dt;
    if ((st = hr_esn_create(&k->net, &p, &fx)))
        return hr_error_prefix(st, "substrate esn");
    return hr_digital_probes(&s.d, s.units, "esn", &k->probes, &k->nprobes);
}

static int esn_probes(const void *state, int *nprobes, double *dt)
{
    const esn_state *k = state;
    *nprobes = k->nprobes;
    *dt = k->dt;
    return HR_OK;
}

static int esn_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    esn_state *k = state;
    int m = hr_esn_inputs(k->net);
    int st = hr_digital_inputs(stim, k->dt, tr->nt, m, &k->u, &k->ucap);
    if (st)
        return hr_error_prefix(st, "substrate esn (substrate.inputs = %d)", m);
    hr_esn_reset(k->net);
    hr_esn_run(k->net, k->u, tr->nt, k->probes, k->nprobes, tr->data);
    for (size_t i = 0; i < (size_t)k->nprobes * (size_t)tr->nt; i++)
        if (!isfinite(tr->data[i]))
            return HR_ERROR(HR_EUNSTABLE, "substrate esn: the state became %g (allowed: finite; "
                            "with activation = identity keep sr below 1)", tr->data[i]);
    return HR_OK;
}

static void esn_close(void *state)
{
    esn_state *k = state;
    hr_esn_destroy(k->net);
    free(k->probes);
    free(k->u);
    memset(k, 0, sizeof *k);
}

static int esn_probe_info(const void *state, int p, hr_probe_info *info)
{
    const esn_state *k = state;
    snprintf(info->name, sizeof info->name, "unit%d", k->probes[p]);
    return HR_OK;
}

static int esn_costs(const void *state, hr_costs *out)
{
    const esn_state *k = state;
    hr_esn_costs(k->net, out);
    return HR_OK;
}

static const char *const esn_example[] = {"units=20", "inputs=2", "dt=0.5", "nprobes=5", NULL};

const hr_substrate_type hr_substrate_esn = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "esn",
             .doc = "leaky echo state network as ReservoirPy defines it: sparse W at a computed "
                    "spectral radius, pruning, quantization, fixed point",
             .params = esn_params},
    .state_size = sizeof(esn_state),
    .open = esn_open,
    .probes = esn_probes,
    .run = esn_run,
    .close = esn_close,
    .probe_info = esn_probe_info,
    .costs = esn_costs,
    .example = esn_example,
    .example_sources = 2,
};

const hr_esn *hr__substrate_esn_net(const hr_substrate *s)
{
    return s && s->type == &hr_substrate_esn ? ((const esn_state *)s->state)->net : NULL;
}
