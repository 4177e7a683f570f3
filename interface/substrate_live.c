/* substrate_live.c — the live tank drivers `process` and `tcp`: hydrores's
 * side of the tank protocol (docs/TANK-PROTOCOL.md) over tank_link.h's
 * carriers, behind reservoir/substrate.h. See tank_driver.h for what a run
 * does; the fault handling follows the protocol's "What hydrores must do"
 * list item by item. */
#include "interface/tank_driver.h"
#include "interface/resample.h"
#include "interface/tank_link.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Settings ---- */

typedef struct live_cfg {
    char command[128];       /* process: the controller's command line */
    int shell;               /* process: 1 = through /bin/sh -c */
    char host[128];          /* tcp: where the controller listens */
    int port;                /* tcp: its port (0: the free port chosen for ${PORT}) */
    char server[128];        /* tcp: a command that starts the controller (may be "") */
    double connect_timeout;  /* tcp: connect limit (s) */
    double hello_timeout;    /* wait for the hello answer (s) */
    double reset_timeout;    /* wait for ready beyond the settle time (s) */
    double data_timeout;     /* longest gap between two lines of a run (s) */
    double run_timeout;      /* whole run: this (s) ... */
    double run_timeout_per_s;/* ... plus this times the run's duration */
    int tries;               /* attempts per stimulus */
    double retry_wait;       /* pause before restarting / reconnecting (s) */
    int repeats;             /* runs per stimulus (median taken) */
    double settle;           /* settle time asked for in reset (s) */
    double sample_rate;      /* rate to ask for (Hz; 0: the tank's native rate) */
    double dt_out;           /* trace spacing (s; 0: 1 / the rate asked for) */
    int resample;            /* hr_resample_method (choice index) */
    hr_plist probes;         /* indices of the tank's probes to use (empty: all) */
    int makers;              /* makers the experiment needs (0: checked per stimulus) */
} live_cfg;

#define COMMON_PARAMS                                                                             \
    HR_NUMBER_AT(live_cfg, hello_timeout, "hello_timeout", 10, 0.01, 1e5,                         \
                 "wait for the tank's hello after starting or connecting (s)"),                   \
    HR_NUMBER_AT(live_cfg, reset_timeout, "reset_timeout", 30, 0.01, 1e5,                         \
                 "wait for ready after a reset, beyond the settle time (s)"),                     \
    HR_NUMBER_AT(live_cfg, data_timeout, "data_timeout", 5, 0.01, 1e5,                            \
                 "longest silence between two lines of a run once data flows (s)"),               \
    HR_NUMBER_AT(live_cfg, run_timeout, "run_timeout", 10, 0.01, 1e6,                             \
                 "limit of a whole run: this plus run_timeout_per_s times its duration (s)"),     \
    HR_NUMBER_AT(live_cfg, run_timeout_per_s, "run_timeout_per_s", 2, 0, 1e4,                     \
                 "seconds of run limit per second of run duration"),                              \
    HR_INT_AT(live_cfg, tries, "tries", 3, 1, 1000, "attempts per stimulus before it fails"),     \
    HR_NUMBER_AT(live_cfg, retry_wait, "retry_wait", 0.5, 0, 3600,                                \
                 "pause before restarting a dead controller or reconnecting (s)"),                \
    HR_INT_AT(live_cfg, repeats, "repeats", 1, 1, 1000,                                           \
              "runs per stimulus; the trace is their per-sample median"),                         \
    HR_NUMBER_AT(live_cfg, settle, "settle", 10, 0, 1e5,                                          \
                 "settle time asked for before every run (s): the water comes to rest"),          \
    HR_NUMBER_AT(live_cfg, sample_rate, "sample_rate", 0, 0, 1e7,                                 \
                 "sample rate to ask the tank for (Hz; 0: its native rate)"),                     \
    HR_NUMBER_AT(live_cfg, dt_out, "dt_out", 0, 0, 1e3,                                           \
                 "spacing of the traces hydrores works with (s; 0: 1 / the rate asked for); "     \
                 "other rates are resampled"),                                                    \
    HR_CHOICE_AT(live_cfg, resample, "resample", "sinc|linear", "sinc",                           \
                 "resampling when the delivered rate is not 1 / dt_out: Lanczos-windowed sinc "   \
                 "(band-limited) or linear"),                                                     \
    HR_LIST_AT(live_cfg, probes, "probes", 0, HR_TANK_MAX_PROBES - 1, HR_TANK_MAX_PROBES,         \
               "indices of the tank's probes to use, in order (empty: all)"),                     \
    HR_INT_AT(live_cfg, makers, "makers", 0, 0, HR_STIMULUS_MAX_SOURCES,                          \
              "wave makers the experiment drives; more than the tank has is refused when the "    \
              "driver opens (0: every stimulus is checked before it runs)")

static const hr_param_spec process_params[] = {
    HR_TEXT_AT(live_cfg, command, "command", "",
               "the controller's command line, split like a shell does (no shell operators); "
               "${HYDRORES} is the hydrores program"),
    HR_INT_AT(live_cfg, shell, "shell", 0, 0, 1, "1: run the command through /bin/sh -c"),
    COMMON_PARAMS,
    HR_PARAMS_END,
};

static const hr_param_spec tcp_params[] = {
    HR_TEXT_AT(live_cfg, host, "host", "127.0.0.1", "host where the controller listens"),
    HR_INT_AT(live_cfg, port, "port", 0, 0, 65535,
              "its TCP port (0: with a server command, a free port, passed to it as ${PORT})"),
    HR_TEXT_AT(live_cfg, server, "server", "",
               "optional command that starts the controller listening (split like a shell "
               "does; ${HYDRORES}, ${PORT}); hydrores starts it, restarts it if it dies, stops it "
               "at the end"),
    HR_NUMBER_AT(live_cfg, connect_timeout, "connect_timeout", 5, 0.01, 1e4,
                 "longest wait for the connection (s)"),
    COMMON_PARAMS,
    HR_PARAMS_END,
};

/* ---- State ---- */

typedef struct live_state {
    live_cfg cfg;              /* decoded settings */
    enum hr_link_carrier carrier; /* process or tcp */
    pthread_mutex_t lock;      /* one run at a time */
    int lock_ok;               /* lock initialised */
    hr_tank_link *link;        /* current connection (NULL: none) */
    hr_tank_link *server;      /* tcp: the controller started from `server` (NULL: none) */
    int port;                  /* tcp: the port connected to */
    int have_hello;            /* hello holds the first hello */
    hr_tank_hello hello;       /* what the tank said it is */
    char hello_json[4096];     /* the hello line as sent */
    int nsel;                  /* probes used */
    int sel[HR_TANK_MAX_PROBES]; /* their indices in the tank's rows */
    double rate;               /* rate asked for (Hz) */
    double dt_out;             /* trace spacing (s) */
    long long next_id;         /* next message id */
    hr_live_stats stats;       /* counters */
    hr_tank_msg msg;           /* decode scratch */
    double *raw;               /* rows of the current attempt (nrows x tank probes) */
    size_t raw_cap;            /* capacity in doubles */
    double *reps;              /* repeats x nsel x nt resampled traces */
    size_t reps_cap;
    double *spread;            /* nsel x nt of the last run */
    size_t spread_cap;
    hr_live_run_info last;     /* extras of the last run */
    enum hr_live_fault last_fault; /* kind of the last fault raised */
    char what[256];            /* the stimulus being run, for logs */
} live_state;

/* ---- Small helpers ---- */

static const char *const fault_names[HR_LIVE_F_COUNT] = {
    "timeout", "closed", "not JSON", "malformed message", "bad reading", "wrong id",
    "rows", "probe count", "tank error", "hello",
};

/* One line describing a stimulus for logs and errors. */
static void describe(const hr_stimulus *st, long n, char *buf, size_t size)
{
    size_t k = (size_t)snprintf(buf, size, "stimulus %ld (%d source%s", n, st->nsources,
                                st->nsources == 1 ? "" : "s");
    for (int i = 0; i < st->nsources && i < 4 && k < size; i++) {
        const hr_source *s = &st->sources[i];
        if (s->nsamples > 0)
            k += (size_t)snprintf(buf + k, size - k, "%s maker %d: A %.6g x stream of %d", i ? ";" : ":",
                                  s->index, s->amplitude, s->nsamples);
        else
            k += (size_t)snprintf(buf + k, size - k, "%s maker %d: A %.6g f %.6g Hz", i ? ";" : ":",
                                  s->index, s->amplitude, s->frequency);
    }
    if (k < size)
        snprintf(buf + k, size - k, "%s; %.6g s)", st->nsources > 4 ? "; ..." : "", st->t_end);
}

static int grow(double **p, size_t *cap, size_t n)
{
    if (n <= *cap)
        return HR_OK;
    size_t c = *cap ? *cap : 1024;
    while (c < n)
        c *= 2;
    double *q = realloc(*p, c * sizeof *q);
    if (!q)
        return HR_ERROR(HR_ENOMEM, "out of memory for %zu tank readings", n);
    *p = q;
    *cap = c;
    return HR_OK;
}

static int rows_for(double duration, double rate)
{
    return (int)floor(duration * rate + 1e-9) + 1;
}

/* A fault: counted, and the status / message kept for the caller. */
static int fault(live_state *k, enum hr_live_fault kind, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fault(live_state *k, enum hr_live_fault kind, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    k->stats.faults++;
    k->stats.by_kind[kind]++;
    k->last_fault = kind;
    return HR_ERROR(status, "%s: %s", fault_names[kind], msg);
}

/* The fault kind of a decoder error. */
static enum hr_live_fault decode_kind(const char *msg)
{
    if (strncmp(msg, "not JSON", 8) == 0 || strncmp(msg, "a line", 6) == 0)
        return HR_LIVE_F_NOTJSON;
    if (strstr(msg, "NaN") || strstr(msg, "infinite") || strstr(msg, "not a number") ||
        strstr(msg, "not a finite"))
        return HR_LIVE_F_VALUE;
    if (strncmp(msg, "hello", 5) == 0)
        return HR_LIVE_F_HELLO;
    return HR_LIVE_F_MESSAGE;
}

static void drop_link(live_state *k)
{
    if (!k->link)
        return;
    hr_link_close(k->link, 0.5);
    k->link = NULL;
}

static int send_line(live_state *k, char *line, size_t len)
{
    int st = hr_link_send(k->link, line, len, k->cfg.data_timeout);
    free(line);
    if (st)
        return fault(k, st == HR_ETIMEOUT ? HR_LIVE_F_TIMEOUT : HR_LIVE_F_CLOSED, st, "%s",
                     hr_error_message());
    return HR_OK;
}

/* Reads the next message within `timeout`. Log lines and unknown ops are
 * logged here and skipped. Faults are raised (counted) here. */
static int next_msg(live_state *k, double timeout, const char *waiting_for)
{
    for (;;) {
        const char *line;
        size_t len;
        double t0 = hr_now();
        if (k->server)
            hr_link_drain(k->server);
        int st = hr_link_recv(k->link, timeout, &line, &len);
        if (st == HR_ETIMEOUT)
            return fault(k, HR_LIVE_F_TIMEOUT, HR_ETIMEOUT, "no answer within %g s while waiting "
                         "for %s", timeout, waiting_for);
        if (st == HR_EDRIVER)
            return fault(k, HR_LIVE_F_CLOSED, HR_EDRIVER, "%s while waiting for %s",
                         hr_error_message(), waiting_for);
        if (st == HR_EPARSE)
            return fault(k, HR_LIVE_F_NOTJSON, HR_EDRIVER, "%s", hr_error_message());
        if (st)
            return st;
        st = hr_tank_decode(line, len, HR_TANK_FROM_TANK, &k->msg);
        if (st == HR_ENOMEM)
            return st;
        if (st) {
            char m[1200];
            snprintf(m, sizeof m, "%s", hr_error_message());
            return fault(k, decode_kind(m), HR_EDRIVER, "%s (line: %.80s%s)", m, line,
                         len > 80 ? "..." : "");
        }
        if (k->msg.op == HR_TANK_OP_LOG) {
            hr_log("tank says: %s", k->msg.message);
            k->stats.ignored++;
        } else if (k->msg.op == HR_TANK_OP_UNKNOWN) {
            hr_log("tank sent op '%s', which protocol %d does not have: ignored", k->msg.opname,
                   HR_TANK_PROTOCOL);
            k->stats.ignored++;
        } else {
            return HR_OK;
        }
        timeout -= hr_now() - t0;
        if (timeout < 0)
            timeout = 0;
    }
}

/* ---- Connecting ---- */

static int same_hello(const hr_tank_hello *a, const hr_tank_hello *b)
{
    if (a->makers != b->makers || a->nprobes != b->nprobes || a->sample_rate != b->sample_rate ||
        strcmp(a->units, b->units) != 0)
        return 0;
    for (int i = 0; i < a->nprobes; i++)
        if (strcmp(a->probes[i].name, b->probes[i].name) != 0)
            return 0;
    return 1;
}

/* A free TCP port of this machine's loopback (bound, read, released). */
static int free_port(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    int ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
             getsockname(fd, (struct sockaddr *)&a, &al) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok)
        return HR_ERROR(HR_EDRIVER, "cannot find a free TCP port: %s", strerror(errno));
    *port = ntohs(a.sin_port);
    return HR_OK;
}

/* tcp with a server command: starts it (again, if it died). */
static int start_server(live_state *k)
{
    if (k->carrier != HR_LINK_TCP || !k->cfg.server[0])
        return HR_OK;
    if (k->server && hr_link_alive(k->server))
        return HR_OK;
    if (k->server) {
        hr_link_drain(k->server);
        hr_log("tank: the controller started from substrate.server has exited; starting it "
               "again");
        hr_link_close(k->server, 0);
        k->server = NULL;
    }
    int st;
    if (k->cfg.port == 0 && (st = free_port(&k->port)))
        return st;
    char cmd[512], num[16];
    snprintf(num, sizeof num, "%d", k->port);
    size_t j = 0;
    for (const char *c = k->cfg.server; *c && j + 16 < sizeof cmd;) {
        if (strncmp(c, "${PORT}", 7) == 0) {
            j += (size_t)snprintf(cmd + j, sizeof cmd - j, "%s", num);
            c += 7;
        } else {
            cmd[j++] = *c++;
        }
    }
    cmd[j] = '\0';
    hr_link_params p = {.carrier = HR_LINK_PROCESS, .command = cmd};
    if ((st = hr_link_open(&k->server, &p)))
        return st == HR_EINVAL ? hr_error_prefix(st, "substrate.server") : st;
    hr_log("tank: started the controller: %s", hr_link_describe(k->server));
    return HR_OK;
}

/* Starts / connects and exchanges hellos. */
static int connect_tank(live_state *k)
{
    int st = start_server(k);
    if (st)
        return st;
    hr_link_params p = {.carrier = k->carrier,
                        .command = k->cfg.command,
                        .shell = k->cfg.shell,
                        .host = k->cfg.host,
                        .port = k->port,
                        .connect_timeout = k->cfg.connect_timeout};
    st = hr_link_open(&k->link, &p);
    /* A controller started here may take a moment to listen. */
    double until = hr_now() + k->cfg.hello_timeout;
    while (st == HR_EDRIVER && k->server && hr_link_alive(k->server) && hr_now() < until) {
        hr_link_drain(k->server);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        st = hr_link_open(&k->link, &p);
    }
    if (st == HR_EINVAL || st == HR_ENOMEM)
        return st;
    if (st)
        return fault(k, st == HR_ETIMEOUT ? HR_LIVE_F_TIMEOUT : HR_LIVE_F_CLOSED, st, "%s",
                     hr_error_message());
    k->stats.connects++;
    if (k->stats.connects > 1)
        hr_log("tank: started / connected again: %s", hr_link_describe(k->link));
    char *line;
    size_t len;
    if ((st = hr_tank_encode_hello_host(&line, &len, "hydrores " HR_VERSION)) ||
        (st = send_line(k, line, len)))
        return st;
    /* The hello answer; anything else first is a fault (nothing has been
     * asked that it could answer). */
    double deadline = hr_now() + k->cfg.hello_timeout;
    for (;;) {
        double left = deadline - hr_now();
        const char *raw;
        size_t rlen;
        int r = hr_link_recv(k->link, left > 0 ? left : 0, &raw, &rlen);
        if (r == HR_ETIMEOUT)
            return fault(k, HR_LIVE_F_TIMEOUT, HR_ETIMEOUT, "no hello from %s within %g s",
                         hr_link_describe(k->link), k->cfg.hello_timeout);
        if (r == HR_EDRIVER)
            return fault(k, HR_LIVE_F_CLOSED, HR_EDRIVER, "%s before its hello", hr_error_message());
        if (r)
            return fault(k, HR_LIVE_F_NOTJSON, HR_EDRIVER, "%s", hr_error_message());
        char copy[sizeof k->hello_json];
        snprintf(copy, sizeof copy, "%.*s", (int)(rlen < sizeof copy ? rlen : sizeof copy - 1), raw);
        r = hr_tank_decode(raw, rlen, HR_TANK_FROM_TANK, &k->msg);
        if (r == HR_ENOMEM)
            return r;
        if (r) {
            char m[1200];
            snprintf(m, sizeof m, "%s", hr_error_message());
            enum hr_live_fault kind = decode_kind(m);
            return fault(k, kind == HR_LIVE_F_MESSAGE ? HR_LIVE_F_HELLO : kind, HR_EDRIVER,
                         "%s (line: %.80s)", m, copy);
        }
        if (k->msg.op == HR_TANK_OP_LOG) {
            hr_log("tank says: %s", k->msg.message);
            continue;
        }
        if (k->msg.op == HR_TANK_OP_UNKNOWN) {
            hr_log("tank sent op '%s' before its hello: ignored", k->msg.opname);
            continue;
        }
        if (k->msg.op != HR_TANK_OP_HELLO)
            return fault(k, HR_LIVE_F_HELLO, HR_EDRIVER, "the tank answered hello with '%s'",
                         hr_tank_op_name(k->msg.op));
        if (k->have_hello && !same_hello(&k->hello, &k->msg.hello))
            return fault(k, HR_LIVE_F_HELLO, HR_EDRIVER, "the tank's hello after a restart "
                         "differs from the first (makers, probes, rate or units): %s", copy);
        if (!k->have_hello) {
            k->hello = k->msg.hello;
            snprintf(k->hello_json, sizeof k->hello_json, "%s", copy);
            k->have_hello = 1;
            hr_log("tank: '%s' (%s): %d makers, %d probes, %g Hz, runs up to %g s, units %s",
                   k->hello.name, hr_link_describe(k->link), k->hello.makers, k->hello.nprobes,
                   k->hello.sample_rate, k->hello.max_duration, k->hello.units);
        }
        return HR_OK;
    }
}

/* Makes sure there is a link, restarting / reconnecting if needed. */
static int ensure_link(live_state *k)
{
    if (k->link)
        return HR_OK;
    if (k->stats.connects > 0 && k->cfg.retry_wait > 0) {
        struct timespec ts = {(time_t)k->cfg.retry_wait,
                              (long)((k->cfg.retry_wait - floor(k->cfg.retry_wait)) * 1e9)};
        nanosleep(&ts, NULL);
    }
    int st = connect_tank(k);
    if (st)
        drop_link(k);
    return st;
}

/* ---- One attempt: reset, run, collect ---- */

/* Waits for ready(id), skipping what earlier attempts left in the stream. */
static int await_ready(live_state *k, long long id, int *retry_ok)
{
    double deadline = hr_now() + k->cfg.settle + k->cfg.reset_timeout;
    for (;;) {
        double left = deadline - hr_now();
        int st = next_msg(k, left > 0 ? left : 0, "ready");
        if (st)
            return st;
        hr_tank_msg *m = &k->msg;
        if (m->op == HR_TANK_OP_READY && m->id == id)
            return HR_OK;
        if (m->op == HR_TANK_OP_ERROR && (!m->has_id || m->id == id)) {
            *retry_ok = m->retry;
            return fault(k, HR_LIVE_F_ERROR, HR_EDRIVER, "the tank reported error '%s' on reset: "
                         "%s (retry: %s)", m->code, m->message, m->retry ? "yes" : "no");
        }
        if (m->has_id && m->id < id) {
            k->stats.stale++;
            hr_log("tank: skipped '%s' of earlier request %lld", hr_tank_op_name(m->op), m->id);
            continue;
        }
        return fault(k, m->has_id ? HR_LIVE_F_ID : HR_LIVE_F_MESSAGE, HR_EDRIVER,
                     "got '%s' for id %lld while waiting for ready %lld", hr_tank_op_name(m->op),
                     m->has_id ? m->id : -1LL, id);
    }
}

/* Runs the stimulus once; on success k->raw holds *nrows rows of the
 * tank's probes and *rate the delivered rate. *retry_ok is cleared when the
 * tank said retrying will not help. */
static int attempt(live_state *k, const hr_stimulus *stim, double duration, int *nrows,
                   double *rate, int *retry_ok)
{
    *retry_ok = 1;
    int st = ensure_link(k);
    if (st)
        return st;
    k->stats.attempts++;
    char *line;
    size_t len;
    long long rid = k->next_id++;
    if ((st = hr_tank_encode_reset(&line, &len, rid, k->cfg.settle)) || (st = send_line(k, line, len)))
        return st;
    if ((st = await_ready(k, rid, retry_ok)))
        return st;
    long long id = k->next_id++;
    st = hr_tank_encode_run(&line, &len, id, duration, k->rate, stim);
    if (st)
        return st; /* a stimulus the protocol cannot carry: not a fault */
    if ((st = send_line(k, line, len)))
        return st;
    int np = k->hello.nprobes;
    int m_ask = rows_for(duration, k->rate), m_native = rows_for(duration, k->hello.sample_rate);
    int m_max = m_ask > m_native ? m_ask : m_native;
    double limit = k->cfg.run_timeout + k->cfg.run_timeout_per_s * duration;
    double deadline = hr_now() + limit;
    long long next = 0;
    for (;;) {
        double left = deadline - hr_now();
        if (left <= 0)
            return fault(k, HR_LIVE_F_TIMEOUT, HR_ETIMEOUT, "run %lld did not finish within its "
                         "limit of %g s (%lld rows so far)", id, limit, next);
        double wait = next == 0 || left < k->cfg.data_timeout ? left : k->cfg.data_timeout;
        if ((st = next_msg(k, wait, next == 0 ? "the first data row" : "more data rows")))
            return st;
        hr_tank_msg *m = &k->msg;
        switch (m->op) {
        case HR_TANK_OP_DATA:
            if (m->id != id)
                return fault(k, HR_LIVE_F_ID, HR_EDRIVER, "data for run %lld during run %lld",
                             m->id, id);
            if (m->ncols != np)
                return fault(k, HR_LIVE_F_PROBES, HR_EDRIVER, "a row of %d readings at sample "
                             "%lld (the tank has %d probes)", m->ncols, m->k0, np);
            if (m->k0 < next)
                return fault(k, HR_LIVE_F_ROWS, HR_EDRIVER, "rows out of order: k0 = %lld after "
                             "%lld rows", m->k0, next);
            if (m->k0 > next)
                return fault(k, HR_LIVE_F_ROWS, HR_EDRIVER, "rows missing: samples %lld .. %lld "
                             "never came", next, m->k0 - 1);
            if (next + m->nrows > m_max)
                return fault(k, HR_LIVE_F_ROWS, HR_EDRIVER, "more rows than asked for (%lld, "
                             "expected %d)", next + m->nrows, m_max);
            if ((st = grow(&k->raw, &k->raw_cap, (size_t)(next + m->nrows) * (size_t)np)))
                return st;
            memcpy(k->raw + (size_t)next * (size_t)np, m->rows,
                   (size_t)m->nrows * (size_t)np * sizeof *k->raw);
            next += m->nrows;
            break;
        case HR_TANK_OP_DONE:
            if (m->id != id)
                return fault(k, HR_LIVE_F_ID, HR_EDRIVER, "done for run %lld during run %lld",
                             m->id, id);
            if (m->samples != next)
                return fault(k, HR_LIVE_F_ROWS, HR_EDRIVER, "done says %lld rows, %lld came",
                             m->samples, next);
            if (next == m_ask)
                *rate = k->rate;
            else if (next == m_native)
                *rate = k->hello.sample_rate;
            else
                return fault(k, HR_LIVE_F_ROWS, HR_EDRIVER, "%lld rows for %g s (expected %d at "
                             "the %g Hz asked for, or %d at the native %g Hz)", next, duration,
                             m_ask, k->rate, m_native, k->hello.sample_rate);
            *nrows = (int)next;
            return HR_OK;
        case HR_TANK_OP_ERROR:
            if (m->has_id && m->id < id) {
                k->stats.stale++;
                hr_log("tank: skipped an error of earlier request %lld", m->id);
                break;
            }
            *retry_ok = m->retry;
            return fault(k, HR_LIVE_F_ERROR, HR_EDRIVER, "the tank reported error '%s': %s "
                         "(retry: %s)", m->code, m->message, m->retry ? "yes" : "no");
        case HR_TANK_OP_READY:
            if (m->id < id) {
                k->stats.stale++;
                break;
            }
            return fault(k, HR_LIVE_F_ID, HR_EDRIVER, "ready %lld during run %lld", m->id, id);
        default:
            return fault(k, HR_LIVE_F_MESSAGE, HR_EDRIVER, "unexpected '%s' during run %lld",
                         hr_tank_op_name(m->op), id);
        }
    }
}

/* ---- Median of repeats ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* out = per-sample median over r blocks of n values; spread = their
 * standard deviation (n - 1 divisor; 0 for r = 1), from the deviations to
 * the first repeat, so equal values give exactly 0. */
static void median_of(const double *blocks, int r, size_t n, double *out, double *spread)
{
    double v[1000];
    for (size_t i = 0; i < n; i++) {
        double d0 = blocks[i], mean = 0;
        for (int j = 0; j < r; j++) {
            v[j] = blocks[(size_t)j * n + i];
            mean += v[j] - d0;
        }
        mean /= r;
        double ss = 0;
        for (int j = 0; j < r; j++)
            ss += (v[j] - d0 - mean) * (v[j] - d0 - mean);
        spread[i] = r > 1 ? sqrt(ss / (r - 1)) : 0;
        qsort(v, (size_t)r, sizeof *v, cmp_double);
        out[i] = r % 2 ? v[r / 2] : 0.5 * (v[r / 2 - 1] + v[r / 2]);
    }
}

/* ---- The substrate operations ---- */

static int live_open_common(live_state *k, const hr_section *set, enum hr_link_carrier carrier)
{
    hr_section_decode(set, &k->cfg);
    k->carrier = carrier;
    k->next_id = 1;
    if (pthread_mutex_init(&k->lock, NULL) != 0)
        return HR_ERROR(HR_ENOMEM, "cannot make the tank driver's lock");
    k->lock_ok = 1;
    if (carrier == HR_LINK_PROCESS) {
        if (!k->cfg.command[0])
            return HR_ERROR(HR_EINVAL, "substrate.command is empty (allowed: the controller's "
                            "command line, e.g. ${HYDRORES} tank serve configs/tank-xnor.xml)");
        if (strlen(k->cfg.command) >= sizeof k->cfg.command - 1)
            return HR_ERROR(HR_EINVAL, "substrate.command has %zu characters, the most a text "
                            "setting holds, so it may have been cut (allowed: up to %zu; put a "
                            "longer command in a script)", strlen(k->cfg.command),
                            sizeof k->cfg.command - 2);
        if (!k->cfg.shell) {
            char **argv;
            int argc;
            int st = hr_link_split(k->cfg.command, &argv, &argc);
            if (st)
                return hr_error_prefix(st, "substrate.command");
            hr_link_free_argv(argv);
        }
    } else if (!k->cfg.host[0]) {
        return HR_ERROR(HR_EINVAL, "substrate.host is empty (allowed: a host name or address)");
    } else if (k->cfg.port == 0 && !k->cfg.server[0]) {
        return HR_ERROR(HR_EINVAL, "substrate.port is 0 (allowed: 1 .. 65535, or 0 with a "
                        "substrate.server command that takes the port as ${PORT})");
    }
    k->port = k->cfg.port;
    /* Reach the tank: up to `tries` times. */
    int st = HR_OK;
    for (int t = 1; t <= k->cfg.tries; t++) {
        st = ensure_link(k);
        if (!st || st == HR_EINVAL || st == HR_ENOMEM)
            break;
        hr_log("tank: cannot reach the tank (try %d of %d): %s", t, k->cfg.tries,
               hr_error_message());
    }
    if (st)
        return hr_error_prefix(st, "substrate %s", carrier == HR_LINK_PROCESS ? "process" : "tcp");
    const hr_tank_hello *h = &k->hello;
    if (k->cfg.makers > h->makers)
        return HR_ERROR(HR_EINVAL, "substrate.makers = %d, but the tank '%s' has %d wave makers "
                        "(allowed: 0 .. %d)", k->cfg.makers, h->name, h->makers, h->makers);
    if (k->cfg.probes.n == 0) {
        k->nsel = h->nprobes;
        for (int i = 0; i < h->nprobes; i++)
            k->sel[i] = i;
    } else {
        k->nsel = k->cfg.probes.n;
        for (int i = 0; i < k->nsel; i++) {
            double v = k->cfg.probes.v[i];
            if (v != floor(v) || v >= h->nprobes)
                return HR_ERROR(HR_EINVAL, "substrate.probes%d = %g, but the tank '%s' has %d "
                                "probes (allowed: whole numbers 0 .. %d)", i, v, h->name,
                                h->nprobes, h->nprobes - 1);
            k->sel[i] = (int)v;
        }
    }
    k->rate = k->cfg.sample_rate > 0 ? k->cfg.sample_rate : h->sample_rate;
    k->dt_out = k->cfg.dt_out > 0 ? k->cfg.dt_out : 1.0 / k->rate;
    return HR_OK;
}

static int process_open(void *state, const hr_section *set)
{
    return live_open_common(state, set, HR_LINK_PROCESS);
}

static int tcp_open(void *state, const hr_section *set)
{
    return live_open_common(state, set, HR_LINK_TCP);
}

static int live_probes(const void *state, int *nprobes, double *dt)
{
    const live_state *k = state;
    *nprobes = k->nsel;
    *dt = k->dt_out;
    return HR_OK;
}

static int live_probe_info(const void *state, int p, hr_probe_info *info)
{
    const live_state *k = state;
    const hr_tank_probe *tp = &k->hello.probes[k->sel[p]];
    snprintf(info->name, sizeof info->name, "%s", tp->name);
    info->x = tp->x;
    info->y = tp->y;
    snprintf(info->units, sizeof info->units, "%s", k->hello.units);
    return HR_OK;
}

/* The stimulus checks that need no tank: makers, duration. */
static int check_stimulus(const live_state *k, const hr_stimulus *stim, double duration)
{
    for (int i = 0; i < stim->nsources; i++)
        if (stim->sources[i].index < 0 || stim->sources[i].index >= k->hello.makers)
            return HR_ERROR(HR_EINVAL, "%s: source %d drives wave maker %d, but the tank '%s' "
                            "has %d (allowed: 0 .. %d)", k->what, i, stim->sources[i].index,
                            k->hello.name, k->hello.makers, k->hello.makers - 1);
    if (duration > k->hello.max_duration * (1 + 1e-12))
        return HR_ERROR(HR_ERANGE, "%s needs a run of %g s, but the tank '%s' runs at most %g s",
                        k->what, duration, k->hello.name, k->hello.max_duration);
    return HR_OK;
}

static int run_locked(live_state *k, const hr_stimulus *stim, hr_traces *tr)
{
    describe(stim, k->stats.stimuli + 1, k->what, sizeof k->what);
    int nt = tr->nt, nsel = k->nsel;
    double t_out = (nt - 1) * k->dt_out;
    int exact = k->rate * k->dt_out == 1.0 || fabs(k->rate * k->dt_out - 1) < 1e-12;
    double margin = exact ? 0
                    : (k->cfg.resample == HR_RESAMPLE_SINC ? HR_RESAMPLE_LOBES : 1) *
                          (1 / k->rate > k->dt_out ? 1 / k->rate : k->dt_out);
    int st = check_stimulus(k, stim, t_out);
    if (st)
        return st;
    double duration = t_out + margin;
    if (duration > k->hello.max_duration)
        duration = k->hello.max_duration;
    k->stats.stimuli++;
    size_t block = (size_t)nsel * (size_t)nt;
    int R = k->cfg.repeats;
    if ((st = grow(&k->reps, &k->reps_cap, block * (size_t)R)) ||
        (st = grow(&k->spread, &k->spread_cap, block)))
        return st;
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    k->last.time_unix = (double)wall.tv_sec + 1e-9 * (double)wall.tv_nsec;
    int tries_used = 0;
    double delivered = k->rate;
    for (int r = 0; r < R; r++) {
        int ok = 0, last = HR_EDRIVER;
        char reason[1024] = "";
        for (int t = 1; t <= k->cfg.tries && !ok; t++) {
            int nrows = 0, retry_ok = 1;
            double rate = k->rate;
            st = attempt(k, stim, duration, &nrows, &rate, &retry_ok);
            if (st == HR_ENOMEM || (st && st != HR_EDRIVER && st != HR_ETIMEOUT))
                return st; /* not a tank fault: the stimulus cannot be sent at all */
            if (!st) {
                /* Resample every probe used to the trace spacing. */
                double *dst = k->reps + (size_t)r * block;
                for (int p = 0; p < nsel && !st; p++)
                    st = hr_resample(k->raw + k->sel[p], nrows, k->hello.nprobes,
                                     rate == k->rate && exact ? k->dt_out : 1 / rate,
                                     dst + (size_t)p * (size_t)nt, nt, 1, k->dt_out,
                                     (enum hr_resample_method)k->cfg.resample);
                if (st)
                    return st;
                delivered = rate;
                ok = 1;
                tries_used = t;
                if (t > 1)
                    hr_log("tank: %s, repeat %d of %d: try %d of %d succeeded", k->what, r + 1, R,
                           t, k->cfg.tries);
                break;
            }
            last = st;
            snprintf(reason, sizeof reason, "%s", hr_error_message());
            /* A tank that stopped answering is treated as hung: restarted
             * (process) or reconnected (tcp), as is one that went away. */
            int dead = !k->link || k->last_fault == HR_LIVE_F_TIMEOUT ||
                       k->last_fault == HR_LIVE_F_CLOSED;
            if (dead)
                drop_link(k);
            int more = t < k->cfg.tries && retry_ok;
            hr_log("tank fault: %s, repeat %d of %d, try %d of %d: %s%s", k->what, r + 1, R, t,
                   k->cfg.tries, reason,
                   !more ? (retry_ok ? "; no tries left" : "; the tank says retrying will not help")
                   : dead ? (k->carrier == HR_LINK_PROCESS ? "; restarting the controller and running it again"
                                                           : "; reconnecting and running it again")
                          : "; resetting and running it again");
            if (!more)
                break;
        }
        if (!ok) {
            k->stats.failures++;
            return HR_ERROR(last == HR_ETIMEOUT ? HR_ETIMEOUT : HR_EDRIVER, "tank: %s failed "
                            "after %d %s: %s", k->what, k->cfg.tries, k->cfg.tries == 1 ? "try" : "tries",
                            reason);
        }
    }
    if (R == 1) {
        memcpy(tr->data, k->reps, block * sizeof *tr->data);
        memset(k->spread, 0, block * sizeof *k->spread);
    } else {
        median_of(k->reps, R, block, tr->data, k->spread);
    }
    k->last.repeats = R;
    k->last.tries = tries_used;
    k->last.nprobes = nsel;
    k->last.nt = nt;
    k->last.spread = k->spread;
    k->last.delivered_rate = delivered;
    return HR_OK;
}

static int live_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    live_state *k = state;
    pthread_mutex_lock(&k->lock);
    int st = run_locked(k, stim, tr);
    pthread_mutex_unlock(&k->lock);
    return st;
}

static void live_close(void *state)
{
    live_state *k = state;
    if (k->link) {
        char *line;
        size_t len;
        if (!hr_tank_encode_bye(&line, &len)) {
            hr_link_send(k->link, line, len, 1.0);
            free(line);
        }
        hr_link_close(k->link, 2.0);
        k->link = NULL;
    }
    if (k->server) {
        hr_link_close(k->server, 1.0);
        k->server = NULL;
    }
    hr_tank_msg_clear(&k->msg);
    free(k->raw);
    free(k->reps);
    free(k->spread);
    k->raw = k->reps = k->spread = NULL;
    if (k->lock_ok)
        pthread_mutex_destroy(&k->lock);
    k->lock_ok = 0;
}

#define LIVE_FLAGS (HR_SUBSTRATE_SERIAL | HR_SUBSTRATE_NONDETERMINISTIC | HR_SUBSTRATE_EXTERNAL)

/* The contract test's instances: the emulator serving the 1D test tank
 * (tests/tank/tiny.xml, two makers), over a pipe and over TCP; paths are
 * relative to the repository root, where the tests run. */
static const char *const process_example[] = {
    "command=${HYDRORES} tank serve tests/tank/tiny.xml", "settle=0", NULL};
static const char *const tcp_example[] = {
    "server=${HYDRORES} tank serve tests/tank/tiny.xml --listen 127.0.0.1:${PORT}", "port=0",
    "settle=0", NULL};

const hr_substrate_type hr_substrate_process = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "process",
             .doc = "a physical tank whose controller is a child process speaking the tank "
                    "protocol (docs/TANK-PROTOCOL.md) on its stdin/stdout",
             .params = process_params,
             .flags = LIVE_FLAGS},
    .state_size = sizeof(live_state),
    .open = process_open,
    .probes = live_probes,
    .run = live_run,
    .close = live_close,
    .probe_info = live_probe_info,
    .example = process_example,
    .example_sources = 2,
};

const hr_substrate_type hr_substrate_tcp = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "tcp",
             .doc = "a physical tank whose controller listens on host:port and speaks the tank "
                    "protocol (docs/TANK-PROTOCOL.md)",
             .params = tcp_params,
             .flags = LIVE_FLAGS},
    .state_size = sizeof(live_state),
    .open = tcp_open,
    .probes = live_probes,
    .run = live_run,
    .close = live_close,
    .probe_info = live_probe_info,
    .example = tcp_example,
    .example_sources = 2,
};

/* ---- Accessors ---- */

int hr_live_is(const hr_substrate *s)
{
    return s && (s->type == &hr_substrate_process || s->type == &hr_substrate_tcp);
}

int hr_live_stats_of(hr_substrate *s, hr_live_stats *out)
{
    if (!hr_live_is(s))
        return HR_ERROR(HR_EINVAL, "not a live tank driver");
    live_state *k = s->state;
    pthread_mutex_lock(&k->lock);
    *out = k->stats;
    pthread_mutex_unlock(&k->lock);
    return HR_OK;
}

int hr_live_hello(const hr_substrate *s, hr_tank_hello *out, char *json, size_t size)
{
    if (!hr_live_is(s))
        return HR_ERROR(HR_EINVAL, "not a live tank driver");
    const live_state *k = s->state;
    *out = k->hello;
    if (json && size)
        snprintf(json, size, "%s", k->hello_json);
    return HR_OK;
}

int hr_live_last_run(const hr_substrate *s, hr_live_run_info *out)
{
    if (!hr_live_is(s))
        return HR_ERROR(HR_EINVAL, "not a live tank driver");
    const live_state *k = s->state;
    *out = k->last;
    return HR_OK;
}
