/* log.h — the run log: one line per event worth keeping (a driver's faults
 * and retries, what a tank said that was not data), each stamped with the
 * wall-clock time. Where lines go is set by the program (a file in the
 * result folder, stderr by default); any thread may log. */
#ifndef HR_LOG_H
#define HR_LOG_H

/* A sink receives one complete line (time stamp included, no newline). */
typedef void (*hr_log_fn)(void *ctx, const char *line);

/* Sends log lines to fn(ctx, line); NULL restores the default (stderr).
 * Returns nothing; call while no other thread logs. */
void hr_log_set_sink(hr_log_fn fn, void *ctx);

/* Logs one line "2026-12-02T16:54:33.123Z <message>" (UTC). Thread-safe:
 * lines never interleave. */
void hr_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A sink that appends the line and a newline to the FILE * given as ctx and
 * flushes it. */
void hr_log_to_file(void *file, const char *line);

#endif
