/* metrics.h — everything a readout matrix is measured by, in one include:
 * separability (reservoir/separability.h), the trained linear readout
 * (reservoir/linreg.h) and task scores (tasks/score.h). */
#ifndef HR_METRICS_H
#define HR_METRICS_H

#include "reservoir/linreg.h"
#include "reservoir/separability.h"
#include "tasks/score.h"

#endif
