/* task_kinds.c — the built-in task kinds (xnor, digits, narma10, memory,
 * mackey-glass) as registered tables over the generators of tasks.h. */
#include "tasks/task_kind.h"
#include "base/status.h"

#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#define T hr_task_settings
const hr_param_spec hr_task_params[] = {
    HR_LONG_AT(T, seed, "seed", 1, 0, 4294967295.0, "seed of the task's random inputs"),
    HR_INT_AT(T, repetitions, "repetitions", 0, 0, 100000,
              "xnor: noisy repetitions of the 4 patterns held out for scoring"),
    HR_NUMBER_AT(T, noise, "noise", 0.05, 0, 10, "xnor: standard deviation of the input noise"),
    HR_INT_AT(T, heldout, "heldout", 1, 0, 1,
              "digits: 1 = score on inputs between the training ones"),
    HR_INT_AT(T, train, "train", 200, 1, 1e7, "time series: training steps"),
    HR_INT_AT(T, test, "test", 100, 1, 1e7, "time series: test steps"),
    HR_INT_AT(T, washout, "washout", 50, 0, 1e7, "time series: discarded initial steps"),
    HR_INT_AT(T, kmax, "kmax", 20, 1, 1000, "memory: largest delay"),
    HR_NUMBER_AT(T, bound, "bound", 1e3, 1e-3, 1e300,
                 "narma10: an output above this in magnitude counts as diverged"),
    HR_INT_AT(T, redraws, "redraws", 10, 0, 100000,
              "narma10: how often a diverged input sequence is drawn again"),
    HR_INT_AT(T, horizon, "horizon", 1, 1, 100000, "mackey-glass: steps ahead to predict"),
    HR_PARAMS_END,
};
#undef T

/* A generator seeded from the settings (the task's own stream). */
static gsl_rng *seeded(const hr_task_settings *s)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (rng)
        gsl_rng_set(rng, (unsigned long)s->seed);
    else
        HR_ERROR(HR_ENOMEM, "out of memory for the task's generator");
    return rng;
}

static int make_xnor(const void *settings, hr_task **out)
{
    const hr_task_settings *s = settings;
    gsl_rng *rng = seeded(s);
    if (!rng)
        return HR_ENOMEM;
    int st = hr_task_xnor(out, (size_t)s->repetitions, s->noise, 1, rng);
    gsl_rng_free(rng);
    return st;
}

static int make_digits(const void *settings, hr_task **out)
{
    const hr_task_settings *s = settings;
    int st = hr_task_digits(out, 8);
    if (!st && !s->heldout)
        (*out)->n_test = 0, (*out)->n_rows = (*out)->n_train;
    return st;
}

static int make_narma10(const void *settings, hr_task **out)
{
    const hr_task_settings *s = settings;
    gsl_rng *rng = seeded(s);
    if (!rng)
        return HR_ENOMEM;
    hr_narma10_params p = {.washout = (size_t)s->washout, .n_train = (size_t)s->train,
                           .n_test = (size_t)s->test, .u_lo = 0, .u_hi = 0.5,
                           .bound = s->bound, .max_redraws = s->redraws};
    int st = hr_task_narma10(out, &p, rng);
    gsl_rng_free(rng);
    return st;
}

static int make_memory(const void *settings, hr_task **out)
{
    const hr_task_settings *s = settings;
    gsl_rng *rng = seeded(s);
    if (!rng)
        return HR_ENOMEM;
    size_t kmax = (size_t)s->kmax, washout = (size_t)s->washout;
    hr_memory_params p = {.kmax = kmax, .washout = washout > kmax ? washout : kmax,
                          .n_train = (size_t)s->train, .n_test = (size_t)s->test,
                          .u_lo = -1, .u_hi = 1};
    int st = hr_task_memory(out, &p, rng);
    gsl_rng_free(rng);
    return st;
}

static int make_mackey_glass(const void *settings, hr_task **out)
{
    const hr_task_settings *s = settings;
    hr_mackey_glass_params p = hr_task_mackey_glass_defaults();
    p.washout = (size_t)s->washout;
    p.n_train = (size_t)s->train;
    p.n_test = (size_t)s->test;
    p.horizon = (size_t)s->horizon;
    return hr_task_mackey_glass(out, &p);
}

#define TASK(ident, kname, kdoc, fn)                                                   \
    const hr_task_type ident = {                                                       \
        .base = {.version = HR_TASK_VERSION, .cls = HR_CLASS_TASK, .name = kname,      \
                 .doc = kdoc, .params = hr_task_params},                               \
        .settings_size = sizeof(hr_task_settings),                                     \
        .make = fn,                                                                    \
    }

TASK(hr_task_kind_xnor, "xnor", "XNOR of two bits: 4 patterns, noisy repetitions held out",
     make_xnor);
TASK(hr_task_kind_digits, "digits",
     "the reference's regression: a sigmoid of x, x encoded by its decimal digits", make_digits);
TASK(hr_task_kind_narma10, "narma10", "NARMA10 system identification (a time series)",
     make_narma10);
TASK(hr_task_kind_memory, "memory", "linear memory capacity over delays 1 .. kmax (a time series)",
     make_memory);
TASK(hr_task_kind_mackey_glass, "mackey-glass",
     "Mackey-Glass (tau 17) prediction `horizon` steps ahead (a time series)", make_mackey_glass);

int hr_task_type_register(const hr_task_type *t)
{
    if (!t || t->base.cls != HR_CLASS_TASK)
        return HR_ERROR(HR_EINVAL, "hr_task_type_register: not a task table");
    if (t->base.version < 1 || t->base.version > HR_TASK_VERSION)
        return HR_ERROR(HR_ENOTSUP, "task '%s' has interface version %d (allowed: 1 .. %d)",
                        t->base.name ? t->base.name : "?", t->base.version, HR_TASK_VERSION);
    if (!t->make || !t->base.params || !t->settings_size)
        return HR_ERROR(HR_EINVAL, "task '%s' lacks make, its settings or their size",
                        t->base.name ? t->base.name : "?");
    return hr_kind_register(&t->base);
}

const hr_task_type *hr_task_type_find(const char *name)
{
    return (const hr_task_type *)hr_kind_find(HR_CLASS_TASK, name);
}

int hr_task_make(const hr_section *settings, hr_task **out)
{
    *out = NULL;
    const hr_kind *k;
    int st = hr_kind_lookup(HR_CLASS_TASK, settings->kind, &k);
    if (st)
        return st;
    const hr_task_type *t = (const hr_task_type *)k;
    void *decoded = calloc(1, t->settings_size);
    if (!decoded)
        return HR_ERROR(HR_ENOMEM, "out of memory for the task's settings");
    hr_section_decode(settings, decoded);
    st = t->make(decoded, out);
    free(decoded);
    return st;
}

int hr_task_type_score(const hr_task_type *type, const hr_task *t, const double *target,
                       const double *pred, size_t n, hr_task_score *out)
{
    if (type && type->score)
        return type->score(t, target, pred, n, out);
    return hr_task_score_kind(t->kind, target, pred, n, t->n_out, out);
}
