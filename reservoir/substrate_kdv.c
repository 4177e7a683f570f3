/* substrate_kdv.c — the soliton–cnoidal KdV model as a substrate. A stimulus's
 * sources become the cnoidal packets of the initial condition (amplitude eps_i,
 * wavenumber k_i = source frequency); the probes record u at the configured
 * positions every dt_out. */
#include "reservoir/substrate.h"
#include "shallowwater/kdv.h"
#include "base/status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const hr_param_spec kdv_params[] = {
    HR_NUMBER("nu", 0.333, 0, 100, "dispersion coefficient nu"),
    HR_NUMBER("length", 400, 1, 1e6, "period L of the domain"),
    HR_INT("n", 0, 0, 1 << 20, "grid points (0: solver default)"),
    HR_NUMBER("dt", 0, 0, 100, "time step (0: solver default)"),
    HR_CHOICE("scheme", "spectral|fd", "spectral", "discretisation: pseudo-spectral ETDRK4 or finite differences"),
    HR_INT("accurate", 0, 0, 1, "1: the converged (slower) setting"),
    HR_NUMBER("rho", 1, -100, 100, "background level rho"),
    HR_NUMBER("phi", 1, 0, 100, "soliton height phi"),
    HR_NUMBER("ks", 0.5, 1e-6, 100, "soliton wavenumber ks"),
    HR_NUMBER("delta", 20, 1e-6, 1e6, "packet width delta"),
    HR_NUMBER("delay_factor", 12.75, -1e6, 1e6, "delay = delay_factor * v, v = (3 rho + 2 phi - 12 nu ks^2) / 3"),
    HR_LIST("probe", 0, 1e6, 64, "probe positions in [0, length) (default: the reference's sample 640 of 1025)"),
    HR_NUMBER("dt_out", 0.1, 1e-6, 1e3, "output spacing of the traces"),
    HR_PARAMS_END,
};

typedef struct kdv_state {
    hr_kdv *solver;    /* the solver, planned once */
    hr_kdv_ic ic;      /* the initial condition without packets */
    double nu;         /* dispersion coefficient */
    double dt_out;     /* output spacing */
    int nprobes;       /* probes */
    double probes[64]; /* probe positions */
    double *u0;        /* initial field scratch (n values) */
} kdv_state;

static int kdv_open(void *state, const hr_section *set)
{
    kdv_state *k = state;
    hr_kdv_params p = hr_kdv_params_default();
    p.nu = hr_section_num(set, "nu");
    p.length = hr_section_num(set, "length");
    p.n = hr_section_int(set, "n");
    p.dt = hr_section_num(set, "dt");
    p.scheme = strcmp(hr_section_str(set, "scheme"), "fd") == 0 ? HR_KDV_FD : HR_KDV_SPECTRAL;
    p.accurate = hr_section_int(set, "accurate");
    k->nu = p.nu;
    k->dt_out = hr_section_num(set, "dt_out");

    k->ic = hr_kdv_ic_reference(p.nu);
    k->ic.rho = hr_section_num(set, "rho");
    k->ic.phi = hr_section_num(set, "phi");
    k->ic.ks = hr_section_num(set, "ks");
    k->ic.delta = hr_section_num(set, "delta");
    double v = (3 * k->ic.rho + 2 * k->ic.phi - 12 * p.nu * k->ic.ks * k->ic.ks) / 3;
    k->ic.delay = hr_section_num(set, "delay_factor") * v;

    int np;
    const double *pr = hr_section_list(set, "probe", &np);
    if (np == 0) {
        k->nprobes = 1;
        k->probes[0] = hr_kdv_reference_probe(p.length);
    } else {
        k->nprobes = np;
        for (int i = 0; i < np; i++) {
            if (pr[i] >= p.length)
                return HR_ERROR(HR_ERANGE, "substrate.probe%d = %g is outside the domain "
                                "(allowed: 0 <= probe < length = %g)", i, pr[i], p.length);
            k->probes[i] = pr[i];
        }
    }
    int st = hr_kdv_create(&k->solver, &p);
    if (st)
        return st;
    k->u0 = malloc((size_t)hr_kdv_n(k->solver) * sizeof *k->u0);
    if (!k->u0)
        return HR_ERROR(HR_ENOMEM, "out of memory for the KdV initial field");
    return HR_OK;
}

static int kdv_probes(const void *state, int *nprobes, double *dt)
{
    const kdv_state *k = state;
    *nprobes = k->nprobes;
    *dt = k->dt_out;
    return HR_OK;
}

static int kdv_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    kdv_state *k = state;
    hr_kdv_ic ic = k->ic;
    if (stim->nsources > HR_KDV_MAX_PACKETS)
        return HR_ERROR(HR_ERANGE, "the KdV substrate takes at most %d packets, the stimulus has %d",
                        HR_KDV_MAX_PACKETS, stim->nsources);
    ic.npackets = stim->nsources;
    for (int i = 0; i < stim->nsources; i++) {
        const hr_source *s = &stim->sources[i];
        if (s->nsamples > 0)
            return HR_ERROR(HR_ENOTSUP, "the KdV substrate solves initial-value problems and cannot "
                            "take a sample stream (use the tank substrate for stream encoding)");
        ic.eps[i] = s->amplitude;
        ic.k[i] = s->frequency;
    }
    int st = hr_kdv_ic_check(&ic, k->nu);
    if (st)
        return st;
    hr_kdv_ic_sample(k->solver, &ic, k->u0);
    hr_kdv_output out = {.t_end = (tr->nt - 1) * k->dt_out, .dt_out = k->dt_out,
                         .nprobes = k->nprobes, .probes = k->probes};
    if (hr_kdv_nout(out.t_end, out.dt_out) != tr->nt)
        return HR_ERROR(HR_EINVAL, "internal: trace length %d does not match t_end %g", tr->nt,
                        out.t_end);
    return hr_kdv_run(k->solver, k->u0, &out, tr->data);
}

static int kdv_probe_info(const void *state, int p, hr_probe_info *info)
{
    const kdv_state *k = state;
    info->x = k->probes[p]; /* in the model's length unit; u is dimensionless */
    return HR_OK;
}

static void kdv_close(void *state)
{
    kdv_state *k = state;
    hr_kdv_destroy(k->solver);
    free(k->u0);
    k->solver = NULL;
    k->u0 = NULL;
}

static const char *const kdv_example[] = {"n=256", "dt_out=0.5", "probe=100 250", NULL};

const hr_substrate_type hr_substrate_kdv = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "kdv",
             .doc = "soliton-cnoidal Korteweg-de Vries model of the reference study",
             .params = kdv_params},
    .state_size = sizeof(kdv_state),
    .open = kdv_open,
    .probes = kdv_probes,
    .run = kdv_run,
    .close = kdv_close,
    .probe_info = kdv_probe_info,
    .example = kdv_example,
    .example_sources = 2,
};
