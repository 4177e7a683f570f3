/* tank_emulator.h — the tank side of the tank protocol with a simulated tank
 * behind it (`hydrores tank serve`): an experiment's substrate (kind tank,
 * kdv, ... or a recording through kind replay) answers the runs, and faults
 * are injected on purpose, so the whole chain can be tried without water.
 *
 * Determinism: every random choice (whether a fault happens on a run, which
 * row it hits, the measurement noise) is drawn from a stream keyed by
 * (seed, run index, what), where the run index counts the `run` requests
 * this emulator has answered, starting at `start_index`, or at the index
 * stored in `state_file` when that file exists (the index is written there
 * after every run). So the same seed and the same requests give the same
 * answers byte for byte; an emulator restarted with the same state file
 * continues the fault sequence where it stopped (a crash "after N runs"
 * then happens once); one restarted without it starts the sequence again
 * at start_index (the crash comes again N runs later). */
#ifndef HR_TANK_EMULATOR_H
#define HR_TANK_EMULATOR_H

#include <stdint.h>

#include "interface/tank_link.h"
#include "reservoir/experiment.h"

#define HR_EMU_MAX_AT 64

/* When a fault happens: with probability `rate` on each run, and on the
 * runs listed in `at` (run indices). */
typedef struct hr_emu_fault {
    double rate;             /* probability per run, 0 .. 1 */
    int nat;                 /* run indices listed */
    long at[HR_EMU_MAX_AT];  /* them */
} hr_emu_fault;

/* The faults the emulator can inject (hr_emu_params.fault). */
enum hr_emu_fault_kind {
    HR_EMU_LATENCY = 0, /* wait `latency` s before the first row */
    HR_EMU_DROP,        /* leave one data row out */
    HR_EMU_GARBAGE,     /* send a line that is not JSON in the middle of the rows */
    HR_EMU_NAN,         /* one reading is NaN */
    HR_EMU_WRONG_ID,    /* one data message carries another run's id */
    HR_EMU_ERROR,       /* answer with error, retry: true */
    HR_EMU_FATAL,       /* answer with error, retry: false */
    HR_EMU_HANG,        /* stop answering (until the other side closes) */
    HR_EMU_DISCONNECT,  /* half the rows, then close the connection (tcp) / exit (stdio) */
    HR_EMU_PROBES,      /* one row with one reading too few */
    HR_EMU_NFAULTS
};

/* Settings of an emulator. */
typedef struct hr_emu_params {
    uint64_t seed;                        /* seed of every random choice */
    long start_index;                     /* index of the first run */
    const char *state_file;               /* run index kept here across restarts (NULL: none) */
    hr_emu_fault fault[HR_EMU_NFAULTS];   /* when each fault happens */
    double latency;                       /* HR_EMU_LATENCY's wait (s) */
    long crash_after;                     /* exit(3) half-way through run index N (-1: never) */
    double noise;                         /* standard deviation of added noise (tank units) */
    double drift;                         /* offset added per run index (tank units per run) */
    double max_duration;                  /* longest run accepted (s) */
    int fixed_rate;                       /* 1: always deliver the native rate */
    int chunk;                            /* rows per data message */
    int makers;                           /* makers to announce (0: substrate.maker_x's count,
                                             or HR_STIMULUS_MAX_SOURCES for substrates without
                                             makers) */
    const char *name;                     /* name in the hello (NULL: from the experiment) */
} hr_emu_params;

/* Defaults: no faults, seed 1, start index 0, chunk 100 rows, runs up to
 * 3600 s. */
hr_emu_params hr_emu_params_default(void);

/* Parses a fault's value: "RATE" (a probability in 0 .. 1), "@I,J,..." (run
 * indices) or "RATE@I,J,..." (both). HR_EINVAL with the allowed forms. */
int hr_emu_fault_parse(const char *text, hr_emu_fault *out);

typedef struct hr_emulator hr_emulator;

/* Opens the experiment's substrate (serially) and prepares the hello. */
int hr_emulator_create(hr_emulator **out, const hr_experiment *e, const hr_emu_params *p);

/* Serves one connection until `bye` or end of input: HR_OK; HR_EDRIVER if
 * the link failed. A crash fault _exit(3)s the process. */
int hr_emulator_serve(hr_emulator *em, hr_tank_link *link);

/* Frees; NULL is allowed. */
void hr_emulator_destroy(hr_emulator *em);

#endif
