/* encoder.h — turns one input sample into a stimulus (a list of wave
 * sources). Kinds:
 *   amplitude  source i has amplitude low_i + (high_i - low_i) x_i, frequency freq_i
 *   frequency  source i has frequency low_i + (high_i - low_i) x_i, amplitude amp_i
 *   phase      source i has phase low_i + (high_i - low_i) x_i, amplitude amp_i, frequency freq_i
 *   digits     the 6 decimal digits d_j of x (reference regression): source j has
 *              amplitude scale_j d_j and frequency freq_j
 *   stream     a time series drives every source: source i plays
 *              amp_i (low_0 + (high_0 - low_0) u(s)) sample by sample, `step` apart
 * "frequency" is a KdV packet's wavenumber or a tank wave maker's frequency (Hz).
 * With abs = 1 (default) amplitudes are taken in absolute value, as the
 * reference study does (|g/2 - 1e-10|). */
#ifndef HR_ENCODER_H
#define HR_ENCODER_H

#include "base/params.h"
#include "reservoir/substrate.h"

enum hr_encoder_kind {
    HR_ENC_AMPLITUDE,
    HR_ENC_FREQUENCY,
    HR_ENC_PHASE,
    HR_ENC_DIGITS,
    HR_ENC_STREAM
};

/* The settings table shared by all encoder kinds (section "encoder"). */
extern const hr_param_spec hr_encoder_params[];

/* The allowed encoder kinds, "amplitude|frequency|phase|digits|stream". */
#define HR_ENCODER_KINDS "amplitude|frequency|phase|digits|stream"

/* Parses a kind name; returns -1 if unknown. */
int hr_encoder_kind_parse(const char *name);

/* Checks that the settings fit `ninputs` input dimensions (e.g. amplitude
 * encoding needs low and high with one value per input). */
int hr_encoder_check(const hr_section *enc, int ninputs);

/* Encodes one input sample (ninputs values) into *stim (t_end left 0 for
 * the caller). For stream encoding `input` is the whole series of `ninputs`
 * samples and `work` (ninputs doubles, caller-owned, must outlive the
 * stimulus) receives the mapped series. */
int hr_encoder_encode(const hr_section *enc, const double *input, int ninputs, double *work,
                      hr_stimulus *stim);

#endif
