/* drive.h — a stimulus as an input sequence, which is what digital and
 * neuromorphic reservoirs (ESN, linear RNNs, Loihi-style LIF) take: the
 * signal of source i, the same s(t) a tank's wave maker i is driven with
 * (a sinusoid times its envelope, or the sample stream, shallowwater/sw.h's
 * hr_sw_signal), is sampled at t_k = k dt into channel index_i. So every
 * encoder and task that drives a tank drives these substrates too. */
#ifndef HR_DRIVE_H
#define HR_DRIVE_H

#include "reservoir/substrate.h"

/* The value of one source's signal at time t (s):
 *   amplitude * envelope(t) * sin(2 pi frequency t + phase), or
 *   amplitude * envelope(t) * stream(t) (linear interpolation of the samples
 *   at start + k sample_dt, 0 outside them) for a source with nsamples > 0. */
double hr_source_eval(const hr_source *src, double t);

/* Channels a stimulus needs: 1 + the largest source index (0 if none). */
int hr_stimulus_channels(const hr_stimulus *stim);

/* Samples the stimulus: u[k * nchannels + c] = the sum of the signals of
 * the sources with index c at t_k = k dt, for k in [0, nsteps). Channels no
 * source drives are 0. HR_ERANGE if a source index is outside
 * [0, nchannels), HR_EINVAL for dt <= 0 or nsteps < 0. */
int hr_stimulus_sample(const hr_stimulus *stim, double dt, int nsteps, int nchannels,
                       double *u);

#endif
