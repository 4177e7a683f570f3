/* make_contract_recording.c — writes tests/tank/contract.h5, the recording
 * the replay substrate's example settings serve in the substrate contract
 * test (tests/test_substrates.c): that test's example stimulus for two
 * sources (amplitudes 0.1 + 0.05 i, frequencies 0.35 + 0.2 i, phases 0.3 i)
 * and the same with source 0's amplitude times 1.5, each run on the 1D test
 * tank of tests/tank/tiny.xml (spacing 0.02 s) to 1 s, which covers the
 * contract's runs (20.385 and 40.77 output steps). Regenerate with
 *     build/tests/make_contract_recording tests/tank/contract.h5
 * from the repository root. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "interface/recording.h"

static hr_stimulus example(double scale0)
{
    hr_stimulus st;
    memset(&st, 0, sizeof st);
    st.nsources = 2;
    for (int i = 0; i < 2; i++) {
        st.sources[i].index = i;
        st.sources[i].amplitude = 0.1 + 0.05 * i;
        st.sources[i].frequency = 0.35 + 0.2 * i;
        st.sources[i].phase = 0.3 * i;
    }
    st.sources[0].amplitude *= scale0;
    st.t_end = 1.0;
    return st;
}

int main(int argc, char **argv)
{
    hr_init();
    const char *out = argc > 1 ? argv[1] : "tests/tank/contract.h5";
    static const char *const set[] = {"nx=50", "ny=1", "lx=1", "ly=0.1", "depth=0.05",
                                      "drag=0.05", "east=sponge", "sponge_width=0.15",
                                      "maker_x=0.15 0.25", "maker_sigma=0.03 0.03",
                                      "probe_x=0.5 0.7", "dt_out=0.02", NULL};
    const hr_substrate_type *t = hr_substrate_lookup("tank", NULL, 0);
    hr_section *s = hr_section_create("substrate", "tank", t->base.params);
    for (const char *const *kv = set; *kv; kv++) {
        char name[32];
        const char *eq = strchr(*kv, '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - *kv), *kv);
        hr_section_set_text(s, name, eq + 1, "contract", 0);
    }
    hr_substrate *sub;
    hr_recording *rec = NULL;
    int st = hr_substrate_open(&sub, s);
    if (!st)
        st = hr_recording_create(&rec, 2, 0.02);
    const double scales[2] = {1, 1.5};
    for (int i = 0; i < 2 && !st; i++) {
        hr_stimulus stim = example(scales[i]);
        hr_traces tr;
        st = hr_substrate_run(sub, &stim, &tr);
        if (!st)
            st = hr_recording_add(rec, &stim, tr.data, tr.nt, NULL, 1, 1, NAN);
        if (!st)
            free(tr.data);
    }
    if (!st) {
        snprintf(rec->experiment, sizeof rec->experiment, "substrate contract");
        snprintf(rec->substrate_kind, sizeof rec->substrate_kind, "tank");
        for (int p = 0; p < 2; p++) {
            rec->probes[p].x = p ? 0.7 : 0.5;
            rec->probes[p].y = 0.05;
        }
        snprintf(rec->created, sizeof rec->created, "2026-12-02T00:00:00Z");
        st = hr_recording_write(rec, out);
    }
    if (st)
        fprintf(stderr, "make_contract_recording: %s\n", hr_error_message());
    hr_recording_destroy(rec);
    hr_substrate_close(sub);
    hr_section_destroy(s);
    return st ? 1 : 0;
}
