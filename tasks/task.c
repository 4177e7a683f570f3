/* task.c — the task table: allocation, row access, kind names, scoring. */
#include "tasks/tasks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "tasks/score.h"
#include "tasks/task_impl.h"

static const char *const kind_names[HR_TASK_KIND_COUNT] = {
    [HR_TASK_XNOR] = "xnor",
    [HR_TASK_DIGITS] = "digits",
    [HR_TASK_NARMA10] = "narma10",
    [HR_TASK_MEMORY] = "memory",
    [HR_TASK_MACKEY_GLASS] = "mackey-glass",
};

hr_task *hr__task_alloc(const char *fn, enum hr_task_kind kind, int stream, size_t n_in,
                        size_t n_out, size_t washout, size_t n_train, size_t n_test)
{
    size_t lim = SIZE_MAX / sizeof(double);
    if (washout > lim || n_train > lim - washout || n_test > lim - washout - n_train) {
        HR_ERROR(HR_EINVAL, "%s: washout + n_train + n_test = %zu + %zu + %zu overflows", fn,
                 washout, n_train, n_test);
        return NULL;
    }
    size_t rows = washout + n_train + n_test;
    if ((n_in && rows > lim / n_in) || (n_out && rows > lim / n_out)) {
        HR_ERROR(HR_EINVAL, "%s: %zu rows of %zu inputs and %zu targets is too large", fn,
                 rows, n_in, n_out);
        return NULL;
    }
    hr_task *t = calloc(1, sizeof *t);
    if (t) {
        t->input = calloc(rows * n_in + 1, sizeof *t->input);
        t->target = calloc(rows * n_out + 1, sizeof *t->target);
    }
    if (!t || !t->input || !t->target) {
        hr_task_free(t);
        HR_ERROR(HR_ENOMEM, "%s: cannot allocate a task of %zu rows", fn, rows);
        return NULL;
    }
    t->kind = kind;
    t->stream = stream;
    t->n_in = n_in;
    t->n_out = n_out;
    t->washout = washout;
    t->n_train = n_train;
    t->n_test = n_test;
    t->n_rows = rows;
    return t;
}

void hr_task_free(hr_task *t)
{
    if (!t)
        return;
    free(t->input);
    free(t->target);
    free(t);
}

const double *hr_task_train_input(const hr_task *t)
{
    return t->input + t->washout * t->n_in;
}

const double *hr_task_train_target(const hr_task *t)
{
    return t->target + t->washout * t->n_out;
}

const double *hr_task_test_input(const hr_task *t)
{
    return t->input + (t->washout + t->n_train) * t->n_in;
}

const double *hr_task_test_target(const hr_task *t)
{
    return t->target + (t->washout + t->n_train) * t->n_out;
}

const char *hr_task_kind_name(enum hr_task_kind kind)
{
    if ((int)kind < 0 || kind >= HR_TASK_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

int hr_task_kind_parse(const char *name, enum hr_task_kind *kind)
{
    if (!kind)
        return HR_ERROR(HR_EINVAL, "hr_task_kind_parse: kind is NULL");
    for (int k = 0; name && k < HR_TASK_KIND_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0) {
            *kind = (enum hr_task_kind)k;
            return HR_OK;
        }
    return HR_ERROR(HR_EINVAL,
                    "task kind \"%s\" is unknown (allowed: xnor, digits, narma10, memory, "
                    "mackey-glass)",
                    name ? name : "(null)");
}

int hr_task_score_kind(enum hr_task_kind kind, const double *target, const double *pred,
                       size_t n, size_t n_out, hr_task_score *out)
{
    static const char fn[] = "hr_task_score_kind";
    if (!out)
        return HR_ERROR(HR_EINVAL, "%s: out is NULL", fn);
    if ((int)kind < 0 || kind >= HR_TASK_KIND_COUNT)
        return HR_ERROR(HR_EINVAL, "%s: kind = %d must be in [0, %d]", fn, (int)kind,
                        HR_TASK_KIND_COUNT - 1);
    if (kind != HR_TASK_MEMORY && n_out != 1)
        return HR_ERROR(HR_EINVAL, "%s: n_out = %zu must be 1 for task %s", fn, n_out,
                        hr_task_kind_name(kind));
    hr_task_score s = {0};
    int st;
    switch (kind) {
    case HR_TASK_XNOR:
        s.name = "accuracy";
        s.higher_is_better = 1;
        st = hr_score_accuracy(target, pred, n, 1, HR_ACC_BINARY, &s.value);
        break;
    case HR_TASK_MEMORY:
        s.name = "mc";
        s.higher_is_better = 1;
        st = hr_task_memory_capacity(target, pred, n, n_out, &s.value, NULL);
        break;
    default:
        s.name = "nrmse";
        s.higher_is_better = 0;
        st = hr_score_nrmse(target, pred, n, &s.value);
        break;
    }
    if (st)
        return hr_error_prefix(st, "%s: task %s", fn, hr_task_kind_name(kind));
    *out = s;
    return HR_OK;
}

int hr_task_score_test(const hr_task *t, const double *pred, hr_task_score *out)
{
    if (!t)
        return HR_ERROR(HR_EINVAL, "hr_task_score_test: task is NULL");
    if (t->n_test == 0)
        return HR_ERROR(HR_EINVAL, "hr_task_score_test: task %s has no held-out rows",
                        hr_task_kind_name(t->kind));
    return hr_task_score_kind(t->kind, hr_task_test_target(t), pred, t->n_test, t->n_out,
                              out);
}
