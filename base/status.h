/* status.h — one status enum for all of hydrores, its messages, and the
 * per-thread "last error" record that says what went wrong, where, and what
 * would have been allowed. */
#ifndef HR_STATUS_H
#define HR_STATUS_H

#include <stddef.h>

/* X-macro: one place for every status code and its fixed message
 * (in the style of libuv's UV_ERRNO_MAP). */
#define HR_STATUS_MAP(X)                                              \
    X(OK, "success")                                                  \
    X(EINVAL, "invalid argument")                                     \
    X(ENOMEM, "out of memory")                                        \
    X(EIO, "input/output error")                                      \
    X(EPARSE, "malformed input")                                      \
    X(ERANGE, "value out of range")                                   \
    X(EUNSTABLE, "simulation became unstable")                        \
    X(ESINGULAR, "singular or ill-conditioned matrix")                \
    X(EDRIVER, "data driver fault")                                   \
    X(ETIMEOUT, "timed out")                                          \
    X(ECORRUPT, "corrupt or truncated file")                          \
    X(EINTERRUPT, "interrupted")                                      \
    X(EEXIST, "already exists")                                       \
    X(ENOTSUP, "not supported")

enum hr_status {
#define HR__ENUM(name, msg) HR_##name,
    HR_STATUS_MAP(HR__ENUM)
#undef HR__ENUM
    HR_STATUS_COUNT
};

/* The fixed message of a status code ("unknown status" for codes outside
 * the enum). Never NULL. */
const char *hr_strerror(int status);

/* The name of a status code, e.g. "EINVAL". Never NULL. */
const char *hr_status_name(int status);

/* Records a formatted error message for the calling thread and returns
 * `status` unchanged, so errors are raised as
 *     return HR_ERROR(HR_EINVAL, "nu = %g must be >= 0", nu);
 * The message should say what is wrong, where, and the allowed range.
 * `file` and `line` are the source location (kept for debugging). */
int hr_error_set(int status, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefixes the calling thread's current message with "prefix: " (used by
 * callers that add context, e.g. "case amp0, pattern 2"). Returns `status`. */
int hr_error_prefix(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The calling thread's last error message ("" if none). Valid until the
 * next hr_error_* call on this thread. */
const char *hr_error_message(void);

/* The source location of the last error ("file:line"), for debugging. */
const char *hr_error_where(void);

/* Forgets the calling thread's last error. */
void hr_error_clear(void);

/* Raises an error with the current source location. */
#define HR_ERROR(status, ...) hr_error_set((status), __FILE__, __LINE__, __VA_ARGS__)

/* One-time process setup: turns GSL's aborting error handler off (errors are
 * returned as codes instead) and registers every built-in kind
 * (base/registry.h). Call from main() and from test setup, before threads
 * start; later calls do nothing. */
void hr_init(void);

#endif
