/* task_impl.h — internal helpers shared by the task generators (not part
 * of the public API). */
#ifndef HR_TASK_IMPL_H
#define HR_TASK_IMPL_H

#include "tasks/tasks.h"

/* Allocates a task with zeroed n_rows x n_in inputs and n_rows x n_out
 * targets, n_rows = washout + n_train + n_test. On failure returns NULL
 * and raises HR_ENOMEM (or HR_EINVAL for sizes that overflow) in the name
 * of `fn`. */
hr_task *hr__task_alloc(const char *fn, enum hr_task_kind kind, int stream, size_t n_in,
                        size_t n_out, size_t washout, size_t n_train, size_t n_test);

#endif
