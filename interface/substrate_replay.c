/* substrate_replay.c — substrate kind `replay`: a recording (recording.h)
 * served as a substrate. A stimulus is looked up among the recorded runs
 * by its parameters (hr_recording_find: same sources in maker order, every
 * parameter within `tolerance` relative) and its recorded traces are
 * returned unchanged, so a replayed evaluation gives the recorded run's
 * readout matrix and metrics bit for bit. A stimulus that is not in the
 * recording is an error naming it and the nearest recorded run, never a
 * silent zero. Deterministic: no flags. */
#include "interface/recording.h"
#include "base/status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct replay_cfg {
    char file[128];     /* the recording */
    double tolerance;   /* relative tolerance of stimulus matching */
    hr_plist probes;    /* recorded probes to serve (empty: all) */
} replay_cfg;

static const hr_param_spec replay_params[] = {
    HR_TEXT_AT(replay_cfg, file, "file", "", "the recording (HDF5, from hydrores record)"),
    HR_NUMBER_AT(replay_cfg, tolerance, "tolerance", 1e-9, 0, 1,
                 "relative tolerance when matching a stimulus's parameters to a recorded run"),
    HR_LIST_AT(replay_cfg, probes, "probes", 0, 63, 64,
               "indices of the recorded probes to serve, in order (empty: all)"),
    HR_PARAMS_END,
};

typedef struct replay_state {
    replay_cfg cfg;      /* settings */
    hr_recording *rec;   /* the recording, in memory */
    int nsel;            /* probes served */
    int sel[64];         /* their indices in the recording */
} replay_state;

static int replay_open(void *state, const hr_section *set)
{
    replay_state *k = state;
    hr_section_decode(set, &k->cfg);
    if (!k->cfg.file[0])
        return HR_ERROR(HR_EINVAL, "substrate.file is empty (allowed: a recording made by "
                        "hydrores record, e.g. results/rec/recording.h5)");
    int st = hr_recording_read(k->cfg.file, &k->rec);
    if (st == HR_EIO)
        return hr_error_prefix(HR_EINVAL, "substrate.file");
    if (st)
        return st;
    if (k->cfg.probes.n == 0) {
        k->nsel = k->rec->nprobes;
        for (int i = 0; i < k->nsel; i++)
            k->sel[i] = i;
        return HR_OK;
    }
    k->nsel = k->cfg.probes.n;
    for (int i = 0; i < k->nsel; i++) {
        double v = k->cfg.probes.v[i];
        if (v != floor(v) || v >= k->rec->nprobes)
            return HR_ERROR(HR_EINVAL, "substrate.probes%d = %g, but %s has %d probes (allowed: "
                            "whole numbers 0 .. %d)", i, v, k->cfg.file, k->rec->nprobes,
                            k->rec->nprobes - 1);
        k->sel[i] = (int)v;
    }
    return HR_OK;
}

static int replay_probes(const void *state, int *nprobes, double *dt)
{
    const replay_state *k = state;
    *nprobes = k->nsel;
    *dt = k->rec->dt;
    return HR_OK;
}

static int replay_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    replay_state *k = state;
    int i;
    char why[700];
    hr_recording_find(k->rec, stim, k->cfg.tolerance, &i, why, sizeof why);
    if (i < 0) {
        char what[1024];
        hr_stimulus_describe(stim, what, sizeof what);
        return HR_ERROR(HR_EINVAL, "the stimulus (%s) is not in the recording %s (%d runs): %s",
                        what, k->cfg.file, k->rec->nruns, why);
    }
    const hr_rec_run *run = &k->rec->runs[i];
    for (int p = 0; p < k->nsel; p++)
        memcpy(tr->data + (size_t)p * (size_t)tr->nt, run->traces + (size_t)k->sel[p] * (size_t)run->nt,
               (size_t)tr->nt * sizeof *tr->data);
    return HR_OK;
}

static int replay_probe_info(const void *state, int p, hr_probe_info *info)
{
    const replay_state *k = state;
    *info = k->rec->probes[k->sel[p]];
    return HR_OK;
}

static void replay_close(void *state)
{
    replay_state *k = state;
    hr_recording_destroy(k->rec);
    k->rec = NULL;
}

/* The contract test's instance: tests/tank/contract.h5 holds exactly the
 * runs that test sends (tests/make_contract_recording.c made it). */
static const char *const replay_example[] = {"file=tests/tank/contract.h5", NULL};

const hr_substrate_type hr_substrate_replay = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "replay",
             .doc = "recorded traces (hydrores record) served for the stimuli in the recording",
             .params = replay_params},
    .state_size = sizeof(replay_state),
    .open = replay_open,
    .probes = replay_probes,
    .run = replay_run,
    .close = replay_close,
    .probe_info = replay_probe_info,
    .example = replay_example,
    .example_sources = 2,
};
