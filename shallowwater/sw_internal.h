/* sw_internal.h — the shallow-water solver object shared by sw.c (parameters,
 * bathymetry, run driver) and the kernels sw_k64.c / sw_k32.c (one template,
 * sw_kernel.h, compiled for double and for float). Not part of the public
 * API: only shallowwater/sw*.c include it (and one white-box test). */
#ifndef HR_SW_INTERNAL_H
#define HR_SW_INTERNAL_H

#include <stddef.h>

#include "shallowwater/sw.h"

/* Grid layout. Every grid array (H, eta, u, v) has the same shape: rows
 * j = -HR_SW__GY .. ny + HR_SW__GY (ghost rows outside 0 .. ny-1; v uses row
 * ny for its north face), each of `stride` elements with column 0 at offset
 * HR_SW__OX, so columns -HR_SW__OX .. stride - HR_SW__OX - 1 exist (ghost
 * columns -2, -1, nx, nx + 1 are filled by the boundary rules). stride is a
 * multiple of 16 elements, so every row's column 0 is 64-byte aligned. */
#define HR_SW__OX 16
#define HR_SW__GY 2
/* Rows of per-thread scratch (see the sweep in sw_kernel.h): flux rows and
 * their sums, the private eta row before the block, the source rows, the new
 * u and v rows awaiting write-back, and copies of the neighbours' rows. */
#define HR_SW__SCRATCH_ROWS 25
/* Per-row statistics of the new state, gathered by every sweep at no extra
 * memory traffic. From them each step gets a cheap bound on the Courant
 * number and exact tests for drying and non-finite values; only when one of
 * them trips is the exact per-cell check (hr_sw__rowcheck) run. */
typedef struct hr_sw__rowstat {
    double hmin, hmax; /* smallest and largest depth H + eta in the row (m) */
    double umax;       /* largest |u| on the row's faces (m/s) */
    double vmax;       /* largest |v| on the row's south faces (m/s; 0 in 1D) */
    double bad;        /* 0 if every new value is finite, NaN otherwise */
} hr_sw__rowstat;

/* Result of checking one row of the state. */
typedef struct hr_sw__rowcheck {
    int nonfinite_i; /* first column with a non-finite eta, u or v; -1 if none */
    int hmin_i;      /* column of the smallest depth H + eta */
    int cmax_i;      /* column of the largest Courant number */
    double hmin;     /* smallest depth in the row (m) */
    double cmax;     /* largest Courant number in the row */
    double speed;    /* |u| + |v| + sqrt(g h) at cmax_i (m/s) */
} hr_sw__rowcheck;

/* A probe: four cell-centre offsets (relative to the origin of an eta array)
 * and their bilinear weights. */
typedef struct hr_sw__probe {
    ptrdiff_t off[4];
    double w[4];
} hr_sw__probe;

/* The per-run constants of a step of length h (set by hr_sw_run_from). */
typedef struct hr_sw__coef {
    double h;          /* the step (s) */
    double cx, cy;     /* h / dx, h / dy */
    double gx, gy;     /* g h / dx, g h / dy */
    double nux, nuy;   /* nu h / dx^2, nu h / dy^2 */
    double g;          /* gravity */
    double kw;         /* sqrt(1/dx^2 + 1/dy^2) (1/dx in 1D) */
    double visc_rate;  /* h / dt_visc: the viscous part of the Courant number */
} hr_sw__coef;

/* The wave makers of a run: separable Gaussian footprints. */
typedef struct hr_sw__makers {
    int n;              /* number of makers */
    int nline;          /* of which line sources (all of them in 1D) */
    double *gx;         /* n * nx: x factor of maker m at column i */
    double *gy;         /* n * ny: y factor of maker m at row j (1 for line makers, 1D) */
    int *ilo, *ihi;     /* n: columns [ilo, ihi) where gx is non-zero */
    int *line;          /* n: 1 for a line source (gy = 1 on every row) */
    unsigned char *row; /* ny: 1 if some point maker reaches row j */
    size_t cap_n;       /* makers the arrays have room for */
} hr_sw__makers;

/* The kernels of one precision (a const table, as in gsl_rng_type). */
typedef struct hr_sw__kernel {
    const char *name;  /* "f64" or "f32" */
    size_t size;       /* bytes per element */
    /* Cells per vector of the fused row kernel (sw_kernel.h), 0 if this build
     * has none (it needs AVX-512); a 2D grid uses it if nx >= 4 fused_width
     * and hr_sw.fused is set. */
    int fused_width;
    /* Zeroes rows j0 .. j1-1 of every grid array and of the thread's scratch
     * (first touch by the thread that will work on them); the block that
     * holds row 0 (ny - 1) also zeroes the ghost rows below (above). */
    void (*zero_rows)(hr_sw *s, int j0, int j1, int tid);
    /* Copies H (nx * ny doubles) into the grid and fills its ghosts. */
    void (*set_depth)(hr_sw *s, const double *H);
    /* Loads an initial state (NULL pointers: zero) and fills its ghosts. */
    void (*set_state)(hr_sw *s, const hr_sw_state *init);
    /* Copies the current state out (any pointer may be NULL). */
    void (*get_state)(const hr_sw *s, double *eta, double *u, double *v);
    /* Converts the damping factors of a step (double, in s) into the grid type. */
    void (*prepare)(hr_sw *s);
    /* Copies the rows next to block [j0, j1) that the thread's sweep reads
     * (the neighbours overwrite them during the sweep) into its scratch. */
    void (*halo)(hr_sw *s, int j0, int j1, int tid);
    /* One step for rows j0 .. j1-1, in place (interior and ghost columns),
     * after halo(); writes the rows' statistics into s->stat[j]. amp[m] is
     * maker m's signal at mid-step. */
    void (*sweep)(hr_sw *s, int j0, int j1, int tid, const double *amp);
    /* Fills the ghost rows below row 0 (bottom) and/or above row ny - 1 (top). */
    void (*ghost_rows)(hr_sw *s, int bottom, int top);
    /* Checks rows j0 .. j1-1 of the state into out[j]. */
    void (*check_rows)(const hr_sw *s, int j0, int j1, hr_sw__rowcheck *out);
    /* eta at a probe. */
    double (*probe)(const hr_sw *s, const hr_sw__probe *p);
    /* Row j's share of the mass and energy sums. */
    void (*row_sums)(const hr_sw *s, int j, double *mass, double *energy);
} hr_sw__kernel;

extern const hr_sw__kernel hr_sw__kernel_f64;
extern const hr_sw__kernel hr_sw__kernel_f32;

struct hr_sw {
    hr_sw_params p;            /* resolved parameters (dt, threads filled in) */
    const hr_sw__kernel *k;    /* kernels of the chosen precision */
    int nx, ny;                /* cells */
    int is2d;                  /* ny > 1 */
    int perx, pery;            /* periodic along x / y */
    double dx, dy;             /* cell size (m); dy = ly in 1D */
    double hmax;               /* largest still depth (m) */
    double dt_limit;           /* stability limit of the linear scheme (s) */
    double dt_visc;            /* viscous limit (s; INFINITY without viscosity) */
    double kw;                 /* sqrt(1/dx^2 + 1/dy^2), 1/dx in 1D (1/m) */
    int prefetch;              /* 1: the grid outgrows the caches, prefetch rows */
    int fused;                 /* 1: use the fused vector row kernel where built
                                * (AVX-512; sw_kernel.h), 0: the portable loops */
    int min_cells;             /* fewest cells per thread in a run (see sw.c) */

    ptrdiff_t stride;          /* elements per row */
    ptrdiff_t origin;          /* element offset of (0, 0) within an array */
    size_t nelem;              /* elements per array */
    void *block;               /* one allocation holding every grid array */
    void *H;                   /* still depth */
    void *eta, *u, *v;         /* the state (updated in place) */

    void *scratch;             /* threads * HR_SW__SCRATCH_ROWS rows */
    ptrdiff_t scratch_stride;  /* elements between two threads' scratch */

    double *sigx_u, *sigx_c;   /* sponge damping rate at u faces / cell centres in x (nx) */
    double *sigy_v, *sigy_c;   /* sponge damping rate at v faces / cell centres in y (ny) */
    double *fx_d;              /* 2 * nx + 2 * ny damping factors of the current step */
    void *fx;                  /* the same in the grid type: fxu, fxv (nx), fyu, fyv (ny) */

    hr_sw__rowstat *stat;      /* ny row statistics of the last sweep */
    hr_sw__rowcheck *check;    /* ny exact row checks */

    hr_sw__coef c;             /* constants of the current step */
    hr_sw__makers mk;          /* makers of the current run */

    long long steps;           /* steps taken by the last run */
    double time;               /* time reached by the last run (s) */
};

/* The row range of thread tid of nth: rows [*j0, *j1). */
static inline void hr_sw__rows(int ny, int tid, int nth, int *j0, int *j1)
{
    *j0 = (int)((long long)ny * tid / nth);
    *j1 = (int)((long long)ny * (tid + 1) / nth);
}

#endif
