/* readout_weights.c — the trained readout's weights, recomputed from an
 * evaluation's result (see readout_weights.h). */
#include "reservoir/readout_weights.h"
#include "base/status.h"
#include "reservoir/linreg.h"

#include <stdlib.h>
#include <string.h>

int hr_result_readout_weights(const hr_result *r, int bias, double **w)
{
    *w = NULL;
    if (!r->x || !r->y || !r->pred || r->nrows < 1 || r->ncols < 1 || r->nout < 1)
        return HR_ERROR(HR_EINVAL, "the evaluation has no trained readout (evaluate without "
                        "HR_EVAL_FITNESS_ONLY)");
    size_t m = (size_t)r->nrows, n = (size_t)r->ncols, q = (size_t)r->nout;
    size_t b = bias != 0;
    double *wts = malloc((n + b) * q * sizeof *wts), *p = malloc(m * q * sizeof *p);
    int st = wts && p ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory for the readout weights");
    if (!st)
        st = r->lambda == 0 ? hr_linreg_lstsq(r->x, m, n, r->y, q, bias, wts, NULL)
                            : hr_linreg_ridge(r->x, m, n, r->y, q, bias, r->lambda, wts);
    if (!st)
        st = hr_linreg_predict(r->x, m, n, wts, q, bias, p);
    if (!st && memcmp(p, r->pred, m * q * sizeof *p) != 0)
        st = HR_ERROR(HR_EINVAL, "the recomputed readout (lambda %g, %s intercept) does not "
                      "reproduce the evaluation's predictions: the pipeline trains its readout "
                      "differently than hr_result_readout_weights assumes", r->lambda,
                      bias ? "with" : "without");
    free(p);
    if (st) {
        free(wts);
        return st;
    }
    *w = wts;
    return HR_OK;
}
