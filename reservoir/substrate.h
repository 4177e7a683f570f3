/* substrate.h — the reservoir substrate interface: anything that turns a
 * stimulus into probe traces. A const table of functions plus a state size
 * (GSL's gsl_rng_type, SQLite's sqlite3_io_methods), versioned so it can grow:
 * the KdV model, the shallow-water tank, recorded or live physical tanks and
 * digital reservoirs all sit behind it. Callers go through the thin wrappers
 * hr_substrate_open/run/close (SQLite's sqlite3OsRead), never the table. */
#ifndef HR_SUBSTRATE_H
#define HR_SUBSTRATE_H

#include <stddef.h>

#include "reservoir/params.h"

#define HR_SUBSTRATE_VERSION 1

/* One wave source of a stimulus. A substrate uses the fields it understands:
 * the KdV model makes a cnoidal packet of `amplitude` and wavenumber
 * `frequency`; a tank drives wave maker `index` with
 * amplitude * envelope(t) * sin(2 pi frequency t + phase), or with the
 * explicit sample stream if `nsamples` > 0. */
typedef struct hr_source {
    int index;            /* which wave maker / packet slot (0-based) */
    double amplitude;     /* packet height (KdV) or source strength (tank, m/s) */
    double frequency;     /* KdV: packet wavenumber; tank: temporal frequency (Hz) */
    double phase;         /* phase (rad) */
    double start;         /* tank: switch-on time (s) */
    double duration;      /* tank: on-time (s); 0 = until the end */
    double ramp;          /* tank: smooth on/off ramp (s) */
    int nsamples;         /* > 0: explicit stream instead of a sinusoid */
    const double *samples; /* stream values (not owned), multiplied by amplitude */
    double sample_dt;     /* spacing of the stream samples (s) */
} hr_source;

#define HR_STIMULUS_MAX_SOURCES 32

/* What an encoder produces for one input sample. */
typedef struct hr_stimulus {
    int nsources;                              /* number of sources used */
    hr_source sources[HR_STIMULUS_MAX_SOURCES]; /* the sources */
    double t_end;                              /* last time that must be recorded */
} hr_stimulus;

/* Probe traces: data[p * nt + k] is probe p at time k * dt. */
typedef struct hr_traces {
    int nprobes;   /* number of probes */
    int nt;        /* samples per probe */
    double dt;     /* sample spacing */
    double *data;  /* nprobes * nt values (owned by whoever allocated it) */
} hr_traces;

/* The table a substrate implements. */
typedef struct hr_substrate_type {
    int version;              /* HR_SUBSTRATE_VERSION this table was written for */
    const char *name;         /* kind name used in experiment files ("kdv") */
    const char *doc;          /* one line for help output */
    const hr_param_spec *params; /* its settings (section "substrate") */
    size_t state_size;        /* bytes of per-instance state the caller allocates */
    /* Validates the settings and allocates; on failure frees what it made.
     * Called serially (may make FFT plans). */
    int (*open)(void *state, const hr_section *settings);
    /* Number of probes and the output spacing of this instance. */
    int (*probes)(const void *state, int *nprobes, double *dt);
    /* Runs the stimulus from rest and fills traces (caller allocated
     * nprobes * nt with nt = floor(stim->t_end / dt + 1e-9) + 1).
     * Deterministic; never shares mutable state between instances. */
    int (*run)(void *state, const hr_stimulus *stim, hr_traces *traces);
    /* Frees what open allocated (must accept a state whose open failed). */
    void (*close)(void *state);
    /* Optional (NULL if the substrate has no field to show): the surface at
     * the end of the last run, ny rows of nx values (row-major) into `field`
     * if it is not NULL; *nx and *ny always get the size. */
    int (*snapshot)(const void *state, double *field, int *nx, int *ny);
} hr_substrate_type;

/* An open instance: the type and its state. */
typedef struct hr_substrate {
    const hr_substrate_type *type; /* not owned */
    void *state;                   /* type->state_size bytes, owned */
} hr_substrate;

/* The registered substrate types, by name; NULL if unknown. `names` (if not
 * NULL) receives "kdv, tank, ..." for error messages. */
const hr_substrate_type *hr_substrate_lookup(const char *name, char *names, size_t size);

/* Opens an instance of the kind named in settings->kind. On failure *out is
 * NULL and the status says why. Call serially. */
int hr_substrate_open(hr_substrate **out, const hr_section *settings);

/* Number of probes and output spacing of an open instance. */
int hr_substrate_probes(const hr_substrate *s, int *nprobes, double *dt);

/* Allocates traces for `t_end` at the instance's spacing and runs. The
 * traces' data is malloc'd here and owned by the caller (free(traces->data)). */
int hr_substrate_run(hr_substrate *s, const hr_stimulus *stim, hr_traces *traces);

/* Closes and frees; NULL is allowed. */
void hr_substrate_close(hr_substrate *s);

/* The field at the end of the last run (see hr_substrate_type.snapshot):
 * *field is malloc'd (caller frees). HR_ENOTSUP if the substrate has none. */
int hr_substrate_snapshot(const hr_substrate *s, double **field, int *nx, int *ny);

/* Number of samples for an end time and spacing: floor(t_end / dt + 1e-9) + 1. */
int hr_traces_nt(double t_end, double dt);

extern const hr_substrate_type hr_substrate_kdv;
extern const hr_substrate_type hr_substrate_tank;

#endif
