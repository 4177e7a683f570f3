/* bench_loihi.c — speed of the loihi-lif reservoir (Lava's bit-accurate
 * arithmetic, reservoir/loihi.c) in neuron-steps per second, with sparse
 * (5%) and dense (100%) recurrence, and the same reservoir exported to NIR
 * and run by the NIR runner (float64, dense matrices). Each figure is the
 * median of 7 runs of one stimulus through hr_substrate_run (encoding and
 * traces included). The event-driven synaptic accumulation is also quoted
 * as synaptic events per second against the machine's own rate for the
 * same number of int32 adds streamed through memory in order (a plain
 * loop over one array), measured in the same run: the ratio says how far
 * the scattered, spike-driven accumulation is from a streaming one.
 * Last, the sigma-delta LRU of configs/loihi-sdn-memory.xml: memory
 * capacity and graded messages per step as the neurons' delta threshold
 * vth grows (the event-based trade-off), for Lava's fixed-point model and
 * the Corrected one.
 * Run from the repository root (make bench). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/status.h"
#include "interface/config.h"
#include "interface/nir.h"
#include "reservoir/pipeline.h"
#include "reservoir/nir_export.h"
#include "reservoir/substrate.h"
#include "reservoir/substrate_loihi.h"

#define STEPS 2000
#define REPS 7

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

static double samples[STEPS];

static hr_section *section(const char *kind, const char *const *kv)
{
    const hr_substrate_type *t = hr_substrate_lookup(kind, NULL, 0);
    hr_section *s = hr_section_create("substrate", kind, t->base.params);
    for (; *kv; kv += 2)
        if (hr_section_set_text(s, kv[0], kv[1], "bench", 0)) {
            fprintf(stderr, "bench_loihi: %s\n", hr_error_message());
            exit(1);
        }
    return s;
}

/* Median seconds of one run; costs of the last. */
static double time_runs(hr_section *s, hr_costs *c)
{
    hr_substrate *sub;
    if (hr_substrate_open(&sub, s)) {
        fprintf(stderr, "bench_loihi: %s\n", hr_error_message());
        exit(1);
    }
    hr_stimulus st = {.nsources = 1, .t_end = (STEPS - 1) * 0.01};
    st.sources[0] = (hr_source){.amplitude = 1, .nsamples = STEPS, .samples = samples,
                                .sample_dt = 0.01};
    double t[REPS];
    for (int r = 0; r < REPS; r++) {
        hr_traces tr;
        double t0 = hr_now();
        if (hr_substrate_run(sub, &st, &tr)) {
            fprintf(stderr, "bench_loihi: %s\n", hr_error_message());
            exit(1);
        }
        t[r] = hr_now() - t0;
        free(tr.data);
    }
    if (c)
        hr_substrate_costs(sub, c);
    hr_substrate_close(sub);
    return median(t, REPS);
}

/* Streaming int32 adds per second: acc[i % 4096] += w[i] over n values. */
static double stream_rate(size_t n)
{
    int32_t *w = malloc(n * sizeof *w), acc[4096] = {0};
    for (size_t i = 0; i < n; i++)
        w[i] = (int32_t)(i * 2654435761u >> 24);
    double t[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = hr_now();
        for (size_t i = 0; i < n; i++)
            acc[i & 4095] += w[i];
        t[r] = hr_now() - t0;
    }
    long sink = 0;
    for (int i = 0; i < 4096; i++)
        sink += acc[i];
    free(w);
    if (sink == 42)
        printf(" ");
    return (double)n / median(t, REPS);
}

int main(void)
{
    hr_init();
    for (int i = 0; i < STEPS; i++)
        samples[i] = 0.5 * sin(i * 0.37) + 0.3 * sin(i * 1.31);
    printf("loihi-lif, %d steps per run, median of %d runs (neuron-steps/s include the encoder "
           "and the traces)\n", STEPS, REPS);
    printf("%-8s %-8s %10s %12s %14s %16s %12s\n", "neurons", "density", "spikes/st",
           "syn ev/step", "neuron-step/s", "syn events/s", "vs stream");
    const char *sizes[] = {"256", "1024"};
    const char *dens[] = {"0.05", "1"};
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            /* Weights scaled so that both densities fire at similar rates. */
            char wrec[32];
            double n = atof(sizes[a]), d = atof(dens[b]);
            snprintf(wrec, sizeof wrec, "%g", 40 / sqrt(n * d / 12.8));
            const char *kv[] = {"neurons", sizes[a], "density", dens[b], "w_rec", wrec,
                                "w_in", "30", "vth", "300", "input_scale", "30",
                                "trace", "spikes", "rec_shift", "0", NULL};
            hr_section *s = section("loihi-lif", kv);
            hr_costs c;
            double sec = time_runs(s, &c);
            double ev = c.synaptic_ops * STEPS / sec;
            double lim = stream_rate((size_t)(c.synaptic_ops * STEPS) + 1);
            printf("%-8s %-8s %10.1f %12.0f %14.3g %16.3g %11.1f%%\n", sizes[a], dens[b],
                   c.messages, c.synaptic_ops, n * STEPS / sec, ev, 100 * ev / lim);
            hr_section_destroy(s);
        }
    /* The same reservoir through NIR (export, write, the nir substrate). */
    printf("\nNIR runner on the exported reservoir (float64, dense Linear nodes):\n");
    for (int a = 0; a < 2; a++) {
        const char *kv[] = {"neurons", sizes[a], "density", "0.05", "w_in", "30", "vth", "300",
                            "input_scale", "30", "trace", "spikes", NULL};
        hr_section *s = section("loihi-lif", kv);
        hr_loihi_lif_net *net;
        hr_nir_graph *g;
        char path[] = "/tmp/hr_bench_loihi_XXXXXX";
        int fd = mkstemp(path);
        close(fd);
        if (hr_loihi_lif_net_create(&net, s) || hr_nir_export_loihi_lif(net, NULL, &g) ||
            hr_nir_write(path, g)) {
            fprintf(stderr, "bench_loihi: %s\n", hr_error_message());
            return 1;
        }
        const char *kn[] = {"file", path, "encoding", "current", "input_scale", "30", NULL};
        hr_section *sn = section("nir", kn);
        double tl = time_runs(s, NULL), tn = time_runs(sn, NULL);
        double n = atof(sizes[a]);
        printf("  %s neurons: %.3g neuron-steps/s (loihi-lif %.3g: %.1fx faster)\n", sizes[a],
               n * STEPS / tn, n * STEPS / tl, tn / tl);
        unlink(path);
        hr_nir_graph_destroy(g);
        hr_loihi_lif_net_destroy(net);
        hr_section_destroy(s);
        hr_section_destroy(sn);
    }

    /* Sigma-delta: memory capacity against messages. */
    printf("\nloihi-sdn LRU, configs/loihi-sdn-memory.xml (64 neurons + 1 input encoder):\n");
    printf("%-10s %5s %8s %14s %12s\n", "model", "vth", "MC", "messages/step", "syn ops/step");
    const char *models[] = {"fixed", "corrected"};
    const char *vths[] = {"0", "1", "2", "4", "8", "16"};
    for (int m = 0; m < 2; m++)
        for (int v = 0; v < 6; v++) {
            hr_experiment *e;
            if (hr_config_load("configs/loihi-sdn-memory.xml", &e) ||
                hr_experiment_set(e, "substrate.vth", vths[v]) ||
                hr_experiment_set(e, "substrate.model", models[m])) {
                fprintf(stderr, "bench_loihi: %s\n", hr_error_message());
                return 1;
            }
            hr_worker *w;
            hr_result r;
            hr_costs c;
            if (hr_worker_create(&w, e) || hr_worker_evaluate(w, NULL, 0, &r) ||
                hr_substrate_costs(hr_worker_substrate(w), &c)) {
                fprintf(stderr, "bench_loihi: %s\n", hr_error_message());
                return 1;
            }
            printf("%-10s %5s %8.2f %14.1f %12.0f\n", models[m], vths[v], r.score, c.messages,
                   c.synaptic_ops);
            hr_result_free(&r);
            hr_worker_destroy(w);
            hr_experiment_destroy(e);
        }
    return 0;
}
