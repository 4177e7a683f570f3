/* fitness.c — the built-in fitness kinds: log|det X| and |det X| (square X,
 * the reference study's), log det(X^T X + lambda I) (any X) and the task
 * score of the trained readout on held-out rows. */
#include "reservoir/fitness.h"
#include "base/status.h"

#include <math.h>

#define F hr_fitness_common
const hr_param_spec hr_fitness_params[] = {
    HR_NUMBER_AT(F, lambda, "lambda", 1e-8, 0, 1e12,
                 "ridge lambda of log det(X^T X + lambda I) and of the ridge readout"),
    HR_CHOICE_AT(F, readout, "readout", "auto|ridge|lstsq", "auto",
                 "trained readout: ridge (lambda by cross-validation on the training rows), "
                 "least squares, or auto: least squares when X has no more rows than columns "
                 "(cross-validation cannot work there: leaving out an XNOR pattern leaves "
                 "nothing to learn it from), ridge otherwise"),
    HR_INT_AT(F, ridge_lo, "ridge_lo", -12, -300, 300,
              "cross-validated ridge: the smallest lambda is 10^ridge_lo"),
    HR_INT_AT(F, ridge_decades, "ridge_decades", 15, 1, 600,
              "cross-validated ridge: lambdas 10^ridge_lo, 10^(ridge_lo+1), ... (this many)"),
    HR_INT_AT(F, folds, "folds", 5, 2, 1000, "cross-validated ridge: k of k-fold"),
    HR_INT_AT(F, loo_max, "loo_max", 40, 0, 100000,
              "cross-validated ridge: with up to this many training rows, leave-one-out"),
    HR_PARAMS_END,
};
#undef F

static int need_square(const char *kind, const hr_result *r)
{
    if (r->nrows != r->ncols)
        return HR_ERROR(HR_EINVAL, "fitness '%s' needs a square readout matrix, X is %d x %d "
                        "(allowed: logdet_gram or score for non-square X)", kind, r->nrows,
                        r->ncols);
    return HR_OK;
}

static int fit_logdet(const void *s, const hr_result *r, double *obj)
{
    int st = need_square("logdet", r);
    if (!st)
        obj[0] = r->logdet;
    return st;
}

static int fit_det_abs(const void *s, const hr_result *r, double *obj)
{
    int st = need_square("det_abs", r);
    if (!st)
        obj[0] = r->det_abs;
    return st;
}

static int fit_logdet_gram(const void *s, const hr_result *r, double *obj)
{
    obj[0] = r->logdet_gram;
    return HR_OK;
}

static int fit_score(const void *s, const hr_result *r, double *obj)
{
    obj[0] = r->score_higher ? r->score : -r->score;
    return HR_OK;
}

#define FITNESS(ident, kname, kdoc, kflags, fn)                                            \
    const hr_fitness_type ident = {                                                        \
        .base = {.version = HR_FITNESS_VERSION, .cls = HR_CLASS_FITNESS, .name = kname,    \
                 .doc = kdoc, .params = hr_fitness_params, .flags = kflags},               \
        .settings_size = sizeof(hr_fitness_common),                                        \
        .nobj = 1,                                                                         \
        .compute = fn,                                                                     \
    }

FITNESS(hr_fitness_logdet, "logdet", "log|det X| (square X; the reference's ordering)",
        HR_FITNESS_SQUARE, fit_logdet);
FITNESS(hr_fitness_det_abs, "det_abs", "|det X| (square X; the reference study's fitness)",
        HR_FITNESS_SQUARE, fit_det_abs);
FITNESS(hr_fitness_logdet_gram, "logdet_gram", "log det(X^T X + lambda I) (any X)", 0,
        fit_logdet_gram);
FITNESS(hr_fitness_score, "score",
        "the trained readout's task score on held-out rows (accuracy, memory capacity; "
        "minus the NRMSE)",
        HR_FITNESS_NEEDS_SCORE, fit_score);

int hr_fitness_register(const hr_fitness_type *t)
{
    if (!t || t->base.cls != HR_CLASS_FITNESS)
        return HR_ERROR(HR_EINVAL, "hr_fitness_register: not a fitness table");
    if (t->base.version < 1 || t->base.version > HR_FITNESS_VERSION)
        return HR_ERROR(HR_ENOTSUP, "fitness '%s' has interface version %d (allowed: 1 .. %d)",
                        t->base.name ? t->base.name : "?", t->base.version, HR_FITNESS_VERSION);
    if (!t->compute || !t->base.params || t->settings_size < sizeof(hr_fitness_common) ||
        t->nobj < 1 || t->nobj > HR_MAX_OBJECTIVES)
        return HR_ERROR(HR_EINVAL, "fitness '%s' lacks compute or its settings, or has %d "
                        "objectives (allowed: 1 .. %d)", t->base.name ? t->base.name : "?",
                        t->nobj, HR_MAX_OBJECTIVES);
    return hr_kind_register(&t->base);
}

const hr_fitness_type *hr_fitness_find(const char *name)
{
    return (const hr_fitness_type *)hr_kind_find(HR_CLASS_FITNESS, name);
}
