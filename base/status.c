/* status.c — status messages and the per-thread error record. */
#include "base/status.h"
#include "base/registry.h"

#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const messages[] = {
#define HR__MSG(name, msg) msg,
    HR_STATUS_MAP(HR__MSG)
#undef HR__MSG
};

static const char *const names[] = {
#define HR__NAME(name, msg) #name,
    HR_STATUS_MAP(HR__NAME)
#undef HR__NAME
};

/* Each thread has its own record, so OpenMP workers can fail independently. */
static _Thread_local char last_message[1024];
static _Thread_local char last_where[256];

const char *hr_strerror(int status)
{
    if (status < 0 || status >= HR_STATUS_COUNT)
        return "unknown status";
    return messages[status];
}

const char *hr_status_name(int status)
{
    if (status < 0 || status >= HR_STATUS_COUNT)
        return "UNKNOWN";
    return names[status];
}

int hr_error_set(int status, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    snprintf(last_where, sizeof last_where, "%s:%d", file ? file : "?", line);
    return status;
}

int hr_error_prefix(int status, const char *fmt, ...)
{
    char joined[2 * sizeof last_message];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(joined, sizeof last_message, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if (n > (int)sizeof last_message - 1)
        n = (int)sizeof last_message - 1;
    snprintf(joined + n, sizeof joined - (size_t)n, ": %s", last_message);
    memcpy(last_message, joined, sizeof last_message - 1);
    last_message[sizeof last_message - 1] = '\0';
    return status;
}

const char *hr_error_message(void) { return last_message; }

const char *hr_error_where(void) { return last_where; }

void hr_error_clear(void)
{
    last_message[0] = '\0';
    last_where[0] = '\0';
}

void hr_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    gsl_set_error_handler_off();
    hr__register_builtins();
}
