/* fitness_multi.c — fitness kind `multi`: several objectives from one
 * evaluation, each maximised, in the order of its `objectives` setting:
 *
 *   logdet          log|det X|                 (square X)
 *   det_abs         |det X|                    (square X)
 *   logdet_gram     log det(X^T X + lambda I)
 *   score           held-out task score: accuracy or memory capacity as is,
 *                   minus the NRMSE (the trained linear readout's)
 *   score_train     the same on the training rows
 *   rank            numerical rank of X
 *   effective_rank  effective rank of X (Roy and Vetterli)
 *   cond            minus log10 of X's condition number
 *
 * The kind always trains the readout and scores the held-out rows (flag
 * HR_FITNESS_NEEDS_SCORE), so evolution cannot skip them. A fitness table
 * has a fixed objective count: this one declares HR_MAX_OBJECTIVES and fills
 * the entries past its list with 0; hr_fitness_objectives says how many are
 * meant, and the evolution glue sizes the optimiser's vector by it. */
#include "reservoir/fitness_multi.h"
#include "base/status.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { OBJ_LOGDET, OBJ_DET_ABS, OBJ_LOGDET_GRAM, OBJ_SCORE, OBJ_SCORE_TRAIN, OBJ_RANK,
       OBJ_EFFECTIVE_RANK, OBJ_COND, OBJ_COUNT };

static const char *const objective_names[OBJ_COUNT] = {
    "logdet", "det_abs", "logdet_gram", "score", "score_train", "rank", "effective_rank",
    "cond"};

#define ALLOWED "logdet, det_abs, logdet_gram, score, score_train, rank, effective_rank, cond"

/* The decoded settings: the common ones first, as every fitness kind. */
typedef struct multi_settings {
    hr_fitness_common common; /* ridge lambda, readout training, cross-validation */
    char objectives[128];     /* the objectives' names, space or comma separated */
} multi_settings;

#define M multi_settings
/* The common entries are hr_fitness_params' (reservoir/fitness.c); a test
 * checks they stay the same. */
static const hr_param_spec multi_params[] = {
    HR_NUMBER_AT(M, common.lambda, "lambda", 1e-8, 0, 1e12,
                 "ridge lambda of log det(X^T X + lambda I) and of the ridge readout"),
    HR_CHOICE_AT(M, common.readout, "readout", "auto|ridge|lstsq", "auto",
                 "trained readout: ridge (lambda by cross-validation on the training rows), "
                 "least squares, or auto: least squares when X has no more rows than columns "
                 "(cross-validation cannot work there: leaving out an XNOR pattern leaves "
                 "nothing to learn it from), ridge otherwise"),
    HR_INT_AT(M, common.ridge_lo, "ridge_lo", -12, -300, 300,
              "cross-validated ridge: the smallest lambda is 10^ridge_lo"),
    HR_INT_AT(M, common.ridge_decades, "ridge_decades", 15, 1, 600,
              "cross-validated ridge: lambdas 10^ridge_lo, 10^(ridge_lo+1), ... (this many)"),
    HR_INT_AT(M, common.folds, "folds", 5, 2, 1000, "cross-validated ridge: k of k-fold"),
    HR_INT_AT(M, common.loo_max, "loo_max", 40, 0, 100000,
              "cross-validated ridge: with up to this many training rows, leave-one-out"),
    HR_TEXT_AT(M, objectives, "objectives", "logdet score",
               "the objectives, each maximised, in order (the first is the one best.xml "
               "maximises): " ALLOWED " (score: the held-out task score, minus the NRMSE; "
               "cond: minus log10 of the condition number)"),
    HR_PARAMS_END,
};
#undef M

/* Parses the list into codes[]; HR_EINVAL with the setting named. */
static int parse(const char *text, int *codes, int *n)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", text);
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, " ,\t\n", &save); tok;
         tok = strtok_r(NULL, " ,\t\n", &save)) {
        int code = -1;
        for (int k = 0; k < OBJ_COUNT; k++)
            if (strcmp(tok, objective_names[k]) == 0)
                code = k;
        if (code < 0)
            return HR_ERROR(HR_EINVAL, "fitness.objectives: '%s' is not an objective (allowed: "
                            ALLOWED ")", tok);
        for (int k = 0; k < *n; k++)
            if (codes[k] == code)
                return HR_ERROR(HR_EINVAL, "fitness.objectives: '%s' is listed twice (allowed: "
                                "each objective once)", tok);
        if (*n >= HR_MAX_OBJECTIVES)
            return HR_ERROR(HR_EINVAL, "fitness.objectives: more than %d objectives (allowed: 1 "
                            ".. %d)", HR_MAX_OBJECTIVES, HR_MAX_OBJECTIVES);
        codes[(*n)++] = code;
    }
    if (*n == 0)
        return HR_ERROR(HR_EINVAL, "fitness.objectives is empty (allowed: 1 .. %d of " ALLOWED
                        ")", HR_MAX_OBJECTIVES);
    return HR_OK;
}

static int multi_compute(const void *settings, const hr_result *r, double *obj)
{
    const multi_settings *s = settings;
    int codes[HR_MAX_OBJECTIVES], n;
    int st = parse(s->objectives, codes, &n);
    if (st)
        return st;
    for (int k = 0; k < HR_MAX_OBJECTIVES; k++)
        obj[k] = 0;
    for (int k = 0; k < n; k++) {
        double v = NAN;
        switch (codes[k]) {
        case OBJ_LOGDET:
        case OBJ_DET_ABS:
            if (r->nrows != r->ncols)
                return HR_ERROR(HR_EINVAL, "fitness.objectives: '%s' needs a square readout "
                                "matrix, X is %d x %d (allowed: logdet_gram for non-square X)",
                                objective_names[codes[k]], r->nrows, r->ncols);
            v = codes[k] == OBJ_LOGDET ? r->logdet : r->det_abs;
            break;
        case OBJ_LOGDET_GRAM: v = r->logdet_gram; break;
        case OBJ_SCORE: v = r->score_higher ? r->score : -r->score; break;
        case OBJ_SCORE_TRAIN: v = r->score_higher ? r->score_train : -r->score_train; break;
        case OBJ_RANK: v = r->kernel_rank; break;
        case OBJ_EFFECTIVE_RANK: v = r->gen_rank; break;
        case OBJ_COND: v = -log10(r->cond); break;
        }
        obj[k] = v;
    }
    return HR_OK;
}

const hr_fitness_type hr_fitness_multi = {
    .base = {.version = HR_FITNESS_VERSION, .cls = HR_CLASS_FITNESS, .name = "multi",
             .doc = "several objectives for NSGA-II (objectives: logdet score, ...); other "
                    "optimisers maximise the first",
             .params = multi_params, .flags = HR_FITNESS_NEEDS_SCORE},
    .settings_size = sizeof(multi_settings),
    .nobj = HR_MAX_OBJECTIVES,
    .compute = multi_compute,
};

int hr_fitness_objectives(const hr_section *fitness, int *nobj, const char **names)
{
    *nobj = 0;
    const hr_fitness_type *t = hr_fitness_find(fitness->kind);
    if (!t)
        return HR_ERROR(HR_EINVAL, "unknown fitness kind '%s'", fitness->kind);
    if (t != &hr_fitness_multi) {
        *nobj = t->nobj;
        for (int k = 0; names && k < t->nobj; k++)
            names[k] = t->base.name;
        return HR_OK;
    }
    int codes[HR_MAX_OBJECTIVES], n;
    int st = parse(hr_section_str(fitness, "objectives"), codes, &n);
    if (st)
        return st;
    *nobj = n;
    for (int k = 0; names && k < n; k++)
        names[k] = objective_names[codes[k]];
    return HR_OK;
}
