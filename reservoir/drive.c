/* drive.c — sampling a stimulus at a fixed step (the tank's own signal
 * definition, so a wave maker and an ESN input see the same function). */
#include "reservoir/drive.h"
#include "base/status.h"
#include "shallowwater/sw.h"

#include <math.h>
#include <string.h>

static hr_sw_signal signal_of(const hr_source *s)
{
    hr_sw_signal g = {.amplitude = s->amplitude, .frequency = s->frequency, .phase = s->phase,
                      .start = s->start, .duration = s->duration, .ramp = s->ramp,
                      .nsamples = s->nsamples, .samples = s->samples,
                      .sample_dt = s->sample_dt};
    return g;
}

double hr_source_eval(const hr_source *src, double t)
{
    hr_sw_signal g = signal_of(src);
    return hr_sw_signal_eval(&g, t);
}

int hr_stimulus_channels(const hr_stimulus *stim)
{
    int n = 0;
    for (int i = 0; i < stim->nsources; i++)
        if (stim->sources[i].index + 1 > n)
            n = stim->sources[i].index + 1;
    return n;
}

int hr_stimulus_sample(const hr_stimulus *stim, double dt, int nsteps, int nchannels, double *u)
{
    if (!(dt > 0) || !isfinite(dt) || nsteps < 0 || nchannels < 0)
        return HR_ERROR(HR_EINVAL, "sampling a stimulus: dt = %g, %d steps, %d channels (allowed: "
                        "dt > 0, steps >= 0, channels >= 0)", dt, nsteps, nchannels);
    for (int i = 0; i < stim->nsources; i++) {
        const hr_source *s = &stim->sources[i];
        if (s->index < 0 || s->index >= nchannels)
            return HR_ERROR(HR_ERANGE, "stimulus source %d drives input %d, but the substrate has "
                            "%d input%s (allowed: 0 .. %d)", i, s->index, nchannels,
                            nchannels == 1 ? "" : "s", nchannels - 1);
        hr_sw_signal g = signal_of(s);
        int st = hr_sw_signal_check(&g, i);
        if (st)
            return st;
    }
    memset(u, 0, (size_t)nsteps * (size_t)nchannels * sizeof *u);
    for (int i = 0; i < stim->nsources; i++) {
        const hr_source *s = &stim->sources[i];
        hr_sw_signal g = signal_of(s);
        for (int k = 0; k < nsteps; k++)
            u[(size_t)k * (size_t)nchannels + (size_t)s->index] += hr_sw_signal_eval(&g, k * dt);
    }
    return HR_OK;
}
