/* match.c — the trace error between a simulation and a recording
 * (match.h). */
#include "interface/match.h"
#include "interface/resample.h"
#include "base/status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int hr_match_error(const hr_recording *rec, const hr_traces *tr, int ntr, double from,
                   hr_match_result *out)
{
    memset(out, 0, sizeof *out);
    if (ntr != rec->nruns)
        return HR_ERROR(HR_EINVAL, "match: the evaluation made %d runs, the recording has %d "
                        "(allowed: the recording's experiment: same task and encoder)", ntr,
                        rec->nruns);
    double se = 0, sr = 0;
    long n = 0;
    double *buf = NULL;
    size_t cap = 0;
    for (int i = 0; i < ntr; i++) {
        const hr_traces *s = &tr[i];
        const hr_rec_run *r = &rec->runs[i];
        if (s->nprobes != rec->nprobes) {
            free(buf);
            return HR_ERROR(HR_EINVAL, "match: run %d has %d probes, the recording %d", i,
                            s->nprobes, rec->nprobes);
        }
        /* The simulated traces on the recording's time grid. */
        const double *sim = s->data;
        int ns = s->nt;
        if (s->dt != rec->dt) {
            ns = (int)floor((s->nt - 1) * s->dt / rec->dt + 1e-9) + 1;
            size_t need = (size_t)ns * (size_t)s->nprobes;
            if (need > cap) {
                double *b = realloc(buf, need * sizeof *b);
                if (!b) {
                    free(buf);
                    return HR_ERROR(HR_ENOMEM, "out of memory");
                }
                buf = b;
                cap = need;
            }
            for (int p = 0; p < s->nprobes; p++)
                hr_resample(s->data + (size_t)p * (size_t)s->nt, s->nt, 1, s->dt,
                            buf + (size_t)p * (size_t)ns, ns, 1, rec->dt, HR_RESAMPLE_SINC);
            sim = buf;
        }
        int k0 = (int)ceil(from / rec->dt - 1e-9), k1 = ns < r->nt ? ns : r->nt;
        if (k0 >= k1) {
            free(buf);
            return HR_ERROR(HR_EINVAL, "match: run %d has nothing after from = %g s (%d simulated "
                            "and %d recorded samples of %g s)", i, from, ns, r->nt, rec->dt);
        }
        for (int p = 0; p < s->nprobes; p++)
            for (int k = k0; k < k1; k++) {
                double a = sim[(size_t)p * (size_t)ns + (size_t)k];
                double b = r->traces[(size_t)p * (size_t)r->nt + (size_t)k];
                se += (a - b) * (a - b);
                sr += b * b;
                n++;
            }
    }
    free(buf);
    if (n == 0 || !(sr > 0))
        return HR_ERROR(HR_EINVAL, "match: the recording is zero over the compared span (nothing "
                        "to match)");
    out->error = sqrt(se / sr);
    out->rms = sqrt(se / (double)n);
    out->samples = n;
    out->nruns = ntr;
    return HR_OK;
}
