/* substrate.h — the reservoir substrate interface: anything that turns a
 * stimulus into probe traces. A const table of functions plus a state size
 * (GSL's gsl_rng_type, SQLite's sqlite3_io_methods), versioned so it can grow,
 * registered as a kind of class HR_CLASS_SUBSTRATE (base/registry.h): the KdV
 * model, the shallow-water tank, recorded or live physical tanks and digital
 * reservoirs all sit behind it. Callers go through the thin wrappers
 * hr_substrate_open/run/close (SQLite's sqlite3OsRead), never the table; the
 * wrapper is also where tests inject faults. */
#ifndef HR_SUBSTRATE_H
#define HR_SUBSTRATE_H

#include <stddef.h>

#include "base/registry.h"

/* Version 2: the hr_kind header, capability flags, probe_info. */
#define HR_SUBSTRATE_VERSION 2

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

/* Capability flags of a substrate kind (hr_kind.flags). */
enum hr_substrate_flags {
    /* One instance serves every worker: there is one physical thing behind
     * it (a tank, a controller). The pipeline opens it once and queues runs
     * onto it (one at a time, behind a lock), so evaluation threads still
     * train readouts and score in parallel around it. */
    HR_SUBSTRATE_SERIAL = 1u << 0,
    /* run() may give different traces for the same stimulus (measurement
     * noise, drift): no trace cache (every stimulus is really run), and
     * repeats of a stimulus are meaningful. */
    HR_SUBSTRATE_NONDETERMINISTIC = 1u << 1,
    /* The substrate talks to the outside world (a process, a socket): its
     * runs may fail with HR_EDRIVER (a fault the driver could not retry away)
     * or HR_ETIMEOUT, which the evolution logs as failed evaluations. */
    HR_SUBSTRATE_EXTERNAL = 1u << 2,
};

/* What is known of one probe (hr_substrate_probe_info). */
typedef struct hr_probe_info {
    char name[32];   /* "probe0", or the tank's own name */
    double x, y;     /* position (m, or the model's length unit; NaN if none) */
    char units[16];  /* unit of the traces ("m", "1": dimensionless) */
} hr_probe_info;

/* What one step of a substrate costs, in the terms the edge-hardware and
 * neuromorphic literature reports (hr_substrate_costs). Counts are per time
 * step of the substrate (its dt_out), averaged over the last run where they
 * depend on the data (spikes, graded messages); NaN where not meaningful. */
typedef struct hr_costs {
    double synaptic_ops;   /* multiply-accumulates (or synaptic events) actually performed */
    double messages;       /* spikes / graded messages sent (event-based substrates) */
    double neuron_updates; /* state updates (units, neurons, cells) */
    double weight_bytes;   /* memory of the weights at their stored bit widths */
    double state_bytes;    /* memory of the state at its bit width */
    int weight_bits;       /* bits per weight (64 for float64) */
    int state_bits;        /* bits per state variable */
} hr_costs;

/* The table a substrate implements. */
typedef struct hr_substrate_type {
    hr_kind base;             /* class HR_CLASS_SUBSTRATE, name, doc, settings
                                 (section "substrate"), flags (hr_substrate_flags);
                                 base.version = HR_SUBSTRATE_VERSION */
    size_t state_size;        /* bytes of per-instance state the caller allocates */
    /* Validates the settings and allocates; on failure frees what it made.
     * Called serially (may make FFT plans, start a process). */
    int (*open)(void *state, const hr_section *settings);
    /* Number of probes and the output spacing of this instance. */
    int (*probes)(const void *state, int *nprobes, double *dt);
    /* Runs the stimulus from rest and fills traces (caller allocated
     * nprobes * nt with nt = floor(stim->t_end / dt + 1e-9) + 1).
     * Deterministic unless the kind has HR_SUBSTRATE_NONDETERMINISTIC; never
     * shares mutable state between instances; called by one thread at a time
     * per instance. */
    int (*run)(void *state, const hr_stimulus *stim, hr_traces *traces);
    /* Frees what open allocated (must accept a state whose open failed). */
    void (*close)(void *state);
    /* Optional (NULL if the substrate has no field to show): the surface at
     * the end of the last run, ny rows of nx values (row-major) into `field`
     * if it is not NULL; *nx and *ny always get the size. */
    int (*snapshot)(const void *state, double *field, int *nx, int *ny);
    /* Optional (NULL: names "probeP", no positions, units "1"): what is
     * known of probe p in [0, nprobes). */
    int (*probe_info)(const void *state, int p, hr_probe_info *info);
    /* Optional (NULL: unknown): the cost of one step (see hr_costs). */
    int (*costs)(const void *state, hr_costs *out);
    /* Settings ("name=value", NULL-terminated) that make a small, fast
     * instance with a stimulus of `example_sources` sources (index 0, 1,
     * ...), for the contract test every registered substrate must pass
     * (tests/test_substrates.c) and for documentation. Required. */
    const char *const *example;
    int example_sources;
} hr_substrate_type;

/* An open instance: the type and its state. */
typedef struct hr_substrate {
    const hr_substrate_type *type; /* not owned */
    void *state;                   /* type->state_size bytes, owned */
} hr_substrate;

/* Registers a substrate kind (checks its version and operations first). */
int hr_substrate_register(const hr_substrate_type *t);

/* The registered substrate kind `name`, or NULL. `names` (if not NULL)
 * receives "kdv, tank, ..." for error messages. */
const hr_substrate_type *hr_substrate_lookup(const char *name, char *names, size_t size);

/* Opens an instance of the kind named in settings->kind. On failure *out is
 * NULL and the status says why. Call serially. */
int hr_substrate_open(hr_substrate **out, const hr_section *settings);

/* Number of probes and output spacing of an open instance. */
int hr_substrate_probes(const hr_substrate *s, int *nprobes, double *dt);

/* Allocates traces for `t_end` at the instance's spacing and runs. The
 * traces' data is malloc'd here and owned by the caller (free(traces->data)).
 * On failure traces->data is NULL. */
int hr_substrate_run(hr_substrate *s, const hr_stimulus *stim, hr_traces *traces);

/* Closes and frees; NULL is allowed. */
void hr_substrate_close(hr_substrate *s);

/* The field at the end of the last run (see hr_substrate_type.snapshot):
 * *field is malloc'd (caller frees). HR_ENOTSUP if the substrate has none. */
int hr_substrate_snapshot(const hr_substrate *s, double **field, int *nx, int *ny);

/* What is known of probe p (the defaults if the kind says nothing). */
int hr_substrate_probe_info(const hr_substrate *s, int p, hr_probe_info *info);

/* The cost of one step (hr_costs); every field NaN / 0 bits and HR_ENOTSUP if
 * the kind does not say. */
int hr_substrate_costs(const hr_substrate *s, hr_costs *out);

/* The kind's capability flags (hr_substrate_flags). */
unsigned hr_substrate_flags_of(const hr_substrate *s);

/* Number of samples for an end time and spacing: floor(t_end / dt + 1e-9) + 1. */
int hr_traces_nt(double t_end, double dt);

/* ---- Fault injection (tests; SQLite's test_vfs countdown) ----
 * With hr__substrate_fault_countdown = n > 0, the n-th call from now of
 * hr_substrate_open or hr_substrate_run fails with hr__substrate_fault_status
 * (default HR_ENOMEM) before reaching the substrate, and the countdown stops
 * (0). Single-threaded tests only. */
extern long hr__substrate_fault_countdown;
extern int hr__substrate_fault_status;

#endif
