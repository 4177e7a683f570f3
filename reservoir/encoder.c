/* encoder.c — input samples to stimuli. */
#include "reservoir/encoder.h"
#include "base/status.h"
#include "tasks/tasks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E hr_encoder_settings
const hr_param_spec hr_encoder_params[] = {
    HR_LIST_AT(E, amp, "amp", -100, 100, HR_STIMULUS_MAX_SOURCES,
               "fixed amplitude per source (frequency, phase, stream)"),
    HR_LIST_AT(E, freq, "freq", 0, 1e4, HR_STIMULUS_MAX_SOURCES,
               "fixed frequency per source: KdV wavenumber or tank Hz (amplitude, phase, digits)"),
    HR_LIST_AT(E, phase, "phase", -1e4, 1e4, HR_STIMULUS_MAX_SOURCES,
               "fixed phase per source (rad)"),
    HR_LIST_AT(E, low, "low", -1e4, 1e4, HR_STIMULUS_MAX_SOURCES,
               "modulated quantity at input 0, per input dimension"),
    HR_LIST_AT(E, high, "high", -1e4, 1e4, HR_STIMULUS_MAX_SOURCES,
               "modulated quantity at input 1, per input dimension"),
    HR_LIST_AT(E, scale, "scale", 0, 100, HR_STIMULUS_MAX_SOURCES,
               "digits: amplitude per unit of digit j"),
    HR_LIST_AT(E, start, "start", 0, 1e6, HR_STIMULUS_MAX_SOURCES,
               "tank: switch-on time per source (s)"),
    HR_LIST_AT(E, duration, "duration", 0, 1e6, HR_STIMULUS_MAX_SOURCES,
               "tank: on-time per source (s, 0: to the end)"),
    HR_NUMBER_AT(E, ramp, "ramp", 0, 0, 1e6, "tank: smooth on/off ramp (s)"),
    HR_NUMBER_AT(E, step, "step", 0.5, 1e-6, 1e6, "stream: time per input sample (s)"),
    HR_INT_AT(E, abs, "abs", 1, 0, 1, "1: amplitudes in absolute value (reference)"),
    HR_PARAMS_END,
};
#undef E

static const char *const kind_names[] = {"amplitude", "frequency", "phase", "digits", "stream"};

int hr_encoder_kind_parse(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

static int need_len(const hr_plist *l, const char *name, int n, const char *why)
{
    if (l->n < n)
        return HR_ERROR(HR_EINVAL, "encoder.%s has %d values but %s needs %d (allowed: %d or more "
                        "values)", name, l->n, why, n, n);
    return HR_OK;
}

static void why_text(char *why, size_t size, const char *kind, int ninputs)
{
    snprintf(why, size, "%s encoding of %d input%s", kind, ninputs, ninputs == 1 ? "" : "s");
}

/* The settings each modulated kind needs, beyond low and high per input. */
static int check_modulated(const hr_encoder_settings *e, int ninputs, const char *kind,
                           int need_amp, int need_freq)
{
    char why[96];
    why_text(why, sizeof why, kind, ninputs);
    int st;
    if ((st = need_len(&e->low, "low", ninputs, why)) ||
        (st = need_len(&e->high, "high", ninputs, why)))
        return st;
    if (need_amp && (st = need_len(&e->amp, "amp", ninputs, why)))
        return st;
    if (need_freq && (st = need_len(&e->freq, "freq", ninputs, why)))
        return st;
    return HR_OK;
}

static int check_amplitude(const void *s, int n) { return check_modulated(s, n, "amplitude", 0, 1); }
static int check_frequency(const void *s, int n) { return check_modulated(s, n, "frequency", 1, 0); }
static int check_phase(const void *s, int n) { return check_modulated(s, n, "phase", 1, 1); }

static int check_digits(const void *settings, int ninputs)
{
    const hr_encoder_settings *e = settings;
    if (ninputs != 1)
        return HR_ERROR(HR_EINVAL, "digits encoding takes one input per sample, the task has %d",
                        ninputs);
    char why[96];
    why_text(why, sizeof why, "digits", ninputs);
    int st = need_len(&e->scale, "scale", HR_DIGITS_COUNT, why);
    return st ? st : need_len(&e->freq, "freq", HR_DIGITS_COUNT, why);
}

static int check_stream(const void *settings, int ninputs)
{
    const hr_encoder_settings *e = settings;
    if (e->amp.n < 1)
        return HR_ERROR(HR_EINVAL, "stream encoding needs encoder.amp with one gain per wave "
                        "maker (allowed: 1 .. %d values)", HR_STIMULUS_MAX_SOURCES);
    char why[96];
    why_text(why, sizeof why, "stream", ninputs);
    int st = need_len(&e->low, "low", 1, why);
    return st ? st : need_len(&e->high, "high", 1, why);
}

static void tank_timing(const hr_encoder_settings *e, int i, hr_source *s)
{
    s->start = i < e->start.n ? e->start.v[i] : 0;
    s->duration = i < e->duration.n ? e->duration.v[i] : 0;
    s->ramp = e->ramp;
}

static int encode_digits(const void *settings, const double *input, int ninputs, double *work,
                         hr_stimulus *stim)
{
    const hr_encoder_settings *e = settings;
    int st = check_digits(e, ninputs);
    if (st)
        return st;
    int digits[HR_DIGITS_COUNT];
    memset(stim, 0, sizeof *stim);
    if ((st = hr_task_digits_of(input[0], digits)))
        return st;
    stim->nsources = HR_DIGITS_COUNT;
    for (int j = 0; j < HR_DIGITS_COUNT; j++) {
        hr_source *s = &stim->sources[j];
        s->index = j;
        s->amplitude = e->scale.v[j] * digits[j];
        s->frequency = e->freq.v[j];
        s->phase = j < e->phase.n ? e->phase.v[j] : 0;
        tank_timing(e, j, s);
    }
    return HR_OK;
}

static int encode_stream(const void *settings, const double *input, int ninputs, double *work,
                         hr_stimulus *stim)
{
    const hr_encoder_settings *e = settings;
    int st = check_stream(e, ninputs);
    if (st)
        return st;
    memset(stim, 0, sizeof *stim);
    for (int k = 0; k < ninputs; k++)
        work[k] = e->low.v[0] + (e->high.v[0] - e->low.v[0]) * input[k];
    stim->nsources = e->amp.n;
    for (int i = 0; i < e->amp.n; i++) {
        hr_source *s = &stim->sources[i];
        s->index = i;
        s->amplitude = e->amp.v[i];
        s->nsamples = ninputs;
        s->samples = work;
        s->sample_dt = e->step;
        tank_timing(e, i, s);
    }
    return HR_OK;
}

static double stream_step(const void *settings)
{
    return ((const hr_encoder_settings *)settings)->step;
}

/* The modulated kinds: input i sets quantity `kind` of source i. */
static int encode_modulated(const hr_encoder_settings *e, enum hr_encoder_kind kind,
                            const double *input, int ninputs, hr_stimulus *stim)
{
    if (ninputs > HR_STIMULUS_MAX_SOURCES)
        return HR_ERROR(HR_ERANGE, "%d inputs per sample (allowed: at most %d)", ninputs,
                        HR_STIMULUS_MAX_SOURCES);
    memset(stim, 0, sizeof *stim);
    stim->nsources = ninputs;
    for (int i = 0; i < ninputs; i++) {
        hr_source *s = &stim->sources[i];
        double m = e->low.v[i] + (e->high.v[i] - e->low.v[i]) * input[i];
        s->index = i;
        s->phase = i < e->phase.n ? e->phase.v[i] : 0;
        tank_timing(e, i, s);
        switch (kind) {
        case HR_ENC_AMPLITUDE:
            s->amplitude = m;
            s->frequency = e->freq.v[i];
            break;
        case HR_ENC_FREQUENCY:
            s->amplitude = e->amp.v[i];
            s->frequency = m;
            break;
        default: /* phase */
            s->amplitude = e->amp.v[i];
            s->frequency = e->freq.v[i];
            s->phase = m;
            break;
        }
        if (e->abs)
            s->amplitude = fabs(s->amplitude);
        if (s->frequency < 0)
            return HR_ERROR(HR_ERANGE, "source %d frequency %g < 0 (allowed: >= 0)", i, s->frequency);
    }
    return HR_OK;
}

#define MODULATED(name, KIND)                                                               \
    static int encode_##name(const void *settings, const double *input, int ninputs,        \
                             double *work, hr_stimulus *stim)                               \
    {                                                                                       \
        (void)work;                                                                         \
        int st = check_##name(settings, ninputs);                                           \
        return st ? st : encode_modulated(settings, KIND, input, ninputs, stim);            \
    }
MODULATED(amplitude, HR_ENC_AMPLITUDE)
MODULATED(frequency, HR_ENC_FREQUENCY)
MODULATED(phase, HR_ENC_PHASE)

#define ENCODER(kname, kdoc, kflags, chk, enc, stp)                                          \
    const hr_encoder_type hr_encoder_##kname = {                                            \
        .base = {.version = HR_ENCODER_VERSION, .cls = HR_CLASS_ENCODER, .name = #kname,    \
                 .doc = kdoc, .params = hr_encoder_params, .flags = kflags},                \
        .settings_size = sizeof(hr_encoder_settings),                                       \
        .check = chk,                                                                       \
        .encode = enc,                                                                      \
        .step = stp,                                                                        \
    }

ENCODER(amplitude, "input i sets the amplitude of source i", 0, check_amplitude,
        encode_amplitude, NULL);
ENCODER(frequency, "input i sets the frequency (KdV: wavenumber) of source i", 0,
        check_frequency, encode_frequency, NULL);
ENCODER(phase, "input i sets the phase of source i", 0, check_phase, encode_phase, NULL);
ENCODER(digits, "the reference's regression: the 6 decimal digits of x scale 6 sources", 0,
        check_digits, encode_digits, NULL);
ENCODER(stream, "a time series drives every source sample by sample (stream tasks)",
        HR_ENCODER_STREAM, check_stream, encode_stream, stream_step);

int hr_encoder_register(const hr_encoder_type *t)
{
    if (!t || t->base.cls != HR_CLASS_ENCODER)
        return HR_ERROR(HR_EINVAL, "hr_encoder_register: not an encoder table");
    if (t->base.version < 1 || t->base.version > HR_ENCODER_VERSION)
        return HR_ERROR(HR_ENOTSUP, "encoder '%s' has interface version %d (allowed: 1 .. %d)",
                        t->base.name ? t->base.name : "?", t->base.version, HR_ENCODER_VERSION);
    if (!t->check || !t->encode || !t->base.params || !t->settings_size)
        return HR_ERROR(HR_EINVAL, "encoder '%s' lacks check, encode or its settings",
                        t->base.name ? t->base.name : "?");
    return hr_kind_register(&t->base);
}

const hr_encoder_type *hr_encoder_find(const char *name)
{
    return (const hr_encoder_type *)hr_kind_find(HR_CLASS_ENCODER, name);
}

/* Looks the section's kind up and decodes it into a fresh buffer. */
static int decoded(const hr_section *enc, const hr_encoder_type **type, void **settings)
{
    const hr_kind *k;
    int st = hr_kind_lookup(HR_CLASS_ENCODER, enc->kind, &k);
    if (st)
        return st;
    *type = (const hr_encoder_type *)k;
    *settings = calloc(1, (*type)->settings_size);
    if (!*settings)
        return HR_ERROR(HR_ENOMEM, "out of memory for the encoder's settings");
    hr_section_decode(enc, *settings);
    return HR_OK;
}

int hr_encoder_check(const hr_section *enc, int ninputs)
{
    const hr_encoder_type *t;
    void *set;
    int st = decoded(enc, &t, &set);
    if (st)
        return st;
    st = t->check(set, ninputs);
    free(set);
    return st;
}

int hr_encoder_encode(const hr_section *enc, const double *input, int ninputs, double *work,
                      hr_stimulus *stim)
{
    const hr_encoder_type *t;
    void *set;
    int st = decoded(enc, &t, &set);
    if (st)
        return st;
    st = t->encode(set, input, ninputs, work, stim);
    free(set);
    return st;
}
