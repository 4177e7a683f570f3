/* kdv.h — the soliton–cnoidal Korteweg–de Vries reservoir model:
 *     u_t = -u u_x - nu u_xxx   on a periodic domain [0, L),
 * solved by a pseudo-spectral scheme (FFTW, default) or a finite-difference
 * scheme, behind one plan/execute API: create a solver once (FFT plans are
 * made serially, here), then run many initial conditions through it. Distinct
 * solver objects may run on different threads at once. The equations and
 * discretisations are stated in kdv_spectral.c and kdv_fd.c. */
#ifndef HR_KDV_H
#define HR_KDV_H

enum hr_kdv_scheme {
    HR_KDV_SPECTRAL = 0, /* Fourier pseudo-spectral in x, ETDRK4 in t */
    HR_KDV_FD = 1        /* 4th-order central differences in x, RK4 in t */
};

/* Solver settings. hr_kdv_params_default() fills sensible values; a zero
 * `n` or `dt` means "choose for me" at create time:
 *   spectral: n = 1024, dt = 0.05 (probe error ~2e-4 on the reference
 *             cases); accurate: n = 1024, dt = 0.02 (~1e-5).
 *   fd:       n = 2048 (accurate: 4096), dt = 0.8 x the RK4 stability
 *             limit for |u| <= 4. FD is a cross-check: it needs far more
 *             points for the same accuracy (errors ~1e-2 at n = 2048). */
typedef struct hr_kdv_params {
    double length;              /* period L of the domain (finite, > 0) */
    double nu;                  /* dispersion coefficient (finite, >= 0) */
    int n;                      /* grid points (0: default; >= 16; spectral:
                                   even, no prime factor above 5) */
    double dt;                  /* largest time step (0: default; fd: within
                                   the stability limit, see hr_kdv_create) */
    enum hr_kdv_scheme scheme;  /* discretisation */
    int accurate;               /* 1: the documented high-accuracy setting */
} hr_kdv_params;

/* What a run records: probe traces u(probe_i, t_k), t_k = k * dt_out,
 * k = 0 .. nout-1 with nout = hr_kdv_nout(t_end, dt_out). */
typedef struct hr_kdv_output {
    double t_end;          /* last output time (finite, > 0) */
    double dt_out;         /* output spacing (finite, 0 < dt_out <= t_end) */
    int nprobes;           /* number of probes (>= 0) */
    const double *probes;  /* probe positions in [0, L) (spectral: Fourier
                              interpolation; fd: 6-point Lagrange) */
} hr_kdv_output;

typedef struct hr_kdv hr_kdv;

/* Defaults of the reference study: L = 400, nu = 0.333, spectral scheme,
 * n and dt chosen at create. */
hr_kdv_params hr_kdv_params_default(void);

/* Creates a solver. Returns HR_OK and sets *out, or an error status (with a
 * message naming the bad parameter and its allowed range) and sets *out to
 * NULL: HR_EINVAL for a bad scheme, non-finite or non-positive length, nu <
 * 0, n < 16 or not allowed, dt < 0, or (fd) dt past the dispersive stability
 * limit dt <= 2.8 dx^3 / (4.609 nu); HR_ENOMEM. Plans FFTs: FFTW's planner
 * runs inside `#pragma omp critical(hr_fftw_planner)`, so creating solvers
 * from several threads is safe as long as other FFTW planning in the
 * process uses the same critical section. Plans use FFTW_ESTIMATE, so
 * results are bitwise reproducible from run to run. */
int hr_kdv_create(hr_kdv **out, const hr_kdv_params *p);

/* Frees a solver; NULL is allowed. */
void hr_kdv_destroy(hr_kdv *s);

/* Grid size and the position of grid point j (x_j = j L / n). */
int hr_kdv_n(const hr_kdv *s);
double hr_kdv_x(const hr_kdv *s, int j);

/* The largest time step (the resolved default if params.dt was 0). A run
 * takes ceil(dt_out / dt) equal steps per output interval, so every output
 * falls on a step. */
double hr_kdv_dt(const hr_kdv *s);

/* Number of output samples for an end time and spacing:
 * floor(t_end / dt_out + 1e-9) + 1 (0 for non-finite or non-positive
 * arguments). */
int hr_kdv_nout(double t_end, double dt_out);

/* Runs from u0 (n grid samples, u0[j] at x_j) to the last output time
 * (nout - 1) dt_out <= t_end, writing traces row-major [probe][k]
 * (nprobes * nout doubles, caller-allocated; may be NULL if nprobes = 0).
 * Errors: HR_EINVAL for NULL arguments, a bad output spec (t_end, dt_out,
 * probes outside [0, L)), non-finite u0, or (fd) a step past the stability
 * limit for max|u0|; HR_EUNSTABLE when the state turns non-finite or runs
 * away (its conserved integral of (u - mean)^2 grows 4x), with the time in
 * the message. Allocates only when a run has more probes than any before.
 * Deterministic; safe to call on distinct solvers from several threads. */
int hr_kdv_run(hr_kdv *s, const double *u0, const hr_kdv_output *out, double *traces);

/* The field at the end of the last successful run (n samples, owned by the
 * solver, valid until the next run), or NULL before any successful run. */
const double *hr_kdv_state(const hr_kdv *s);

/* ---- The soliton–cnoidal initial condition of the reference study. ---- */

#define HR_KDV_MAX_PACKETS 16

/* f(x) = rho + phi sech^2(ks (x + delay))
 *      + sum_i eps_i cos^2(k_i (x + delay)) exp(-(2 (x + delay) / delta)^8),
 * sampled as the reference does (see hr_kdv_ic_sample). */
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
 * |phi - 12 nu ks^2| < 1e-3) and that every value is finite, delta > 0 and
 * npackets in [0, HR_KDV_MAX_PACKETS]; HR_EINVAL with a message if not. */
int hr_kdv_ic_check(const hr_kdv_ic *ic, double nu);

/* Samples the initial condition on the solver's grid into u0 (n values),
 * using the reference's coordinate map: the reference samples f at the 1025
 * points x_j = -L/2 + j L/1024 but treats them as one period of length L, so
 * grid position xi corresponds to x = -L/2 + xi * 1025/1024. Does nothing if
 * an argument is NULL. */
void hr_kdv_ic_sample(const hr_kdv *s, const hr_kdv_ic *ic, double *u0);

/* The reference's probe position: sample j = 640 of 1025, xi = 640 L / 1025. */
double hr_kdv_reference_probe(double length);

#endif
