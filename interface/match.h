/* match.h — how well traces reproduce a recording (the digital twin's
 * error): the relative root-mean-square error over every run, probe and
 * sample of the common time span from `from` on,
 *
 *     E = sqrt( sum (s - r)^2 / sum r^2 ),
 *
 * s the simulated and r the recorded traces. Run i of the traces is compared
 * with run i of the recording (hydrores record stores the runs in the order
 * the pipeline makes them: task rows, training then held-out). Simulated
 * traces at another spacing are resampled to the recording's
 * (resample.h, band-limited). E is 0 for a perfect twin and 1 for traces
 * that are all zero; measurement noise of standard deviation sigma puts a
 * floor of about sigma / rms(r) under it. */
#ifndef HR_MATCH_H
#define HR_MATCH_H

#include "interface/recording.h"

/* What a comparison gives. */
typedef struct hr_match_result {
    double error;    /* E, the relative RMS error */
    double rms;      /* RMS of (s - r), in the recording's units */
    long samples;    /* samples compared (runs x probes x times) */
    int nruns;       /* runs compared */
} hr_match_result;

/* Compares ntr simulated runs with the recording. HR_EINVAL (with what
 * differs) if the number of runs or probes differs, a run is shorter than
 * `from`, or nothing is compared; HR_ENOMEM. */
int hr_match_error(const hr_recording *rec, const hr_traces *tr, int ntr, double from,
                   hr_match_result *out);

#endif
