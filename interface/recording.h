/* recording.h — recordings of a tank: every stimulus an experiment needs
 * with the traces it gave, in an HDF5 file (libhdf5) that h5py users can
 * read without hydrores. Format "hydrores-tank-recording", version 1:
 *
 *   /                       attributes: format, format_version (1), created (UTC),
 *                           hydrores_version, experiment, substrate_kind,
 *                           tank_hello (the tank's hello line, "" if none),
 *                           config_xml (the resolved experiment, "" if none),
 *                           dt_s, sample_rate_hz, units (of the readings),
 *                           crc32 (of every dataset's values, see below)
 *   /traces                 float64 [runs, probes, samples] (units; NaN after a
 *                           run's own length), attributes dt_s, sample_rate_hz
 *   /spread                 float64 [runs, probes, samples]: per-sample standard
 *                           deviation over a run's repeats (0 for one repeat)
 *   /runs/length            int32 [runs]   samples of each run
 *   /runs/t_end             float64 [runs] the stimulus's end time (s)
 *   /runs/time              float64 [runs] when it ran (s since 1970-01-01 UTC; NaN unknown)
 *   /runs/repeats           int32 [runs]   repeats whose median the trace is
 *   /runs/tries             int32 [runs]   attempts its last repeat took
 *   /sources/run            int32 [sources] run each source belongs to (runs' sources
 *                           are stored in order, run by run)
 *   /sources/maker          int32 [sources]  wave maker
 *   /sources/amplitude      float64 [sources] in the tank's own units
 *   /sources/frequency      float64 (Hz)  /sources/phase (rad)
 *   /sources/start, duration, ramp, stream_dt  float64 (s)
 *   /sources/stream_offset  int64, /sources/stream_length int32: where a
 *                           stream source's samples are in /sources/stream
 *   /sources/stream         float64 [all stream samples]
 *   /probes/name            32-byte strings [probes]
 *   /probes/x, /probes/y    float64 [probes] (m; NaN unknown)
 * Every dataset has a `units` attribute (CF style: "m", "s", "Hz", "rad",
 * "1", "seconds since 1970-01-01 00:00:00 UTC"). The file is written with
 * HDF5's 1.10 format, whose metadata carries checksums; crc32 (zlib's, over
 * the little-endian bytes of /traces, /spread, /runs/..., /sources/...,
 * /probes/x, /probes/y in that order) covers the values, so a damaged or
 * truncated file is refused, never read as data. */
#ifndef HR_RECORDING_H
#define HR_RECORDING_H

#include "reservoir/substrate.h"

#define HR_RECORDING_FORMAT "hydrores-tank-recording"
#define HR_RECORDING_VERSION 1
/* Largest recording the reader accepts (values in /traces). */
#define HR_RECORDING_MAX_VALUES (1L << 28)

/* One recorded run. */
typedef struct hr_rec_run {
    hr_stimulus stim;    /* its stimulus (stream samples point into `stream`) */
    double *stream;      /* owned: the stream samples of its sources */
    int nt;              /* samples */
    double *traces;      /* owned: nprobes x nt, probe-major like hr_traces */
    double *spread;      /* owned: nprobes x nt */
    int repeats;         /* repeats behind the median */
    int tries;           /* attempts of its last repeat */
    double time_unix;    /* when it ran (s since 1970; NaN unknown) */
} hr_rec_run;

/* A recording in memory. */
typedef struct hr_recording {
    char experiment[64];            /* the experiment it was made for */
    char substrate_kind[32];        /* the kind it was recorded from ("import" for CSVs) */
    char created[32];               /* UTC time of writing, ISO 8601 */
    char hydrores_version[32];      /* version that wrote it */
    char *hello;                    /* owned: the tank's hello line ("" if none) */
    char *config_xml;               /* owned: the resolved experiment ("" if none) */
    char units[16];                 /* unit of the readings */
    double dt;                      /* sample spacing of every run (s) */
    int nprobes;                    /* probes */
    hr_probe_info probes[64];       /* names and positions */
    int nruns;                      /* runs */
    hr_rec_run *runs;               /* them */
    int cap;                        /* allocated runs */
} hr_recording;

/* An empty recording of nprobes probes at spacing dt (s). */
int hr_recording_create(hr_recording **out, int nprobes, double dt);

/* Frees; NULL is allowed. */
void hr_recording_destroy(hr_recording *r);

/* Sets the hello / config text (copied; NULL means ""). */
int hr_recording_set_text(hr_recording *r, const char *hello, const char *config_xml);

/* Appends a run (everything copied): traces nprobes x nt at the
 * recording's spacing, spread the same shape or NULL (zeros). */
int hr_recording_add(hr_recording *r, const hr_stimulus *stim, const double *traces, int nt,
                     const double *spread, int repeats, int tries, double time_unix);

/* Writes the recording to `path` atomically (a temporary file in the same
 * folder, fsync, rename). HR_EIO / HR_ENOMEM / HR_EINVAL. */
int hr_recording_write(const hr_recording *r, const char *path);

/* Reads and checks a recording. HR_EIO if the file cannot be opened;
 * HR_EPARSE, with "PATH: corrupt recording: ..." / "not a hydrores
 * recording" / "format version N (allowed: 1)", for anything else wrong
 * (not HDF5, truncated, damaged, missing or misshapen datasets, a checksum
 * that does not match, values out of range); HR_ENOMEM. Total: any bytes
 * give a status, never a crash (fuzzed in tests/test_recording.c). */
int hr_recording_read(const char *path, hr_recording **out);

/* The run whose stimulus matches `stim`: the same number of sources and,
 * taken in order of maker index (stable), the same maker and every
 * parameter (amplitude, frequency, phase, start, duration, ramp, stream
 * spacing and samples) equal within
 *     |a - b| <= tol * max(|a|, |b|) + 1e-300,
 * and a recorded length that reaches stim->t_end at the recording's
 * spacing. *index = -1 if none; then `why` (if not NULL) says which run was
 * nearest and what differed. */
void hr_recording_find(const hr_recording *r, const hr_stimulus *stim, double tol, int *index,
                       char *why, size_t size);

/* A one-line description of a stimulus for messages ("2 sources: maker 0
 * amplitude 0.02 frequency 2 Hz ...; t_end 2.52 s"). */
void hr_stimulus_describe(const hr_stimulus *stim, char *buf, size_t size);

#endif
