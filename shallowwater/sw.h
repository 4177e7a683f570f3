/* sw.h — the finite-difference shallow-water tank: the nonlinear shallow-water
 * equations on an Arakawa C-grid (2D, or 1D with ny = 1) with bathymetry,
 * drag, optional lateral viscosity, walls / periodic sides / absorbing
 * sponges, Gaussian mass-source wave makers and bilinear probes. Same
 * plan/execute shape as the KdV solver (kdv.h): create a solver once (serially;
 * it allocates and first-touches the grid), then run many stimuli through it.
 * Distinct solver objects may run on different threads at once. Units are
 * meters and seconds throughout. The equations and the scheme are described
 * at the top of sw_kernel.h. */
#ifndef HR_SW_H
#define HR_SW_H

#include <stddef.h>

/* What one side of the tank does. */
enum hr_sw_boundary {
    HR_SW_WALL = 0,     /* reflecting wall: no normal flow, free slip */
    HR_SW_PERIODIC = 1, /* wraps to the opposite side (which must be periodic too) */
    HR_SW_SPONGE = 2    /* a wall behind a friction layer of width sponge_width */
};

/* Index of a side in hr_sw_params.boundary[]. */
enum hr_sw_side {
    HR_SW_WEST = 0,  /* x = 0 */
    HR_SW_EAST = 1,  /* x = lx */
    HR_SW_SOUTH = 2, /* y = 0 (ignored when ny = 1) */
    HR_SW_NORTH = 3  /* y = ly (ignored when ny = 1) */
};

/* Where the still depth H(x, y) comes from. */
enum hr_sw_depth_kind {
    HR_SW_DEPTH_CONSTANT = 0, /* params.depth everywhere */
    HR_SW_DEPTH_FORMULA = 1,  /* params.depth_formula, an expression in x and y */
    HR_SW_DEPTH_ARRAY = 2,    /* params.depth_array, nx * ny values */
    HR_SW_DEPTH_CSV = 3       /* params.depth_csv, a CSV file of ny rows of nx values */
};

/* Floating-point type of the grid arrays (probes and traces are always double). */
enum hr_sw_precision {
    HR_SW_F64 = 0, /* double (default) */
    HR_SW_F32 = 1  /* float: half the memory traffic, about 1e-7 relative round-off */
};

/* Solver settings. hr_sw_params_default() fills a 1 m x 1 m tank 5 cm deep on
 * a 128 x 128 grid with walls all round; change what you need. The strings and
 * the depth array are read at create time only (not kept). */
typedef struct hr_sw_params {
    int nx;                 /* cells along x (>= 4) */
    int ny;                 /* cells along y (1: a 1D channel; else >= 4) */
    double lx;              /* tank length along x (m, > 0) */
    double ly;              /* tank width along y (m, > 0); in 1D the channel width */
    double g;               /* gravity (m/s^2, > 0) */
    enum hr_sw_depth_kind depth_kind; /* which of the next four fields holds H */
    double depth;           /* constant still depth (m, > 0) */
    const char *depth_formula; /* H(x, y) in m, see hr_sw_expr_compile; evaluated at
                                * the cell centres x = (i + 1/2) dx, y = (j + 1/2) dy */
    const double *depth_array; /* nx * ny depths, row-major: H[j * nx + i] at cell (i, j) */
    const char *depth_csv;  /* path of a CSV file read by hr_sw_depth_from_csv; its
                             * size must be nx by ny */
    double drag;            /* linear drag r (1/s, >= 0): u_t = ... - r u */
    double viscosity;       /* lateral viscosity nu (m^2/s, >= 0): u_t = ... + nu lap u */
    enum hr_sw_boundary boundary[4]; /* per side, indexed by enum hr_sw_side */
    double sponge_width;    /* width of every sponge layer (m; > 0 if any side is a
                             * sponge, at least 2 cells and at most half the tank) */
    double sponge_strength; /* damping rate at the outer edge of a sponge (1/s, >= 0;
                             * 0: 10 sqrt(g Hmax) / sponge_width); it falls off
                             * quadratically to 0 at the inner edge */
    double cfl;             /* Courant number of the automatic step (0 < cfl <= 1) */
    double dt;              /* time step (s); 0: cfl times the stability limit */
    enum hr_sw_precision precision; /* type of the grid arrays */
    int threads;            /* most OpenMP threads per run (0: omp_get_max_threads());
                             * a run uses fewer on small grids (each thread gets at
                             * least 2 rows and 16384 cells) and one in 1D */
} hr_sw_params;

/* A wave maker: an internal Gaussian mass source
 *     eta_t += s(t) exp(-((x - x0)^2 + (y - y0)^2) / (2 sigma^2))
 * (without the y term for a line maker or in 1D), where s(t) (m/s) is the
 * maker's drive signal. Near a periodic side the Gaussian wraps round. */
/* Most cells along one side and in all (memory sanity: 2^26 cells are
 * 2 GiB of float64 grid arrays). Settings tables take their bounds from here. */
#define HR_SW_MAX_SIDE (1 << 16)
#define HR_SW_MAX_CELLS (1LL << 26)

typedef struct hr_sw_maker {
    double x, y;   /* centre (m), inside the tank; y is ignored in 1D */
    double sigma;  /* Gaussian width (m, >= half a cell) */
    int line;      /* 1: uniform in y, a paddle across the whole tank; 0: a point source */
} hr_sw_maker;

/* A drive signal, field for field the tank part of hr_source
 * (reservoir/substrate.h): with nsamples = 0,
 *     s(t) = amplitude * envelope(t) * sin(2 pi frequency t + phase),
 * with nsamples > 0,
 *     s(t) = amplitude * envelope(t) * stream(t),
 * where stream(t) interpolates samples[k] at t = start + k sample_dt linearly
 * and is 0 outside [start, start + (nsamples - 1) sample_dt]. envelope(t) is 0
 * before `start` and (if duration > 0) after start + duration, 1 in between
 * except for smooth raised-cosine ramps of length `ramp` at the switch-on and
 * (if duration > 0) at the switch-off. */
typedef struct hr_sw_signal {
    double amplitude;       /* source strength (m/s) */
    double frequency;       /* Hz (>= 0); unused for a stream */
    double phase;           /* rad; unused for a stream */
    double start;           /* switch-on time (s, >= 0) */
    double duration;        /* on-time (s, >= 0); 0 = until the end of the run */
    double ramp;            /* ramp length (s, >= 0; 2 ramp <= duration if duration > 0) */
    int nsamples;           /* > 0: explicit stream instead of the sinusoid */
    const double *samples;  /* nsamples stream values (not owned) */
    double sample_dt;       /* spacing of the stream samples (s, > 0 for a stream) */
} hr_sw_signal;

/* An initial state for hr_sw_run_from. Each pointer may be NULL (zero). All
 * arrays are row-major with nx * ny values, index j * nx + i:
 * eta at the cell centres ((i + 1/2) dx, (j + 1/2) dy); u at the west face of
 * cell (i, j), x = i dx; v at the south face, y = j dy. The faces on a wall
 * (u at i = 0 with a west wall or sponge, v at j = 0 likewise) are forced to 0. */
typedef struct hr_sw_state {
    const double *eta; /* surface elevation above the still level (m) */
    const double *u;   /* x velocity (m/s) */
    const double *v;   /* y velocity (m/s); ignored in 1D */
} hr_sw_state;

typedef struct hr_sw hr_sw;

/* A 1 m x 1 m tank, 0.05 m deep, 128 x 128 cells, g = 9.81, walls all round,
 * no drag or viscosity, sponge width 0.1 m (used only if a side is a sponge),
 * cfl = 0.5, dt = 0 (automatic), float64, threads = 0. */
hr_sw_params hr_sw_params_default(void);

/* Creates a solver: checks every parameter, builds the bathymetry (refusing a
 * depth <= 0 anywhere: dry cells are not supported), resolves dt, allocates
 * and first-touches the grid. Returns HR_OK and sets *out, or an error status
 * with a message naming the bad parameter, where it is bad and what is
 * allowed, and sets *out to NULL. A requested dt past the stability limit is
 * HR_ERANGE naming the limit. Call serially. */
int hr_sw_create(hr_sw **out, const hr_sw_params *p);

/* Frees a solver; NULL is allowed. */
void hr_sw_destroy(hr_sw *s);

/* Runs from rest (eta = u = v = 0) to the last output time with the makers
 * driven by their signals (signals[m] drives makers[m]; makers and signals
 * may be NULL when nmakers = 0), recording eta at the probes, bilinearly
 * interpolated between cell centres (clamped at walls, wrapped across
 * periodic sides), at t_k = k dt_out for k = 0 .. nout - 1, nout =
 * hr_sw_nout(t_end, dt_out). probe_xy holds x0, y0, x1, y1, ... (m; y is
 * ignored in 1D); traces receives traces[p * nout + k] (caller-allocated,
 * nprobes * nout doubles). The step taken is dt_out / ceil(dt_out / dt) so
 * every output lands on a step. A non-finite state, a depth falling to 0 or
 * a flow past the Courant limit (checked every step) stops the run with
 * HR_EUNSTABLE and a message saying when (time and step) and where (cell and
 * position); the solver's state is then the state where it stopped, and the
 * traces after that time are unspecified. Bitwise the same for any thread
 * count. Not thread-safe on one solver; distinct solvers may run
 * concurrently. */
int hr_sw_run(hr_sw *s, int nmakers, const hr_sw_maker *makers, const hr_sw_signal *signals,
              int nprobes, const double *probe_xy, double t_end, double dt_out, double *traces);

/* What drives a run: signals[m] drives makers[m] (both may be NULL when
 * nmakers = 0). */
typedef struct hr_sw_forcing {
    int nmakers;                /* wave makers driven */
    const hr_sw_maker *makers;  /* their geometry */
    const hr_sw_signal *signals; /* their drive signals */
} hr_sw_forcing;

/* What a run records: eta at the probes every dt_out up to t_end (see
 * hr_sw_run), and optionally the whole state every frame_every outputs
 * (frames for pictures and movies). */
typedef struct hr_sw_output {
    double t_end;            /* last output time (s) */
    double dt_out;           /* output spacing (s) */
    int nprobes;             /* probes */
    const double *probe_xy;  /* x0, y0, x1, y1, ... (m) */
    double *traces;          /* nprobes * hr_sw_nout(t_end, dt_out), caller-allocated */
    int frame_every;         /* > 0: call frame at outputs 0, frame_every, 2 frame_every, ... */
    /* Called on one thread with the solver between steps (read it with
     * hr_sw_get_state; do not run it) and the time t (s) of the frame. */
    void (*frame)(void *ctx, const hr_sw *s, double t);
    void *frame_ctx;         /* passed to frame */
} hr_sw_output;

/* The run of hr_sw_run from `init` (NULL: rest) with forcing and outputs as
 * structs; the other two entry points call this. */
int hr_sw_run_with(hr_sw *s, const hr_sw_state *init, const hr_sw_forcing *forcing,
                   const hr_sw_output *output);

/* As hr_sw_run, but starting from `init` (NULL: rest) instead of rest. */
int hr_sw_run_from(hr_sw *s, const hr_sw_state *init, int nmakers, const hr_sw_maker *makers,
                   const hr_sw_signal *signals, int nprobes, const double *probe_xy,
                   double t_end, double dt_out, double *traces);

/* Number of output samples: floor(t_end / dt_out + 1e-9) + 1, or 0 for a
 * non-finite or negative t_end or a dt_out <= 0. */
int hr_sw_nout(double t_end, double dt_out);

/* Copies the state at the end of the last run (or the rest state before any
 * run) into caller arrays of nx * ny doubles in the layout of hr_sw_state;
 * any pointer may be NULL. */
void hr_sw_get_state(const hr_sw *s, double *eta, double *u, double *v);

/* Copies the still depth H into nx * ny doubles (row-major). */
void hr_sw_get_depth(const hr_sw *s, double *depth);

/* Volume displaced from the still level, sum of eta dx dy (m^3; in 1D dy =
 * ly), of the current state. Deterministic (the same for any thread count). */
double hr_sw_mass(const hr_sw *s);

/* Energy of the current state (J per unit density, m^5/s^2):
 * sum g eta^2 / 2 dx dy over cells plus h u^2 / 2 dx dy over faces, with h
 * the mean depth H + eta of the two cells beside the face. Deterministic. */
double hr_sw_energy(const hr_sw *s);

/* Grid and step. hr_sw_dt is the resolved dt (the automatic one if params.dt
 * was 0); hr_sw_dt_limit the stability limit it was checked against;
 * hr_sw_steps the steps taken by the last run and hr_sw_time the time
 * it reached. The getters return 0 for a NULL solver. */
int hr_sw_nx(const hr_sw *s);
int hr_sw_ny(const hr_sw *s);
double hr_sw_dx(const hr_sw *s);
double hr_sw_dy(const hr_sw *s);
double hr_sw_dt(const hr_sw *s);
double hr_sw_dt_limit(const hr_sw *s);
long long hr_sw_steps(const hr_sw *s);
double hr_sw_time(const hr_sw *s);
/* The most threads a run uses (params.threads resolved; see there). */
int hr_sw_threads(const hr_sw *s);
/* Cells per vector of this build's fused row kernel for a precision (8 in
 * float64, 16 in float32 where the compiler targeted AVX-512), or 0: the
 * build has only the portable loops. The results are the same either way;
 * 1D grids and rows shorter than 4 vectors always use the loops. */
int hr_sw_fused_width(enum hr_sw_precision prec);
/* The same in words, for logs and benchmark headers: which tank kernel this
 * build runs. A static string. */
const char *hr_sw_kernel_name(void);
/* The resolved parameters (dt, threads and sponge_strength filled in; the
 * depth pointers are NULL). */
const hr_sw_params *hr_sw_params_of(const hr_sw *s);

/* Evaluates one drive signal at time t (s); 0 for a NULL signal. */
double hr_sw_signal_eval(const hr_sw_signal *sig, double t);

/* Checks a signal (finite fields, ranges, stream pointer and spacing):
 * HR_OK, or HR_EINVAL with a message naming the field of signal `index`. */
int hr_sw_signal_check(const hr_sw_signal *sig, int index);

/* ---- Bathymetry helpers ---- */

/* A compiled expression in x and y: numbers (1, 2.5, 1e-3), x, y, pi, + - * /
 * ^ (right-associative, binding tighter than unary minus: -x^2 = -(x^2)),
 * unary minus and plus, parentheses, and the functions sin cos tan exp log
 * sqrt tanh abs (one argument) and min max (two). */
typedef struct hr_sw_expr hr_sw_expr;

/* Compiles `text`. Returns HR_OK and sets *out, or HR_EPARSE with a message
 * giving the character position (1-based) and what was expected, and sets
 * *out to NULL. */
int hr_sw_expr_compile(hr_sw_expr **out, const char *text);

/* Evaluates a compiled expression at (x, y). NaN for a NULL expression. */
double hr_sw_expr_eval(const hr_sw_expr *e, double x, double y);

/* Frees a compiled expression; NULL is allowed. */
void hr_sw_expr_free(hr_sw_expr *e);

/* Reads a depth grid from a CSV file: one row of the grid per line (the
 * first line is j = 0, the row nearest y = 0), values separated by commas
 * (spaces allowed), blank lines and lines starting with '#' skipped. Every
 * row must have the same count and every value must be a finite number > 0.
 * On success sets *depth to a malloc'd nx * ny array (row-major, the caller
 * frees it) and *nx, *ny; on failure returns HR_EIO (cannot open / read),
 * HR_EPARSE or HR_ERANGE with a "file:line: column c: ..." message and sets
 * *depth to NULL. */
int hr_sw_depth_from_csv(const char *path, double **depth, int *nx, int *ny);

#endif
