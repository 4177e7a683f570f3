/* task_kind.h — tasks as registered kinds (class HR_CLASS_TASK of
 * base/registry.h): each kind has a settings table (section "task"), a
 * typed settings struct it decodes into, a generator and a score. Adding a
 * task: one file with its table and generator, one line in
 * interface/builtins.c. */
#ifndef HR_TASK_KIND_H
#define HR_TASK_KIND_H

#include "base/registry.h"
#include "tasks/tasks.h"

#define HR_TASK_VERSION 1

/* The table a task kind implements. */
typedef struct hr_task_type {
    hr_kind base;          /* class HR_CLASS_TASK, name, doc, settings; version HR_TASK_VERSION */
    size_t settings_size;  /* bytes of its decoded settings struct (hr_section_decode) */
    /* Makes the task from its decoded settings; deterministic (any seed is a
     * setting). HR_OK with *out owned by the caller, or a status. */
    int (*make)(const void *settings, hr_task **out);
    /* Optional: scores n rows of predictions (NULL: hr_task_score_kind of
     * the task's kind). */
    int (*score)(const hr_task *t, const double *target, const double *pred, size_t n,
                 hr_task_score *out);
} hr_task_type;

/* The settings every built-in task kind shares (section "task"). */
typedef struct hr_task_settings {
    long seed;        /* seed of the task's random inputs */
    int repetitions;  /* xnor: noisy repetitions held out */
    double noise;     /* xnor: input noise std */
    int heldout;      /* digits: 1 = score on the midpoints */
    int train, test, washout; /* time series: rows */
    int kmax;         /* memory: largest delay */
    double bound;     /* narma10: |y| above this counts as diverged */
    int redraws;      /* narma10: redraws of a diverged input sequence */
    int horizon;      /* mackey-glass: steps ahead to predict */
} hr_task_settings;

/* The shared settings table of the built-in task kinds. */
extern const hr_param_spec hr_task_params[];

/* Registers a task kind (checks version and operations). */
int hr_task_type_register(const hr_task_type *t);

/* The kind `name`, or NULL. */
const hr_task_type *hr_task_type_find(const char *name);

/* Makes the task of section `settings` (its kind's generator on the decoded
 * settings). */
int hr_task_make(const hr_section *settings, hr_task **out);

/* Scores through the kind's score (or by task kind). */
int hr_task_type_score(const hr_task_type *type, const hr_task *t, const double *target,
                       const double *pred, size_t n, hr_task_score *out);

#endif
