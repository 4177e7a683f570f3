/* fitness_match.c — fitness kind `match`: how well the substrate (a
 * simulator) reproduces a recording of the real tank, minus the relative
 * RMS trace error of match.h over every run of the task (training and
 * held-out rows), so maximising it fits the simulator's physical settings
 * (depth, drag, maker and probe positions, as genes) to measurements: the
 * digital twin. The recording must come from the same experiment (task and
 * encoder, so run i is the same stimulus; `hydrores record` of it).
 * Recordings are read once per process and kept (a table guarded by a
 * mutex), so evaluations cost no file reading. */
#include "interface/match.h"
#include "base/status.h"
#include "reservoir/fitness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct match_settings {
    hr_fitness_common c; /* the settings every fitness kind has */
    char file[128];      /* the recording */
    double from;         /* compare from this time on (s) */
} match_settings;

/* The common settings (hr_fitness_params, same offsets: c is first) and
 * this kind's own, put together before main. */
static hr_param_spec match_params[40];

__attribute__((constructor)) static void build_params(void)
{
    int n = 0;
    while (hr_fitness_params[n].name && n < 36) {
        match_params[n] = hr_fitness_params[n];
        n++;
    }
    match_params[n++] = (hr_param_spec)HR_TEXT_AT(match_settings, file, "file", "",
                                                  "match: the recording to reproduce (hydrores "
                                                  "record of this experiment)");
    match_params[n++] = (hr_param_spec)HR_NUMBER_AT(match_settings, from, "from", 0, 0, 1e6,
                                                    "match: compare the traces from this time "
                                                    "on (s)");
    match_params[n] = (hr_param_spec)HR_PARAMS_END;
}

#define MAXREC 8
static struct {
    char path[128];
    hr_recording *rec;
} loaded[MAXREC];
static int nloaded;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int recording(const char *path, const hr_recording **out)
{
    pthread_mutex_lock(&lock);
    int st = HR_OK;
    *out = NULL;
    for (int i = 0; i < nloaded && !*out; i++)
        if (strcmp(loaded[i].path, path) == 0)
            *out = loaded[i].rec;
    if (!*out) {
        hr_recording *r;
        st = hr_recording_read(path, &r);
        if (st == HR_EIO)
            st = hr_error_prefix(HR_EINVAL, "fitness.file");
        if (!st && nloaded == MAXREC) {
            hr_recording_destroy(r);
            st = HR_ERROR(HR_ERANGE, "match: more than %d recordings in one process", MAXREC);
        }
        if (!st) {
            snprintf(loaded[nloaded].path, sizeof loaded[nloaded].path, "%s", path);
            loaded[nloaded].rec = r;
            *out = loaded[nloaded++].rec;
        }
    }
    pthread_mutex_unlock(&lock);
    return st;
}

static int fit_match(const void *settings, const hr_result *r, double *obj)
{
    const match_settings *m = settings;
    if (!m->file[0])
        return HR_ERROR(HR_EINVAL, "fitness.file is empty (allowed: a recording of this "
                        "experiment, from hydrores record)");
    const hr_recording *rec;
    int st = recording(m->file, &rec);
    if (st)
        return st;
    hr_match_result mr;
    if ((st = hr_match_error(rec, r->traces, r->ntraces, m->from, &mr)))
        return st;
    obj[0] = -mr.error;
    return HR_OK;
}

const hr_fitness_type hr_fitness_match = {
    .base = {.version = HR_FITNESS_VERSION,
             .cls = HR_CLASS_FITNESS,
             .name = "match",
             .doc = "minus the relative RMS error between the substrate's traces and a recording "
                    "of the same experiment (calibration: a digital twin)",
             .params = match_params,
             .flags = HR_FITNESS_NEEDS_TRACES},
    .settings_size = sizeof(match_settings),
    .nobj = 1,
    .compute = fit_match,
};
