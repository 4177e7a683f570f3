/* readout_weights.h — the weights of the linear readout an evaluation
 * trained, for those who hand the readout on (hydrores export). The
 * pipeline keeps only the readout's predictions in hr_result; the weights
 * are recomputed here from the result's own training rows with the routine
 * and lambda it used (least squares when lambda is 0, else ridge), and
 * checked against the result's predictions, which they must reproduce bit
 * for bit. */
#ifndef HR_READOUT_WEIGHTS_H
#define HR_READOUT_WEIGHTS_H

#include "reservoir/experiment.h"

/* The readout weights of result r (an evaluation without
 * HR_EVAL_FITNESS_ONLY), trained with an intercept if bias != 0 (the
 * readout section's "bias"): *w (malloc'd, the caller frees) holds
 * (ncols + bias) x nout values, row j < ncols the weights of feature j,
 * row ncols the intercepts (linreg.h's layout). HR_EINVAL if the result has
 * no trained readout or the recomputed weights do not reproduce its
 * predictions exactly (the pipeline trained differently). */
int hr_result_readout_weights(const hr_result *r, int bias, double **w);

#endif
