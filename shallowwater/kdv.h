/* kdv.h — the soliton–cnoidal Korteweg–de Vries reservoir model:
 *     u_t = -u u_x - nu u_xxx   on a periodic domain [0, L),
 * solved by a pseudo-spectral scheme (FFTW, default) or a finite-difference
 * scheme, behind one plan/execute API: create a solver once (FFT plans are
 * made serially, here), then run many initial conditions through it. Distinct
 * solver objects may run on different threads at once. */
#ifndef HR_KDV_H
#define HR_KDV_H

enum hr_kdv_scheme {
    HR_KDV_SPECTRAL = 0, /* pseudo-spectral in x, stiff (exponential) integrator in t */
    HR_KDV_FD = 1        /* finite differences */
};

/* Solver settings. hr_kdv_params_default() fills sensible values; a zero
 * `n` or `dt` means "choose for me" at create time. */
typedef struct hr_kdv_params {
    double length;              /* period L of the domain (> 0) */
    double nu;                  /* dispersion coefficient (>= 0) */
    int n;                      /* grid points (0: scheme default) */
    double dt;                  /* time step (0: scheme default) */
    enum hr_kdv_scheme scheme;  /* discretisation */
    int accurate;               /* 1: the documented high-accuracy setting */
} hr_kdv_params;

/* What a run records: probe traces u(probe_i, t_k), t_k = k * dt_out,
 * k = 0 .. nout-1 with nout = hr_kdv_nout(t_end, dt_out). */
typedef struct hr_kdv_output {
    double t_end;          /* last output time (> 0) */
    double dt_out;         /* output spacing (> 0) */
    int nprobes;           /* number of probes (>= 0) */
    const double *probes;  /* probe positions in [0, L) (spectrally interpolated) */
} hr_kdv_output;

typedef struct hr_kdv hr_kdv;

/* Defaults of the reference study: L = 400, nu = 0.333, spectral scheme. */
hr_kdv_params hr_kdv_params_default(void);

/* Creates a solver. Returns HR_OK and sets *out, or an error status (with a
 * message naming the bad parameter and its allowed range) and sets *out to
 * NULL. Not thread-safe (makes FFTW plans): call serially. */
int hr_kdv_create(hr_kdv **out, const hr_kdv_params *p);

/* Frees a solver; NULL is allowed. */
void hr_kdv_destroy(hr_kdv *s);

/* Grid size and the position of grid point j (x_j = j L / n). */
int hr_kdv_n(const hr_kdv *s);
/* The time step in use (the resolved default if params.dt was 0). */
double hr_kdv_dt(const hr_kdv *s);
double hr_kdv_x(const hr_kdv *s, int j);

/* Number of output samples for an end time and spacing:
 * floor(t_end / dt_out + 1e-9) + 1. */
int hr_kdv_nout(double t_end, double dt_out);

/* Runs from u0 (n grid samples) to out->t_end, writing traces row-major
 * [probe][k] (nprobes * nout doubles, caller-allocated). A non-finite or
 * runaway state stops the run with HR_EUNSTABLE and a message saying when.
 * Deterministic; safe to call on distinct solvers from several threads. */
int hr_kdv_run(hr_kdv *s, const double *u0, const hr_kdv_output *out, double *traces);

/* The field at the end of the last run (n samples), or NULL before any run. */
const double *hr_kdv_state(const hr_kdv *s);

/* ---- The soliton–cnoidal initial condition of the reference study. ---- */

#define HR_KDV_MAX_PACKETS 16

/* f(x) = rho + phi sech^2(ks (x + delay))
 *      + sum_i eps_i cos^2(k_i (x + delay)) exp(-(2 (x + delay) / delta)^8),
 * sampled as the reference does: grid point xi in [0, L) maps to
 * x = x0 + xi * (n_ref / (n_ref - 1)) ... see hr_kdv_ic_eval. */
typedef struct hr_kdv_ic {
    double rho, phi, ks, delta; /* background, soliton height and width, packet width */
    double delay;               /* shift (reference: 12.75 v) */
    int npackets;               /* number of cnoidal packets (0..HR_KDV_MAX_PACKETS) */
    double eps[HR_KDV_MAX_PACKETS]; /* packet amplitudes */
    double k[HR_KDV_MAX_PACKETS];   /* packet wavenumbers */
} hr_kdv_ic;

/* The reference's constants (rho = 1, phi = 1, ks = 0.5, delta = 20,
 * delay = 12.75 v with v = (3 rho + 2 phi - 12 nu ks^2) / 3), no packets. */
hr_kdv_ic hr_kdv_ic_reference(double nu);

/* Checks the reference's preconditions (phi > 2 max eps_i,
 * |phi - 12 nu ks^2| < 1e-3, finite values); HR_EINVAL with a message if not. */
int hr_kdv_ic_check(const hr_kdv_ic *ic, double nu);

/* Samples the initial condition on the solver's grid into u0 (n values),
 * using the reference's coordinate map: the reference samples f at the 1025
 * points x_j = -L/2 + j L/1024 but treats them as one period of length L, so
 * grid position xi corresponds to x = -L/2 + xi * 1025/1024. */
void hr_kdv_ic_sample(const hr_kdv *s, const hr_kdv_ic *ic, double *u0);

/* The reference's probe position: sample j = 640 of 1025, xi = 640 L / 1025. */
double hr_kdv_reference_probe(double length);

#endif
