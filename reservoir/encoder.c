/* encoder.c — input samples to stimuli. */
#include "reservoir/encoder.h"
#include "base/status.h"
#include "tasks/tasks.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const hr_param_spec hr_encoder_params[] = {
    HR_LIST("amp", -100, 100, HR_STIMULUS_MAX_SOURCES, "fixed amplitude per source (frequency, phase, stream)"),
    HR_LIST("freq", 0, 1e4, HR_STIMULUS_MAX_SOURCES, "fixed frequency per source: KdV wavenumber or tank Hz (amplitude, phase, digits)"),
    HR_LIST("phase", -1e4, 1e4, HR_STIMULUS_MAX_SOURCES, "fixed phase per source (rad)"),
    HR_LIST("low", -1e4, 1e4, HR_STIMULUS_MAX_SOURCES, "modulated quantity at input 0, per input dimension"),
    HR_LIST("high", -1e4, 1e4, HR_STIMULUS_MAX_SOURCES, "modulated quantity at input 1, per input dimension"),
    HR_LIST("scale", 0, 100, HR_STIMULUS_MAX_SOURCES, "digits: amplitude per unit of digit j"),
    HR_LIST("start", 0, 1e6, HR_STIMULUS_MAX_SOURCES, "tank: switch-on time per source (s)"),
    HR_LIST("duration", 0, 1e6, HR_STIMULUS_MAX_SOURCES, "tank: on-time per source (s, 0: to the end)"),
    HR_NUMBER("ramp", 0, 0, 1e6, "tank: smooth on/off ramp (s)"),
    HR_NUMBER("step", 0.5, 1e-6, 1e6, "stream: time per input sample (s)"),
    HR_INT("abs", 1, 0, 1, "1: amplitudes in absolute value (reference)"),
    HR_PARAMS_END,
};

static const char *const kind_names[] = {"amplitude", "frequency", "phase", "digits", "stream"};

int hr_encoder_kind_parse(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

static int need_len(const hr_section *enc, const char *name, int n, const char *why)
{
    int len;
    hr_section_list(enc, name, &len);
    if (len < n)
        return HR_ERROR(HR_EINVAL, "encoder.%s has %d values but %s needs %d (allowed: %d or more "
                        "values)", name, len, why, n, n);
    return HR_OK;
}

int hr_encoder_check(const hr_section *enc, int ninputs)
{
    int kind = hr_encoder_kind_parse(enc->kind);
    char why[96];
    snprintf(why, sizeof why, "%s encoding of %d input%s", enc->kind, ninputs,
             ninputs == 1 ? "" : "s");
    int st = HR_OK;
    switch (kind) {
    case HR_ENC_AMPLITUDE:
        if (!(st = need_len(enc, "low", ninputs, why)) && !(st = need_len(enc, "high", ninputs, why)))
            st = need_len(enc, "freq", ninputs, why);
        break;
    case HR_ENC_FREQUENCY:
        if (!(st = need_len(enc, "low", ninputs, why)) && !(st = need_len(enc, "high", ninputs, why)))
            st = need_len(enc, "amp", ninputs, why);
        break;
    case HR_ENC_PHASE:
        if (!(st = need_len(enc, "low", ninputs, why)) && !(st = need_len(enc, "high", ninputs, why)) &&
            !(st = need_len(enc, "amp", ninputs, why)))
            st = need_len(enc, "freq", ninputs, why);
        break;
    case HR_ENC_DIGITS: {
        int nd = HR_DIGITS_COUNT;
        if (ninputs != 1)
            return HR_ERROR(HR_EINVAL, "digits encoding takes one input per sample, the task has %d",
                            ninputs);
        if (!(st = need_len(enc, "scale", nd, why)))
            st = need_len(enc, "freq", nd, why);
        break;
    }
    case HR_ENC_STREAM: {
        int n;
        hr_section_list(enc, "amp", &n);
        if (n < 1)
            return HR_ERROR(HR_EINVAL, "stream encoding needs encoder.amp with one gain per wave "
                            "maker (allowed: 1 .. %d values)", HR_STIMULUS_MAX_SOURCES);
        if (!(st = need_len(enc, "low", 1, why)))
            st = need_len(enc, "high", 1, why);
        break;
    }
    default:
        return HR_ERROR(HR_EINVAL, "unknown encoder kind '%s' (allowed: amplitude, frequency, "
                        "phase, digits, stream)", enc->kind);
    }
    return st;
}

static void tank_timing(const hr_section *enc, int i, hr_source *s)
{
    int n;
    const double *v = hr_section_list(enc, "start", &n);
    s->start = i < n ? v[i] : 0;
    v = hr_section_list(enc, "duration", &n);
    s->duration = i < n ? v[i] : 0;
    s->ramp = hr_section_num(enc, "ramp");
}

int hr_encoder_encode(const hr_section *enc, const double *input, int ninputs, double *work,
                      hr_stimulus *stim)
{
    int kind = hr_encoder_kind_parse(enc->kind);
    int st = hr_encoder_check(enc, ninputs);
    if (st)
        return st;
    int n;
    const double *amp = hr_section_list(enc, "amp", &n);
    const double *freq = hr_section_list(enc, "freq", &n);
    const double *phase = hr_section_list(enc, "phase", &n);
    int nphase = n;
    const double *low = hr_section_list(enc, "low", &n);
    const double *high = hr_section_list(enc, "high", &n);
    int take_abs = hr_section_int(enc, "abs");
    memset(stim, 0, sizeof *stim);

    if (kind == HR_ENC_DIGITS) {
        int nd = HR_DIGITS_COUNT;
        int digits[HR_DIGITS_COUNT];
        const double *scale = hr_section_list(enc, "scale", &n);
        st = hr_task_digits_of(input[0], digits);
        if (st)
            return st;
        stim->nsources = nd;
        for (int j = 0; j < nd; j++) {
            hr_source *s = &stim->sources[j];
            s->index = j;
            s->amplitude = scale[j] * digits[j];
            s->frequency = freq[j];
            s->phase = j < nphase ? phase[j] : 0;
            tank_timing(enc, j, s);
        }
        return HR_OK;
    }
    if (kind == HR_ENC_STREAM) {
        int nmakers;
        hr_section_list(enc, "amp", &nmakers);
        for (int k = 0; k < ninputs; k++)
            work[k] = low[0] + (high[0] - low[0]) * input[k];
        stim->nsources = nmakers;
        for (int i = 0; i < nmakers; i++) {
            hr_source *s = &stim->sources[i];
            s->index = i;
            s->amplitude = amp[i];
            s->nsamples = ninputs;
            s->samples = work;
            s->sample_dt = hr_section_num(enc, "step");
            tank_timing(enc, i, s);
        }
        return HR_OK;
    }
    if (ninputs > HR_STIMULUS_MAX_SOURCES)
        return HR_ERROR(HR_ERANGE, "%d inputs per sample (allowed: at most %d)", ninputs,
                        HR_STIMULUS_MAX_SOURCES);
    stim->nsources = ninputs;
    for (int i = 0; i < ninputs; i++) {
        hr_source *s = &stim->sources[i];
        double m = low[i] + (high[i] - low[i]) * input[i];
        s->index = i;
        s->phase = i < nphase ? phase[i] : 0;
        tank_timing(enc, i, s);
        switch (kind) {
        case HR_ENC_AMPLITUDE:
            s->amplitude = m;
            s->frequency = freq[i];
            break;
        case HR_ENC_FREQUENCY:
            s->amplitude = amp[i];
            s->frequency = m;
            break;
        default: /* phase */
            s->amplitude = amp[i];
            s->frequency = freq[i];
            s->phase = m;
            break;
        }
        if (take_abs)
            s->amplitude = fabs(s->amplitude);
        if (s->frequency < 0)
            return HR_ERROR(HR_ERANGE, "source %d frequency %g < 0 (allowed: >= 0)", i, s->frequency);
    }
    return HR_OK;
}
