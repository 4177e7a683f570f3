/* test_tank_driver.c — the live tank drivers (substrate kinds process and
 * tcp) end to end, against two tanks: the independent Python test double
 * (tests/tank_double.py, readings from a closed formula, scripted faults)
 * and hydrores's own emulator (`hydrores tank serve`, the simulated tank of
 * tests/tank/tiny.xml, injected faults). Every fault of the protocol's list
 * is injected alone, then mixed: the run ends, the number of attempts is the
 * number of faults plus one, the log names the fault, and wherever a retry
 * succeeded the traces are bit for bit the fault-free ones. Also: hello
 * faults, makers and probes refused before anything runs, repeats and their
 * median and spread, resampling, tcp with reconnection, several threads on
 * one instance, and commands that cannot be started.
 *
 * The double's formula is evaluated here in C with the same libm functions;
 * Python writes floats as their shortest round-trip repr, so the comparison
 * could be exact, but it is made to 1e-14 of the amplitude so a libm that
 * rounds sin differently in Python's build still passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "interface/tank_driver.h"
#include "interface/tank_link.h"
#include "reservoir/substrate.h"
#include "tests/test_util.h"

static char python[96] = "/usr/bin/python3";

/* ---- The run log, captured ---- */

static char *logbuf;
static size_t loglen, logcap;
static pthread_mutex_t loglock = PTHREAD_MUTEX_INITIALIZER;

static void capture(void *ctx, const char *line)
{
    (void)ctx;
    pthread_mutex_lock(&loglock);
    size_t n = strlen(line);
    if (loglen + n + 2 > logcap) {
        logcap = (loglen + n + 2) * 2;
        logbuf = realloc(logbuf, logcap);
    }
    memcpy(logbuf + loglen, line, n);
    loglen += n;
    logbuf[loglen++] = '\n';
    logbuf[loglen] = '\0';
    pthread_mutex_unlock(&loglock);
    if (getenv("HR_TEST_VERBOSE"))
        fprintf(stderr, "%s\n", line);
}

static void log_reset(void)
{
    loglen = 0;
    if (logbuf)
        logbuf[0] = '\0';
}

static int log_has(const char *s) { return logbuf && strstr(logbuf, s) != NULL; }

static int log_count(const char *s)
{
    int n = 0;
    for (const char *p = logbuf ? strstr(logbuf, s) : NULL; p; p = strstr(p + 1, s))
        n++;
    return n;
}

/* ---- Opening instances ---- */

/* Opens kind `kind` with settings "name=value" (NULL-terminated list). */
static int open_kind(hr_substrate **out, const char *kind, const char *const *settings)
{
    const hr_substrate_type *t = hr_substrate_lookup(kind, NULL, 0);
    assert_non_null(t);
    hr_section *s = hr_section_create("substrate", kind, t->base.params);
    assert_non_null(s);
    for (const char *const *kv = settings; kv && *kv; kv++) {
        char name[64];
        const char *eq = strchr(*kv, '=');
        assert_non_null(eq);
        snprintf(name, sizeof name, "%.*s", (int)(eq - *kv), *kv);
        assert_status(hr_section_set_text(s, name, eq + 1, "test", 0), HR_OK);
    }
    int st = hr_substrate_open(out, s);
    hr_section_destroy(s);
    return st;
}

static char state_file[96];

/* The double with a script; short timeouts so faults cost little time. */
static int open_double(hr_substrate **out, const char *args, const char *extra1,
                       const char *extra2)
{
    char cmd[400], set_cmd[480];
    snprintf(cmd, sizeof cmd, "%s tests/tank_double.py --state %s %s", python, state_file, args);
    assert_true(strlen(cmd) < 127);
    unlink(state_file);
    snprintf(set_cmd, sizeof set_cmd, "command=%s", cmd);
    const char *set[] = {set_cmd, "settle=0", "hello_timeout=5", "data_timeout=1",
                         "run_timeout=1", "run_timeout_per_s=0", "retry_wait=0", "tries=3",
                         extra1, extra2, NULL};
    if (!extra1)
        set[8] = NULL;
    else if (!extra2)
        set[9] = NULL;
    return open_kind(out, "process", set);
}

static int open_emulator(hr_substrate **out, const char *flags, const char *extra1,
                         const char *extra2)
{
    /* The flags go through the environment: a text setting holds 127
     * characters, and the command is split as a shell would ($VAR expands
     * to several arguments). */
    char set_cmd[480];
    setenv("HR_TEST_FAULTS", flags, 1);
    snprintf(set_cmd, sizeof set_cmd, "command=${HYDRORES} tank serve tests/tank/tiny.xml "
             "--state %s $HR_TEST_FAULTS", state_file);
    assert_true(strlen(set_cmd) - 8 < 127);
    unlink(state_file);
    const char *set[] = {set_cmd, "settle=0", "data_timeout=1", "run_timeout=2",
                         "run_timeout_per_s=0", "retry_wait=0", "tries=3", extra1, extra2, NULL};
    if (!extra1)
        set[7] = NULL;
    else if (!extra2)
        set[8] = NULL;
    return open_kind(out, "process", set);
}

/* The test stimulus: two makers, 2 Hz and 3 Hz, one second. */
static hr_stimulus stimulus(double a0)
{
    hr_stimulus s;
    memset(&s, 0, sizeof s);
    s.nsources = 2;
    s.sources[0] = (hr_source){.index = 0, .amplitude = a0, .frequency = 2.0, .phase = 0.3,
                               .duration = 1.0, .ramp = 0.2};
    s.sources[1] = (hr_source){.index = 1, .amplitude = 0.01, .frequency = 3.0, .duration = 1.0,
                               .ramp = 0.2};
    s.t_end = 1.0;
    return s;
}

/* The double's formula (tests/tank_double.py). */
static double formula(const hr_stimulus *s, double t, int p)
{
    double v = 0;
    for (int i = 0; i < s->nsources; i++)
        v += s->sources[i].amplitude *
             sin(2 * M_PI * s->sources[i].frequency * t + s->sources[i].phase + 0.5 * p);
    return v;
}

static void expect_formula(const hr_stimulus *s, const hr_traces *tr, int p0)
{
    for (int p = 0; p < tr->nprobes; p++)
        for (int k = 0; k < tr->nt; k++)
            assert_abs(tr->data[p * tr->nt + k], formula(s, k * tr->dt, p + p0), 1e-14 * 0.03);
}

static int same_traces(const hr_traces *a, const hr_traces *b)
{
    return a->nprobes == b->nprobes && a->nt == b->nt &&
           memcmp(a->data, b->data, (size_t)a->nt * (size_t)a->nprobes * sizeof(double)) == 0;
}

static hr_live_stats stats(hr_substrate *s)
{
    hr_live_stats st;
    assert_status(hr_live_stats_of(s, &st), HR_OK);
    return st;
}

/* ---- Against the test double ---- */

static void test_double_clean(void **state)
{
    hr_substrate *s;
    assert_status(open_double(&s, "", NULL, NULL), HR_OK);
    int np;
    double dt;
    hr_substrate_probes(s, &np, &dt);
    assert_int_equal(np, 2);
    assert_rel(dt, 0.02, 0);
    hr_probe_info info;
    assert_status(hr_substrate_probe_info(s, 1, &info), HR_OK);
    assert_string_equal(info.name, "g1");
    assert_rel(info.x, 0.2, 1e-15);
    assert_true(isnan(info.y)); /* the double sends null */
    assert_string_equal(info.units, "m");
    assert_int_equal(hr_substrate_flags_of(s), HR_SUBSTRATE_SERIAL | HR_SUBSTRATE_NONDETERMINISTIC |
                                                   HR_SUBSTRATE_EXTERNAL);
    hr_stimulus stim = stimulus(0.02);
    hr_traces tr;
    assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
    assert_int_equal(tr.nt, 51);
    expect_formula(&stim, &tr, 0);
    hr_live_stats st = stats(s);
    assert_int_equal(st.attempts, 1);
    assert_int_equal(st.faults, 0);
    assert_int_equal(st.connects, 1);
    free(tr.data);
    hr_substrate_close(s);
}

/* One scripted fault, then a clean run: two attempts, one fault of `kind`,
 * the log naming it, and the same bits as a clean run. */
static void fault_once(const char *behaviour, enum hr_live_fault kind, const char *logged,
                       int restarts)
{
    char args[64];
    snprintf(args, sizeof args, "--script %s,ok", behaviour);
    hr_substrate *s;
    log_reset();
    assert_status(open_double(&s, args, NULL, NULL), HR_OK);
    hr_stimulus stim = stimulus(0.02);
    hr_traces tr;
    int rc = hr_substrate_run(s, &stim, &tr);
    if (rc)
        print_error("%s: %s\n", behaviour, hr_error_message());
    assert_status(rc, HR_OK);
    expect_formula(&stim, &tr, 0);
    hr_live_stats st = stats(s);
    if (st.by_kind[kind] != 1 || st.attempts != 2)
        print_error("%s: attempts %ld, faults %ld, of kind %d: %ld\n%s", behaviour, st.attempts,
                    st.faults, (int)kind, st.by_kind[kind], logbuf);
    assert_int_equal(st.attempts, 2);
    assert_int_equal(st.faults, 1);
    assert_int_equal(st.by_kind[kind], 1);
    assert_int_equal(st.connects, 1 + restarts);
    assert_int_equal(st.failures, 0);
    if (!log_has(logged))
        print_error("%s: the log lacks '%s':\n%s", behaviour, logged, logbuf);
    assert_true(log_has(logged));
    assert_true(log_has("try 1 of 3"));
    assert_true(log_has("try 2 of 3 succeeded"));
    /* The fault-free answer, for comparison. */
    hr_traces again;
    assert_status(hr_substrate_run(s, &stim, &again), HR_OK);
    assert_true(same_traces(&tr, &again));
    free(tr.data);
    free(again.data);
    hr_substrate_close(s);
}

static void test_double_faults(void **state)
{
    fault_once("drop", HR_LIVE_F_ROWS, "rows missing: samples 3 .. 3 never came", 0);
    fault_once("outoforder", HR_LIVE_F_ROWS, "rows missing", 0);
    fault_once("dupe", HR_LIVE_F_ROWS, "rows out of order", 0);
    fault_once("garbage", HR_LIVE_F_NOTJSON, "not JSON", 0);
    fault_once("nan", HR_LIVE_F_VALUE, "probe 0 is NaN", 0);
    fault_once("inf", HR_LIVE_F_VALUE, "is infinite", 0);
    fault_once("string", HR_LIVE_F_VALUE, "probe 0 is not a number", 0);
    fault_once("shortrow", HR_LIVE_F_MESSAGE, "row 4 (sample 4) has 1 numbers, row 0 has 2", 0);
    fault_once("wrongid", HR_LIVE_F_ID, "data for run", 0);
    fault_once("badsamples", HR_LIVE_F_ROWS, "done says 52 rows, 51 came", 0);
    fault_once("error", HR_LIVE_F_ERROR, "error 'busy': scripted error (retry: yes)", 0);
    fault_once("noop", HR_LIVE_F_ERROR, "scripted tank error", 0);
    fault_once("longline", HR_LIVE_F_NOTJSON, "allowed: at most 1048576", 0);
    fault_once("crash", HR_LIVE_F_CLOSED, "exited with status 3", 1);
    fault_once("hang", HR_LIVE_F_TIMEOUT, "no answer within", 1);
    assert_true(log_has("restarting the controller"));
}

static void test_double_benign(void **state)
{
    /* Log lines, unknown ops, unknown members, slow rows, several data
     * messages: no fault. */
    hr_substrate *s;
    log_reset();
    assert_status(open_double(&s, "--script log,slow,chunked", NULL, NULL), HR_OK);
    hr_stimulus stim = stimulus(0.02);
    for (int i = 0; i < 3; i++) {
        hr_traces tr;
        assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
        expect_formula(&stim, &tr, 0);
        free(tr.data);
    }
    hr_live_stats st = stats(s);
    assert_int_equal(st.faults, 0);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(st.ignored, 2);
    assert_true(log_has("tank says: scripted log line"));
    assert_true(log_has("op 'calibrate'"));
    hr_substrate_close(s);
}

static void test_double_give_up(void **state)
{
    /* Every try fails: a failed evaluation with the last reason. */
    hr_substrate *s;
    log_reset();
    assert_status(open_double(&s, "--script drop,garbage,drop,ok", NULL, NULL), HR_OK);
    hr_stimulus stim = stimulus(0.02);
    hr_traces tr;
    assert_status(hr_substrate_run(s, &stim, &tr), HR_EDRIVER);
    assert_null(tr.data);
    assert_non_null(strstr(hr_error_message(), "failed after 3 tries: rows: rows missing"));
    assert_non_null(strstr(hr_error_message(), "maker 0: A 0.02 f 2 Hz"));
    hr_live_stats st = stats(s);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(st.failures, 1);
    assert_true(log_has("try 3 of 3: rows: rows missing"));
    assert_true(log_has("no tries left"));
    /* The next stimulus is fine (the fourth run of the script). */
    assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
    free(tr.data);
    hr_substrate_close(s);

    /* retry: false stops at once. */
    log_reset();
    assert_status(open_double(&s, "--script fatal,ok", NULL, NULL), HR_OK);
    assert_status(hr_substrate_run(s, &stim, &tr), HR_EDRIVER);
    assert_non_null(strstr(hr_error_message(), "scripted fatal error (retry: no)"));
    assert_int_equal(stats(s).attempts, 1);
    assert_true(log_has("retrying will not help"));
    hr_substrate_close(s);

    /* A tank that keeps hanging: HR_ETIMEOUT. */
    assert_status(open_double(&s, "--script hang,hang", "tries=2", NULL), HR_OK);
    double t0 = hr_now();
    assert_status(hr_substrate_run(s, &stim, &tr), HR_ETIMEOUT);
    assert_true(hr_now() - t0 < 10); /* two run limits of 1 s, plus restarts */
    assert_int_equal(stats(s).connects, 2);
    hr_substrate_close(s);
}

static void test_double_hello(void **state)
{
    hr_substrate *s;
    log_reset();
    assert_status(open_double(&s, "--hello v2", "tries=1", NULL), HR_EDRIVER);
    assert_non_null(strstr(hr_error_message(), "protocol version 2 (allowed: 1)"));
    assert_status(open_double(&s, "--hello noprobes", "tries=2", NULL), HR_EDRIVER);
    assert_non_null(strstr(hr_error_message(), "\"probes\" is missing"));
    assert_true(log_has("cannot reach the tank (try 1 of 2)"));
    assert_status(open_double(&s, "--hello garbage", "tries=1", NULL), HR_EDRIVER);
    assert_non_null(strstr(hr_error_message(), "not JSON"));
}

static void test_refusals(void **state)
{
    hr_substrate *s;
    /* More makers than the tank has: refused when opening. */
    assert_status(open_double(&s, "", "makers=3", NULL), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "has 2 wave makers"));
    /* A probe it does not have. */
    assert_status(open_double(&s, "", "probes=0 2", NULL), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "substrate.probes1 = 2"));
    /* A stimulus driving a third maker: refused before anything is sent. */
    assert_status(open_double(&s, "--makers 2", NULL, NULL), HR_OK);
    hr_stimulus stim = stimulus(0.02);
    stim.sources[1].index = 2;
    hr_traces tr;
    assert_status(hr_substrate_run(s, &stim, &tr), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "drives wave maker 2, but the tank"));
    assert_int_equal(stats(s).attempts, 0);
    /* Longer than the tank runs. */
    stim = stimulus(0.02);
    stim.t_end = 1000;
    assert_status(hr_substrate_run(s, &stim, &tr), HR_ERANGE);
    assert_int_equal(stats(s).attempts, 0);
    hr_substrate_close(s);
    /* Commands that cannot be split or started. */
    const char *bad_quote[] = {"command=python3 'tests/x.py", NULL};
    assert_status(open_kind(&s, "process", bad_quote), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "unbalanced quotes"));
    const char *bad_pipe[] = {"command=a | b", NULL};
    assert_status(open_kind(&s, "process", bad_pipe), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "unquoted |"));
    const char *bad_sub[] = {"command=echo $(ls)", NULL};
    assert_status(open_kind(&s, "process", bad_sub), HR_EINVAL);
    const char *missing[] = {"command=/nonexistent/tank-2385", "tries=2", "retry_wait=0", NULL};
    assert_status(open_kind(&s, "process", missing), HR_EDRIVER);
    assert_non_null(strstr(hr_error_message(), "No such file or directory"));
    const char *empty[] = {NULL};
    assert_status(open_kind(&s, "process", empty), HR_EINVAL);
    /* Nobody listening. */
    const char *closed[] = {"port=1", "tries=2", "retry_wait=0", "connect_timeout=1", NULL};
    assert_status(open_kind(&s, "tcp", closed), HR_EDRIVER);
    assert_non_null(strstr(hr_error_message(), "cannot connect to 127.0.0.1:1"));
}

static void test_split(void **state)
{
    char **argv;
    int argc;
    assert_status(hr_link_split("prog 'a b' \"c d\" e\\ f  ~/x", &argv, &argc), HR_OK);
    assert_int_equal(argc, 5);
    assert_string_equal(argv[1], "a b");
    assert_string_equal(argv[2], "c d");
    assert_string_equal(argv[3], "e f");
    assert_int_equal(argv[4][0], '/'); /* ~ expanded */
    hr_link_free_argv(argv);
    setenv("HR_TEST_ARGS", "--one --two", 1);
    assert_status(hr_link_split("prog $HR_TEST_ARGS", &argv, &argc), HR_OK);
    assert_int_equal(argc, 3);
    assert_string_equal(argv[2], "--two");
    hr_link_free_argv(argv);
    assert_status(hr_link_split("prog $HR_TEST_UNSET_2385", &argv, &argc), HR_EINVAL);
    assert_status(hr_link_split("${HYDRORES} tank", &argv, &argc), HR_OK);
    assert_string_equal(argv[0], getenv("HYDRORES"));
    hr_link_free_argv(argv);
}

static void test_repeats(void **state)
{
    /* Three clean repeats of the double: the median is the reading, the
     * spread 0. */
    hr_substrate *s;
    assert_status(open_double(&s, "", "repeats=3", NULL), HR_OK);
    hr_stimulus stim = stimulus(0.02);
    hr_traces tr;
    assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
    expect_formula(&stim, &tr, 0);
    hr_live_run_info info;
    assert_status(hr_live_last_run(s, &info), HR_OK);
    assert_int_equal(info.repeats, 3);
    for (int i = 0; i < tr.nt * tr.nprobes; i++)
        assert_abs(info.spread[i], 0, 0);
    assert_int_equal(stats(s).attempts, 3);
    free(tr.data);
    hr_substrate_close(s);

    /* Five repeats of the emulator with noise sigma = 1e-4 m: the spread
     * estimates sigma (the mean sample standard deviation of 5 normal
     * values is c4 sigma = 0.940 sigma; over 102 samples its own spread is
     * about 0.35 sigma / sqrt(102) = 0.035 sigma, so [0.8, 1.08] sigma is
     * more than 3.5 of those either side), and the median is within
     * 5 sigma of the noise-free trace everywhere (the median of 5 has a
     * standard deviation of about 0.54 sigma). */
    assert_status(open_emulator(&s, "--noise 1e-4 --seed 7", "repeats=5", NULL), HR_OK);
    assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
    assert_status(hr_live_last_run(s, &info), HR_OK);
    double mean = 0;
    for (int i = 0; i < tr.nt * tr.nprobes; i++)
        mean += info.spread[i];
    mean /= tr.nt * tr.nprobes;
    print_message("      noise 1e-4, 5 repeats: mean spread %.4g (expected 0.940e-4)\n", mean);
    assert_true(mean > 0.8e-4 && mean < 1.08e-4);
    hr_substrate_close(s);
    hr_substrate *clean;
    assert_status(open_emulator(&clean, "", NULL, NULL), HR_OK);
    hr_traces ref;
    assert_status(hr_substrate_run(clean, &stim, &ref), HR_OK);
    for (int i = 0; i < tr.nt * tr.nprobes; i++)
        assert_abs(tr.data[i], ref.data[i], 5e-4);
    free(tr.data);
    free(ref.data);
    hr_substrate_close(clean);
}

static void test_probe_selection(void **state)
{
    hr_substrate *s;
    assert_status(open_double(&s, "--probes 3", "probes=2 0", NULL), HR_OK);
    int np;
    double dt;
    hr_substrate_probes(s, &np, &dt);
    assert_int_equal(np, 2);
    hr_probe_info info;
    hr_substrate_probe_info(s, 0, &info);
    assert_string_equal(info.name, "g2");
    hr_stimulus stim = stimulus(0.02);
    hr_traces tr;
    assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
    for (int k = 0; k < tr.nt; k++) {
        assert_abs(tr.data[k], formula(&stim, k * dt, 2), 1e-14 * 0.03);
        assert_abs(tr.data[tr.nt + k], formula(&stim, k * dt, 0), 1e-14 * 0.03);
    }
    free(tr.data);
    hr_substrate_close(s);
}

static void test_resampling(void **state)
{
    /* Asked for 100 Hz, the double answers at its native 50 Hz: the rows
     * are resampled to the 0.01 s traces. The formula is a 2 and a 3 Hz
     * sinusoid, far below the 25 Hz Nyquist rate, so the band-limited
     * resampler reproduces it to better than 1e-3 of the amplitude away
     * from the ends (8 lobes of 0.02 s = 0.16 s), and linear interpolation
     * has its known error A w^2 h^2 / 8 = 0.03 (6 pi)^2 (0.02)^2 / 8 = 5.3e-4. */
    const char *methods[2] = {"resample=sinc", "resample=linear"};
    double tol[2] = {1e-3 * 0.03, 5.4e-4};
    for (int m = 0; m < 2; m++) {
        hr_substrate *s;
        assert_status(open_double(&s, "--script native,native", "sample_rate=100", methods[m]),
                      HR_OK);
        hr_stimulus stim = stimulus(0.02);
        hr_traces tr;
        assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
        assert_rel(tr.dt, 0.01, 0);
        assert_int_equal(tr.nt, 101);
        hr_live_run_info info;
        hr_live_last_run(s, &info);
        assert_rel(info.delivered_rate, 50, 0);
        double worst = 0;
        for (int p = 0; p < 2; p++)
            for (int k = 16; k <= 84; k++) {
                double e = fabs(tr.data[p * tr.nt + k] - formula(&stim, k * 0.01, p));
                worst = e > worst ? e : worst;
            }
        print_message("      %s: worst error %.3g (limit %.3g)\n", methods[m], worst, tol[m]);
        assert_true(worst < tol[m]);
        assert_int_equal(stats(s).faults, 0);
        free(tr.data);
        hr_substrate_close(s);
    }
}

/* ---- Against the emulator ---- */

static void test_emulator_bitwise(void **state)
{
    /* The process driver and the emulator give the in-process tank's
     * traces bit for bit (doubles go through JSON with 17 digits). */
    const char *tank[] = {"nx=50", "ny=1", "lx=1", "ly=0.1", "east=sponge", "sponge_width=0.15",
                          "maker_x=0.15 0.25", "maker_sigma=0.03 0.03", "probe_x=0.5 0.7",
                          "dt_out=0.02", NULL};
    hr_substrate *sim, *s;
    assert_status(open_kind(&sim, "tank", tank), HR_OK);
    assert_status(open_emulator(&s, "", NULL, NULL), HR_OK);
    hr_stimulus stim = stimulus(0.02);
    hr_traces a, b;
    assert_status(hr_substrate_run(sim, &stim, &a), HR_OK);
    assert_status(hr_substrate_run(s, &stim, &b), HR_OK);
    assert_true(same_traces(&a, &b));
    free(b.data);
    hr_probe_info info;
    hr_substrate_probe_info(s, 1, &info);
    assert_rel(info.x, 0.7, 0);
    hr_substrate_close(s);
    /* Asked for another rate, it re-opens the tank at that spacing. */
    const char *set[] = {"sample_rate=100", NULL};
    assert_status(open_emulator(&s, "", set[0], NULL), HR_OK);
    assert_status(hr_substrate_run(s, &stim, &b), HR_OK);
    assert_int_equal(b.nt, 101);
    hr_live_run_info info2;
    hr_live_last_run(s, &info2);
    assert_rel(info2.delivered_rate, 100, 0);
    free(b.data);
    hr_substrate_close(s);
    free(a.data);
    hr_substrate_close(sim);
}

/* One emulator fault at run index 0: two attempts, the clean bits. */
static void emulator_once(const char *flag, enum hr_live_fault kind, const char *logged,
                          int restarts)
{
    hr_substrate *ref, *s;
    assert_status(open_emulator(&ref, "", NULL, NULL), HR_OK);
    hr_stimulus stim = stimulus(0.02);
    hr_traces a, b;
    assert_status(hr_substrate_run(ref, &stim, &a), HR_OK);
    hr_substrate_close(ref);
    log_reset();
    assert_status(open_emulator(&s, flag, "run_timeout=0.5", NULL), HR_OK);
    int rc = hr_substrate_run(s, &stim, &b);
    if (rc)
        print_error("%s: %s\n%s", flag, hr_error_message(), logbuf);
    assert_status(rc, HR_OK);
    assert_true(same_traces(&a, &b));
    hr_live_stats st = stats(s);
    if (st.by_kind[kind] != 1 || st.attempts != 2)
        print_error("%s: attempts %ld, faults %ld, of kind %d: %ld\n%s", flag, st.attempts,
                    st.faults, (int)kind, st.by_kind[kind], logbuf);
    assert_int_equal(st.attempts, 2);
    assert_int_equal(st.by_kind[kind], 1);
    assert_int_equal(st.faults, 1);
    assert_int_equal(st.connects, 1 + restarts);
    if (!log_has(logged))
        print_error("%s: the log lacks '%s':\n%s", flag, logged, logbuf);
    assert_true(log_has(logged));
    assert_true(log_has("emulator: run 0"));
    free(a.data);
    free(b.data);
    hr_substrate_close(s);
}

static void test_emulator_faults(void **state)
{
    emulator_once("--drop @0", HR_LIVE_F_ROWS, "rows missing", 0);
    emulator_once("--garbage @0", HR_LIVE_F_NOTJSON, "not JSON", 0);
    emulator_once("--nan @0", HR_LIVE_F_VALUE, "is NaN", 0);
    emulator_once("--wrong-id @0", HR_LIVE_F_ID, "data for run", 0);
    emulator_once("--short-row @0", HR_LIVE_F_PROBES, "(the tank has 2 probes)", 0);
    emulator_once("--error @0", HR_LIVE_F_ERROR, "injected error (retrying may help)", 0);
    emulator_once("--crash-after 0", HR_LIVE_F_CLOSED, "exited with status 3", 1);
    emulator_once("--disconnect @0", HR_LIVE_F_CLOSED, "controller process", 1);
    emulator_once("--hang @0", HR_LIVE_F_TIMEOUT, "no answer within 0.5 s", 1);
    /* Latency below the limits is no fault. */
    hr_substrate *s;
    assert_status(open_emulator(&s, "--latency 0.05", NULL, NULL), HR_OK);
    hr_stimulus stim = stimulus(0.02);
    hr_traces tr;
    double t0 = hr_now();
    assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
    assert_true(hr_now() - t0 >= 0.05);
    assert_int_equal(stats(s).faults, 0);
    free(tr.data);
    hr_substrate_close(s);
}

static void test_emulator_mixed(void **state)
{
    /* Twenty stimuli through an emulator with every fault at 15% per run
     * and a crash at run 9: every stimulus ends with the fault-free traces;
     * attempts = stimuli + faults; every fault logged once. */
    enum { N = 20 };
    hr_substrate *ref, *s;
    assert_status(open_emulator(&ref, "", NULL, NULL), HR_OK);
    hr_traces clean[N];
    for (int i = 0; i < N; i++) {
        hr_stimulus stim = stimulus(0.002 + 0.001 * i);
        assert_status(hr_substrate_run(ref, &stim, &clean[i]), HR_OK);
    }
    hr_substrate_close(ref);
    log_reset();
    assert_status(open_emulator(&s, "--drop .15 --garbage .15 --nan .15 --wrong-id .15 --error .15 "
                                    "--short-row .15 --crash-after 9 --seed 3", "tries=10",
                                "run_timeout=0.5"),
                  HR_OK);
    for (int i = 0; i < N; i++) {
        hr_stimulus stim = stimulus(0.002 + 0.001 * i);
        hr_traces tr;
        assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
        assert_true(same_traces(&tr, &clean[i]));
        free(tr.data);
        free(clean[i].data);
    }
    hr_live_stats st = stats(s);
    long sum = 0;
    for (int k = 0; k < HR_LIVE_F_COUNT; k++)
        sum += st.by_kind[k];
    print_message("      %d stimuli: %ld attempts, %ld faults, %ld connects\n", N, st.attempts,
                  st.faults, st.connects);
    assert_int_equal(sum, st.faults);
    assert_int_equal(st.attempts, N + st.faults);
    assert_true(st.faults >= 10); /* 6 kinds at 15%: about 1 per run */
    assert_int_equal(st.by_kind[HR_LIVE_F_CLOSED], 1);
    assert_int_equal(st.connects, 2);
    assert_int_equal(log_count("tank fault: "), (int)st.faults);
    hr_substrate_close(s);
}

/* ---- TCP ---- */

static int read_port(const char *path)
{
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(path, "r");
        int port = 0;
        if (f) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port > 0)
            return port;
        usleep(10000);
    }
    return 0;
}

static void test_tcp(void **state)
{
    char pf[160], cmd[800], port_set[32];
    /* The double as a TCP server (started and stopped through a process
     * link, so it is always reaped). */
    snprintf(pf, sizeof pf, "%s.port", state_file);
    unlink(pf);
    snprintf(cmd, sizeof cmd, "%s tests/tank_double.py --listen 0 --port-file %s", python, pf);
    hr_link_params lp = {.carrier = HR_LINK_PROCESS, .command = cmd};
    hr_tank_link *server;
    assert_status(hr_link_open(&server, &lp), HR_OK);
    int port = read_port(pf);
    assert_true(port > 0);
    snprintf(port_set, sizeof port_set, "port=%d", port);
    const char *set[] = {port_set, "settle=0", "retry_wait=0", NULL};
    hr_substrate *s;
    assert_status(open_kind(&s, "tcp", set), HR_OK);
    hr_stimulus stim = stimulus(0.02);
    hr_traces tr;
    assert_status(hr_substrate_run(s, &stim, &tr), HR_OK);
    expect_formula(&stim, &tr, 0);
    free(tr.data);
    hr_substrate_close(s);
    hr_link_close(server, 0);

    /* The emulator on TCP, dropping the connection half-way through run 1:
     * reconnected, the same bits. */
    unlink(pf);
    snprintf(cmd, sizeof cmd, "%s tank serve tests/tank/tiny.xml --listen 127.0.0.1:0 --port-file "
             "%s --disconnect @1", getenv("HYDRORES"), pf);
    lp.command = cmd;
    assert_status(hr_link_open(&server, &lp), HR_OK);
    port = read_port(pf);
    assert_true(port > 0);
    snprintf(port_set, sizeof port_set, "port=%d", port);
    log_reset();
    assert_status(open_kind(&s, "tcp", set), HR_OK);
    hr_traces a, b;
    assert_status(hr_substrate_run(s, &stim, &a), HR_OK);
    assert_status(hr_substrate_run(s, &stim, &b), HR_OK);
    assert_true(same_traces(&a, &b));
    hr_live_stats st = stats(s);
    assert_int_equal(st.connects, 2);
    assert_int_equal(st.by_kind[HR_LIVE_F_CLOSED], 1);
    assert_true(log_has("closed the connection"));
    assert_true(log_has("reconnecting and running it again"));
    free(a.data);
    free(b.data);
    hr_substrate_close(s);
    hr_link_close(server, 0);
    unlink(pf);
}

/* ---- Threads ---- */

typedef struct job {
    hr_substrate *s;  /* shared instance */
    int first;        /* first stimulus index */
    hr_traces out[4]; /* results */
    int status;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    for (int i = 0; i < 4 && !j->status; i++) {
        hr_stimulus stim = stimulus(0.002 + 0.001 * (j->first + i));
        j->status = hr_substrate_run(j->s, &stim, &j->out[i]);
    }
    return NULL;
}

static void test_threads(void **state)
{
    /* Four threads run on one instance at once (with faults): the lock
     * queues the runs, every result is the single-thread one. */
    hr_substrate *ref, *s;
    assert_status(open_emulator(&ref, "", NULL, NULL), HR_OK);
    assert_status(open_emulator(&s, "--drop .2 --nan .2 --seed 5", "tries=10", NULL), HR_OK);
    job jobs[4];
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].s = s;
        jobs[t].first = 4 * t;
        pthread_create(&th[t], NULL, worker, &jobs[t]);
    }
    for (int t = 0; t < 4; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < 4; t++) {
        assert_status(jobs[t].status, HR_OK);
        for (int i = 0; i < 4; i++) {
            hr_stimulus stim = stimulus(0.002 + 0.001 * (4 * t + i));
            hr_traces r;
            assert_status(hr_substrate_run(ref, &stim, &r), HR_OK);
            assert_true(same_traces(&r, &jobs[t].out[i]));
            free(r.data);
            free(jobs[t].out[i].data);
        }
    }
    assert_int_equal(stats(s).stimuli, 16);
    hr_substrate_close(s);
    hr_substrate_close(ref);
}

static int setup(void **state)
{
    hr_init();
    if (!getenv("HYDRORES"))
        setenv("HYDRORES", "build/hydrores", 1);
    if (access(python, X_OK) != 0)
        snprintf(python, sizeof python, "python3");
    snprintf(state_file, sizeof state_file, "/tmp/hr-tank-test-%d.state", (int)getpid());
    hr_log_set_sink(capture, NULL);
    return 0;
}

static int teardown(void **state)
{
    hr_log_set_sink(NULL, NULL);
    unlink(state_file);
    free(logbuf);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_double_clean),
        cmocka_unit_test(test_double_faults),
        cmocka_unit_test(test_double_benign),
        cmocka_unit_test(test_double_give_up),
        cmocka_unit_test(test_double_hello),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_probe_selection),
        cmocka_unit_test(test_resampling),
        cmocka_unit_test(test_emulator_bitwise),
        cmocka_unit_test(test_emulator_faults),
        cmocka_unit_test(test_emulator_mixed),
        cmocka_unit_test(test_tcp),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
