/* log.c — the time-stamped run log behind one mutex. */
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static hr_log_fn sink;
static void *sink_ctx;

void hr_log_to_file(void *file, const char *line)
{
    FILE *f = file ? file : stderr;
    fprintf(f, "%s\n", line);
    fflush(f);
}

void hr_log_set_sink(hr_log_fn fn, void *ctx)
{
    pthread_mutex_lock(&lock);
    sink = fn;
    sink_ctx = ctx;
    pthread_mutex_unlock(&lock);
}

void hr_log(const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ ", ts.tv_nsec / 1000000);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    if (sink)
        sink(sink_ctx, line);
    else
        hr_log_to_file(stderr, line);
    pthread_mutex_unlock(&lock);
}
