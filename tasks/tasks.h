/* tasks.h — task generators (XNOR, the reference "digits" regression,
 * NARMA10, linear memory capacity, Mackey-Glass one-step prediction) and
 * their scoring. A task is a table of rows, each an input vector and a
 * target vector, split into washout, training and held-out (test) rows.
 * Generators are deterministic given their parameters and, where they draw
 * random numbers, the state of a caller-owned gsl_rng (e.g. gsl_rng_mt19937
 * seeded with gsl_rng_set): the same seed gives the same task. Pure
 * computation, no I/O. */
#ifndef HR_TASKS_H
#define HR_TASKS_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

/* The task families. */
enum hr_task_kind {
    HR_TASK_XNOR = 0,         /* static, binary classification */
    HR_TASK_DIGITS = 1,       /* static, regression of a sigmoid (reference seed) */
    HR_TASK_NARMA10 = 2,      /* stream, nonlinear system identification */
    HR_TASK_MEMORY = 3,       /* stream, linear memory capacity */
    HR_TASK_MACKEY_GLASS = 4, /* stream, one-step prediction of a chaotic series */
    HR_TASK_KIND_COUNT
};

/* A generated task. Rows are either independent samples (stream == 0: each
 * row is one input sample, run through the reservoir from rest) or the
 * consecutive time steps of one input stream (stream == 1: the reservoir
 * is driven by all rows in order, from rest, and row t's features are read
 * after input t). Rows [0, washout) only drive the reservoir; rows
 * [washout, washout + n_train) train the readout; the n_test rows after
 * them are held out for scoring. Owned by the task: free with
 * hr_task_free. */
typedef struct hr_task {
    enum hr_task_kind kind; /* which generator made it */
    int stream;             /* 1: rows are time steps of one stream; 0: samples */
    size_t n_in;            /* input values per row */
    size_t n_out;           /* target values per row */
    size_t washout;         /* leading rows not trained or scored (0 for samples) */
    size_t n_train;         /* training rows */
    size_t n_test;          /* held-out rows */
    size_t n_rows;          /* washout + n_train + n_test */
    double *input;          /* n_rows x n_in, row-major */
    double *target;         /* n_rows x n_out, row-major */
} hr_task;

/* Frees a task and its arrays; NULL is allowed. */
void hr_task_free(hr_task *t);

/* Row pointers into a task's arrays (t must not be NULL): the first
 * training row and the first held-out row of the inputs and of the
 * targets. Valid until hr_task_free(t). */
const double *hr_task_train_input(const hr_task *t);
const double *hr_task_train_target(const hr_task *t);
const double *hr_task_test_input(const hr_task *t);
const double *hr_task_test_target(const hr_task *t);

/* The kind's name ("xnor", "digits", "narma10", "memory", "mackey-glass"),
 * or "unknown". Never NULL. */
const char *hr_task_kind_name(enum hr_task_kind kind);

/* Parses a kind name as above into *kind; HR_EINVAL listing the names if
 * it is not one of them. */
int hr_task_kind_parse(const char *name, enum hr_task_kind *kind);

/* ---- XNOR ---------------------------------------------------------------- */

/* Training rows: the 4 patterns (0,0), (0,1), (1,0), (1,1), in that order
 * (the reference's pattern order), targets 1, 0, 0, 1 (n_in = 2,
 * n_out = 1). Held-out rows: `reps` repetitions of the 4 patterns in the
 * same order (pattern i of repetition r is row 4 + 4 r + i), each input
 * with independent Gaussian noise of standard deviation sigma added, then
 * clipped to [0, 1] if clip != 0; targets are the clean patterns' targets.
 * reps = 0 gives no held-out rows. sigma must be finite and >= 0; rng may
 * be NULL only when reps == 0 or sigma == 0. Draws exactly 8 * reps
 * Gaussian deviates (gsl_ran_gaussian) when sigma > 0. */
int hr_task_xnor(hr_task **out, size_t reps, double sigma, int clip, gsl_rng *rng);

/* ---- Digits regression (the reference seed experiment) ----------------- */

/* Number of digits the encoding gives each input. */
#define HR_DIGITS_COUNT 6

/* The decimal digits of x in [0, 1] as the digits encoding uses them: x is
 * written with 5 decimals and read from the integer digit on, e.g.
 * 0.14286 -> 0,1,4,2,8,6; 0.5 -> 0,5,0,0,0,0; 1.0 -> 1,0,0,0,0,0. Computed in
 * integer arithmetic on k = round(x * 1e5) (ties away from zero), so no
 * round-off can flip a digit: digit 0 = k / 100000, digit i = (k / 10^(5-i))
 * mod 10. x must be finite and in [0, 1]; digits receives HR_DIGITS_COUNT
 * values. */
int hr_task_digits_of(double x, int digits[HR_DIGITS_COUNT]);

/* The reference's sigmoid target y = 1 / (1 + exp(-10 (x - 0.5))). */
double hr_task_digits_target(double x);

/* Training rows: n_train inputs x_i = round(i / (n_train - 1), 5 decimals),
 * i = 0 .. n_train-1 (n_in = 1; the reference has n_train = 8: 0, 0.14286,
 * 0.28571, 0.42857, 0.57143, 0.71429, 0.85714, 1), targets
 * hr_task_digits_target(x_i) (n_out = 1). Held-out rows: the n_train - 1
 * midpoints round((2i + 1) / (2 (n_train - 1)), 5 decimals), each strictly
 * between two neighbouring training inputs (for n_train = 8: 0.07143,
 * 0.21429, 0.35714, 0.5, 0.64286, 0.78571, 0.92857). Rounding is done on
 * the exact rational in integer arithmetic (half up), and every value is
 * stored as k / 1e5 so hr_task_digits_of recovers k exactly.
 * 2 <= n_train <= 10001 (beyond that, 5 decimals cannot keep midpoints
 * strictly between). No randomness. */
int hr_task_digits(hr_task **out, size_t n_train);

/* ---- NARMA10 ------------------------------------------------------------- */

/* Settings of hr_task_narma10; hr_task_narma10_defaults() fills them. */
typedef struct hr_narma10_params {
    size_t washout;   /* leading rows (>= 0) */
    size_t n_train;   /* training rows (>= 1) */
    size_t n_test;    /* held-out rows (>= 0) */
    double u_lo;      /* inputs u ~ U[u_lo, u_hi) (standard: 0, 0.5) */
    double u_hi;
    double bound;     /* |y| > bound or non-finite y counts as diverged */
    int max_redraws;  /* attempts after a divergence before HR_EUNSTABLE */
} hr_narma10_params;

/* washout 200, n_train 2000, n_test 1000, u in [0, 0.5), bound 10,
 * max_redraws 100. */
hr_narma10_params hr_task_narma10_defaults(void);

/* NARMA10 (Atiya & Parlos 2000):
 *     y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0..9} y(t-i) + 1.5 u(t-9) u(t) + 0.1,
 * started from rest: y(t) = 0 for t <= 0 and u(t) = 0 for t < 0 (so
 * y(1) = 0.1). Row t: input u(t) (n_in = 1), target y(t+1) (n_out = 1),
 * which depends on u(0..t) only;
 * the whole sequence is n_rows = washout + n_train + n_test long. The
 * recurrence occasionally diverges for unlucky inputs; if any |y| exceeds
 * p->bound (the stable regime stays well below 1.5) or is not finite, the
 * whole input sequence is redrawn, up to p->max_redraws times, then
 * HR_EUNSTABLE. Draws n_rows uniforms (gsl_rng_uniform) per attempt. */
int hr_task_narma10(hr_task **out, const hr_narma10_params *p, gsl_rng *rng);

/* ---- Linear memory capacity ---------------------------------------------- */

/* Settings of hr_task_memory; hr_task_memory_defaults() fills them. */
typedef struct hr_memory_params {
    size_t kmax;      /* largest delay (>= 1) */
    size_t washout;   /* leading rows (>= kmax) */
    size_t n_train;   /* training rows (>= 1) */
    size_t n_test;    /* held-out rows (>= 2 to score) */
    double u_lo;      /* inputs u ~ U[u_lo, u_hi) (standard: -1, 1) */
    double u_hi;
} hr_memory_params;

/* kmax 40, washout 200, n_train 2000, n_test 1000, u in [-1, 1). */
hr_memory_params hr_task_memory_defaults(void);

/* Row t: input u(t) (n_in = 1), targets u(t-1), ..., u(t-kmax)
 * (n_out = kmax; column k-1 is delay k). Targets that would reach before
 * t = 0 are 0; washout >= kmax keeps them out of training and scoring.
 * Draws n_rows uniforms (gsl_rng_uniform). */
int hr_task_memory(hr_task **out, const hr_memory_params *p, gsl_rng *rng);

/* Memory capacity MC = sum_{k=1..kmax} r^2(y_k, yhat_k), r^2 the squared
 * Pearson correlation (hr_score_r2) over the n rows of column k-1 of
 * target and pred (both n x kmax, row-major; usually the held-out rows).
 * A perfect delay line scores kmax. per_delay (may be NULL) receives the
 * kmax terms. n >= 2. */
int hr_task_memory_capacity(const double *target, const double *pred, size_t n, size_t kmax,
                            double *mc, double *per_delay);

/* ---- Mackey-Glass ---------------------------------------------------------- */

/* Settings of hr_task_mackey_glass; hr_task_mackey_glass_defaults() fills
 * them. */
typedef struct hr_mackey_glass_params {
    double tau;       /* delay (> 0; standard 17) */
    double beta;      /* production rate (standard 0.2) */
    double gamma;     /* decay rate (standard 0.1) */
    double power;     /* exponent n (standard 10) */
    double x0;        /* constant history x(t) = x0 for t <= 0 (standard 1.2) */
    double dt;        /* RK4 step; tau / dt must be an integer */
    double sample_dt; /* time between rows; sample_dt / dt must be an integer */
    size_t horizon;   /* target row t is x at row t + horizon (>= 1) */
    size_t washout;   /* leading rows */
    size_t n_train;   /* training rows (>= 1) */
    size_t n_test;    /* held-out rows */
} hr_mackey_glass_params;

/* tau 17, beta 0.2, gamma 0.1, power 10, x0 1.2, dt 0.1, sample_dt 1,
 * horizon 1, washout 500, n_train 2000, n_test 1000. */
hr_mackey_glass_params hr_task_mackey_glass_defaults(void);

/* The Mackey-Glass delay differential equation
 *     dx/dt = beta x(t - tau) / (1 + x(t - tau)^power) - gamma x(t),
 * x(t) = x0 for t <= 0, integrated by classical RK4 with fixed step dt.
 * The delayed value is needed at t_k - tau (a grid point, stored) and at
 * t_k - tau + dt/2 (between grid points), where it comes from the cubic
 * Hermite interpolant of the stored x and dx/dt at the neighbouring grid
 * points, (x_j + x_{j+1})/2 + dt (f_j - f_{j+1})/8, which keeps the scheme
 * fourth order. Row t (time t * sample_dt): input x (n_in = 1), target x
 * at row t + horizon (n_out = 1). No randomness. */
int hr_task_mackey_glass(hr_task **out, const hr_mackey_glass_params *p);

/* ---- Scoring --------------------------------------------------------------- */

/* A task score. */
typedef struct hr_task_score {
    const char *name;     /* "accuracy", "nrmse" or "mc" (static string) */
    double value;         /* the score */
    int higher_is_better; /* 1 for accuracy and mc, 0 for nrmse */
} hr_task_score;

/* Scores predictions of a task kind: n rows of target and pred (n x n_out,
 * row-major). XNOR: accuracy (hr_score_accuracy, HR_ACC_BINARY: 0/1
 * targets, pred >= 0.5 means 1). DIGITS, NARMA10, MACKEY_GLASS: NRMSE
 * (hr_score_nrmse, population std of the targets). MEMORY: memory capacity
 * over the n_out = kmax delay columns. n_out must be 1 for all kinds but
 * MEMORY. */
int hr_task_score_kind(enum hr_task_kind kind, const double *target, const double *pred,
                       size_t n, size_t n_out, hr_task_score *out);

/* Scores pred (t->n_test x t->n_out) against the task's held-out targets;
 * HR_EINVAL if the task has fewer held-out rows than the score needs. */
int hr_task_score_test(const hr_task *t, const double *pred, hr_task_score *out);

#endif
