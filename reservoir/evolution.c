/* evolution.c — an experiment's evolution: optimiser configuration,
 * descriptors, and the per-genome fitness over one worker per thread. */
#include "reservoir/evolution.h"
#include "base/status.h"
#include "evolve/settings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct hr_evolution {
    hr_experiment *e;      /* the experiment (copy) */
    hr_evo_setup setup;    /* optimiser configuration and its storage */
    hr_worker **workers;   /* one per thread */
    int nthreads;
    int descriptor;        /* 0: (mean, std) of genes; 1: of the encoded amplitudes */
    int ndgenes;           /* genes whose (mean, std) are the descriptors */
    int dgenes[HR_MAX_GENES];
};

/* Population mean and standard deviation (numpy's default, ddof = 0). */
static void mean_std(const double *v, int n, double *mean, double *std)
{
    double m = 0, s = 0;
    for (int i = 0; i < n; i++)
        m += v[i];
    m /= n > 0 ? n : 1;
    for (int i = 0; i < n; i++)
        s += (v[i] - m) * (v[i] - m);
    *mean = m;
    *std = sqrt(s / (n > 0 ? n : 1));
}

int hr_evolution_eval(void *ctx, int worker, const double *genome, double *fitness, double *desc)
{
    hr_evolution *c = ctx;
    hr_worker *w = c->workers[worker];
    hr_result r;
    int st = hr_worker_evaluate(w, genome, HR_EVAL_FITNESS_ONLY, &r);
    int nobj = c->setup.cfg.nobj;
    for (int k = 0; k < nobj; k++)
        fitness[k] = st ? -INFINITY : k < r.nobj ? r.objectives[k] : NAN;
    if (!st && r.fitness == -INFINITY)
        st = HR_ERROR(HR_ESINGULAR, "the readout matrix X (%d x %d) is singular, rank %.0f (e.g. "
                      "two readout times in the same output sample, or two equal patterns)",
                      r.nrows, r.ncols, r.kernel_rank);
    if (!st && r.nobj < nobj)
        st = HR_ERROR(HR_EINVAL, "the fitness gives %d objectives, the optimiser needs %d",
                      r.nobj, nobj);
    hr_result_free(&r);
    if (st || !desc)
        return st;
    if (c->descriptor == 0) {
        double v[HR_MAX_GENES];
        for (int i = 0; i < c->ndgenes; i++)
            v[i] = genome[c->dgenes[i]];
        mean_std(v, c->ndgenes, &desc[0], &desc[1]);
        return HR_OK;
    }
    double amps[4096];
    int n = 0;
    st = hr_worker_amplitudes(w, amps, 4096, &n);
    if (!st)
        mean_std(amps, n, &desc[0], &desc[1]);
    return st;
}

int hr_evolution_create(hr_evolution **out, const hr_experiment *e, int nthreads)
{
    *out = NULL;
    int nga = 0;
    for (int i = 0; i < e->ngenes; i++)
        nga += e->genes[i].section >= 0;
    if (nga == 0)
        return HR_ERROR(HR_EINVAL, "the experiment declares no genes with a target (allowed: "
                        "<genes> with at least one <gene target=...>)");
    if (nthreads < 1)
        return HR_ERROR(HR_EINVAL, "%d evaluation threads (allowed: >= 1)", nthreads);
    hr_evolution *ev = calloc(1, sizeof *ev);
    if (!ev)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    ev->e = hr_experiment_clone(e);
    ev->workers = calloc((size_t)nthreads, sizeof *ev->workers);
    int st = ev->e && ev->workers ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory");
    if (!st)
        st = hr_experiment_complete(ev->e);
    const hr_section *sec = st ? NULL : ev->e->sec[HR_SEC_EVOLVE];
    if (!st)
        st = hr_evo_setup_from(&ev->setup, sec, e->ngenes);
    if (!st && ev->setup.cfg.ndesc > 0 && hr_section_find(sec, "descriptor") >= 0) {
        /* The built-in descriptors: (mean, std) of genes or amplitudes. */
        hr_evo_settings s;
        hr_section_decode(sec, &s);
        ev->descriptor = s.descriptor;
        for (int i = 0; i < s.descriptor_genes.n && !st; i++) {
            int g = (int)s.descriptor_genes.v[i];
            if (g >= e->ngenes)
                st = HR_ERROR(HR_EINVAL, "evolve.descriptor_genes%d = %d, but there are %d genes "
                              "(allowed: 0 .. %d)", i, g, e->ngenes, e->ngenes - 1);
            ev->dgenes[i] = g;
        }
        ev->ndgenes = s.descriptor_genes.n;
        if (!ev->descriptor && ev->ndgenes == 0) {
            ev->ndgenes = e->ngenes;
            for (int i = 0; i < e->ngenes; i++)
                ev->dgenes[i] = i;
        }
    }
    if (!st)
        st = hr_evo_config_check(&ev->setup.cfg);
    ev->nthreads = nthreads;
    /* Workers serially: substrates make FFT plans, drivers start processes. */
    for (int i = 0; i < nthreads && !st; i++)
        st = hr_worker_create_peer(&ev->workers[i], ev->e, i ? ev->workers[0] : NULL);
    if (st) {
        hr_evolution_destroy(ev);
        return st;
    }
    *out = ev;
    return HR_OK;
}

void hr_evolution_destroy(hr_evolution *ev)
{
    if (!ev)
        return;
    for (int i = 0; ev->workers && i < ev->nthreads; i++)
        hr_worker_destroy(ev->workers[i]);
    free(ev->workers);
    hr_experiment_destroy(ev->e);
    free(ev);
}

const hr_evo_config *hr_evolution_config(const hr_evolution *ev) { return &ev->setup.cfg; }

hr_evo_evaluator hr_evolution_evaluator(hr_evolution *ev)
{
    hr_evo_evaluator e = {.eval = hr_evolution_eval, .ctx = ev, .nthreads = ev->nthreads};
    return e;
}

hr_worker *hr_evolution_worker(hr_evolution *ev, int i) { return ev->workers[i]; }
int hr_evolution_nthreads(const hr_evolution *ev) { return ev->nthreads; }
