/* test_substrates.c — the contract every registered substrate kind must
 * keep (GSL's rng/test.c runs every generator through the same checks):
 * its example settings open; probes and spacing are sane; a run fills
 * exactly the traces promised with finite values; runs are deterministic
 * and instances independent unless the kind says otherwise (flags); every
 * error path of the wrapper returns a status and frees what it made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "reservoir/substrate.h"
#include "tests/test_util.h"

/* The kind's example settings as a section. */
static hr_section *example_settings(const hr_substrate_type *t)
{
    hr_section *s = hr_section_create("substrate", t->base.name, t->base.params);
    assert_non_null(s);
    for (const char *const *e = t->example; *e; e++) {
        char name[64];
        const char *eq = strchr(*e, '=');
        assert_non_null(eq);
        snprintf(name, sizeof name, "%.*s", (int)(eq - *e), *e);
        if (hr_section_set_text(s, name, eq + 1, "example", 0) != HR_OK) {
            print_error("substrate '%s': example setting %s: %s\n", t->base.name, *e,
                        hr_error_message());
            fail();
        }
    }
    return s;
}

/* A stimulus of n sinusoidal sources lasting about 20 output steps. */
static hr_stimulus example_stimulus(int n, double dt)
{
    hr_stimulus st;
    memset(&st, 0, sizeof st);
    st.nsources = n;
    for (int i = 0; i < n; i++) {
        st.sources[i].index = i;
        st.sources[i].amplitude = 0.1 + 0.05 * i;
        st.sources[i].frequency = 0.35 + 0.2 * i;
        st.sources[i].phase = 0.3 * i;
    }
    st.t_end = 20.385 * dt;
    return st;
}

static void check_kind(const hr_substrate_type *t)
{
    print_message("      %s\n", t->base.name);
    unsigned flags = t->base.flags;
    hr_section *set = example_settings(t);
    hr_substrate *a = NULL, *b = NULL;
    assert_status(hr_substrate_open(&a, set), HR_OK);
    int np;
    double dt;
    assert_status(hr_substrate_probes(a, &np, &dt), HR_OK);
    assert_true(np >= 1);
    assert_true(dt > 0 && isfinite(dt));
    assert_int_equal(hr_substrate_flags_of(a), flags);
    for (int p = 0; p < np; p++) {
        hr_probe_info info;
        assert_status(hr_substrate_probe_info(a, p, &info), HR_OK);
        assert_true(info.name[0] != '\0' && info.units[0] != '\0');
    }
    hr_probe_info info;
    assert_status(hr_substrate_probe_info(a, np, &info), HR_ERANGE);

    /* A run fills exactly nt = floor(t_end / dt + 1e-9) + 1 finite samples. */
    hr_stimulus st = example_stimulus(t->example_sources, dt);
    hr_traces t1, t2;
    assert_status(hr_substrate_run(a, &st, &t1), HR_OK);
    assert_int_equal(t1.nprobes, np);
    assert_int_equal(t1.nt, hr_traces_nt(st.t_end, dt));
    assert_true(t1.dt == dt);
    double energy = 0;
    for (size_t k = 0; k < (size_t)np * (size_t)t1.nt; k++) {
        assert_true(isfinite(t1.data[k]));
        energy += t1.data[k] * t1.data[k];
    }
    assert_true(energy > 0); /* the stimulus reached the probes */

    /* Deterministic, and independent of other instances, unless flagged. */
    if (!(flags & HR_SUBSTRATE_SERIAL))
        assert_status(hr_substrate_open(&b, set), HR_OK);
    hr_stimulus other = example_stimulus(t->example_sources, dt);
    other.sources[0].amplitude *= 1.5;
    if (b) {
        assert_status(hr_substrate_run(b, &other, &t2), HR_OK); /* b runs something else first */
        free(t2.data);
    }
    assert_status(hr_substrate_run(b ? b : a, &st, &t2), HR_OK);
    if (!(flags & HR_SUBSTRATE_NONDETERMINISTIC))
        assert_memory_equal(t1.data, t2.data, (size_t)np * (size_t)t1.nt * sizeof(double));
    free(t2.data);

    /* A longer run starts with the same samples (runs are from rest). */
    hr_stimulus longer = st;
    longer.t_end = 2 * st.t_end;
    if (!(flags & HR_SUBSTRATE_NONDETERMINISTIC)) {
        assert_status(hr_substrate_run(a, &longer, &t2), HR_OK);
        for (int p = 0; p < np; p++)
            for (int k = 0; k < t1.nt; k++)
                assert_abs(t2.data[(size_t)p * (size_t)t2.nt + (size_t)k],
                           t1.data[(size_t)p * (size_t)t1.nt + (size_t)k],
                           1e-12 * sqrt(energy));
        free(t2.data);
    }
    free(t1.data);

    /* Error paths: bad end times, injected faults at run and at open. */
    hr_stimulus bad = st;
    bad.t_end = 0;
    assert_status(hr_substrate_run(a, &bad, &t2), HR_EINVAL);
    assert_null(t2.data);
    bad.t_end = NAN;
    assert_status(hr_substrate_run(a, &bad, &t2), HR_EINVAL);
    hr__substrate_fault_countdown = 1;
    assert_status(hr_substrate_run(a, &st, &t2), HR_ENOMEM);
    assert_null(t2.data);
    assert_int_equal(hr__substrate_fault_countdown, 0);
    hr_substrate_close(a);
    hr_substrate_close(b);
    hr__substrate_fault_countdown = 1;
    hr__substrate_fault_status = HR_EDRIVER;
    a = (hr_substrate *)set;
    assert_status(hr_substrate_open(&a, set), HR_EDRIVER);
    assert_null(a);
    hr__substrate_fault_status = HR_ENOMEM;

    /* Snapshot, where there is one. */
    if (t->snapshot) {
        assert_status(hr_substrate_open(&a, set), HR_OK);
        assert_status(hr_substrate_run(a, &st, &t1), HR_OK);
        free(t1.data);
        double *field;
        int nx, ny;
        assert_status(hr_substrate_snapshot(a, &field, &nx, &ny), HR_OK);
        assert_true(nx >= 1 && ny >= 1);
        free(field);
        hr_substrate_close(a);
    }
    hr_section_destroy(set);
}

static void test_every_substrate(void **state)
{
    int n = hr_kind_count(HR_CLASS_SUBSTRATE);
    assert_true(n >= 2);
    for (int i = 0; i < n; i++)
        check_kind((const hr_substrate_type *)hr_kind_at(HR_CLASS_SUBSTRATE, i));
}

static void test_wrapper_errors(void **state)
{
    /* An unknown kind names the registered ones. */
    const hr_substrate_type *kdv = hr_substrate_lookup("kdv", NULL, 0);
    hr_section *s = hr_section_create("substrate", "bathtub", kdv->base.params);
    hr_substrate *sub = NULL;
    assert_status(hr_substrate_open(&sub, s), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "allowed: kdv, tank"));
    assert_null(sub);
    hr_section_destroy(s);
    /* A table with a wrong version or no example is refused at registration. */
    hr_substrate_type bad = *kdv;
    bad.base.name = "kdv-v9";
    bad.base.version = HR_SUBSTRATE_VERSION + 1;
    assert_status(hr_substrate_register(&bad), HR_ENOTSUP);
    bad.base.version = HR_SUBSTRATE_VERSION;
    bad.example = NULL;
    assert_status(hr_substrate_register(&bad), HR_EINVAL);
    assert_status(hr_substrate_register(NULL), HR_EINVAL);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_substrate),
        cmocka_unit_test(test_wrapper_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
