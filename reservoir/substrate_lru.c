/* substrate_lru.c — the diagonal linear recurrent unit (reservoir/lru.h) as a
 * substrate. Inputs are the stimulus sampled every dt (source index i drives
 * input i); the layer starts from x = 0; trace k is taken after input k.
 * Traces are Re and Im of the probed state units (trace = state: two traces
 * per unit, "unitJ.re", "unitJ.im") or the outputs y (trace = output). */
#include "reservoir/lru.h"
#include "base/status.h"
#include "reservoir/digital.h"
#include "reservoir/substrate_digital.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The decoded settings. */
typedef struct lru_settings {
    int units, inputs, outputs;
    int init;                         /* enum hr_lru_init */
    double r_min, r_max, theta_max;   /* ring */
    int normalize;
    double a_min, a_max, w_max, delta; /* zoh */
    double b_scale, c_scale, d_scale;
    int nonlinearity;                 /* enum hr_lru_nonlin */
    int trace;                        /* enum hr_lru_trace */
    int seed;
    double input_density;            /* pruning of B */
    hr_digital_settings d;
} lru_settings;

static const hr_param_spec lru_params[] = {
    HR_INT_AT(lru_settings, units, "units", 64, 1, 100000, "complex state units n"),
    HR_INT_AT(lru_settings, inputs, "inputs", 1, 0, HR_STIMULUS_MAX_SOURCES, "input channels (stimulus source indices 0 .. inputs-1)"),
    HR_INT_AT(lru_settings, outputs, "outputs", 0, 0, 100000, "outputs h of y = g(Re(C x) + D u) (0: none)"),
    HR_CHOICE_AT(lru_settings, init, "init", "ring|zoh", "ring", "ring: the LRU's initialisation; zoh: continuous-time modes discretised by zero-order hold (S5)"),
    HR_NUMBER_AT(lru_settings, r_min, "r_min", 0.4, 0, 0.999999, "ring: smallest |lambda|"),
    HR_NUMBER_AT(lru_settings, r_max, "r_max", 0.99, 0, 0.999999, "ring: largest |lambda| (below 1: stable)"),
    HR_NUMBER_AT(lru_settings, theta_max, "theta_max", 3.141592653589793, 0, 6.283185307179586, "ring: phases uniform in [0, theta_max]"),
    HR_INT_AT(lru_settings, normalize, "normalize", 1, 0, 1, "ring: 1 = B rows times sqrt(1 - |lambda|^2)"),
    HR_NUMBER_AT(lru_settings, a_min, "a_min", 0.01, 1e-9, 1e6, "zoh: smallest decay rate (Re Lambda_c = -a)"),
    HR_NUMBER_AT(lru_settings, a_max, "a_max", 0.5, 1e-9, 1e6, "zoh: largest decay rate"),
    HR_NUMBER_AT(lru_settings, w_max, "w_max", 3.141592653589793, 0, 1e6, "zoh: Im Lambda_c uniform in [0, w_max]"),
    HR_NUMBER_AT(lru_settings, delta, "delta", 1, 1e-9, 1e6, "zoh: step Delta of the discretisation"),
    HR_NUMBER_AT(lru_settings, b_scale, "b_scale", 1, 0, 1e6, "scaling of B's draws"),
    HR_NUMBER_AT(lru_settings, c_scale, "c_scale", 1, 0, 1e6, "scaling of C's draws"),
    HR_NUMBER_AT(lru_settings, d_scale, "d_scale", 0, 0, 1e6, "scaling of D's draws (0: no D)"),
    HR_CHOICE_AT(lru_settings, nonlinearity, "nonlinearity", HR_LRU_NONLIN_CHOICES, "none", "g applied to y elementwise"),
    HR_CHOICE_AT(lru_settings, trace, "trace", "state|output", "state", "traces: Re and Im of state units, or the outputs y"),
    HR_INT_AT(lru_settings, seed, "seed", 1, 0, 2147483647, "seed of the parameters"),
    HR_NUMBER_AT(lru_settings, input_density, "input_density", 1, 0, 1, "magnitude pruning of B to this density (density prunes C)"),
    HR_DIGITAL_PARAMS(lru_settings, d, 2, 1),
    HR_PARAMS_END,
};

typedef struct lru_state {
    hr_lru *net;   /* the layer */
    int trace;     /* enum hr_lru_trace */
    int *idx;      /* traced units or outputs */
    int nidx;
    double dt;     /* input step */
    double *u;     /* input scratch */
    size_t ucap;
} lru_state;

static int lru_open(void *state, const hr_section *set)
{
    lru_state *k = state;
    lru_settings s;
    memset(&s, 0, sizeof s);
    hr_section_decode(set, &s);
    hr_fixed_spec fx;
    int st = hr_digital_fixed(&s.d, "lru", &fx);
    if (st)
        return st;
    if (s.trace == HR_LRU_TRACE_OUTPUT && s.outputs == 0)
        return HR_ERROR(HR_EINVAL, "substrate lru: trace = output but outputs = 0 (allowed: "
                        "outputs >= 1, or trace = state)");
    hr_lru_params p = hr_lru_params_default();
    p.units = s.units;
    p.inputs = s.inputs;
    p.outputs = s.outputs;
    p.init = s.init;
    p.r_min = s.r_min;
    p.r_max = s.r_max;
    p.theta_max = s.theta_max;
    p.normalize = s.normalize;
    p.a_min = s.a_min;
    p.a_max = s.a_max;
    p.w_max = s.w_max;
    p.delta = s.delta;
    p.b_scale = s.b_scale;
    p.c_scale = s.c_scale;
    p.d_scale = s.d_scale;
    p.nonlin = s.nonlinearity;
    p.seed = (unsigned long)s.seed;
    p.density = s.d.density;
    p.input_density = s.input_density;
    k->dt = s.d.dt;
    k->trace = s.trace;
    if ((st = hr_lru_create(&k->net, &p, &fx)))
        return hr_error_prefix(st, "substrate lru");
    int n = s.trace == HR_LRU_TRACE_OUTPUT ? s.outputs : s.units;
    return hr_digital_probes(&s.d, n, "lru", &k->idx, &k->nidx);
}

static int lru_probes(const void *state, int *nprobes, double *dt)
{
    const lru_state *k = state;
    *nprobes = k->trace == HR_LRU_TRACE_OUTPUT ? k->nidx : 2 * k->nidx;
    *dt = k->dt;
    return HR_OK;
}

static int lru_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    lru_state *k = state;
    int m = hr_lru_inputs(k->net);
    int st = hr_digital_inputs(stim, k->dt, tr->nt, m, &k->u, &k->ucap);
    if (st)
        return hr_error_prefix(st, "substrate lru (substrate.inputs = %d)", m);
    hr_lru_reset(k->net);
    hr_lru_run(k->net, k->u, tr->nt, k->trace, k->idx, k->nidx, tr->data);
    for (size_t i = 0; i < (size_t)tr->nprobes * (size_t)tr->nt; i++)
        if (!isfinite(tr->data[i]))
            return HR_ERROR(HR_EUNSTABLE, "substrate lru: a trace became %g (allowed: finite)",
                            tr->data[i]);
    return HR_OK;
}

static void lru_close(void *state)
{
    lru_state *k = state;
    hr_lru_destroy(k->net);
    free(k->idx);
    free(k->u);
    memset(k, 0, sizeof *k);
}

static int lru_probe_info(const void *state, int p, hr_probe_info *info)
{
    const lru_state *k = state;
    if (k->trace == HR_LRU_TRACE_OUTPUT)
        snprintf(info->name, sizeof info->name, "y%d", k->idx[p]);
    else
        snprintf(info->name, sizeof info->name, "unit%d.%s", k->idx[p / 2], p % 2 ? "im" : "re");
    return HR_OK;
}

static int lru_costs(const void *state, hr_costs *out)
{
    const lru_state *k = state;
    hr_lru_costs(k->net, out);
    return HR_OK;
}

static const char *const lru_example[] = {"units=8", "inputs=2", "outputs=6", "trace=output",
                                          "nonlinearity=tanh", "dt=0.5", NULL};

const hr_substrate_type hr_substrate_lru = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "lru",
             .doc = "diagonal complex linear recurrent unit (LRU ring or S5 zero-order-hold "
                    "initialisation), pruning, quantization, fixed point",
             .params = lru_params},
    .state_size = sizeof(lru_state),
    .open = lru_open,
    .probes = lru_probes,
    .run = lru_run,
    .close = lru_close,
    .probe_info = lru_probe_info,
    .costs = lru_costs,
    .example = lru_example,
    .example_sources = 2,
};

const hr_lru *hr__substrate_lru_net(const hr_substrate *s)
{
    return s && s->type == &hr_substrate_lru ? ((const lru_state *)s->state)->net : NULL;
}
