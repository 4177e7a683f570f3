/* substrate_loihi.c — Loihi 2 reservoirs behind the substrate interface.
 *
 * loihi-lif: a recurrent CUBA-LIF reservoir computed as Lava's bit-accurate
 * models compute it (reservoir/loihi.c: PyLifModelBitAcc, PyDenseModelBitAcc
 * of lava-nc/lava b6822fbc). Real-valued weights w (activation units: what
 * one spike adds to a_in) are drawn from the seed, quantized to mantissas
 * m = round(w / 2^shift) and handed to Lava's rules (sign mode, clipping to
 * 8 bits, truncation to weight_bits, weight_exp = shift).
 * loihi-sdn: sigma-delta neurons (PySigmaDeltaModelFixed, what Lava's
 * fixed_pt tag selects, or the Corrected variant) on graded messages: an
 * LRU-style linear recurrence (2x2 rotation blocks r [cos -sin; sin cos],
 * identity activation) or a random ReLU network of a given spectral radius.
 * With Q = 2^(spike_exp + state_exp) one state unit is Q in act, so a real
 * weight a becomes the mantissa round(a 2^(state_exp - e)) with the exponent
 * e that fits the largest one in 8 bits; inputs are integers
 * round(input_scale x), sent directly or through Lava's Delta encoder.
 *
 * Timing, per neuron step s = 0, 1, ...: each connection delivers what it
 * accumulated in the step before (Lava's one-step delay); the input
 * connection's buffer is preloaded with the encoding of stimulus sample 0,
 * i.e. the input generator runs one step ahead, so the state after step s
 * has seen the stimulus up to t_s = s dt. Trace sample k is the state after
 * step k window (at time k window dt). */
#include "reservoir/substrate_loihi.h"
#include "base/status.h"
#include "reservoir/drive.h"
#include "reservoir/substrate.h"

#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEURONS 65536

/* ---- Encoders ---- */

int hr_loihi_encoder_init(hr_loihi_encoder *e, int encoding, int nchannels, double scale,
                          int bits, double threshold)
{
    memset(e, 0, sizeof *e);
    if (encoding < 0 || encoding > HR_LOIHI_ENC_DELTA || nchannels < 1 || !isfinite(scale) ||
        bits < 2 || bits > 24 || !(threshold > 0))
        return HR_ERROR(HR_EINVAL, "Loihi input encoder: encoding %d, %d channels, scale %g, "
                        "%d bits, threshold %g (allowed: channels >= 1, bits 2 .. 24, "
                        "threshold > 0)", encoding, nchannels, scale, bits, threshold);
    e->encoding = encoding;
    e->nchannels = nchannels;
    e->nlines = encoding == HR_LOIHI_ENC_CURRENT ? nchannels : 2 * nchannels;
    e->scale = scale;
    e->bits = bits;
    e->threshold = threshold;
    e->acc = calloc((size_t)e->nlines, sizeof *e->acc);
    if (!e->acc)
        return HR_ERROR(HR_ENOMEM, "out of memory for the input encoder");
    return HR_OK;
}

void hr_loihi_encoder_free(hr_loihi_encoder *e)
{
    free(e->acc);
    e->acc = NULL;
}

void hr_loihi_encoder_reset(hr_loihi_encoder *e)
{
    memset(e->acc, 0, (size_t)e->nlines * sizeof *e->acc);
}

int hr_loihi_encoder_step(hr_loihi_encoder *e, const double *x, int32_t *lines)
{
    int msgs = 0;
    if (e->encoding == HR_LOIHI_ENC_CURRENT) {
        double lim = ldexp(1.0, e->bits - 1) - 1;
        for (int c = 0; c < e->nchannels; c++) {
            double v = nearbyint(e->scale * x[c]);
            v = v > lim ? lim : v < -lim ? -lim : v;
            lines[c] = (int32_t)v;
            msgs += lines[c] != 0;
        }
        return msgs;
    }
    for (int c = 0; c < e->nchannels; c++) {
        int32_t *on = &lines[2 * c], *off = &lines[2 * c + 1];
        *on = *off = 0;
        if (e->encoding == HR_LOIHI_ENC_RATE) {
            double r = fabs(e->scale * x[c]);
            r = r > 1 ? 1 : r;
            int line = x[c] >= 0 ? 2 * c : 2 * c + 1;
            e->acc[line] += r;
            if (e->acc[line] >= 1) {
                e->acc[line] -= 1;
                lines[line] = 1;
                msgs++;
            }
        } else {
            double *ref = &e->acc[2 * c];
            if (x[c] - *ref >= e->threshold) {
                *ref += e->threshold;
                *on = 1;
                msgs++;
            } else if (*ref - x[c] >= e->threshold) {
                *ref -= e->threshold;
                *off = 1;
                msgs++;
            }
        }
    }
    return msgs;
}

int hr_loihi_fit_exp(double amax, int pre)
{
    if (!(amax > 0))
        return 0;
    for (int e = -24; e < 24; e++)
        if (amax * ldexp(1.0, pre - e) <= 255)
            return e;
    return 24;
}

/* Mantissa of a real weight: round(w 2^pre / 2^e) kept inside int32. */
static int32_t mantissa(double w, int pre, int e)
{
    double m = nearbyint(ldexp(w, pre - e));
    return m > 1e9 ? 1000000000 : m < -1e9 ? -1000000000 : (int32_t)m;
}

/* Growable triplet list for building connections. */
typedef struct trip {
    size_t n, cap;
    int *post, *pre;
    int32_t *w;
} trip;

static int trip_push(trip *t, int post, int pre, int32_t w)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        int *a = realloc(t->post, cap * sizeof *a);
        if (!a)
            return HR_ERROR(HR_ENOMEM, "out of memory building a Loihi connection");
        t->post = a;
        int *b = realloc(t->pre, cap * sizeof *b);
        if (!b)
            return HR_ERROR(HR_ENOMEM, "out of memory building a Loihi connection");
        t->pre = b;
        int32_t *c = realloc(t->w, cap * sizeof *c);
        if (!c)
            return HR_ERROR(HR_ENOMEM, "out of memory building a Loihi connection");
        t->w = c;
        t->cap = cap;
    }
    t->post[t->n] = post;
    t->pre[t->n] = pre;
    t->w[t->n] = w;
    t->n++;
    return HR_OK;
}

static void trip_free(trip *t)
{
    free(t->post);
    free(t->pre);
    free(t->w);
    memset(t, 0, sizeof *t);
}

/* ---- loihi-lif settings ---- */

#define LC hr_loihi_lif_cfg
const hr_param_spec hr_loihi_lif_params[] = {
    HR_INT_AT(LC, neurons, "neurons", 64, 1, MAX_NEURONS, "reservoir neurons"),
    HR_INT_AT(LC, inputs, "inputs", 1, 1, 32, "stimulus channels (sources' index 0 .. inputs-1)"),
    HR_NUMBER_AT(LC, density, "density", 0.1, 0, 1, "probability of each recurrent synapse (no self-loops)"),
    HR_NUMBER_AT(LC, w_rec, "w_rec", 40, 0, 1e6, "std of the recurrent weights before quantization (activation units: a_in per spike)"),
    HR_NUMBER_AT(LC, w_in, "w_in", 60, 0, 1e6, "std of the input weights before quantization (activation units per input message unit)"),
    HR_NUMBER_AT(LC, input_fraction, "input_fraction", 0.5, 0, 1, "probability that an input line reaches a neuron"),
    HR_LIST_AT(LC, input_neurons, "input_neurons", 0, MAX_NEURONS - 1, HR_PARAM_MAXLIST, "the input neurons (indices; empty: each neuron with probability input_fraction)"),
    HR_INT_AT(LC, weight_bits, "weight_bits", 8, 1, 8, "weight mantissa bits kept (Lava's num_weight_bits; 8, 6, 4 ...)"),
    HR_INT_AT(LC, rec_shift, "rec_shift", 0, -16, 16, "recurrent activation shift (Dense weight_exp): weight = mantissa * 2^rec_shift"),
    HR_INT_AT(LC, in_shift, "in_shift", 0, -16, 16, "input activation shift (Dense weight_exp of the input connection)"),
    HR_NUMBER_AT(LC, du, "du", 410, 0, 4095, "current decay du (rounded; factor (4096 - du - 1) / 4096 per step)"),
    HR_NUMBER_AT(LC, dv, "dv", 80, 0, 4095, "voltage decay dv (rounded; factor (4096 - dv) / 4096 per step)"),
    HR_NUMBER_AT(LC, du_max, "du_max", -1, -1, 4095, "-1: every neuron has du; else per-neuron du log-uniform in du .. du_max (neurons of several Lava LIF processes)"),
    HR_NUMBER_AT(LC, dv_max, "dv_max", -1, -1, 4095, "-1: every neuron has dv; else per-neuron dv log-uniform in dv .. dv_max"),
    HR_NUMBER_AT(LC, vth, "vth", 2000, 0, 131071, "threshold mantissa (rounded; spike when v > vth * 64)"),
    HR_NUMBER_AT(LC, bias, "bias", 0, -4096, 4095, "mean bias mantissa (rounded per neuron to 13 bits)"),
    HR_NUMBER_AT(LC, bias_spread, "bias_spread", 0, 0, 1e4, "std of the per-neuron bias mantissas"),
    HR_INT_AT(LC, bias_exp, "bias_exp", 0, 0, 7, "bias exponent: bias = mantissa * 2^bias_exp"),
    HR_INT_AT(LC, seed, "seed", 1, 0, 2147483647, "random seed of weights, biases and connectivity"),
    HR_NUMBER_AT(LC, dt, "dt", 0.01, 1e-9, 1e6, "time per neuron step (s): the stimulus is sampled every dt"),
    HR_CHOICE_AT(LC, encoding, "encoding", HR_LOIHI_ENCODINGS, "current", "input encoding: graded input currents, rate-coded or delta (send-on-delta) spikes"),
    HR_NUMBER_AT(LC, input_scale, "input_scale", 100, -1e9, 1e9, "current: message value per unit of input; rate: spike probability per step per unit"),
    HR_INT_AT(LC, input_bits, "input_bits", 8, 2, 24, "current encoding: signed message bits"),
    HR_NUMBER_AT(LC, threshold, "threshold", 0.05, 1e-12, 1e12, "delta encoding: input change per spike"),
    HR_CHOICE_AT(LC, trace, "trace", HR_LOIHI_TRACES, "v", "what the probes record: voltage and current in threshold units (v / (64 vth)), spikes, spike counts per window, filtered spikes"),
    HR_INT_AT(LC, window, "window", 1, 1, 1000000, "neuron steps per trace sample (dt_out = window * dt)"),
    HR_NUMBER_AT(LC, filter_tau, "filter_tau", 10, 1, 1e9, "filtered trace: time constant in steps"),
    HR_INT_AT(LC, probes, "probes", 0, 0, MAX_NEURONS, "neurons recorded (the first ones; 0: all)"),
    HR_PARAMS_END,
};
#undef LC

/* Rounded numeric setting as an integer inside [lo, hi]. */
static int rounded(double x, int lo, int hi)
{
    double r = nearbyint(x);
    return r < lo ? lo : r > hi ? hi : (int)r;
}

int hr_loihi_lif_net_create(hr_loihi_lif_net **out, const hr_section *settings)
{
    *out = NULL;
    hr_loihi_lif_net *net = calloc(1, sizeof *net);
    if (!net)
        return HR_ERROR(HR_ENOMEM, "out of memory for a loihi-lif network");
    hr_loihi_lif_cfg *c = &net->cfg;
    hr_section_decode(settings, c);
    int n = c->neurons, st = HR_OK;
    trip tin = {0}, trec = {0};
    gsl_rng *rng = NULL;
    unsigned char *chosen = NULL;
    if (c->probes > n) {
        st = HR_ERROR(HR_ERANGE, "substrate.probes = %d is more than the %d neurons (allowed: "
                      "0 .. %d; 0 records all)", c->probes, n, n);
        goto fail;
    }
    net->nlines = c->encoding == HR_LOIHI_ENC_CURRENT ? c->inputs : 2 * c->inputs;
    st = hr_loihi_lif_create(&net->lif, n, rounded(c->du, 0, 4095), rounded(c->dv, 0, 4095),
                             rounded(c->vth, 0, 131071));
    if (st)
        goto fail;
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) {
        st = HR_ERROR(HR_ENOMEM, "out of memory for a random generator");
        goto fail;
    }
    gsl_rng_set(rng, (unsigned long)c->seed);
    /* Draw order (fixed): biases, decays, input weights, recurrent weights. */
    for (int i = 0; i < n; i++) {
        double b = c->bias + (c->bias_spread > 0 ? c->bias_spread * gsl_ran_gaussian(rng, 1) : 0);
        hr_loihi_lif_set_bias(net->lif, i, rounded(b, -4096, 4095), c->bias_exp);
    }
    for (int i = 0; i < n && (c->du_max >= 0 || c->dv_max >= 0); i++) {
        /* Log-uniform in the decay constant (d + 1 for du, d for dv). */
        int du = rounded(c->du, 0, 4095), dv = rounded(c->dv, 0, 4095);
        if (c->du_max >= 0)
            du = rounded(exp(log(c->du + 1) + (log(c->du_max + 1) - log(c->du + 1)) *
                             gsl_rng_uniform(rng)) - 1, 0, 4095);
        if (c->dv_max >= 0)
            dv = rounded(exp(log(c->dv + 1) + (log(c->dv_max + 1) - log(c->dv + 1)) *
                             gsl_rng_uniform(rng)) - 1, 0, 4095);
        hr_loihi_lif_set_decay(net->lif, i, du, dv);
    }
    if (c->input_neurons.n > 0) {
        chosen = calloc((size_t)n, 1);
        if (!chosen) {
            st = HR_ERROR(HR_ENOMEM, "out of memory for a loihi-lif network");
            goto fail;
        }
        for (int k = 0; k < c->input_neurons.n; k++) {
            double v = c->input_neurons.v[k];
            if (v != floor(v) || v >= n) {
                st = HR_ERROR(HR_ERANGE, "substrate.input_neurons%d = %g is not a neuron "
                              "(allowed: integers 0 .. %d)", k, v, n - 1);
                goto fail;
            }
            chosen[(int)v] = 1;
        }
    }
    for (int l = 0; l < c->inputs; l++)
        for (int i = 0; i < n; i++) {
            double u = gsl_rng_uniform(rng), g = gsl_ran_gaussian(rng, 1);
            if (chosen ? !chosen[i] : u >= c->input_fraction)
                continue;
            int32_t m = mantissa(c->w_in * g, 0, c->in_shift);
            if ((st = trip_push(&tin, i, net->nlines == c->inputs ? l : 2 * l, m)))
                goto fail;
            if (net->nlines != c->inputs && (st = trip_push(&tin, i, 2 * l + 1, -m)))
                goto fail;
        }
    free(chosen);
    chosen = NULL;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (i == j)
                continue;
            double u = gsl_rng_uniform(rng);
            if (u >= c->density)
                continue;
            double g = gsl_ran_gaussian(rng, 1);
            if ((st = trip_push(&trec, i, j, mantissa(c->w_rec * g, 0, c->rec_shift))))
                goto fail;
        }
    st = hr_loihi_conn_create(&net->win, n, net->nlines, tin.n, tin.post, tin.pre, tin.w,
                              c->in_shift, c->weight_bits, c->encoding == HR_LOIHI_ENC_CURRENT);
    if (!st)
        st = hr_loihi_conn_create(&net->wrec, n, n, trec.n, trec.post, trec.pre, trec.w,
                                  c->rec_shift, c->weight_bits, 0);
    if (st)
        goto fail;
    gsl_rng_free(rng);
    trip_free(&tin);
    trip_free(&trec);
    *out = net;
    return HR_OK;
fail:
    free(chosen);
    gsl_rng_free(rng);
    trip_free(&tin);
    trip_free(&trec);
    hr_loihi_lif_net_destroy(net);
    return st;
}

void hr_loihi_lif_net_destroy(hr_loihi_lif_net *net)
{
    if (!net)
        return;
    hr_loihi_lif_destroy(net->lif);
    hr_loihi_conn_destroy(net->win);
    hr_loihi_conn_destroy(net->wrec);
    free(net);
}

/* ---- loihi-lif substrate ---- */

typedef struct lif_state {
    hr_loihi_lif_net *net;   /* the network */
    hr_loihi_encoder enc;    /* input encoder */
    int nprobes;             /* neurons recorded */
    int32_t *lines, *a, *s;  /* input messages, a_in, spikes */
    int32_t *count;          /* spikes in the current window */
    double *filt;            /* filtered spikes */
    double *x;               /* one step's stimulus sample */
    long steps;              /* statistics of the last run */
    double synops, msgs;
} lif_state;

static void lif_close(void *state)
{
    lif_state *k = state;
    hr_loihi_lif_net_destroy(k->net);
    hr_loihi_encoder_free(&k->enc);
    free(k->lines);
    free(k->a);
    free(k->s);
    free(k->count);
    free(k->filt);
    free(k->x);
    memset(k, 0, sizeof *k);
}

static int lif_open(void *state, const hr_section *set)
{
    lif_state *k = state;
    int st = hr_loihi_lif_net_create(&k->net, set);
    if (st)
        return st;
    const hr_loihi_lif_cfg *c = &k->net->cfg;
    st = hr_loihi_encoder_init(&k->enc, c->encoding, c->inputs, c->input_scale, c->input_bits,
                               c->threshold);
    if (st)
        return st;
    size_t n = (size_t)c->neurons;
    k->nprobes = c->probes ? c->probes : c->neurons;
    k->lines = calloc((size_t)k->net->nlines, sizeof *k->lines);
    k->a = calloc(n, sizeof *k->a);
    k->s = calloc(n, sizeof *k->s);
    k->count = calloc(n, sizeof *k->count);
    k->filt = calloc(n, sizeof *k->filt);
    k->x = calloc((size_t)c->inputs, sizeof *k->x);
    if (!k->lines || !k->a || !k->s || !k->count || !k->filt || !k->x)
        return HR_ERROR(HR_ENOMEM, "out of memory for a loihi-lif reservoir of %zu neurons", n);
    return HR_OK;
}

static int lif_probes(const void *state, int *nprobes, double *dt)
{
    const lif_state *k = state;
    *nprobes = k->nprobes;
    *dt = k->net->cfg.window * k->net->cfg.dt;
    return HR_OK;
}

static int lif_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    lif_state *k = state;
    hr_loihi_lif_net *net = k->net;
    const hr_loihi_lif_cfg *c = &net->cfg;
    int n = c->neurons, nc = c->inputs, win = c->window;
    long nsteps = (long)(tr->nt - 1) * win + 1;
    if (nsteps > 100000000L)
        return HR_ERROR(HR_ERANGE, "loihi-lif: %ld neuron steps for one stimulus (allowed: at "
                        "most 1e8; shorten the stimulus or raise dt)", nsteps);
    double *u = malloc((size_t)nsteps * (size_t)nc * sizeof *u);
    if (!u)
        return HR_ERROR(HR_ENOMEM, "out of memory sampling the stimulus (%ld steps)", nsteps);
    int st = hr_stimulus_sample(stim, c->dt, (int)nsteps, nc, u);
    if (st) {
        free(u);
        return st;
    }
    hr_loihi_lif_reset(net->lif);
    hr_loihi_conn_reset(net->win);
    hr_loihi_conn_reset(net->wrec);
    hr_loihi_encoder_reset(&k->enc);
    memset(k->s, 0, (size_t)n * sizeof *k->s);
    memset(k->count, 0, (size_t)n * sizeof *k->count);
    for (int i = 0; i < n; i++)
        k->filt[i] = 0;
    double synops = 0, msgs = 0, decay = 1 - 1 / c->filter_tau;
    /* v and u in threshold units (a neuron spikes when v > 1), so the
     * readout sees features of order one whatever vth is. */
    double vscale = 64.0 * (net->lif->vth > 0 ? net->lif->vth : 1);
    /* Preload: the input connection holds the encoding of sample 0. */
    msgs += hr_loihi_encoder_step(&k->enc, u, k->lines);
    synops += (double)hr_loihi_conn_accumulate(net->win, k->lines);
    for (long s = 0; s < nsteps; s++) {
        if (c->trace == HR_LOIHI_TRACE_FILTERED)
            for (int i = 0; i < n; i++)
                k->filt[i] = k->filt[i] * decay + k->s[i];
        memset(k->a, 0, (size_t)n * sizeof *k->a);
        hr_loihi_conn_deliver(net->win, k->a);
        hr_loihi_conn_deliver(net->wrec, k->a);
        msgs += hr_loihi_lif_step(net->lif, k->a, k->s);
        synops += (double)hr_loihi_conn_accumulate(net->wrec, k->s);
        if (s + 1 < nsteps) {
            msgs += hr_loihi_encoder_step(&k->enc, u + (size_t)(s + 1) * (size_t)nc, k->lines);
            synops += (double)hr_loihi_conn_accumulate(net->win, k->lines);
        }
        for (int i = 0; i < k->nprobes; i++)
            k->count[i] += k->s[i];
        if (s % win)
            continue;
        long j = s / win;
        for (int p = 0; p < k->nprobes; p++) {
            double val;
            switch (c->trace) {
            case HR_LOIHI_TRACE_V: val = net->lif->v[p] / vscale; break;
            case HR_LOIHI_TRACE_U: val = net->lif->u[p] / vscale; break;
            case HR_LOIHI_TRACE_SPIKES: val = k->s[p]; break;
            case HR_LOIHI_TRACE_COUNTS: val = k->count[p]; break;
            default: val = k->filt[p]; break;
            }
            tr->data[(size_t)p * (size_t)tr->nt + (size_t)j] = val;
            k->count[p] = 0;
        }
    }
    free(u);
    k->steps = nsteps;
    k->synops = synops;
    k->msgs = msgs;
    return HR_OK;
}

static int lif_probe_info(const void *state, int p, hr_probe_info *info)
{
    const lif_state *k = state;
    /* Voltage and current in threshold units (v / (vth 64): a neuron
     * spikes above 1); spikes are counts. */
    static const char *const units[] = {"vth", "vth", "spike", "spikes", "spikes"};
    snprintf(info->name, sizeof info->name, "neuron%d", p);
    snprintf(info->units, sizeof info->units, "%s", units[k->net->cfg.trace]);
    return HR_OK;
}

static int lif_costs(const void *state, hr_costs *o)
{
    const lif_state *k = state;
    const hr_loihi_lif_net *net = k->net;
    double steps = k->steps > 0 ? (double)k->steps : NAN;
    o->synaptic_ops = k->synops / steps;
    o->messages = k->msgs / steps;
    o->neuron_updates = net->cfg.neurons;
    o->weight_bits = net->cfg.weight_bits;
    o->weight_bytes = (double)(net->win->nnz + net->wrec->nnz) * net->cfg.weight_bits / 8.0;
    o->state_bits = 24;
    o->state_bytes = net->cfg.neurons * 2.0 * 24 / 8; /* u and v */
    return HR_OK;
}

static const char *const lif_example[] = {"neurons=16", "density=0.3", "w_rec=60", "w_in=40",
                                          "vth=200", "dt=0.05", NULL};

const hr_substrate_type hr_substrate_loihi_lif = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "loihi-lif",
             .doc = "recurrent CUBA-LIF reservoir with Loihi 2's bit-accurate arithmetic (Lava's PyLifModelBitAcc)",
             .params = hr_loihi_lif_params},
    .state_size = sizeof(lif_state),
    .open = lif_open,
    .probes = lif_probes,
    .run = lif_run,
    .close = lif_close,
    .probe_info = lif_probe_info,
    .costs = lif_costs,
    .example = lif_example,
    .example_sources = 1,
};

/* ---- loihi-sdn settings ---- */

#define SC hr_loihi_sdn_cfg
const hr_param_spec hr_loihi_sdn_params[] = {
    HR_INT_AT(SC, neurons, "neurons", 64, 1, 4096, "sigma-delta neurons (lru: pairs are rotation blocks)"),
    HR_INT_AT(SC, inputs, "inputs", 1, 1, 32, "stimulus channels"),
    HR_CHOICE_AT(SC, topology, "topology", "lru|random", "lru", "recurrence: LRU-style rotation blocks, or a random sparse matrix"),
    HR_NUMBER_AT(SC, r_min, "r_min", 0.8, 0, 1.5, "lru: smallest eigenvalue magnitude"),
    HR_NUMBER_AT(SC, r_max, "r_max", 0.98, 0, 1.5, "lru: largest eigenvalue magnitude"),
    HR_NUMBER_AT(SC, theta_max, "theta_max", 1.0, 0, 3.14159266, "lru: largest eigenvalue phase (rad)"),
    HR_NUMBER_AT(SC, radius, "radius", 0.9, 0, 10, "random: spectral radius"),
    HR_NUMBER_AT(SC, density, "density", 0.1, 0, 1, "random: synapse probability"),
    HR_NUMBER_AT(SC, w_in, "w_in", 0.5, 0, 1e3, "std of the input weights (state units per input unit)"),
    HR_INT_AT(SC, weight_bits, "weight_bits", 8, 1, 8, "weight mantissa bits kept (Lava's num_weight_bits)"),
    HR_CHOICE_AT(SC, activation, "activation", "identity|relu", "identity", "activation (Lava's ActivationMode UNIT or RELU)"),
    HR_CHOICE_AT(SC, model, "model", "fixed|corrected", "fixed", "Lava's PySigmaDeltaModelFixed (what fixed_pt selects) or ...FixedCorrected"),
    HR_INT_AT(SC, cum_error, "cum_error", 0, 0, 1, "1: spike on the accumulated error"),
    HR_NUMBER_AT(SC, vth, "vth", 1, 0, 1e6, "delta threshold of the neurons (rounded; state units)"),
    HR_NUMBER_AT(SC, input_vth, "input_vth", 1, -1, 1e6, "threshold of the input Delta encoder (rounded; -1: input values sent every step)"),
    HR_INT_AT(SC, spike_exp, "spike_exp", 3, 0, 12, "spike_exp: message scaling 2^spike_exp"),
    HR_INT_AT(SC, state_exp, "state_exp", 6, 0, 12, "state_exp: extra state precision 2^state_exp"),
    HR_NUMBER_AT(SC, input_scale, "input_scale", 100, -1e6, 1e6, "input units per unit of the stimulus (rounded to integers)"),
    HR_NUMBER_AT(SC, bias, "bias", 0, -1e6, 1e6, "mean bias (rounded; state units)"),
    HR_NUMBER_AT(SC, bias_spread, "bias_spread", 0, 0, 1e6, "std of the per-neuron biases"),
    HR_INT_AT(SC, seed, "seed", 1, 0, 2147483647, "random seed of the weights"),
    HR_NUMBER_AT(SC, dt, "dt", 0.01, 1e-9, 1e6, "time per step (s)"),
    HR_CHOICE_AT(SC, trace, "trace", "act|sigma", "act", "what the probes record (state units)"),
    HR_INT_AT(SC, window, "window", 1, 1, 1000000, "steps per trace sample"),
    HR_INT_AT(SC, probes, "probes", 0, 0, 4096, "neurons recorded (the first ones; 0: all)"),
    HR_PARAMS_END,
};
#undef SC

/* Largest eigenvalue modulus of the dense n x n matrix a (row-major). */
static int spectral_radius(const double *a, int n, double *rho)
{
    gsl_matrix *m = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector_complex *ev = gsl_vector_complex_alloc((size_t)n);
    gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc((size_t)n);
    int st = HR_OK;
    if (!m || !ev || !ws) {
        st = HR_ERROR(HR_ENOMEM, "out of memory for the spectral radius of %d x %d", n, n);
    } else {
        memcpy(m->data, a, (size_t)n * (size_t)n * sizeof *a);
        if (gsl_eigen_nonsymm(m, ev, ws))
            st = HR_ERROR(HR_ESINGULAR, "the eigenvalues of the %d x %d recurrent matrix did "
                          "not converge", n, n);
        *rho = 0;
        for (int i = 0; i < n && !st; i++) {
            double r = gsl_complex_abs(gsl_vector_complex_get(ev, (size_t)i));
            *rho = r > *rho ? r : *rho;
        }
    }
    gsl_matrix_free(m);
    gsl_vector_complex_free(ev);
    gsl_eigen_nonsymm_free(ws);
    return st;
}

int hr_loihi_sdn_net_create(hr_loihi_sdn_net **out, const hr_section *settings)
{
    *out = NULL;
    hr_loihi_sdn_net *net = calloc(1, sizeof *net);
    if (!net)
        return HR_ERROR(HR_ENOMEM, "out of memory for a loihi-sdn network");
    hr_loihi_sdn_cfg *c = &net->cfg;
    hr_section_decode(settings, c);
    int n = c->neurons, k = c->inputs, st = HR_OK;
    double *a = NULL, *b = NULL;
    trip tin = {0}, trec = {0};
    gsl_rng *rng = NULL;
    if (c->probes > n) {
        st = HR_ERROR(HR_ERANGE, "substrate.probes = %d is more than the %d neurons (allowed: "
                      "0 .. %d)", c->probes, n, n);
        goto fail;
    }
    if (c->r_min > c->r_max) {
        st = HR_ERROR(HR_ERANGE, "substrate.r_min = %g is above r_max = %g (allowed: r_min <= "
                      "r_max)", c->r_min, c->r_max);
        goto fail;
    }
    int relu = c->activation == 1;
    st = hr_loihi_sdn_create(&net->sdn, n, c->model, relu, c->cum_error,
                             rounded(c->vth, 0, 1 << 30), c->spike_exp, c->state_exp);
    if (!st && c->input_vth >= 0)
        st = hr_loihi_sdn_create(&net->delta, k, HR_SDN_FIXED, 0, 0,
                                 rounded(c->input_vth, 0, 1 << 30), c->spike_exp, c->state_exp);
    if (st)
        goto fail;
    a = calloc((size_t)n * (size_t)n, sizeof *a);
    b = calloc((size_t)n * (size_t)k, sizeof *b);
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!a || !b || !rng) {
        st = HR_ERROR(HR_ENOMEM, "out of memory for a loihi-sdn network of %d neurons", n);
        goto fail;
    }
    gsl_rng_set(rng, (unsigned long)c->seed);
    for (int i = 0; i < n; i++) {
        double v = c->bias + (c->bias_spread > 0 ? c->bias_spread * gsl_ran_gaussian(rng, 1) : 0);
        hr_loihi_sdn_set_bias(net->sdn, i, rounded(v, -(1 << 22), (1 << 22)));
    }
    for (int i = 0; i < n * k; i++)
        b[i] = c->w_in * gsl_ran_gaussian(rng, 1);
    if (c->topology == HR_LOIHI_LRU) {
        /* LRU ring initialisation: |lambda|^2 uniform in [r_min^2, r_max^2]. */
        for (int i = 0; i < n; i += 2) {
            double r = sqrt(c->r_min * c->r_min +
                            (c->r_max * c->r_max - c->r_min * c->r_min) * gsl_rng_uniform(rng));
            double th = c->theta_max * gsl_rng_uniform(rng);
            if (i + 1 == n) {
                a[(size_t)i * (size_t)n + (size_t)i] = r;
                break;
            }
            a[(size_t)i * n + i] = r * cos(th);
            a[(size_t)i * n + i + 1] = -r * sin(th);
            a[(size_t)(i + 1) * n + i] = r * sin(th);
            a[(size_t)(i + 1) * n + i + 1] = r * cos(th);
        }
    } else {
        for (int i = 0; i < n * n; i++)
            if (gsl_rng_uniform(rng) < c->density)
                a[i] = gsl_ran_gaussian(rng, 1);
        double rho = 0;
        if ((st = spectral_radius(a, n, &rho)))
            goto fail;
        for (int i = 0; i < n * n && rho > 0; i++)
            a[i] *= c->radius / rho;
    }
    /* Real weights -> mantissas: a state unit is 2^(spike_exp + state_exp)
     * in act and 2^spike_exp in a message, so W_mant 2^e = a 2^state_exp. */
    double amax = 0, bmax = 0;
    for (int i = 0; i < n * n; i++)
        amax = fabs(a[i]) > amax ? fabs(a[i]) : amax;
    for (int i = 0; i < n * k; i++)
        bmax = fabs(b[i]) > bmax ? fabs(b[i]) : bmax;
    int ea = hr_loihi_fit_exp(amax, c->state_exp), eb = hr_loihi_fit_exp(bmax, c->state_exp);
    for (int i = 0; i < n && !st; i++)
        for (int j = 0; j < n && !st; j++)
            if (a[(size_t)i * n + j] != 0)
                st = trip_push(&trec, i, j, mantissa(a[(size_t)i * n + j], c->state_exp, ea));
    for (int i = 0; i < n && !st; i++)
        for (int j = 0; j < k && !st; j++)
            st = trip_push(&tin, i, j, mantissa(b[(size_t)i * k + j], c->state_exp, eb));
    if (!st)
        st = hr_loihi_conn_create(&net->win, n, k, tin.n, tin.post, tin.pre, tin.w, eb,
                                  c->weight_bits, 1);
    if (!st)
        st = hr_loihi_conn_create(&net->wrec, n, n, trec.n, trec.post, trec.pre, trec.w, ea,
                                  c->weight_bits, 1);
    if (st)
        goto fail;
    free(a);
    free(b);
    gsl_rng_free(rng);
    trip_free(&tin);
    trip_free(&trec);
    *out = net;
    return HR_OK;
fail:
    free(a);
    free(b);
    gsl_rng_free(rng);
    trip_free(&tin);
    trip_free(&trec);
    hr_loihi_sdn_net_destroy(net);
    return st;
}

void hr_loihi_sdn_net_destroy(hr_loihi_sdn_net *net)
{
    if (!net)
        return;
    hr_loihi_sdn_destroy(net->sdn);
    hr_loihi_sdn_destroy(net->delta);
    hr_loihi_conn_destroy(net->win);
    hr_loihi_conn_destroy(net->wrec);
    free(net);
}

/* ---- loihi-sdn substrate ---- */

typedef struct sdn_state {
    hr_loihi_sdn_net *net;  /* the network */
    int nprobes;            /* neurons recorded */
    int32_t *xin, *xmsg;    /* integer inputs, input messages */
    int32_t *a, *s;         /* a_in, messages */
    long steps;             /* statistics of the last run */
    double synops, msgs;
} sdn_state;

static void sdn_close(void *state)
{
    sdn_state *k = state;
    hr_loihi_sdn_net_destroy(k->net);
    free(k->xin);
    free(k->xmsg);
    free(k->a);
    free(k->s);
    memset(k, 0, sizeof *k);
}

static int sdn_open(void *state, const hr_section *set)
{
    sdn_state *k = state;
    int st = hr_loihi_sdn_net_create(&k->net, set);
    if (st)
        return st;
    const hr_loihi_sdn_cfg *c = &k->net->cfg;
    k->nprobes = c->probes ? c->probes : c->neurons;
    k->xin = calloc((size_t)c->inputs, sizeof *k->xin);
    k->xmsg = calloc((size_t)c->inputs, sizeof *k->xmsg);
    k->a = calloc((size_t)c->neurons, sizeof *k->a);
    k->s = calloc((size_t)c->neurons, sizeof *k->s);
    if (!k->xin || !k->xmsg || !k->a || !k->s)
        return HR_ERROR(HR_ENOMEM, "out of memory for a loihi-sdn reservoir");
    return HR_OK;
}

static int sdn_probes(const void *state, int *nprobes, double *dt)
{
    const sdn_state *k = state;
    *nprobes = k->nprobes;
    *dt = k->net->cfg.window * k->net->cfg.dt;
    return HR_OK;
}

/* The input messages of one step from the stimulus sample x. */
static int sdn_input(sdn_state *k, const double *x)
{
    const hr_loihi_sdn_cfg *c = &k->net->cfg;
    for (int i = 0; i < c->inputs; i++) {
        double v = nearbyint(c->input_scale * x[i]);
        k->xin[i] = v > 1 << 23 ? 1 << 23 : v < -(1 << 23) ? -(1 << 23) : (int32_t)v;
    }
    if (k->net->delta)
        return hr_loihi_delta_step(k->net->delta, k->xin, k->xmsg);
    int m = 0;
    for (int i = 0; i < c->inputs; i++) {
        k->xmsg[i] = k->xin[i];
        m += k->xin[i] != 0;
    }
    return m;
}

static int sdn_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    sdn_state *k = state;
    hr_loihi_sdn_net *net = k->net;
    const hr_loihi_sdn_cfg *c = &net->cfg;
    int n = c->neurons, nc = c->inputs, win = c->window;
    long nsteps = (long)(tr->nt - 1) * win + 1;
    if (nsteps > 100000000L)
        return HR_ERROR(HR_ERANGE, "loihi-sdn: %ld steps for one stimulus (allowed: at most 1e8)",
                        nsteps);
    double *u = malloc((size_t)nsteps * (size_t)nc * sizeof *u);
    if (!u)
        return HR_ERROR(HR_ENOMEM, "out of memory sampling the stimulus (%ld steps)", nsteps);
    int st = hr_stimulus_sample(stim, c->dt, (int)nsteps, nc, u);
    if (st) {
        free(u);
        return st;
    }
    hr_loihi_sdn_reset(net->sdn);
    if (net->delta)
        hr_loihi_sdn_reset(net->delta);
    hr_loihi_conn_reset(net->win);
    hr_loihi_conn_reset(net->wrec);
    double q = ldexp(1.0, c->spike_exp + c->state_exp), synops = 0, msgs = 0;
    msgs += sdn_input(k, u);
    synops += (double)hr_loihi_conn_accumulate(net->win, k->xmsg);
    for (long s = 0; s < nsteps; s++) {
        memset(k->a, 0, (size_t)n * sizeof *k->a);
        hr_loihi_conn_deliver(net->win, k->a);
        hr_loihi_conn_deliver(net->wrec, k->a);
        msgs += hr_loihi_sdn_step(net->sdn, k->a, k->s);
        synops += (double)hr_loihi_conn_accumulate(net->wrec, k->s);
        if (s + 1 < nsteps) {
            msgs += sdn_input(k, u + (size_t)(s + 1) * (size_t)nc);
            synops += (double)hr_loihi_conn_accumulate(net->win, k->xmsg);
        }
        if (s % win)
            continue;
        long j = s / win;
        const int32_t *v = c->trace == 0 ? net->sdn->act : net->sdn->sigma;
        for (int p = 0; p < k->nprobes; p++)
            tr->data[(size_t)p * (size_t)tr->nt + (size_t)j] = v[p] / q;
    }
    free(u);
    k->steps = nsteps;
    k->synops = synops;
    k->msgs = msgs;
    return HR_OK;
}

static int sdn_probe_info(const void *state, int p, hr_probe_info *info)
{
    snprintf(info->name, sizeof info->name, "neuron%d", p);
    snprintf(info->units, sizeof info->units, "state");
    return HR_OK;
}

static int sdn_costs(const void *state, hr_costs *o)
{
    const sdn_state *k = state;
    const hr_loihi_sdn_net *net = k->net;
    double steps = k->steps > 0 ? (double)k->steps : NAN;
    o->synaptic_ops = k->synops / steps;
    o->messages = k->msgs / steps;
    o->neuron_updates = net->cfg.neurons + (net->delta ? net->cfg.inputs : 0);
    o->weight_bits = net->cfg.weight_bits;
    o->weight_bytes = (double)(net->win->nnz + net->wrec->nnz) * net->cfg.weight_bits / 8.0;
    o->state_bits = 24;
    /* sigma, act, residue, error per neuron (the Corrected model keeps two). */
    o->state_bytes = net->cfg.neurons * (net->cfg.model == HR_SDN_FIXED ? 4.0 : 2.0) * 3;
    return HR_OK;
}

static const char *const sdn_example[] = {"neurons=8", "inputs=2", "w_in=0.5", "dt=0.05", NULL};

const hr_substrate_type hr_substrate_loihi_sdn = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "loihi-sdn",
             .doc = "sigma-delta reservoir (LRU-style linear recurrence or random ReLU) on graded messages, as Lava's fixed-point sigma-delta models",
             .params = hr_loihi_sdn_params},
    .state_size = sizeof(sdn_state),
    .open = sdn_open,
    .probes = sdn_probes,
    .run = sdn_run,
    .close = sdn_close,
    .probe_info = sdn_probe_info,
    .costs = sdn_costs,
    .example = sdn_example,
    .example_sources = 2,
};
