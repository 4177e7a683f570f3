/* bench_tank.c — what the tank protocol costs:
 *   - the process driver's overhead per run: the same stimulus run by the
 *     tank substrate in-process and through `process` + `hydrores tank
 *     serve` (the same tank behind the protocol), for the tiny 1D tank of
 *     tests/tank/tiny.xml and the 2D tank of configs/tank-xnor.xml; the
 *     overhead is the difference of the medians, the ratio their quotient;
 *   - throughput of XNOR fitness evaluations (4 runs each) through the
 *     emulator with no faults and with 5% of runs hit by one (1% each of
 *     dropped rows, NaN readings, garbage lines, wrong ids and error
 *     messages; every one retried), on one thread.
 * Medians of repetitions. Run from the repository root (make bench); the
 * emulator is the hydrores next to this program (build/hydrores) unless
 * HYDRORES says otherwise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "interface/config.h"
#include "interface/tank_driver.h"
#include "reservoir/pipeline.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void quiet(void *ctx, const char *line) { (void)ctx, (void)line; }

static hr_substrate *open_from(const char *config, const char *kind_override)
{
    hr_experiment *e;
    if (hr_config_load(config, &e)) {
        fprintf(stderr, "bench_tank: %s\n", hr_error_message());
        exit(1);
    }
    hr_substrate *s = NULL;
    if (kind_override) {
        const hr_substrate_type *t = hr_substrate_lookup("process", NULL, 0);
        hr_section *sec = hr_section_create("substrate", "process", t->base.params);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "${HYDRORES} tank serve %s", config);
        hr_section_set_text(sec, "command", cmd, "bench", 0);
        hr_section_set_text(sec, "settle", "0", "bench", 0);
        if (hr_substrate_open(&s, sec)) {
            fprintf(stderr, "bench_tank: %s\n", hr_error_message());
            exit(1);
        }
        hr_section_destroy(sec);
    } else if (hr_substrate_open(&s, e->sec[HR_SEC_SUBSTRATE])) {
        fprintf(stderr, "bench_tank: %s\n", hr_error_message());
        exit(1);
    }
    hr_experiment_destroy(e);
    return s;
}

static double time_runs(hr_substrate *s, const hr_stimulus *stim, int reps)
{
    double t[64];
    for (int i = 0; i < reps; i++) {
        hr_traces tr;
        double t0 = hr_now();
        if (hr_substrate_run(s, stim, &tr)) {
            fprintf(stderr, "bench_tank: %s\n", hr_error_message());
            exit(1);
        }
        t[i] = hr_now() - t0;
        free(tr.data);
    }
    return median(t, reps);
}

static void overhead(const char *config, const char *what, int reps)
{
    hr_stimulus stim;
    memset(&stim, 0, sizeof stim);
    stim.nsources = 2;
    stim.sources[0] = (hr_source){.index = 0, .amplitude = 0.02, .frequency = 2, .duration = 1, .ramp = 0.2};
    stim.sources[1] = (hr_source){.index = 1, .amplitude = 0.002, .frequency = 3, .duration = 1, .ramp = 0.2};
    stim.t_end = 2.54;
    hr_substrate *sim = open_from(config, NULL), *drv = open_from(config, "process");
    time_runs(drv, &stim, 3); /* warm up both */
    time_runs(sim, &stim, 3);
    double a = time_runs(sim, &stim, reps), b = time_runs(drv, &stim, reps);
    printf("  %-34s in-process %8.3f ms   process driver %8.3f ms   overhead %6.3f ms/run (x%.2f)\n",
           what, 1e3 * a, 1e3 * b, 1e3 * (b - a), b / a);
    hr_substrate_close(sim);
    hr_substrate_close(drv);
}

static double throughput(const char *faults, int nevals, long *faults_seen)
{
    setenv("TANK_FAULTS", faults, 1);
    hr_experiment *e;
    if (hr_config_load("tests/tank/tiny-process.xml", &e)) {
        fprintf(stderr, "bench_tank: %s\n", hr_error_message());
        exit(1);
    }
    hr_worker *w;
    if (hr_worker_create(&w, e)) {
        fprintf(stderr, "bench_tank: %s\n", hr_error_message());
        exit(1);
    }
    double t0 = hr_now();
    for (int i = 0; i < nevals; i++) {
        double g = (i + 0.5) / nevals; /* other stimuli every time */
        char v[32];
        snprintf(v, sizeof v, "%.17g", 0.002 + 0.018 * g);
        hr_experiment_set(e, "encoder.high0", v);
        hr_result r;
        if (hr_worker_evaluate(w, NULL, HR_EVAL_FITNESS_ONLY, &r)) {
            fprintf(stderr, "bench_tank: evaluation %d: %s\n", i, hr_error_message());
            exit(1);
        }
        hr_result_free(&r);
    }
    double dt = hr_now() - t0;
    hr_live_stats st;
    hr_live_stats_of((hr_substrate *)hr_worker_substrate(w), &st);
    *faults_seen = st.faults;
    hr_worker_destroy(w);
    hr_experiment_destroy(e);
    return nevals / dt;
}

int main(int argc, char **argv)
{
    (void)argc;
    hr_init();
    hr_log_set_sink(quiet, NULL);
    if (!getenv("HYDRORES")) {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 20);
        if (n > 0) {
            self[n] = '\0';
            char *slash = strrchr(self, '/');
            if (slash) {
                *slash = '\0';
                slash = strrchr(self, '/');
                if (slash)
                    snprintf(slash, 20, "/hydrores");
                setenv("HYDRORES", self, 1);
            }
        }
    }
    (void)argv;
    printf("tank protocol: per run, the same stimulus (2 makers, 2.54 s), medians of 21\n");
    overhead("tests/tank/tiny.xml", "tiny 1D tank (50 cells, 50 Hz)", 21);
    overhead("configs/tank-xnor.xml", "tank-xnor 2D tank (100x50, 100 Hz)", 21);
    printf("XNOR evaluations through the emulator (tiny tank, 4 runs each, one thread):\n");
    double r0[3], r5[3];
    long f0 = 0, f5 = 0;
    for (int i = 0; i < 3; i++) {
        r0[i] = throughput("", 200, &f0);
        r5[i] = throughput("--drop .01 --nan .01 --garbage .01 --wrong-id .01 --error .01 --seed 4",
                           200, &f5);
    }
    double a = median(r0, 3), b = median(r5, 3);
    printf("  no faults                 %7.1f evaluations/s (%ld faults)\n", a, f0);
    printf("  5%% of runs faulty         %7.1f evaluations/s (%ld faults in 800 runs, all "
           "retried): x%.2f of fault-free\n", b, f5, b / a);
    return 0;
}
