/* test_fitness_multi.c — the multi-objective fitness kind: its common
 * settings are exactly hr_fitness_params', the objectives come out in the
 * listed order with the documented signs, bad lists are refused with the
 * allowed names, and the evolution glue sizes the optimiser's objective
 * vector from the fitness section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "reservoir/evolution.h"
#include "reservoir/experiment.h"
#include "reservoir/fitness_multi.h"
#include "evolve/nsga2.h"
#include "reservoir/front.h"
#include "tests/test_util.h"

/* The common entries of the multi table equal hr_fitness_params' (names,
 * types, defaults, ranges, choices, documentation), so the two cannot drift. */
static void test_common_settings_match(void **state)
{
    const hr_param_spec *a = hr_fitness_params, *b = hr_fitness_multi.base.params;
    int n = 0;
    for (; a[n].name; n++) {
        assert_non_null(b[n].name);
        assert_string_equal(a[n].name, b[n].name);
        assert_int_equal(a[n].type, b[n].type);
        assert_true(a[n].def == b[n].def && a[n].lo == b[n].lo && a[n].hi == b[n].hi);
        assert_int_equal(a[n].maxlen, b[n].maxlen);
        assert_true((a[n].choices == NULL) == (b[n].choices == NULL));
        if (a[n].choices)
            assert_string_equal(a[n].choices, b[n].choices);
        if (a[n].defstr)
            assert_string_equal(a[n].defstr, b[n].defstr);
        assert_string_equal(a[n].doc, b[n].doc);
        /* The decoded struct starts with hr_fitness_common, field for field. */
        assert_int_equal(a[n].offset, b[n].offset);
    }
    assert_string_equal(b[n].name, "objectives");
    assert_null(b[n + 1].name);
}

static hr_section *multi_section(const char *objectives)
{
    hr_section *s = hr_section_create("fitness", "multi", hr_fitness_multi.base.params);
    assert_non_null(s);
    if (objectives)
        assert_status(hr_section_set_text(s, "objectives", objectives, "test", 0), HR_OK);
    return s;
}

static void test_objectives_list(void **state)
{
    const char *names[HR_MAX_OBJECTIVES];
    int n;
    hr_section *s = multi_section(NULL);
    assert_status(hr_fitness_objectives(s, &n, names), HR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "logdet");
    assert_string_equal(names[1], "score");
    hr_section_destroy(s);
    s = multi_section("score, cond effective_rank");
    assert_status(hr_fitness_objectives(s, &n, names), HR_OK);
    assert_int_equal(n, 3);
    assert_string_equal(names[2], "effective_rank");
    hr_section_destroy(s);
    const char *badlists[3] = {"logdet nrmse", "score score", " "};
    const char *msgs[3] = {"'nrmse' is not an objective (allowed: logdet, det_abs",
                           "'score' is listed twice", "fitness.objectives is empty"};
    for (int k = 0; k < 3; k++) {
        s = multi_section(badlists[k]);
        assert_status(hr_fitness_objectives(s, &n, names), HR_EINVAL);
        assert_non_null(strstr(hr_error_message(), msgs[k]));
        hr_section_destroy(s);
    }
    /* A single-objective kind gives its one objective. */
    s = hr_section_create("fitness", "logdet_gram", hr_fitness_params);
    assert_status(hr_fitness_objectives(s, &n, names), HR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "logdet_gram");
    hr_section_destroy(s);
}

/* The objectives of a made-up result, in order, with their signs. */
static void test_compute(void **state)
{
    struct {
        hr_fitness_common c;
        char objectives[128];
    } set = {.c = {0}};
    snprintf(set.objectives, sizeof set.objectives, "score logdet_gram cond score_train rank");
    hr_result r = {.nrows = 8, .ncols = 6, .logdet = NAN, .logdet_gram = -3.25, .cond = 1e4,
                   .score = 1.75, .score_train = 0.5, .score_higher = 0, .kernel_rank = 6};
    double obj[HR_MAX_OBJECTIVES];
    assert_status(hr_fitness_multi.compute(&set, &r, obj), HR_OK);
    assert_true(obj[0] == -1.75);           /* minus the NRMSE */
    assert_true(obj[1] == -3.25);
    assert_rel(obj[2], -4.0, 1e-15);        /* -log10(1e4) */
    assert_true(obj[3] == -0.5);
    assert_true(obj[4] == 6);
    for (int k = 5; k < HR_MAX_OBJECTIVES; k++)
        assert_true(obj[k] == 0);
    r.score_higher = 1; /* accuracy: as is */
    assert_status(hr_fitness_multi.compute(&set, &r, obj), HR_OK);
    assert_true(obj[0] == 1.75);
    snprintf(set.objectives, sizeof set.objectives, "logdet score");
    assert_status(hr_fitness_multi.compute(&set, &r, obj), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "'logdet' needs a square readout matrix, X is 8 x 6"));
}

/* hr_evolution_create gives NSGA-II as many objectives as the fitness lists
 * and a single-objective optimiser one; NSGA-II with a one-objective
 * fitness is refused with the way out. */
static void test_evolution_nobj(void **state)
{
    hr_experiment *e = hr_experiment_create();
    assert_status(hr_experiment_add_section(e, HR_SEC_SUBSTRATE, "kdv"), HR_OK);
    assert_status(hr_experiment_add_section(e, HR_SEC_ENCODER, "amplitude"), HR_OK);
    assert_status(hr_experiment_add_section(e, HR_SEC_READOUT, "default"), HR_OK);
    assert_status(hr_experiment_add_section(e, HR_SEC_TASK, "xnor"), HR_OK);
    assert_status(hr_experiment_set(e, "encoder.freq", "0.3 0.6"), HR_OK);
    assert_status(hr_experiment_set(e, "encoder.low", "0.05 0.05"), HR_OK);
    assert_status(hr_experiment_set(e, "encoder.high", "0.4 0.4"), HR_OK);
    assert_status(hr_experiment_set(e, "readout.t", "42 47 52 57"), HR_OK);
    assert_status(hr_experiment_set(e, "substrate.n", "256"), HR_OK);
    assert_status(hr_experiment_add_gene(e, "t0", "readout.t0", 40, 60, NAN, 0), HR_OK);
    assert_status(hr_experiment_add_section(e, HR_SEC_FITNESS, "multi"), HR_OK);
    assert_status(hr_experiment_set(e, "fitness.objectives", "logdet score cond"), HR_OK);
    assert_status(hr_experiment_add_section(e, HR_SEC_EVOLVE, "nsga2"), HR_OK);
    assert_status(hr_experiment_set(e, "evolve.population", "4"), HR_OK);
    assert_status(hr_experiment_set(e, "task.repetitions", "1"), HR_OK);
    hr_evolution *ev;
    assert_status(hr_evolution_create(&ev, e, 1), HR_OK);
    assert_int_equal(hr_evolution_config(ev)->nobj, 3);
    assert_int_equal(hr_evolution_config(ev)->kind, HR_EVO_NSGA2);
    double g[1] = {0.3}, f[3];
    assert_status(hr_evolution_eval(ev, 0, g, f, NULL), HR_OK); /* no descriptors (ndesc 0) */
    assert_true(isfinite(f[0]) && f[1] == 1.0 && isfinite(f[2])); /* accuracy 1 */
    /* Two generations, and front.csv named after the objectives. */
    hr_evo *evo;
    assert_status(hr_evo_create(hr_evolution_config(ev), &evo), HR_OK);
    hr_evo_evaluator eval = hr_evolution_evaluator(ev);
    for (int k = 0; k < 2; k++)
        assert_status(hr_evo_iterate(evo, &eval, NULL), HR_OK);
    char dir[] = "/tmp/hr_front_test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_status(hr_front_write(evo, e, dir), HR_OK);
    char path[64], line[512];
    snprintf(path, sizeof path, "%s/front.csv", dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof line, fp));
    assert_string_equal(line, "index,logdet,score,cond,crowding,t0\n");
    int rows = 0;
    while (fgets(line, sizeof line, fp))
        rows++;
    fclose(fp);
    assert_true(rows >= 1 && rows <= 4);
    remove(path);
    rmdir(dir);
    hr_evo_destroy(evo);
    hr_evolution_destroy(ev);
    assert_status(hr_experiment_add_section(e, HR_SEC_EVOLVE, "ga"), HR_OK);
    assert_status(hr_evolution_create(&ev, e, 1), HR_OK);
    assert_int_equal(hr_evolution_config(ev)->nobj, 1);
    hr_evolution_destroy(ev);
    assert_status(hr_experiment_add_section(e, HR_SEC_FITNESS, "logdet"), HR_OK);
    assert_status(hr_experiment_add_section(e, HR_SEC_EVOLVE, "nsga2"), HR_OK);
    assert_status(hr_evolution_create(&ev, e, 1), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "kind=\"multi\""));
    hr_experiment_destroy(e);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_settings_match),
        cmocka_unit_test(test_objectives_list),
        cmocka_unit_test(test_compute),
        cmocka_unit_test(test_evolution_nobj),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
