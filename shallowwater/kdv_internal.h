/* kdv_internal.h — the KdV solver object shared by kdv.c (parameters, initial
 * condition, output bookkeeping), kdv_spectral.c and kdv_fd.c. Not part of
 * the public API: only shallowwater/kdv*.c include it. */
#ifndef HR_KDV_INTERNAL_H
#define HR_KDV_INTERNAL_H

#include <complex.h> /* before fftw3.h, so fftw_complex is double complex */
#include <fftw3.h>

#include "shallowwater/kdv.h"

/* Everything a run needs beyond the solver's own arrays: the validated
 * output request and the time stepping derived from it. */
typedef struct hr_kdv__plan {
    const hr_kdv_output *out; /* the caller's request (validated) */
    int nout;                 /* output samples */
    int substeps;             /* time steps per output interval */
    double h;                 /* the step actually taken: dt_out / substeps (<= dt) */
} hr_kdv__plan;

struct hr_kdv {
    hr_kdv_params p; /* resolved parameters: n and dt filled in */
    int n;           /* grid points */
    double dx;       /* grid spacing L / n */
    double *u;       /* the field at the end of the last run (n) */
    int have_state;  /* 1 once a run has finished successfully */

    /* Probe workspace, grown on demand (never per step): per probe either
     * n/2 + 1 Fourier twiddles (spectral) or 6 Lagrange weights (FD). */
    void *probe_ws;
    size_t probe_ws_bytes;

    /* ---- spectral (kdv_spectral.c) ---- */
    int nc;                    /* complex modes n/2 + 1 */
    int cut;                   /* modes 1..cut get the nonlinear term (dealiasing) */
    fftw_plan fwd, bwd;        /* complex FFTs of n/2 points (real FFTs of n, see
                                  kdv_spectral.c), made once, executed on the
                                  solver's own arrays */
    double *wr;                /* grid work array (n), 64-byte aligned */
    double *cw;                /* one 64-byte aligned block holding the
                                  complex arrays below, each 64-byte aligned */
    double *zs;                /* packed half-size spectrum (n/2 complex) */
    double *twr;               /* e^{2 pi i m / n}, m = 0 .. n/2 (complex) */
    /* Complex arrays of nc values, interleaved (re, im): the state spectrum,
     * the current stage's spectrum, E2 v, the first stage, and the four FFTs
     * of n^2 (u - c0)^2 at the stages. */
    double *v, *tmp, *e2v, *a, *fv, *fa, *fb, *fc;
    /* ETDRK4 coefficients for step coef_h in frame `frame`: e^{Lh},
     * e^{Lh/2}, and Q, f1, f2, f3 times the nonlinear factor -i k/(2 n^2). */
    double *E, *E2, *Qg, *f1g, *f2g, *f3g;
    double coef_h;             /* step the coefficients were made for (0: none) */
    double frame;              /* background c0 they were made for (NaN: none) */

    /* ---- finite differences (kdv_fd.c) ---- */
    double *ug;                /* field with 3 ghost cells on each side (n + 6) */
    double *qg;                /* u^2 with ghost cells (n + 6) */
    double *k, *acc, *u1;      /* RK4 stage slope, accumulator, stage value (n) */
};

/* Spectral scheme (kdv_spectral.c). */
int hr_kdv__spectral_init(hr_kdv *s);
void hr_kdv__spectral_fini(hr_kdv *s);
int hr_kdv__spectral_run(hr_kdv *s, const double *u0, const hr_kdv__plan *pl,
                         double *traces);
int hr_kdv__spectral_default_n(int accurate);
double hr_kdv__spectral_default_dt(int accurate);

/* Finite-difference scheme (kdv_fd.c). */
int hr_kdv__fd_init(hr_kdv *s);
void hr_kdv__fd_fini(hr_kdv *s);
int hr_kdv__fd_run(hr_kdv *s, const double *u0, const hr_kdv__plan *pl, double *traces);
int hr_kdv__fd_default_n(int accurate);
double hr_kdv__fd_dt_limit(const hr_kdv *s, double umax);

/* Grows the probe workspace to at least `bytes`; HR_ENOMEM on failure. */
int hr_kdv__probe_ws(hr_kdv *s, size_t bytes);

/* A runaway check shared by both schemes: HR_EUNSTABLE (with a message
 * naming the time and what grew) unless var is finite and <= 4 var0 + floor. */
int hr_kdv__check_runaway(const hr_kdv *s, double t, double var, double var0, double floor);

#endif
