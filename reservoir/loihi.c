/* loihi.c — Loihi 2 arithmetic as Lava's fixed-point models compute it.
 *
 * Source: lava-nc/lava at commit b6822fbc0e85730fc0da6979451f42fef038fb71,
 *   src/lava/proc/lif/models.py    AbstractPyLifModelFixed.subthr_dynamics,
 *                                  scale_bias, PyLifModelBitAcc.scale_threshold,
 *                                  spiking_activation, run_spk
 *   src/lava/proc/dense/models.py  AbstractPyDenseModelBitAcc.run_spk
 *   src/lava/utils/weightutils.py  determine_sign_mode, clip_weights, truncate_weights
 *   src/lava/proc/sdn/models.py    AbstractDeltaModel.delta_dynamics,
 *                                  AbstractSigmaDeltaModel.dynamics,
 *                                  PySigmaDeltaModelFixed, ...FixedCorrected,
 *                                  PyDeltaModelFixed
 *   src/lava/proc/sdn/process.py   SigmaDelta / Delta: vth, bias * 2^(spike_exp + state_exp)
 *
 * Dense (per step t; the buffer is what was accumulated at t - 1):
 *   send a_buff;  a_accum = W s(t)  (binary: sum of the columns of the
 *   neurons that spiked, in int64; graded: W.dot(s) in int32);
 *   a_buff = a_accum << exp (exp > 0) or a_accum >> -exp (arithmetic);
 *   the channel stores it as int32.
 * Weights once: sign mode from min/max; clip to 8 bits for the mode; clear
 *   8 - bits + (mixed) low bits by >> then << (inhibitory: negated around it).
 * CUBA-LIF (per step, a_in = the sum of the connections' buffers, int32):
 *   p = u (4096 - (du + 1));  u = sign(p) (|p| >> 12);  u += a_in << 6
 *   (int32); if u > 2^23: u -= 2^24, else if u <= -2^23: u += 2^24;
 *   q = v (4096 - dv);  v = sign(q) (|q| >> 12) + u + bias (int32);
 *   v = clip(v, -(2^23 - 1), 2^23 - 1);  spike = v > vth << 6;  v = 0 where spiked.
 *   bias = bias_mant << bias_exp (bias_exp >= 0) or >> -bias_exp.
 * Sigma-delta, fixed (PySigmaDeltaModelFixed; all int32):
 *   sigma += a_in;  act' = f(sigma + bias), f = ReLU or identity;
 *   delta = act' - act + residue;
 *   s = delta where |delta| >= vth (cum_error: error += delta, s = delta
 *   where |error| >= vth, error = 0 where s != 0), else 0;
 *   residue = delta - s;  act = act';  send s >> state_exp.
 * Sigma-delta, corrected: sigma += a_in; act' = f(sigma + bias);
 *   delta = act' - act; s = delta where |delta| >= vth; out = s >> state_exp;
 *   act += out << state_exp; send out.
 * Delta encoder (PyDeltaModelFixed): a = a_in << (spike_exp + state_exp);
 *   the delta dynamics above on a; act = a; send s >> state_exp.
 *
 * numpy's int32 arithmetic wraps modulo 2^32; the helpers below do the same
 * (through unsigned arithmetic, so there is no undefined behaviour in C). */
#include "reservoir/loihi.h"
#include "base/status.h"

#include <stdlib.h>
#include <string.h>

/* int32 wrap-around of any 64-bit value (numpy's cast / int32 overflow). */
static inline int32_t wrap32(int64_t x) { return (int32_t)(uint32_t)(uint64_t)x; }

/* numpy left_shift on int32 (wraps). */
static inline int32_t shl32(int32_t x, int s) { return (int32_t)((uint32_t)x << s); }

/* numpy right_shift on a signed value: arithmetic (floor). */
static inline int64_t sar64(int64_t x, int s) { return x >= 0 ? x >> s : ~(~x >> s); }

/* numpy abs on int32 (abs(INT32_MIN) stays INT32_MIN). */
static inline int32_t abs32(int32_t x) { return x < 0 ? (int32_t)(0u - (uint32_t)x) : x; }

/* sign(p) * (|p| >> 12): the decays' rounding toward zero. */
static inline int64_t decay_shift(int64_t p) { return p >= 0 ? p >> 12 : -((-p) >> 12); }

/* ---- Weights ---- */

enum hr_loihi_sign hr_loihi_sign_mode(const int32_t *w, size_t n)
{
    int32_t lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = w[i] < lo ? w[i] : lo;
        hi = w[i] > hi ? w[i] : hi;
    }
    if (lo >= 0)
        return HR_LOIHI_EXCITATORY;
    if (hi <= 0)
        return HR_LOIHI_INHIBITORY;
    return HR_LOIHI_MIXED;
}

void hr_loihi_quantize(int32_t *w, size_t n, enum hr_loihi_sign sign, int bits)
{
    int mixed = sign == HR_LOIHI_MIXED, inh = sign == HR_LOIHI_INHIBITORY;
    /* clip_weights(num_bits = 8): min = -2^8 * mixed, max = 2^8 - 1. */
    int32_t lo = mixed ? -256 : 0, hi = 255;
    int cut = 8 - bits + mixed;
    for (size_t i = 0; i < n; i++) {
        int32_t x = inh ? -w[i] : w[i];
        x = x < lo ? lo : x > hi ? hi : x;
        if (inh)
            x = -x;
        /* truncate_weights: negate (inhibitory), >> cut << cut, negate back. */
        int32_t y = inh ? -x : x;
        y = (int32_t)((uint32_t)sar64(y, cut) << cut);
        w[i] = inh ? -y : y;
    }
}

/* ---- Dense connection ---- */

int hr_loihi_conn_create(hr_loihi_conn **out, int n_post, int n_pre, size_t nnz,
                         const int *post, const int *pre, const int32_t *w, int exp, int bits,
                         int graded)
{
    *out = NULL;
    if (n_post < 0 || n_pre < 0 || bits < 1 || bits > 8 || exp < -31 || exp > 31)
        return HR_ERROR(HR_EINVAL, "Loihi connection %d x %d with %d weight bits, exponent %d "
                        "(allowed: sizes >= 0, bits 1 .. 8, exponent -31 .. 31)", n_post, n_pre,
                        bits, exp);
    for (size_t k = 0; k < nnz; k++)
        if (post[k] < 0 || post[k] >= n_post || pre[k] < 0 || pre[k] >= n_pre)
            return HR_ERROR(HR_EINVAL, "Loihi connection: synapse %zu goes from %d to %d "
                            "(allowed: pre 0 .. %d, post 0 .. %d)", k, pre[k], post[k],
                            n_pre - 1, n_post - 1);
    hr_loihi_conn *c = calloc(1, sizeof *c);
    if (!c)
        return HR_ERROR(HR_ENOMEM, "out of memory for a Loihi connection");
    c->n_post = n_post;
    c->n_pre = n_pre;
    c->exp = exp;
    c->bits = bits;
    c->graded = graded != 0;
    c->colptr = calloc((size_t)n_pre + 1, sizeof *c->colptr);
    c->row = malloc((nnz ? nnz : 1) * sizeof *c->row);
    c->w = malloc((nnz ? nnz : 1) * sizeof *c->w);
    c->acc = calloc((size_t)n_post + 1, sizeof *c->acc);
    c->buf = calloc((size_t)n_post + 1, sizeof *c->buf);
    size_t *fill = calloc((size_t)n_pre + 1, sizeof *fill);
    if (!c->colptr || !c->row || !c->w || !c->acc || !c->buf || !fill) {
        free(fill);
        hr_loihi_conn_destroy(c);
        return HR_ERROR(HR_ENOMEM, "out of memory for a Loihi connection (%zu synapses)", nnz);
    }
    /* Column counts, then the entries sorted by (pre, post); duplicates
     * merged (summed in int64 and wrapped as an int32 matrix would hold
     * them only if they came from one matrix: callers give unique pairs). */
    for (size_t k = 0; k < nnz; k++)
        c->colptr[pre[k] + 1]++;
    for (int j = 0; j < n_pre; j++)
        c->colptr[j + 1] += c->colptr[j];
    for (size_t k = 0; k < nnz; k++) {
        size_t at = c->colptr[pre[k]] + fill[pre[k]]++;
        c->row[at] = post[k];
        c->w[at] = w[k];
    }
    free(fill);
    /* Sort each column by row and merge duplicates (insertion sort: columns
     * are short). */
    size_t kept = 0;
    for (int j = 0; j < n_pre; j++) {
        size_t a = c->colptr[j], b = c->colptr[j + 1];
        for (size_t i = a + 1; i < b; i++) {
            int r = c->row[i];
            int32_t x = c->w[i];
            size_t m = i;
            while (m > a && c->row[m - 1] > r) {
                c->row[m] = c->row[m - 1];
                c->w[m] = c->w[m - 1];
                m--;
            }
            c->row[m] = r;
            c->w[m] = x;
        }
        size_t start = kept;
        for (size_t i = a; i < b; i++) {
            if (kept > start && c->row[kept - 1] == c->row[i]) {
                c->w[kept - 1] = wrap32((int64_t)c->w[kept - 1] + c->w[i]);
            } else {
                c->row[kept] = c->row[i];
                c->w[kept] = c->w[i];
                kept++;
            }
        }
        c->colptr[j] = start;
    }
    c->colptr[n_pre] = kept;
    c->nnz = kept;
    c->sign = hr_loihi_sign_mode(c->w, c->nnz);
    hr_loihi_quantize(c->w, c->nnz, c->sign, bits);
    *out = c;
    return HR_OK;
}

void hr_loihi_conn_destroy(hr_loihi_conn *c)
{
    if (!c)
        return;
    free(c->colptr);
    free(c->row);
    free(c->w);
    free(c->acc);
    free(c->buf);
    free(c);
}

void hr_loihi_conn_reset(hr_loihi_conn *c)
{
    memset(c->buf, 0, (size_t)c->n_post * sizeof *c->buf);
}

long hr_loihi_conn_accumulate(hr_loihi_conn *c, const int32_t *s)
{
    long ops = 0;
    int64_t *acc = c->acc;
    memset(acc, 0, (size_t)c->n_post * sizeof *acc);
    for (int j = 0; j < c->n_pre; j++) {
        if (s[j] == 0)
            continue;
        size_t a = c->colptr[j], b = c->colptr[j + 1];
        ops += (long)(b - a);
        if (!c->graded) {
            for (size_t k = a; k < b; k++)
                acc[c->row[k]] += c->w[k];
        } else {
            int64_t sj = s[j];
            for (size_t k = a; k < b; k++)
                acc[c->row[k]] += (int64_t)c->w[k] * sj;
        }
    }
    for (int i = 0; i < c->n_post; i++) {
        if (!c->graded) {
            /* weights[:, s].sum(axis=1) is int64; shifted in int64; the int32
             * channel keeps the low 32 bits. */
            int64_t a = acc[i];
            int64_t sh = c->exp > 0 ? (int64_t)((uint64_t)a << c->exp) : sar64(a, -c->exp);
            c->buf[i] = wrap32(sh);
        } else {
            /* int32 dot product (wraps), shifted in int32. */
            int32_t a = wrap32(acc[i]);
            c->buf[i] = c->exp > 0 ? shl32(a, c->exp) : (int32_t)sar64(a, -c->exp);
        }
    }
    return ops;
}

void hr_loihi_conn_deliver(const hr_loihi_conn *c, int32_t *a_in)
{
    for (int i = 0; i < c->n_post; i++)
        a_in[i] = wrap32((int64_t)a_in[i] + c->buf[i]);
}

/* ---- CUBA-LIF ---- */

int hr_loihi_lif_create(hr_loihi_lif **out, int n, int du, int dv, int32_t vth)
{
    *out = NULL;
    if (n < 0 || du < 0 || du > 4095 || dv < 0 || dv > 4095 || vth < 0 || vth > 131071)
        return HR_ERROR(HR_EINVAL, "Loihi LIF: %d neurons, du = %d, dv = %d, vth = %d (allowed: "
                        "du, dv 0 .. 4095, vth 0 .. 131071)", n, du, dv, (int)vth);
    hr_loihi_lif *p = calloc(1, sizeof *p);
    if (!p)
        return HR_ERROR(HR_ENOMEM, "out of memory for Loihi neurons");
    p->n = n;
    p->vth = vth;
    p->du = malloc(((size_t)n + 1) * sizeof *p->du);
    p->dv = malloc(((size_t)n + 1) * sizeof *p->dv);
    p->bias = calloc((size_t)n + 1, sizeof *p->bias);
    p->u = calloc((size_t)n + 1, sizeof *p->u);
    p->v = calloc((size_t)n + 1, sizeof *p->v);
    if (!p->du || !p->dv || !p->bias || !p->u || !p->v) {
        hr_loihi_lif_destroy(p);
        return HR_ERROR(HR_ENOMEM, "out of memory for %d Loihi neurons", n);
    }
    for (int i = 0; i < n; i++)
        hr_loihi_lif_set_decay(p, i, du, dv);
    *out = p;
    return HR_OK;
}

void hr_loihi_lif_destroy(hr_loihi_lif *p)
{
    if (!p)
        return;
    free(p->du);
    free(p->dv);
    free(p->bias);
    free(p->u);
    free(p->v);
    free(p);
}

void hr_loihi_lif_set_decay(hr_loihi_lif *p, int i, int du, int dv)
{
    p->du[i] = (int16_t)du;
    p->dv[i] = (int16_t)dv;
}

void hr_loihi_lif_set_bias(hr_loihi_lif *p, int i, int32_t mant, int exp)
{
    /* scale_bias: int32 mantissa, left_shift(mant, exp) or right_shift(mant, -exp). */
    p->bias[i] = exp >= 0 ? shl32(mant, exp) : (int32_t)sar64(mant, -exp);
}

void hr_loihi_lif_reset(hr_loihi_lif *p)
{
    memset(p->u, 0, (size_t)p->n * sizeof *p->u);
    memset(p->v, 0, (size_t)p->n * sizeof *p->v);
}

int hr_loihi_lif_step(hr_loihi_lif *p, const int32_t *a_in, int32_t *spike)
{
    const int64_t max_uv = INT64_C(1) << 23;
    const int64_t vth = (int64_t)p->vth << 6;
    int nspk = 0;
    for (int i = 0; i < p->n; i++) {
        /* decay_unity - (du + ds_offset), ds_offset = 1; dm_offset = 0. */
        const int64_t ku = 4096 - (p->du[i] + 1), kv = 4096 - p->dv[i];
        int32_t du = (int32_t)decay_shift((int64_t)p->u[i] * ku);
        int32_t u = wrap32((int64_t)du + shl32(a_in[i], 6));
        if (u > max_uv)
            u = (int32_t)(u - 2 * max_uv);
        else if (u <= -max_uv)
            u = (int32_t)(u + 2 * max_uv);
        p->u[i] = u;
        int32_t dvv = (int32_t)decay_shift((int64_t)p->v[i] * kv);
        int32_t v = wrap32(wrap32((int64_t)dvv + u) + (int64_t)p->bias[i]);
        if (v > max_uv - 1)
            v = (int32_t)(max_uv - 1);
        else if (v < -(max_uv - 1))
            v = (int32_t)(-(max_uv - 1));
        int s = v > vth;
        spike[i] = s;
        p->v[i] = s ? 0 : v;
        nspk += s;
    }
    return nspk;
}

/* ---- Sigma-delta ---- */

int hr_loihi_sdn_create(hr_loihi_sdn **out, int n, enum hr_loihi_sdn_model model, int relu,
                        int cum_error, int32_t vth, int spike_exp, int state_exp)
{
    *out = NULL;
    if (n < 0 || spike_exp < 0 || state_exp < 0 || spike_exp + state_exp > 23 || vth < 0 ||
        ((int64_t)vth << (spike_exp + state_exp)) > INT32_MAX)
        return HR_ERROR(HR_EINVAL, "Loihi sigma-delta: %d neurons, vth = %d, spike_exp = %d, "
                        "state_exp = %d (allowed: exponents >= 0 with sum <= 23, vth >= 0 and "
                        "vth * 2^(spike_exp + state_exp) < 2^31)", n, (int)vth, spike_exp,
                        state_exp);
    hr_loihi_sdn *p = calloc(1, sizeof *p);
    if (!p)
        return HR_ERROR(HR_ENOMEM, "out of memory for sigma-delta neurons");
    p->n = n;
    p->model = model;
    p->relu = relu != 0;
    p->cum_error = cum_error != 0;
    p->spike_exp = spike_exp;
    p->state_exp = state_exp;
    p->vth = (int32_t)((int64_t)vth << (spike_exp + state_exp));
    size_t m = (size_t)n + 1;
    p->bias = calloc(m, sizeof *p->bias);
    p->sigma = calloc(m, sizeof *p->sigma);
    p->act = calloc(m, sizeof *p->act);
    p->residue = calloc(m, sizeof *p->residue);
    p->error = calloc(m, sizeof *p->error);
    if (!p->bias || !p->sigma || !p->act || !p->residue || !p->error) {
        hr_loihi_sdn_destroy(p);
        return HR_ERROR(HR_ENOMEM, "out of memory for %d sigma-delta neurons", n);
    }
    *out = p;
    return HR_OK;
}

void hr_loihi_sdn_destroy(hr_loihi_sdn *p)
{
    if (!p)
        return;
    free(p->bias);
    free(p->sigma);
    free(p->act);
    free(p->residue);
    free(p->error);
    free(p);
}

void hr_loihi_sdn_set_bias(hr_loihi_sdn *p, int i, int32_t bias)
{
    /* SigmaDelta: bias * (1 << (spike_exp + state_exp)), stored as int32. */
    p->bias[i] = wrap32((int64_t)bias * (INT64_C(1) << (p->spike_exp + p->state_exp)));
}

void hr_loihi_sdn_reset(hr_loihi_sdn *p)
{
    size_t b = (size_t)p->n * sizeof(int32_t);
    memset(p->sigma, 0, b);
    memset(p->act, 0, b);
    memset(p->residue, 0, b);
    memset(p->error, 0, b);
}

/* AbstractDeltaModel.delta_dynamics for neuron i on the new activation a;
 * returns s (scaled). */
static int32_t delta_dynamics(hr_loihi_sdn *p, int i, int32_t a)
{
    int32_t delta = wrap32((int64_t)wrap32((int64_t)a - p->act[i]) + p->residue[i]);
    int32_t s;
    if (p->cum_error) {
        p->error[i] = wrap32((int64_t)p->error[i] + delta);
        s = abs32(p->error[i]) >= p->vth ? delta : 0;
        if (s != 0)
            p->error[i] = 0;
    } else {
        s = abs32(delta) >= p->vth ? delta : 0;
    }
    p->residue[i] = wrap32((int64_t)delta - s);
    return s;
}

int hr_loihi_sdn_step(hr_loihi_sdn *p, const int32_t *a_in, int32_t *s_out)
{
    int msgs = 0;
    for (int i = 0; i < p->n; i++) {
        p->sigma[i] = wrap32((int64_t)a_in[i] + p->sigma[i]);
        int32_t act = wrap32((int64_t)p->sigma[i] + p->bias[i]);
        if (p->relu && act < 0)
            act = 0;
        int32_t out;
        if (p->model == HR_SDN_FIXED) {
            int32_t s = delta_dynamics(p, i, act);
            p->act[i] = act;
            out = (int32_t)sar64(s, p->state_exp);
        } else {
            int32_t delta = wrap32((int64_t)act - p->act[i]);
            int32_t s = abs32(delta) >= p->vth ? delta : 0;
            out = (int32_t)sar64(s, p->state_exp);
            p->act[i] = wrap32((int64_t)p->act[i] + shl32(out, p->state_exp));
        }
        s_out[i] = out;
        msgs += out != 0;
    }
    return msgs;
}

int hr_loihi_delta_step(hr_loihi_sdn *p, const int32_t *a_in, int32_t *s_out)
{
    int msgs = 0;
    for (int i = 0; i < p->n; i++) {
        int32_t a = shl32(a_in[i], p->spike_exp + p->state_exp);
        int32_t s = delta_dynamics(p, i, a);
        p->act[i] = a;
        s_out[i] = (int32_t)sar64(s, p->state_exp);
        msgs += s_out[i] != 0;
    }
    return msgs;
}
