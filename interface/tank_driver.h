/* tank_driver.h — the live tank drivers: substrate kinds `process` (the
 * controller is a child process) and `tcp` (it listens on host:port), one
 * implementation of hydrores's side of the tank protocol
 * (docs/TANK-PROTOCOL.md) behind reservoir/substrate.h. Flags SERIAL (one
 * physical tank: one instance, runs queued behind its lock),
 * NONDETERMINISTIC and EXTERNAL.
 *
 * A run: reset (settle) -> ready, run -> data... -> done, every answer
 * checked; each fault is logged with the time (base/log.h) and the stimulus,
 * the tank is reset and the stimulus run again, up to `tries` times (a dead
 * controller is restarted, a dropped connection reconnected, after a
 * timeout too: a tank that stops answering is treated as hung). After the
 * last try the run fails with HR_ETIMEOUT or HR_EDRIVER and the reason. With
 * `repeats` R > 1 every stimulus is run R times and the per-sample median is
 * the trace (the per-sample standard deviation is kept, hr_live_last_run).
 * Delivered rows are resampled (resample.h) from the delivered rate to
 * dt_out when they differ. */
#ifndef HR_TANK_DRIVER_H
#define HR_TANK_DRIVER_H

#include "interface/tank_proto.h"
#include "reservoir/substrate.h"

/* The two kinds (registered in interface/builtins.c). */
extern const hr_substrate_type hr_substrate_process;
extern const hr_substrate_type hr_substrate_tcp;

/* Kinds of fault the driver tells apart (hr_live_stats.by_kind). */
enum hr_live_fault {
    HR_LIVE_F_TIMEOUT = 0, /* a wait ran out (hello, ready, data gap, whole run) */
    HR_LIVE_F_CLOSED,      /* the controller died / the connection dropped */
    HR_LIVE_F_NOTJSON,     /* a line that is not JSON, or over 1 MiB */
    HR_LIVE_F_MESSAGE,     /* JSON, but a malformed message (missing / mistyped member) */
    HR_LIVE_F_VALUE,       /* a NaN, infinite or non-number reading */
    HR_LIVE_F_ID,          /* an answer for another run id */
    HR_LIVE_F_ROWS,        /* rows out of order, missing, or the wrong number of them */
    HR_LIVE_F_PROBES,      /* a row with the wrong number of probes */
    HR_LIVE_F_ERROR,       /* the tank sent `error` */
    HR_LIVE_F_HELLO,       /* a hello that is wrong or differs after a restart */
    HR_LIVE_F_COUNT
};

/* What the driver has done since it was opened. */
typedef struct hr_live_stats {
    long stimuli;                     /* run() calls that reached the tank */
    long attempts;                    /* reset + run exchanges started */
    long faults;                      /* faults detected (each logged) */
    long by_kind[HR_LIVE_F_COUNT];    /* faults by kind */
    long connects;                    /* controller starts / connections (the first included) */
    long failures;                    /* stimuli given up after the last try */
    long stale;                       /* messages of earlier attempts skipped */
    long ignored;                     /* unknown ops and log lines from the tank */
} hr_live_stats;

/* What the last successful run of an instance gave besides its traces.
 * Valid until the next run on the instance (one thread: hydrores record). */
typedef struct hr_live_run_info {
    int repeats;          /* repeats taken (the median of them is the trace) */
    int tries;            /* attempts the last repeat needed */
    int nprobes, nt;      /* shape of spread */
    const double *spread; /* per-sample standard deviation over the repeats (0 for one
                             repeat), nprobes x nt like the traces */
    double time_unix;     /* wall-clock time the run started (s since 1970) */
    double delivered_rate;/* sample rate the tank delivered (Hz) */
} hr_live_run_info;

/* Whether s is a live driver instance (process or tcp). */
int hr_live_is(const hr_substrate *s);

/* Statistics of a live instance (HR_EINVAL if s is not one). Thread-safe. */
int hr_live_stats_of(hr_substrate *s, hr_live_stats *out);

/* The tank's hello (as first received) and, if json is not NULL, the
 * hello line as the tank sent it (truncated to size). */
int hr_live_hello(const hr_substrate *s, hr_tank_hello *out, char *json, size_t size);

/* The extras of the last run (see hr_live_run_info). */
int hr_live_last_run(const hr_substrate *s, hr_live_run_info *out);

#endif
