/* result_weights.c — the trained readout refitted from a result (the same
 * call the pipeline's training ends with: least squares for lambda = 0,
 * ridge with the chosen lambda otherwise). */
#include "reservoir/result_weights.h"
#include "base/status.h"
#include "reservoir/metrics.h"

#include <stdlib.h>

int hr_result_readout_weights(const hr_result *r, int bias, double **w, size_t *rows)
{
    *w = NULL;
    *rows = 0;
    if (!r->x || r->nrows < 1 || r->ncols < 1 || r->nout < 1)
        return HR_ERROR(HR_EINVAL, "the result has no trained readout (%d rows, %d columns, %d "
                        "outputs)", r->nrows, r->ncols, r->nout);
    size_t m = (size_t)r->nrows, n = (size_t)r->ncols, q = (size_t)r->nout;
    size_t p = n + (bias ? 1 : 0);
    double *wt = malloc(p * q * sizeof *wt);
    if (!wt)
        return HR_ERROR(HR_ENOMEM, "out of memory for %zu x %zu readout weights", p, q);
    int st;
    if (r->lambda == 0) {
        size_t rank;
        st = hr_linreg_lstsq(r->x, m, n, r->y, q, bias, wt, &rank);
    } else {
        st = hr_linreg_ridge(r->x, m, n, r->y, q, bias, r->lambda, wt);
    }
    if (st) {
        free(wt);
        return st;
    }
    *w = wt;
    *rows = p;
    return HR_OK;
}
