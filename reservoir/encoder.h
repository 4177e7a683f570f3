/* encoder.h — turns one input sample into a stimulus (a list of wave
 * sources). Encoders are registered kinds (class HR_CLASS_ENCODER of
 * base/registry.h); the built-in ones share one settings table:
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
#include "base/registry.h"
#include "reservoir/substrate.h"

#define HR_ENCODER_VERSION 1

enum hr_encoder_kind {
    HR_ENC_AMPLITUDE,
    HR_ENC_FREQUENCY,
    HR_ENC_PHASE,
    HR_ENC_DIGITS,
    HR_ENC_STREAM
};

/* Capability flags of an encoder kind (hr_kind.flags). */
enum hr_encoder_flags {
    /* The encoder takes a whole time series (every row of a stream task) and
     * makes one stimulus of it, instead of one stimulus per sample. */
    HR_ENCODER_STREAM = 1u << 0,
};

/* The decoded settings the built-in encoders share. */
typedef struct hr_encoder_settings {
    hr_plist amp, freq, phase; /* fixed amplitude, frequency, phase per source */
    hr_plist low, high;        /* modulated quantity at input 0 and 1, per input */
    hr_plist scale;            /* digits: amplitude per unit of digit j */
    hr_plist start, duration;  /* tank timing per source (s) */
    double ramp;               /* tank: on/off ramp (s) */
    double step;               /* stream: time per input sample (s) */
    int abs;                   /* 1: amplitudes in absolute value */
} hr_encoder_settings;

/* The table an encoder kind implements. */
typedef struct hr_encoder_type {
    hr_kind base;          /* class HR_CLASS_ENCODER; flags hr_encoder_flags;
                              version HR_ENCODER_VERSION */
    size_t settings_size;  /* bytes of its decoded settings struct */
    /* Checks that the settings fit `ninputs` input dimensions. */
    int (*check)(const void *settings, int ninputs);
    /* Encodes one input sample (ninputs values; for a stream encoder the whole
     * series of ninputs samples, mapped into `work`, caller-owned, ninputs
     * doubles, which must outlive the stimulus) into *stim (t_end left 0). */
    int (*encode)(const void *settings, const double *input, int ninputs, double *work,
                  hr_stimulus *stim);
    /* Optional: the time one input sample occupies in a stream (s); 0 for
     * per-sample encoders. */
    double (*step)(const void *settings);
} hr_encoder_type;

/* The settings table shared by the built-in encoder kinds (section "encoder"). */
extern const hr_param_spec hr_encoder_params[];

/* Registers an encoder kind (checks version and operations). */
int hr_encoder_register(const hr_encoder_type *t);

/* The kind `name`, or NULL. */
const hr_encoder_type *hr_encoder_find(const char *name);

/* Parses a built-in kind name; returns -1 if unknown. */
int hr_encoder_kind_parse(const char *name);

/* Checks that the settings fit `ninputs` input dimensions (e.g. amplitude
 * encoding needs low and high with one value per input). */
int hr_encoder_check(const hr_section *enc, int ninputs);

/* Decodes the section and encodes (see hr_encoder_type.encode). The
 * pipeline decodes once per evaluation and calls the type directly. */
int hr_encoder_encode(const hr_section *enc, const double *input, int ninputs, double *work,
                      hr_stimulus *stim);

#endif
