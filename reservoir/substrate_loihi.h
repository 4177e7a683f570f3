/* substrate_loihi.h — Loihi 2 reservoirs as substrates (kinds `loihi-lif`
 * and `loihi-sdn`, reservoir/substrate_loihi.c), and the pieces that the
 * NIR export and the `nir` substrate share with them: the input encoders
 * and the networks built from a settings section, deterministically from
 * its seed, so that whoever builds one from the same settings gets the same
 * weights bit for bit. Arithmetic: reservoir/loihi.h (Lava's bit-accurate
 * models). */
#ifndef HR_SUBSTRATE_LOIHI_H
#define HR_SUBSTRATE_LOIHI_H

#include <stdint.h>

#include "base/params.h"
#include "reservoir/loihi.h"

/* ---- Input encoders ----
 * A stimulus sample x_c (channel c) becomes the messages of input lines:
 *   current  line c sends the graded value clamp(round(scale x_c), +-(2^(bits-1) - 1))
 *            every step (0 = nothing sent);
 *   rate     lines 2c (x > 0) and 2c + 1 (x < 0) fire deterministic rate-coded
 *            spikes: acc += min(|scale x_c|, 1) on the active line, spike
 *            when acc >= 1 (then acc -= 1), at most one per step;
 *   delta    lines 2c / 2c + 1 spike when x_c has risen / fallen by
 *            `threshold` since the last spike (send-on-delta), one per step.
 * Spikes are 1; the connections from the off lines carry the negated
 * weights of the on lines. */
enum hr_loihi_encoding { HR_LOIHI_ENC_CURRENT = 0, HR_LOIHI_ENC_RATE = 1, HR_LOIHI_ENC_DELTA = 2 };
#define HR_LOIHI_ENCODINGS "current|rate|delta"

typedef struct hr_loihi_encoder {
    int encoding;      /* hr_loihi_encoding */
    int nchannels;     /* stimulus channels */
    int nlines;        /* input lines: nchannels (current) or 2 nchannels */
    double scale;      /* current: value per unit of x; rate: spike probability per unit */
    int bits;          /* current: message bits (signed) */
    double threshold;  /* delta: level spacing in units of x */
    double *acc;       /* rate: accumulator per line; delta: reference level per channel */
} hr_loihi_encoder;

/* Sets up an encoder (allocates its state). HR_EINVAL for bad arguments. */
int hr_loihi_encoder_init(hr_loihi_encoder *e, int encoding, int nchannels, double scale,
                          int bits, double threshold);

/* Frees the encoder's state; a zeroed encoder is allowed. */
void hr_loihi_encoder_free(hr_loihi_encoder *e);

/* Back to rest (accumulators and reference levels 0). */
void hr_loihi_encoder_reset(hr_loihi_encoder *e);

/* Encodes one step's sample x (nchannels values) into lines (nlines
 * values). Returns the number of messages (nonzero lines). */
int hr_loihi_encoder_step(hr_loihi_encoder *e, const double *x, int32_t *lines);

/* ---- loihi-lif ---- */

enum hr_loihi_trace {
    HR_LOIHI_TRACE_V = 0,       /* voltage / (64 vth): threshold units, spikes above 1 */
    HR_LOIHI_TRACE_U = 1,       /* current / (64 vth) */
    HR_LOIHI_TRACE_SPIKES = 2,  /* the spike (0/1) at the sample's step */
    HR_LOIHI_TRACE_COUNTS = 3,  /* spikes in the window ending at the sample */
    HR_LOIHI_TRACE_FILTERED = 4 /* f(s) = f(s-1) (1 - 1/filter_tau) + spike(s-1) */
};
#define HR_LOIHI_TRACES "v|u|spikes|counts|filtered"

/* The decoded settings of kind loihi-lif (hr_section_decode). */
typedef struct hr_loihi_lif_cfg {
    int neurons;          /* reservoir size */
    int inputs;           /* stimulus channels */
    double density;       /* probability of each recurrent synapse (no self-loops) */
    double w_rec;         /* std of the recurrent weights, activation units (a_in per spike) */
    double w_in;          /* std of the input weights, activation units per message unit */
    double input_fraction; /* probability that an input line reaches a neuron */
    hr_plist input_neurons; /* if not empty: exactly these neurons get every input line */
    int weight_bits;      /* Dense num_weight_bits of both connections */
    int rec_shift;        /* recurrent Dense weight_exp: weight = mantissa 2^rec_shift */
    int in_shift;         /* input Dense weight_exp */
    double du, dv;        /* decays (rounded to integers 0 .. 4095) */
    double du_max, dv_max; /* -1, or the top of the per-neuron log-uniform spread */
    double vth;           /* threshold mantissa (rounded, 0 .. 131071) */
    double bias;          /* mean bias mantissa (rounded per neuron, 13 bits) */
    double bias_spread;   /* std of the per-neuron bias mantissas */
    int bias_exp;         /* bias exponent 0 .. 7 */
    int seed;             /* weights, biases, connectivity */
    double dt;            /* time per neuron step (s) */
    int encoding;         /* hr_loihi_encoding */
    double input_scale;   /* encoder scale */
    int input_bits;       /* current encoding: message bits */
    double threshold;     /* delta encoding: level spacing */
    int trace;            /* hr_loihi_trace */
    int window;           /* neuron steps per trace sample */
    double filter_tau;    /* filtered trace: time constant (steps) */
    int probes;           /* neurons recorded (the first ones; 0: all) */
} hr_loihi_lif_cfg;

/* The settings table of kind loihi-lif. */
extern const hr_param_spec hr_loihi_lif_params[];

/* A built loihi-lif network. */
typedef struct hr_loihi_lif_net {
    hr_loihi_lif_cfg cfg;  /* the settings it was built from */
    int nlines;            /* input lines (encoder) */
    hr_loihi_lif *lif;     /* neurons (du, dv, vth, biases) */
    hr_loihi_conn *win;    /* input lines -> neurons (graded for current encoding) */
    hr_loihi_conn *wrec;   /* neurons -> neurons */
} hr_loihi_lif_net;

/* Builds the network a loihi-lif section describes (checks the settings:
 * HR_EINVAL / HR_ERANGE with the setting's name and allowed range). On
 * failure *out is NULL. */
int hr_loihi_lif_net_create(hr_loihi_lif_net **out, const hr_section *settings);

/* Frees; NULL is allowed. */
void hr_loihi_lif_net_destroy(hr_loihi_lif_net *net);

/* ---- loihi-sdn ---- */

enum hr_loihi_topology { HR_LOIHI_LRU = 0, HR_LOIHI_RANDOM = 1 };

/* The decoded settings of kind loihi-sdn. */
typedef struct hr_loihi_sdn_cfg {
    int neurons;        /* neurons (lru: pairs form rotation blocks) */
    int inputs;         /* stimulus channels */
    int topology;       /* hr_loihi_topology */
    double r_min, r_max; /* lru: eigenvalue magnitudes */
    double theta_max;   /* lru: largest eigenvalue phase (rad) */
    double radius;      /* random: spectral radius */
    double density;     /* random: synapse probability */
    double w_in;        /* std of the input weights (state units per input unit) */
    int weight_bits;    /* Dense num_weight_bits */
    int activation;     /* 0 identity (UNIT), 1 relu */
    int model;          /* hr_loihi_sdn_model */
    int cum_error;      /* cumulative-error spiking */
    double vth;         /* neuron threshold (rounded; state units) */
    double input_vth;   /* input Delta encoder threshold (rounded); -1: values sent directly */
    int spike_exp, state_exp; /* fixed-point exponents */
    double input_scale; /* input units per unit of x (inputs rounded to integers) */
    double bias;        /* mean bias (rounded; state units) */
    double bias_spread; /* std of per-neuron biases */
    int seed;           /* weights */
    double dt;          /* time per step (s) */
    int trace;          /* 0 act, 1 sigma (state units: value / 2^(spike_exp + state_exp)) */
    int window;         /* steps per trace sample */
    int probes;         /* neurons recorded (0: all) */
} hr_loihi_sdn_cfg;

/* The settings table of kind loihi-sdn. */
extern const hr_param_spec hr_loihi_sdn_params[];

/* A built loihi-sdn network. */
typedef struct hr_loihi_sdn_net {
    hr_loihi_sdn_cfg cfg;  /* the settings it was built from */
    hr_loihi_sdn *sdn;     /* sigma-delta neurons */
    hr_loihi_sdn *delta;   /* input Delta encoder (NULL: values sent directly) */
    hr_loihi_conn *win;    /* inputs -> neurons (graded) */
    hr_loihi_conn *wrec;   /* neurons -> neurons (graded) */
} hr_loihi_sdn_net;

/* Builds the network a loihi-sdn section describes. On failure *out is NULL. */
int hr_loihi_sdn_net_create(hr_loihi_sdn_net **out, const hr_section *settings);

/* Frees; NULL is allowed. */
void hr_loihi_sdn_net_destroy(hr_loihi_sdn_net *net);

/* The weight exponent that fits real weights of largest magnitude `amax`
 * into 8-bit mantissas scaled by 2^pre: the smallest e in [-24, 24] with
 * amax 2^(pre - e) <= 255 (0 if amax is 0). */
int hr_loihi_fit_exp(double amax, int pre);

#endif
