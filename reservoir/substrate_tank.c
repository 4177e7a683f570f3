/* substrate_tank.c — the finite-difference shallow-water tank as a
 * substrate. Source i of a stimulus drives wave maker i (amplitude in m/s of
 * the Gaussian mass source, frequency in Hz, phase, timing, or a sample
 * stream); makers that no source drives stay still. Probes record the
 * surface elevation eta (m) every dt_out seconds. */
#include "reservoir/substrate.h"
#include "base/status.h"
#include "shallowwater/sw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXM 32
#define MAXP 64

static const hr_param_spec tank_params[] = {
    HR_INT("nx", 100, 4, HR_SW_MAX_SIDE, "cells along x"),
    HR_INT("ny", 1, 1, HR_SW_MAX_SIDE, "cells along y (1: a 1D channel)"),
    HR_NUMBER("lx", 1.0, 1e-3, 1e4, "tank length along x (m)"),
    HR_NUMBER("ly", 0.5, 1e-3, 1e4, "tank width along y (m)"),
    HR_NUMBER("depth", 0.05, 1e-4, 1e3, "still depth (m) if constant"),
    HR_TEXT("depth_formula", "", "still depth H(x, y) in m as a formula, e.g. 0.05 - 0.02*exp(-(x-0.5)^2/0.01)"),
    HR_TEXT("depth_csv", "", "still depth from a CSV file of ny rows of nx values (m)"),
    HR_NUMBER("g", 9.81, 1e-6, 1e3, "gravity (m/s^2)"),
    HR_NUMBER("drag", 0.05, 0, 1e3, "linear drag r (1/s): fading memory"),
    HR_NUMBER("viscosity", 0, 0, 1e3, "lateral viscosity (m^2/s)"),
    HR_CHOICE("west", "wall|periodic|sponge", "wall", "side x = 0"),
    HR_CHOICE("east", "wall|periodic|sponge", "wall", "side x = lx"),
    HR_CHOICE("south", "wall|periodic|sponge", "wall", "side y = 0"),
    HR_CHOICE("north", "wall|periodic|sponge", "wall", "side y = ly"),
    HR_NUMBER("sponge_width", 0.1, 0, 1e4, "width of sponge layers (m)"),
    HR_NUMBER("sponge_strength", 0, 0, 1e6, "damping rate at a sponge's outer edge (1/s; 0: 10 sqrt(g H) / width)"),
    HR_NUMBER("cfl", 0.5, 1e-3, 1, "Courant number of the automatic step"),
    HR_NUMBER("dt", 0, 0, 100, "time step (s; 0: from the CFL limit)"),
    HR_CHOICE("precision", "f64|f32", "f64", "floating-point type of the grid"),
    HR_INT("threads", 1, 0, 1024, "threads per run (0: all; evolution already runs one individual per thread)"),
    HR_LIST("maker_x", 0, 1e4, MAXM, "wave maker centres, x (m)"),
    HR_LIST("maker_y", 0, 1e4, MAXM, "wave maker centres, y (m)"),
    HR_LIST("maker_sigma", 1e-6, 1e4, MAXM, "wave maker Gaussian widths (m; default 2 cells)"),
    HR_LIST("maker_line", 0, 1, MAXM, "1: the maker is a paddle across the whole width"),
    HR_LIST("probe_x", 0, 1e4, MAXP, "probe positions, x (m)"),
    HR_LIST("probe_y", 0, 1e4, MAXP, "probe positions, y (m)"),
    HR_NUMBER("dt_out", 0.02, 1e-6, 1e3, "output spacing of the traces (s)"),
    HR_PARAMS_END,
};

typedef struct tank_state {
    hr_sw *solver;             /* planned once */
    int nmakers;               /* wave makers */
    hr_sw_maker makers[MAXM];  /* their geometry */
    int nprobes;               /* probes */
    double probe_xy[2 * MAXP]; /* x0, y0, x1, y1, ... */
    double dt_out;             /* output spacing (s) */
} tank_state;

static enum hr_sw_boundary side(const char *s)
{
    return strcmp(s, "periodic") == 0 ? HR_SW_PERIODIC
           : strcmp(s, "sponge") == 0 ? HR_SW_SPONGE : HR_SW_WALL;
}

static int tank_open(void *state, const hr_section *set)
{
    tank_state *k = state;
    hr_sw_params p = hr_sw_params_default();
    p.nx = hr_section_int(set, "nx");
    p.ny = hr_section_int(set, "ny");
    p.lx = hr_section_num(set, "lx");
    p.ly = hr_section_num(set, "ly");
    p.g = hr_section_num(set, "g");
    p.depth = hr_section_num(set, "depth");
    p.depth_kind = HR_SW_DEPTH_CONSTANT;
    const char *formula = hr_section_str(set, "depth_formula");
    const char *csv = hr_section_str(set, "depth_csv");
    if (formula[0] && csv[0])
        return HR_ERROR(HR_EINVAL, "substrate: depth_formula and depth_csv are both set (allowed: "
                        "one of depth, depth_formula, depth_csv)");
    if (formula[0]) {
        p.depth_kind = HR_SW_DEPTH_FORMULA;
        p.depth_formula = formula;
    } else if (csv[0]) {
        p.depth_kind = HR_SW_DEPTH_CSV;
        p.depth_csv = csv;
    }
    p.drag = hr_section_num(set, "drag");
    p.viscosity = hr_section_num(set, "viscosity");
    p.boundary[HR_SW_WEST] = side(hr_section_str(set, "west"));
    p.boundary[HR_SW_EAST] = side(hr_section_str(set, "east"));
    p.boundary[HR_SW_SOUTH] = side(hr_section_str(set, "south"));
    p.boundary[HR_SW_NORTH] = side(hr_section_str(set, "north"));
    p.sponge_width = hr_section_num(set, "sponge_width");
    p.sponge_strength = hr_section_num(set, "sponge_strength");
    p.cfl = hr_section_num(set, "cfl");
    p.dt = hr_section_num(set, "dt");
    p.precision = strcmp(hr_section_str(set, "precision"), "f32") == 0 ? HR_SW_F32 : HR_SW_F64;
    p.threads = hr_section_int(set, "threads");
    k->dt_out = hr_section_num(set, "dt_out");

    int nx, ny, ns, nl, px, py;
    const double *mx = hr_section_list(set, "maker_x", &nx);
    const double *my = hr_section_list(set, "maker_y", &ny);
    const double *msig = hr_section_list(set, "maker_sigma", &ns);
    const double *mline = hr_section_list(set, "maker_line", &nl);
    if (nx == 0)
        return HR_ERROR(HR_EINVAL, "substrate.maker_x is empty (allowed: 1 .. %d wave makers)", MAXM);
    if (p.ny > 1 && ny != nx)
        return HR_ERROR(HR_EINVAL, "substrate.maker_y has %d values for %d makers (allowed: one "
                        "per maker_x)", ny, nx);
    k->nmakers = nx;
    double cell = p.lx / p.nx;
    for (int i = 0; i < nx; i++) {
        k->makers[i].x = mx[i];
        k->makers[i].y = i < ny ? my[i] : 0.5 * p.ly;
        k->makers[i].sigma = i < ns ? msig[i] : 2 * cell;
        k->makers[i].line = i < nl ? (int)mline[i] : 0;
    }
    const double *prx = hr_section_list(set, "probe_x", &px);
    const double *pry = hr_section_list(set, "probe_y", &py);
    if (px == 0)
        return HR_ERROR(HR_EINVAL, "substrate.probe_x is empty (allowed: 1 .. %d probes)", MAXP);
    if (p.ny > 1 && py != px)
        return HR_ERROR(HR_EINVAL, "substrate.probe_y has %d values for %d probes (allowed: one "
                        "per probe_x)", py, px);
    k->nprobes = px;
    for (int i = 0; i < px; i++) {
        double x = prx[i], y = i < py ? pry[i] : 0.5 * p.ly;
        if (x > p.lx || y > p.ly)
            return HR_ERROR(HR_ERANGE, "substrate probe %d at (%g, %g) m is outside the %g x %g m "
                            "tank", i, x, y, p.lx, p.ly);
        k->probe_xy[2 * i] = x;
        k->probe_xy[2 * i + 1] = y;
    }
    for (int i = 0; i < nx; i++)
        if (k->makers[i].x > p.lx || k->makers[i].y > p.ly)
            return HR_ERROR(HR_ERANGE, "substrate wave maker %d at (%g, %g) m is outside the "
                            "%g x %g m tank", i, k->makers[i].x, k->makers[i].y, p.lx, p.ly);
    return hr_sw_create(&k->solver, &p);
}

static int tank_probes(const void *state, int *nprobes, double *dt)
{
    const tank_state *k = state;
    *nprobes = k->nprobes;
    *dt = k->dt_out;
    return HR_OK;
}

static int tank_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    tank_state *k = state;
    hr_sw_signal sig[MAXM];
    memset(sig, 0, sizeof sig);
    for (int i = 0; i < stim->nsources; i++) {
        const hr_source *s = &stim->sources[i];
        if (s->index < 0 || s->index >= k->nmakers)
            return HR_ERROR(HR_ERANGE, "stimulus source %d drives wave maker %d, but the tank has "
                            "%d (allowed: 0 .. %d; add makers with substrate.maker_x)", i,
                            s->index, k->nmakers, k->nmakers - 1);
        hr_sw_signal *g = &sig[s->index];
        g->amplitude = s->amplitude;
        g->frequency = s->frequency;
        g->phase = s->phase;
        g->start = s->start;
        g->duration = s->duration;
        g->ramp = s->ramp;
        g->nsamples = s->nsamples;
        g->samples = s->samples;
        g->sample_dt = s->sample_dt;
    }
    double t_end = (tr->nt - 1) * k->dt_out;
    return hr_sw_run(k->solver, k->nmakers, k->makers, sig, k->nprobes, k->probe_xy, t_end,
                     k->dt_out, tr->data);
}

static int tank_snapshot(const void *state, double *field, int *nx, int *ny)
{
    const tank_state *k = state;
    *nx = hr_sw_nx(k->solver);
    *ny = hr_sw_ny(k->solver);
    if (field)
        hr_sw_get_state(k->solver, field, NULL, NULL);
    return HR_OK;
}

static int tank_probe_info(const void *state, int p, hr_probe_info *info)
{
    const tank_state *k = state;
    info->x = k->probe_xy[2 * p];
    info->y = k->probe_xy[2 * p + 1];
    snprintf(info->units, sizeof info->units, "m");
    return HR_OK;
}

static void tank_close(void *state)
{
    tank_state *k = state;
    hr_sw_destroy(k->solver);
    k->solver = NULL;
}

static const char *const tank_example[] = {"nx=40", "ny=1", "lx=1", "maker_x=0.2 0.8",
                                           "probe_x=0.4 0.6", "dt_out=0.05", NULL};

const hr_substrate_type hr_substrate_tank = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "tank",
             .doc = "finite-difference shallow-water tank with wave makers, sponges and probes",
             .params = tank_params},
    .state_size = sizeof(tank_state),
    .open = tank_open,
    .probes = tank_probes,
    .run = tank_run,
    .close = tank_close,
    .snapshot = tank_snapshot,
    .probe_info = tank_probe_info,
    .example = tank_example,
    .example_sources = 2,
};
