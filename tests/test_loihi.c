/* test_loihi.c — Loihi 2 arithmetic (reservoir/loihi.c) on hand-computed
 * cases of Lava's rules (the full conformance against Lava's own output is
 * tests/check_loihi_reference.sh), and the loihi-lif / loihi-sdn substrates:
 * determinism, the trace kinds against each other, the cost counters
 * against counts made from the network, weight truncation, the sigma-delta
 * LRU against the linear recurrence it computes, errors, genes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "reservoir/experiment.h"
#include "reservoir/loihi.h"
#include "reservoir/substrate.h"
#include "reservoir/substrate_loihi.h"
#include "tests/test_util.h"

static int setup(void **state)
{
    hr_init();
    return 0;
}

/* ---- Weights (weightutils: clip_weights then truncate_weights) ---- */

static void test_quantize(void **state)
{
    int32_t a[] = {0, 3, 5};
    assert_int_equal(hr_loihi_sign_mode(a, 3), HR_LOIHI_EXCITATORY);
    int32_t b[] = {0, -3};
    assert_int_equal(hr_loihi_sign_mode(b, 2), HR_LOIHI_INHIBITORY);
    int32_t c[] = {-1, 2};
    assert_int_equal(hr_loihi_sign_mode(c, 2), HR_LOIHI_MIXED);
    assert_int_equal(hr_loihi_sign_mode(NULL, 0), HR_LOIHI_EXCITATORY);
    /* Mixed, 8 bits: clip to -256 .. 255, clear 1 bit (floor). */
    int32_t m[] = {255, -256, 3, -3, 300, -400};
    hr_loihi_quantize(m, 6, HR_LOIHI_MIXED, 8);
    int32_t mw[] = {254, -256, 2, -4, 254, -256};
    assert_memory_equal(m, mw, sizeof m);
    /* Mixed, 4 bits: clear 5 bits. */
    int32_t m4[] = {100, -100};
    hr_loihi_quantize(m4, 2, HR_LOIHI_MIXED, 4);
    assert_int_equal(m4[0], 96);
    assert_int_equal(m4[1], -128);
    /* Excitatory, 6 bits: clip to 0 .. 255, clear 2 bits. */
    int32_t e[] = {255, 3, 300};
    hr_loihi_quantize(e, 3, HR_LOIHI_EXCITATORY, 6);
    int32_t ew[] = {252, 0, 252};
    assert_memory_equal(e, ew, sizeof e);
    /* Inhibitory, 4 bits: negated, clipped to 0 .. 255, 4 bits cleared, negated. */
    int32_t h[] = {-255, -17, -300, -15};
    hr_loihi_quantize(h, 4, HR_LOIHI_INHIBITORY, 4);
    int32_t hw[] = {-240, -16, -240, 0};
    assert_memory_equal(h, hw, sizeof h);
}

/* ---- CUBA-LIF ---- */

static void test_lif_step(void **state)
{
    hr_loihi_lif *p;
    assert_status(hr_loihi_lif_create(&p, 2, 409, 0, 131071), HR_OK);
    int32_t a[2] = {5, 5}, s[2];
    /* Decay by (4096 - 410) / 4096 rounds toward zero: 1000 -> 899 and
     * -1000 -> -899 (not -900); then u += a_in << 6; dv = 0 keeps v. */
    p->u[0] = 1000;
    p->u[1] = -1000;
    hr_loihi_lif_step(p, a, s);
    assert_int_equal(p->u[0], 899 + 320);
    assert_int_equal(p->u[1], -899 + 320);
    assert_int_equal(p->v[0], 1219);
    assert_int_equal(p->v[1], -579);
    hr_loihi_lif_destroy(p);

    /* 24-bit wrap of u (du = 0: factor 4095/4096), both ways. */
    assert_status(hr_loihi_lif_create(&p, 2, 0, 4095, 131071), HR_OK);
    p->u[0] = 8388598;
    p->u[1] = -8388598;
    int32_t w[2] = {100, -100};
    hr_loihi_lif_step(p, w, s);
    assert_int_equal(p->u[0], -8384266); /* 8386550 + 6400 - 2^24 */
    assert_int_equal(p->u[1], 8384266);
    /* u of exactly 2^23 is kept; -2^23 wraps to +2^23. */
    hr_loihi_lif_reset(p);
    int32_t x[2] = {131072, -131072}; /* << 6 = +-2^23 */
    hr_loihi_lif_step(p, x, s);
    assert_int_equal(p->u[0], 8388608);
    assert_int_equal(p->u[1], 8388608);
    /* v = (v (4096 - 4095) >> 12) + u = u, clipped to 2^23 - 1, and no
     * spike: 2^23 - 1 is not above 131071 << 6 = 8388544? It is: spike. */
    assert_int_equal(s[0], 1);
    assert_int_equal(p->v[0], 0);
    hr_loihi_lif_destroy(p);

    /* Threshold: spike only when v > vth << 6, then v = 0; voltage clip. */
    assert_status(hr_loihi_lif_create(&p, 3, 4095, 4095, 10), HR_OK);
    int32_t t[3] = {10, 10, 0}, s3[3];
    hr_loihi_lif_set_bias(p, 1, 1, 0);          /* v = 640 + 1 > 640 */
    hr_loihi_lif_set_bias(p, 2, -4096, 7);      /* a big negative bias */
    hr_loihi_lif_step(p, t, s3);
    assert_int_equal(s3[0], 0);
    assert_int_equal(p->v[0], 640); /* exactly vth << 6: no spike */
    assert_int_equal(s3[1], 1);
    assert_int_equal(p->v[1], 0);
    assert_int_equal(p->v[2], -524288);
    for (int k = 0; k < 20; k++)
        hr_loihi_lif_step(p, t, s3);
    /* dv = 4095: -(524288 * 1 >> 12) = -128 is what remains, plus the bias. */
    assert_int_equal(p->v[2], -524416);
    /* Bias exponents: >> for negative ones (floor), << for positive. */
    hr_loihi_lif_set_bias(p, 0, -3, -1);
    assert_int_equal(p->bias[0], -2);
    hr_loihi_lif_set_bias(p, 0, 5, 3);
    assert_int_equal(p->bias[0], 40);
    hr_loihi_lif_destroy(p);
    hr_loihi_lif_destroy(NULL);
    assert_status(hr_loihi_lif_create(&p, 1, 4096, 0, 0), HR_EINVAL);
    assert_null(p);
    assert_non_null(strstr(hr_error_message(), "du, dv 0 .. 4095"));
}

static void test_conn(void **state)
{
    /* Binary spikes, exponent 2, duplicates summed first; mixed 8 bits. */
    int post[] = {0, 0, 0, 1}, pre[] = {0, 1, 1, 1};
    int32_t w[] = {3, -1, -1, 7};
    hr_loihi_conn *c;
    assert_status(hr_loihi_conn_create(&c, 2, 2, 4, post, pre, w, 2, 8, 0), HR_OK);
    assert_int_equal(c->nnz, 3);
    assert_int_equal(c->sign, HR_LOIHI_MIXED);
    /* mixed 8 bits clears one bit: 3 -> 2, -2 -> -2, 7 -> 6 */
    int32_t s[2] = {1, 1}, a[2] = {0, 0};
    assert_int_equal(hr_loihi_conn_accumulate(c, s), 3);
    hr_loihi_conn_deliver(c, a);
    assert_int_equal(a[0], (2 - 2) << 2);
    assert_int_equal(a[1], 6 << 2);
    int32_t s1[2] = {0, 1};
    assert_int_equal(hr_loihi_conn_accumulate(c, s1), 2); /* only column 1 */
    assert_int_equal(c->buf[0], -8);
    hr_loihi_conn_destroy(c);
    /* Graded, exponent -1: the shifted sum floors (-3 >> 1 = -2). */
    int post2[] = {0, 0}, pre2[] = {0, 1};
    int32_t w2[] = {4, -2};
    assert_status(hr_loihi_conn_create(&c, 1, 2, 2, post2, pre2, w2, -1, 8, 1), HR_OK);
    int32_t g[2] = {1, 3}; /* 4 - 6 = -2 -> -1; */
    hr_loihi_conn_accumulate(c, g);
    assert_int_equal(c->buf[0], -1);
    int32_t g2[2] = {-1, 0}; /* -4 >> 1 = -2 */
    hr_loihi_conn_accumulate(c, g2);
    assert_int_equal(c->buf[0], -2);
    int32_t g3[2] = {0, 1}; /* -2 >> 1 = -1; and -1 >> 1 = -1 (floor) */
    hr_loihi_conn_accumulate(c, g3);
    assert_int_equal(c->buf[0], -1);
    hr_loihi_conn_reset(c);
    assert_int_equal(c->buf[0], 0);
    hr_loihi_conn_destroy(c);
    hr_loihi_conn_destroy(NULL);
    assert_status(hr_loihi_conn_create(&c, 1, 2, 2, post2, pre2, w2, 0, 9, 1), HR_EINVAL);
    int bad[] = {2};
    assert_status(hr_loihi_conn_create(&c, 1, 2, 1, bad, pre2, w2, 0, 8, 1), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "synapse 0 goes from 0 to 2"));
}

/* ---- Sigma-delta (PySigmaDeltaModelFixed and ...Corrected) ---- */

static void test_sdn_step(void **state)
{
    /* vth 2 scaled by 2^(0 + 1) = 4; messages s >> 1. */
    hr_loihi_sdn *f, *k;
    assert_status(hr_loihi_sdn_create(&f, 1, HR_SDN_FIXED, 0, 0, 2, 0, 1), HR_OK);
    assert_status(hr_loihi_sdn_create(&k, 1, HR_SDN_CORRECTED, 0, 0, 2, 0, 1), HR_OK);
    assert_int_equal(f->vth, 4);
    int32_t in[] = {10, 1, 2, 1}, o;
    int32_t want_out[] = {5, 0, 0, 2}, want_res[] = {0, 1, 3, 0};
    for (int t = 0; t < 4; t++) {
        hr_loihi_sdn_step(f, &in[t], &o);
        assert_int_equal(o, want_out[t]);
        assert_int_equal(f->residue[0], want_res[t]);
        hr_loihi_sdn_step(k, &in[t], &o);
        assert_int_equal(o, want_out[t]);
    }
    assert_int_equal(f->act[0], 14);
    assert_int_equal(k->act[0], 14); /* 10 + (2 << 1) */
    hr_loihi_sdn_destroy(f);
    hr_loihi_sdn_destroy(k);
    /* vth 0: a delta of 1 is sent but 1 >> 1 = 0 is what arrives; the fixed
     * model forgets it (act moves on), the corrected one keeps act behind. */
    assert_status(hr_loihi_sdn_create(&f, 1, HR_SDN_FIXED, 0, 0, 0, 0, 1), HR_OK);
    assert_status(hr_loihi_sdn_create(&k, 1, HR_SDN_CORRECTED, 0, 0, 0, 0, 1), HR_OK);
    int32_t one = 1;
    for (int t = 0; t < 3; t++) {
        hr_loihi_sdn_step(f, &one, &o);
        assert_int_equal(o, 0);
    }
    assert_int_equal(f->act[0], 3);
    assert_int_equal(f->residue[0], 0);
    hr_loihi_sdn_step(k, &one, &o);
    assert_int_equal(o, 0);
    hr_loihi_sdn_step(k, &one, &o);
    assert_int_equal(o, 1); /* delta 2 >> 1 */
    assert_int_equal(k->act[0], 2);
    hr_loihi_sdn_destroy(f);
    hr_loihi_sdn_destroy(k);
    /* Cumulative error and ReLU. */
    assert_status(hr_loihi_sdn_create(&f, 1, HR_SDN_FIXED, 1, 1, 3, 0, 0), HR_OK);
    int32_t two = 2, zero = 0, neg = -50;
    hr_loihi_sdn_step(f, &two, &o);
    assert_int_equal(o, 0);
    assert_int_equal(f->error[0], 2);
    hr_loihi_sdn_step(f, &zero, &o);
    assert_int_equal(o, 2); /* error 4 >= 3: the delta (2) is sent, error reset */
    assert_int_equal(f->error[0], 0);
    hr_loihi_sdn_step(f, &neg, &o);
    assert_int_equal(f->act[0], 0); /* ReLU */
    hr_loihi_sdn_set_bias(f, 0, 3);
    assert_int_equal(f->bias[0], 3);
    hr_loihi_sdn_destroy(f);
    /* Delta encoder: x << (1 + 1), threshold 1 -> 4, message s >> 1. */
    assert_status(hr_loihi_sdn_create(&f, 1, HR_SDN_FIXED, 0, 0, 1, 1, 1), HR_OK);
    int32_t three = 3;
    hr_loihi_delta_step(f, &three, &o);
    assert_int_equal(o, 6);
    assert_int_equal(f->act[0], 12);
    hr_loihi_sdn_destroy(f);
    hr_loihi_sdn_destroy(NULL);
    assert_status(hr_loihi_sdn_create(&f, 1, HR_SDN_FIXED, 0, 0, 1, 20, 20), HR_EINVAL);
}

/* ---- Substrates ---- */

static hr_section *section(const char *kind, const char *const *kv)
{
    const hr_substrate_type *t = hr_substrate_lookup(kind, NULL, 0);
    assert_non_null(t);
    hr_section *s = hr_section_create("substrate", kind, t->base.params);
    for (; kv && *kv; kv += 2)
        assert_status(hr_section_set_text(s, kv[0], kv[1], "test", 0), HR_OK);
    return s;
}

static double samples[300];

static hr_stimulus stream(double amp)
{
    for (int i = 0; i < 300; i++)
        samples[i] = 0.4 * sin(i * 0.21) + 0.35 * sin(i * 0.77) + 0.1;
    hr_stimulus st = {.nsources = 1, .t_end = 2.99};
    st.sources[0] = (hr_source){.amplitude = amp, .nsamples = 300, .samples = samples,
                                .sample_dt = 0.01};
    return st;
}

static hr_traces run(const char *kind, const char *const *kv, hr_costs *costs)
{
    hr_section *s = section(kind, kv);
    hr_substrate *sub;
    assert_status(hr_substrate_open(&sub, s), HR_OK);
    hr_stimulus st = stream(1);
    hr_traces tr;
    assert_status(hr_substrate_run(sub, &st, &tr), HR_OK);
    if (costs)
        assert_status(hr_substrate_costs(sub, costs), HR_OK);
    hr_substrate_close(sub);
    hr_section_destroy(s);
    return tr;
}

static void test_lif_substrate(void **state)
{
    const char *base[] = {"neurons", "48", "w_rec", "30", "w_in", "20", "vth", "300",
                          "input_scale", "40", "trace", "spikes", NULL};
    hr_costs c;
    hr_traces sp = run("loihi-lif", base, &c);
    assert_int_equal(sp.nprobes, 48);
    assert_int_equal(sp.nt, 300);
    hr_traces sp2 = run("loihi-lif", base, NULL);
    assert_memory_equal(sp.data, sp2.data, 48 * 300 * sizeof(double)); /* deterministic */
    long spikes = 0;
    for (int i = 0; i < 48 * 300; i++) {
        assert_true(sp.data[i] == 0 || sp.data[i] == 1);
        spikes += sp.data[i] != 0;
    }
    assert_true(spikes > 300);
    /* The counters against counts made from the network: every spike
     * touches its column of the recurrent matrix, every nonzero input
     * message its column of the input matrix. */
    hr_section *s = section("loihi-lif", base);
    hr_loihi_lif_net *net;
    assert_status(hr_loihi_lif_net_create(&net, s), HR_OK);
    double ops = 0, msgs = 0;
    for (int k = 0; k < 300; k++) {
        for (int i = 0; i < 48; i++)
            if (sp.data[i * 300 + k] != 0)
                ops += (double)(net->wrec->colptr[i + 1] - net->wrec->colptr[i]);
        double v = nearbyint(40 * (0.4 * sin(k * 0.21) + 0.35 * sin(k * 0.77) + 0.1));
        if (v != 0) {
            msgs++;
            ops += (double)(net->win->colptr[1] - net->win->colptr[0]);
        }
    }
    assert_rel(c.synaptic_ops, ops / 300, 1e-12);
    assert_rel(c.messages, (spikes + msgs) / 300, 1e-12);
    assert_true(c.neuron_updates == 48);
    assert_int_equal(c.weight_bits, 8);
    assert_rel(c.weight_bytes, (double)(net->win->nnz + net->wrec->nnz), 0);
    assert_rel(c.state_bytes, 48 * 6, 0);
    hr_loihi_lif_net_destroy(net);
    hr_section_destroy(s);
    /* Counts in windows of 3 steps are the sums of the spikes. */
    const char *cnt[] = {"neurons", "48", "w_rec", "30", "w_in", "20", "vth", "300",
                         "input_scale", "40", "trace", "counts", "window", "3", NULL};
    hr_traces ct = run("loihi-lif", cnt, NULL);
    assert_int_equal(ct.nt, 100);
    for (int p = 0; p < 48; p++)
        for (int j = 0; j < 100; j++) {
            double sum = 0;
            for (int k = j == 0 ? 0 : 3 * j - 2; k <= 3 * j; k++)
                sum += sp.data[p * 300 + k];
            assert_true(ct.data[p * 100 + j] == sum);
        }
    /* Filtered spikes: f(s) = f(s-1) (1 - 1/tau) + spike(s-1). */
    const char *flt[] = {"neurons", "48", "w_rec", "30", "w_in", "20", "vth", "300",
                         "input_scale", "40", "trace", "filtered", "filter_tau", "6.5", NULL};
    hr_traces ft = run("loihi-lif", flt, NULL);
    for (int p = 0; p < 48; p++) {
        double f = 0;
        for (int k = 0; k < 300; k++) {
            if (k > 0)
                f = f * (1 - 1 / 6.5) + sp.data[p * 300 + k - 1];
            assert_true(ft.data[p * 300 + k] == f);
        }
    }
    /* Voltage in threshold units: never above 1 after the reset. */
    const char *vv[] = {"neurons", "48", "w_rec", "30", "w_in", "20", "vth", "300",
                        "input_scale", "40", "trace", "v", "probes", "10", NULL};
    hr_traces vt = run("loihi-lif", vv, NULL);
    assert_int_equal(vt.nprobes, 10);
    for (int i = 0; i < 10 * 300; i++)
        assert_true(vt.data[i] <= 1);
    free(sp.data);
    free(sp2.data);
    free(ct.data);
    free(ft.data);
    free(vt.data);
}

static void test_lif_settings(void **state)
{
    /* Fewer weight bits clear low mantissa bits (mixed signs: 8 - bits + 1). */
    const char *kv[] = {"weight_bits", "4", NULL};
    hr_section *s = section("loihi-lif", kv);
    hr_loihi_lif_net *net;
    assert_status(hr_loihi_lif_net_create(&net, s), HR_OK);
    assert_true(net->wrec->nnz > 100);
    for (size_t k = 0; k < net->wrec->nnz; k++)
        assert_int_equal(net->wrec->w[k] % 32, 0);
    assert_int_equal(net->wrec->sign, HR_LOIHI_MIXED);
    hr_loihi_lif_net_destroy(net);
    hr_section_destroy(s);
    /* Per-neuron decays stay inside du .. du_max. */
    const char *kd[] = {"du", "20", "du_max", "2000", "dv", "30", NULL};
    s = section("loihi-lif", kd);
    assert_status(hr_loihi_lif_net_create(&net, s), HR_OK);
    int lo = 4096, hi = 0;
    for (int i = 0; i < net->lif->n; i++) {
        lo = net->lif->du[i] < lo ? net->lif->du[i] : lo;
        hi = net->lif->du[i] > hi ? net->lif->du[i] : hi;
        assert_int_equal(net->lif->dv[i], 30);
    }
    assert_true(lo >= 20 && hi <= 2000 && hi - lo > 1000);
    hr_loihi_lif_net_destroy(net);
    hr_section_destroy(s);
    /* Chosen input neurons get the input, no others. */
    const char *ki[] = {"input_neurons", "3 7 11", NULL};
    s = section("loihi-lif", ki);
    assert_status(hr_loihi_lif_net_create(&net, s), HR_OK);
    assert_int_equal(net->win->nnz, 3);
    for (size_t k = 0; k < 3; k++)
        assert_int_equal(net->win->row[k], (int)(3 + 4 * k));
    hr_loihi_lif_net_destroy(net);
    hr_section_destroy(s);
    const char *kj[] = {"neurons", "8", "input_neurons", "2 9", NULL};
    s = section("loihi-lif", kj);
    assert_status(hr_loihi_lif_net_create(&net, s), HR_ERANGE);
    assert_non_null(strstr(hr_error_message(), "substrate.input_neurons1 = 9 is not a neuron"));
    hr_section_destroy(s);
    /* Errors name the setting and the allowed range. */
    const char *kp[] = {"neurons", "8", "probes", "9", NULL};
    s = section("loihi-lif", kp);
    hr_substrate *sub;
    assert_status(hr_substrate_open(&sub, s), HR_ERANGE);
    assert_non_null(strstr(hr_error_message(), "substrate.probes = 9 is more than the 8 neurons"));
    hr_section_destroy(s);
    s = section("loihi-lif", NULL);
    assert_status(hr_substrate_open(&sub, s), HR_OK);
    hr_stimulus st = stream(1);
    st.sources[0].index = 1;
    hr_traces tr;
    assert_status(hr_substrate_run(sub, &st, &tr), HR_ERANGE);
    assert_non_null(strstr(hr_error_message(), "drives input 1, but the substrate has 1 input"));
    hr_substrate_close(sub);
    hr_section_destroy(s);
    /* Genes can move the scalings (numbers), not the structural integers. */
    hr_experiment *e = hr_experiment_create();
    assert_status(hr_experiment_add_section(e, HR_SEC_SUBSTRATE, "loihi-lif"), HR_OK);
    assert_status(hr_experiment_add_gene(e, "g", "substrate.w_rec", 0, 200, NAN, 0), HR_OK);
    assert_status(hr_experiment_add_gene(e, "d", "substrate.du", 10, 3000, NAN, 0), HR_OK);
    assert_status(hr_experiment_add_gene(e, "s", "substrate.input_scale", 1, 100, NAN, 0), HR_OK);
    assert_status(hr_experiment_add_gene(e, "b", "substrate.weight_bits", 4, 8, NAN, 0),
                  HR_EINVAL);
    hr_experiment_destroy(e);
}

/* The sigma-delta LRU computes x(s) = A x(s-1) + B round(input_scale u(s))
 * with A, B the quantized weights (mantissa 2^e / 2^state_exp). With vth = 0
 * the corrected model's act differs from that by what the messages have not
 * carried yet (under one 2^-spike_exp state unit per neuron) plus the floor
 * of the shifted sums (under 2^-(spike_exp + state_exp) per connection and
 * step, accumulated by sigma): for 24 neurons, 300 steps, rows of 2 and
 * spike_exp = 3, state_exp = 6 that is 1/8 * 2 + 300 * 3 / 512 < 2.1 state
 * units, against states of tens of units. The fixed model also drops the
 * low state_exp bits of every message for good: it drifts further. */
static void test_sdn_lru(void **state)
{
    const char *kv[] = {"neurons", "24", "vth", "0", "input_vth", "0", "model", "corrected",
                        "w_in", "0.3", "input_scale", "100", NULL};
    hr_costs c;
    hr_traces tr = run("loihi-sdn", kv, &c);
    hr_section *s = section("loihi-sdn", kv);
    hr_loihi_sdn_net *net;
    assert_status(hr_loihi_sdn_net_create(&net, s), HR_OK);
    int n = 24;
    double a[24 * 24] = {0}, b[24] = {0}, x[24] = {0}, y[24];
    for (int j = 0; j < n; j++)
        for (size_t k = net->wrec->colptr[j]; k < net->wrec->colptr[j + 1]; k++)
            a[net->wrec->row[k] * n + j] = ldexp(net->wrec->w[k], net->wrec->exp - 6);
    for (size_t k = net->win->colptr[0]; k < net->win->colptr[1]; k++)
        b[net->win->row[k]] = ldexp(net->win->w[k], net->win->exp - 6);
    double worst = 0, scale = 0;
    for (int t = 0; t < 300; t++) {
        double u = nearbyint(100 * (0.4 * sin(t * 0.21) + 0.35 * sin(t * 0.77) + 0.1));
        for (int i = 0; i < n; i++) {
            y[i] = b[i] * u;
            for (int j = 0; j < n; j++)
                y[i] += a[i * n + j] * x[j];
        }
        memcpy(x, y, sizeof x);
        for (int i = 0; i < n; i++) {
            double d = fabs(tr.data[i * 300 + t] - x[i]);
            worst = d > worst ? d : worst;
            scale = fabs(x[i]) > scale ? fabs(x[i]) : scale;
        }
    }
    print_message("sigma-delta LRU (corrected, vth 0): largest error %.3g state units (bound "
                  "2.1), states up to %.3g; %.3g messages per step\n", worst, scale, c.messages);
    assert_true(worst < 2.1);
    assert_true(scale > 20);
    /* The fixed model (Lava's fixed_pt choice) drifts further. */
    const char *kf[] = {"neurons", "24", "vth", "0", "input_vth", "0", "model", "fixed", "w_in",
                        "0.3", "input_scale", "100", NULL};
    hr_traces tf = run("loihi-sdn", kf, NULL);
    double fd = 0;
    for (int i = 0; i < n * 300; i++)
        fd = fabs(tf.data[i] - tr.data[i]) > fd ? fabs(tf.data[i] - tr.data[i]) : fd;
    print_message("fixed model: up to %.3g state units from the corrected one\n", fd);
    assert_true(fd > worst);
    /* A threshold sends fewer graded messages. */
    const char *kt[] = {"neurons", "24", "vth", "10", "input_vth", "5", "w_in", "0.3",
                        "input_scale", "100", NULL};
    hr_costs ct;
    hr_traces tt = run("loihi-sdn", kt, &ct);
    print_message("messages per step: vth 0: %.3g, vth 10: %.3g (of 25 units)\n", c.messages,
                  ct.messages);
    assert_true(ct.messages < 0.5 * c.messages);
    assert_true(c.neuron_updates == 25); /* 24 neurons and the input encoder */
    hr_loihi_sdn_net_destroy(net);
    hr_section_destroy(s);
    free(tr.data);
    free(tf.data);
    free(tt.data);
    /* Random ReLU topology at a given spectral radius runs; r_min > r_max is refused. */
    const char *kr[] = {"topology", "random", "activation", "relu", "neurons", "30", NULL};
    hr_traces rr = run("loihi-sdn", kr, NULL);
    for (int i = 0; i < 30 * 300; i++)
        assert_true(rr.data[i] >= 0);
    free(rr.data);
    const char *kb[] = {"r_min", "0.9", "r_max", "0.5", NULL};
    s = section("loihi-sdn", kb);
    hr_substrate *sub;
    assert_status(hr_substrate_open(&sub, s), HR_ERANGE);
    assert_non_null(strstr(hr_error_message(), "substrate.r_min = 0.9 is above r_max = 0.5"));
    hr_section_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantize),
        cmocka_unit_test(test_lif_step),
        cmocka_unit_test(test_conn),
        cmocka_unit_test(test_sdn_step),
        cmocka_unit_test(test_lif_substrate),
        cmocka_unit_test(test_lif_settings),
        cmocka_unit_test(test_sdn_lru),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
