/* test_faults.c — every allocation of the library can fail, and every
 * failure is an error status, not a crash, a hang or a leak. The library's
 * malloc, calloc, realloc and strdup are wrapped (-Wl,--wrap, see the
 * Makefile) by a countdown in the manner of SQLite's test_malloc.c: the
 * n-th allocation from now fails. A scenario that touches every stage
 * (experiment file, workers, evaluation with and without the trained
 * readout, simulation, evolution with checkpoints, reload, CSV and config
 * output) runs for n = 1, 2, ... until it completes without reaching the
 * fault; each run that reached it must return an error. Under the
 * sanitizer build, LeakSanitizer checks at exit that no failure path
 * leaked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <execinfo.h>
#include <unistd.h>

#include "base/status.h"
#include "evolve/evolve.h"
#include "interface/config.h"
#include "reservoir/evolution.h"
#include "tests/test_util.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static long countdown; /* > 0: the countdown-th allocation from now fails */
static long fired;     /* faults injected so far */

/* HR_FAULTS_TRACE=1 prints where each injected fault struck. */
static int fail_now(void)
{
    if (countdown <= 0 || --countdown > 0)
        return 0;
    fired++;
    if (getenv("HR_FAULTS_TRACE")) {
        void *frames[12];
        int n = backtrace(frames, 12);
        backtrace_symbols_fd(frames, n, 2);
    }
    return 1;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }

static const char xml[] =
    "<experiment name=\"faults\">\n"
    "  <substrate kind=\"kdv\"><n>64</n><dt_out>0.5</dt_out></substrate>\n"
    "  <encoder kind=\"amplitude\"><freq>0.30 0.60</freq><low>0.05 0.05</low>"
    "<high>0.40 0.40</high></encoder>\n"
    "  <readout><t>5 6 7 8</t></readout>\n"
    "  <task kind=\"xnor\"><repetitions>1</repetitions></task>\n"
    "  <evolve kind=\"ga\"><population>4</population><elites>1</elites></evolve>\n"
    "  <genes><gene name=\"a\" target=\"encoder.freq0\" lo=\"0.2\" hi=\"0.4\"/>\n"
    "         <gene name=\"t0\" target=\"readout.t0\" lo=\"4\" hi=\"6\"/></genes>\n"
    "</experiment>\n";

static char dir[64];

/* Touches every stage; returns the first error. A fault inside an
 * evaluation during the evolution is not an error of the run: the
 * evolution logs that evaluation as failed and goes on (*absorbed counts
 * those). */
static int scenario(long *absorbed)
{
    *absorbed = 0;
    hr_experiment *e = NULL;
    hr_worker *w = NULL;
    hr_evolution *ev = NULL;
    hr_evo *evo = NULL, *back = NULL;
    hr_result r;
    memset(&r, 0, sizeof r);
    char path[128];
    int st = hr_config_load_memory(xml, sizeof xml - 1, "faults.xml", &e);
    if (!st)
        st = hr_worker_create(&w, e);
    if (!st)
        st = hr_worker_evaluate(w, NULL, HR_EVAL_TRACES, &r);
    hr_result_free(&r);
    if (!st)
        st = hr_worker_simulate(w, 0, &r);
    hr_result_free(&r);
    if (!st)
        st = hr_evolution_create(&ev, e, 1);
    if (!st)
        st = hr_evo_create(hr_evolution_config(ev), &evo);
    snprintf(path, sizeof path, "%s/ck.bin", dir);
    if (!st) {
        hr_evo_evaluator eval = hr_evolution_evaluator(ev);
        eval.log = hr_evo_log_to_file;
        eval.log_ctx = NULL;
        FILE *devnull = fopen("/dev/null", "w");
        eval.log_ctx = devnull;
        hr_evo_run_options opt = {.budget = {.max_generations = 2}, .checkpoint = path};
        st = hr_evo_run(evo, &eval, &opt, NULL);
        *absorbed = hr_evo_failures(evo);
        if (devnull)
            fclose(devnull);
    }
    if (!st)
        st = hr_evo_load(path, hr_evolution_config(ev), &back);
    snprintf(path, sizeof path, "%s/archive.csv", dir);
    if (!st)
        st = hr_evo_write_csv(back, path, NULL);
    snprintf(path, sizeof path, "%s/config.xml", dir);
    if (!st)
        st = hr_config_write_file(e, path);
    hr_evo_destroy(back);
    hr_evo_destroy(evo);
    hr_evolution_destroy(ev);
    hr_worker_destroy(w);
    hr_experiment_destroy(e);
    return st;
}

static void test_every_allocation_fails_cleanly(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/hr_faults_XXXXXX");
    assert_non_null(mkdtemp(dir));
    countdown = 0;
    long absorbed;
    assert_status(scenario(&absorbed), HR_OK); /* the scenario itself works */
    assert_int_equal(absorbed, 0);
    long n, errors = 0, logged = 0;
    for (n = 1;; n++) {
        countdown = n;
        long before = fired;
        int st = scenario(&absorbed);
        if (fired == before) { /* finished before the n-th allocation */
            countdown = 0;
            assert_status(st, HR_OK);
            break;
        }
        if (st == HR_OK && absorbed >= 1) {
            logged++; /* a failed evaluation, logged; the evolution went on */
            continue;
        }
        if (st == HR_OK) {
            print_error("allocation %ld failed but the scenario returned success\n", n);
            fail();
        }
        errors += st == HR_ENOMEM;
    }
    print_message("      %ld allocations, each failed once: %ld gave HR_ENOMEM, %ld another "
                  "error, %ld a logged failed evaluation\n", n - 1, errors, n - 1 - errors - logged,
                  logged);
    assert_true(n > 50);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
