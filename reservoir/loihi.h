/* loihi.h — Loihi 2 neuron and synapse arithmetic, bit for bit as Lava's
 * fixed-point process models compute it (lava-nc/lava, commit b6822fbc):
 * CUBA-LIF neurons (PyLifModelBitAcc), Dense connections (PyDenseModelBitAcc
 * with weightutils' sign mode, clipping and truncation, and its one-step
 * delay), sigma-delta neurons (PySigmaDeltaModelFixed, the model Lava's
 * fixed_pt tag selects, and PySigmaDeltaModelFixedCorrected) and the delta
 * encoder (PyDeltaModelFixed). Integers only; the wrap-arounds of Lava's
 * int32 numpy arithmetic are reproduced. The equations are in loihi.c. */
#ifndef HR_LOIHI_H
#define HR_LOIHI_H

#include <stddef.h>
#include <stdint.h>

/* Sign modes of a weight matrix (weightutils.SignMode). */
enum hr_loihi_sign { HR_LOIHI_MIXED = 1, HR_LOIHI_EXCITATORY = 2, HR_LOIHI_INHIBITORY = 3 };

/* determine_sign_mode over n weights (the implicit zeros of a sparse matrix
 * change nothing): excitatory if all >= 0, else inhibitory if all <= 0,
 * else mixed. */
enum hr_loihi_sign hr_loihi_sign_mode(const int32_t *w, size_t n);

/* clip_weights(sign, num_bits = 8) then truncate_weights(sign, bits), in
 * place: mixed -256 .. 255 (then 8 - bits + 1 low bits cleared), excitatory
 * 0 .. 255, inhibitory -255 .. 0 (8 - bits low bits cleared). bits in 1..8. */
void hr_loihi_quantize(int32_t *w, size_t n, enum hr_loihi_sign sign, int bits);

/* A Dense connection (n_post x n_pre) stored by presynaptic column (CSC),
 * so a step touches only the columns of the neurons that sent something. */
typedef struct hr_loihi_conn {
    int n_post, n_pre;   /* matrix size */
    int graded;          /* 0: binary spikes (num_message_bits 0); 1: graded messages */
    int exp;             /* weight exponent (weight_exp) */
    int bits;            /* weight bits after truncation (num_weight_bits) */
    enum hr_loihi_sign sign; /* the sign mode the weights were quantized with */
    size_t nnz;          /* stored synapses */
    size_t *colptr;      /* n_pre + 1 offsets into row / w */
    int *row;            /* postsynaptic index of each synapse */
    int32_t *w;          /* quantized weight mantissa of each synapse */
    int64_t *acc;        /* n_post accumulators (scratch) */
    int32_t *buf;        /* n_post: a_buff, what the connection sends next step */
} hr_loihi_conn;

/* Builds a connection from nnz (post, pre, weight) triplets given as in
 * Lava's Dense(weights=...) before clipping (duplicates are summed first, as
 * a dense matrix would hold them). The sign mode is determined from the
 * weights; they are clipped and truncated to `bits`. The buffer starts at 0.
 * HR_EINVAL for an index outside the matrix or bits outside 1..8. On
 * failure *out is NULL. */
int hr_loihi_conn_create(hr_loihi_conn **out, int n_post, int n_pre, size_t nnz,
                         const int *post, const int *pre, const int32_t *w, int exp, int bits,
                         int graded);

/* Frees; NULL is allowed. */
void hr_loihi_conn_destroy(hr_loihi_conn *c);

/* Zeroes the buffer (a run from rest). */
void hr_loihi_conn_reset(hr_loihi_conn *c);

/* Receives this step's input s (n_pre values: spikes 0/1, or graded
 * messages) and computes the buffer the connection sends at the next step:
 * buf = shift(W s, exp). Returns the synaptic operations performed (stored
 * synapses of the columns with s != 0). */
long hr_loihi_conn_accumulate(hr_loihi_conn *c, const int32_t *s);

/* Adds a connection's buffer into a_in (int32 wrap-around, as the InPort's
 * sum). */
void hr_loihi_conn_deliver(const hr_loihi_conn *c, int32_t *a_in);

/* A population of CUBA-LIF neurons (PyLifModelBitAcc). Lava's du and dv
 * are scalars of a process; neurons with decays of their own are the
 * neurons of several LIF processes updated in the same step. */
typedef struct hr_loihi_lif {
    int n;          /* neurons */
    int16_t *du, *dv; /* per neuron: current and voltage decays, 0 .. 4095 */
    int32_t vth;    /* threshold mantissa, 0 .. 131071 (compared as vth << 6) */
    int32_t *bias;  /* effective bias per neuron: bias_mant << bias_exp (>> if negative) */
    int32_t *u;     /* current (24-bit, wraps) */
    int32_t *v;     /* voltage (24-bit, clips) */
} hr_loihi_lif;

/* Allocates n neurons with zero state and zero bias, all with decays du
 * and dv. On failure *out is NULL. */
int hr_loihi_lif_create(hr_loihi_lif **out, int n, int du, int dv, int32_t vth);

/* Frees; NULL is allowed. */
void hr_loihi_lif_destroy(hr_loihi_lif *p);

/* Sets neuron i's decays (0 .. 4095 each; the caller checks). */
void hr_loihi_lif_set_decay(hr_loihi_lif *p, int i, int du, int dv);

/* Sets neuron i's bias from mantissa and exponent as Lava's scale_bias does. */
void hr_loihi_lif_set_bias(hr_loihi_lif *p, int i, int32_t mant, int exp);

/* u = v = 0. */
void hr_loihi_lif_reset(hr_loihi_lif *p);

/* One step: decays, adds a_in << 6 to u (wrap), u and the bias to v (clip),
 * spikes where v > vth << 6 and resets those v to 0. spike[i] gets 0/1.
 * Returns the number of spikes. */
int hr_loihi_lif_step(hr_loihi_lif *p, const int32_t *a_in, int32_t *spike);

/* Sigma-delta model variants. */
enum hr_loihi_sdn_model {
    HR_SDN_FIXED = 0,     /* PySigmaDeltaModelFixed: what the fixed_pt tag selects */
    HR_SDN_CORRECTED = 1  /* PySigmaDeltaModelFixedCorrected */
};

/* A population of sigma-delta neurons (or, with sigma off, Lava's Delta
 * encoder PyDeltaModelFixed: hr_loihi_delta_step). */
typedef struct hr_loihi_sdn {
    int n;                        /* neurons */
    enum hr_loihi_sdn_model model; /* which of Lava's fixed-point models */
    int relu;                     /* 1: ReLU activation, 0: identity (UNIT) */
    int cum_error;                /* 1: spike on accumulated error */
    int spike_exp, state_exp;     /* scaling exponents */
    int32_t vth;                  /* threshold, already scaled by 2^(spike_exp + state_exp) */
    int32_t *bias;                /* bias, already scaled by 2^(spike_exp + state_exp) */
    int32_t *sigma, *act, *residue, *error; /* state */
} hr_loihi_sdn;

/* Allocates n neurons: vth and (later) the biases are given unscaled, as to
 * Lava's SigmaDelta process, and scaled here as it scales them. On failure
 * *out is NULL. */
int hr_loihi_sdn_create(hr_loihi_sdn **out, int n, enum hr_loihi_sdn_model model, int relu,
                        int cum_error, int32_t vth, int spike_exp, int state_exp);

/* Frees; NULL is allowed. */
void hr_loihi_sdn_destroy(hr_loihi_sdn *p);

/* Sets neuron i's bias (unscaled; stored as bias * 2^(spike_exp + state_exp)). */
void hr_loihi_sdn_set_bias(hr_loihi_sdn *p, int i, int32_t bias);

/* Zeroes the state. */
void hr_loihi_sdn_reset(hr_loihi_sdn *p);

/* One sigma-delta step (the model's run_spk): s_out gets the graded
 * messages (0 where nothing is sent). Returns the number of messages. */
int hr_loihi_sdn_step(hr_loihi_sdn *p, const int32_t *a_in, int32_t *s_out);

/* One step of Lava's Delta encoder (PyDeltaModelFixed) on the same state
 * (bias, relu and sigma unused): the input is shifted up by
 * spike_exp + state_exp and delta-encoded. Returns the number of messages. */
int hr_loihi_delta_step(hr_loihi_sdn *p, const int32_t *a_in, int32_t *s_out);

#endif
