/* result_weights.h — the trained linear readout of an evaluation, which
 * hr_result (reservoir/experiment.h) does not keep: refitted from the
 * result's X, targets and the ridge lambda the pipeline chose, with the same
 * routine and data, so pred = X w reproduces the result's predictions. */
#ifndef HR_RESULT_WEIGHTS_H
#define HR_RESULT_WEIGHTS_H

#include <stddef.h>

#include "reservoir/experiment.h"

/* Readout weights of result r: (ncols + bias) x nout, row-major, into *w
 * (malloc'd, caller frees), the last row the intercept if `bias` (the
 * experiment's readout.bias). r->lambda = 0 means the pipeline used least
 * squares (minimum norm), otherwise ridge with that lambda on all training
 * rows. HR_EINVAL if r has no training rows. */
int hr_result_readout_weights(const hr_result *r, int bias, double **w, size_t *rows);

#endif
