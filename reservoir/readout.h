/* readout.h — samples probe traces at readout times into feature rows.
 * Rules:
 *   floor   the reference's rule: the sample at index floor(t / dt)
 *           (no interpolation; t/dt computed as t * (1/dt) with 1/dt rounded
 *           to an integer when it is one, so dt = 0.1 gives floor(10 t)
 *           exactly as the reference's Python does)
 *   linear  linear interpolation between the two neighbouring samples
 *   cubic   cubic Lagrange interpolation through the four neighbouring samples
 *           (one-sided at the ends)
 * A feature row holds, probe-major, row[p * ntimes + j] = u_p(t_j). */
#ifndef HR_READOUT_H
#define HR_READOUT_H

#include "base/params.h"
#include "reservoir/substrate.h"

enum hr_readout_rule { HR_READ_FLOOR = 0, HR_READ_LINEAR = 1, HR_READ_CUBIC = 2 };

/* The decoded settings of section "readout". */
typedef struct hr_readout_settings {
    hr_plist t; /* readout times */
    int rule;   /* enum hr_readout_rule: the index of the rule's name */
    int bias;   /* 1: the trained readout has an intercept */
} hr_readout_settings;

/* The settings table of section "readout". */
extern const hr_param_spec hr_readout_params[];

/* Parses "floor" | "linear" | "cubic"; -1 if unknown. */
int hr_readout_rule_parse(const char *name);

/* The value of trace `probe` at time t (>= 0) by `rule`. HR_ERANGE if t is
 * beyond the recorded samples. */
int hr_readout_value(const hr_traces *tr, int probe, double t, enum hr_readout_rule rule,
                     double *out);

/* Fills row[p * ntimes + j] with probe p at time t0 + times[j], for all
 * probes. Row length nprobes * ntimes (+1 if bias: a final 1). */
int hr_readout_row(const hr_traces *tr, const double *times, int ntimes, double t0,
                   enum hr_readout_rule rule, int bias, double *row);

#endif
