/* tank_proto.h — the tank protocol, version 1 (docs/TANK-PROTOCOL.md): JSON
 * Lines between hydrores (the host) and a tank's controller, encoded and
 * decoded with json-c. Encoders build one line (newline included) of each
 * message either side sends; the decoder reads one line from either side
 * and checks everything the protocol lets it check without context (JSON,
 * types, required members, finite numbers, rectangular rows, the protocol
 * version). What needs context (the run id, row order, the probe count of
 * the hello) is the driver's. A line that fails is a fault with a reason,
 * never a crash: the decoder is total (fuzzed in tests/test_tank_proto.c).
 *
 * Where the protocol is silent, this implementation decides (and
 * docs/TANK-PROTOCOL-NOTES.md lists them all):
 *  - integers may be written as integral JSON numbers (3 or 3.0);
 *  - a trailing "\r" (and spaces) before the newline is ignored;
 *  - `NaN` / `Infinity` literals are parsed (json-c accepts them) and then
 *    reported as non-finite readings; an empty line is not JSON;
 *  - a probe's x_m / y_m may be null (position unknown, NaN here);
 *  - stream sources may carry start_s, duration_s and ramp_s as well (sent
 *    by hydrores only when they are not 0; a version-1 tank that ignores
 *    them is right whenever they are 0). */
#ifndef HR_TANK_PROTO_H
#define HR_TANK_PROTO_H

#include <stddef.h>

#include "reservoir/substrate.h"

/* The protocol version this implementation speaks. */
#define HR_TANK_PROTOCOL 1
/* Longest line either side may send, in bytes, newline excluded (1 MiB). */
#define HR_TANK_LINE_MAX (1024 * 1024)
/* Most probes a hello may list. */
#define HR_TANK_MAX_PROBES 64

/* Message kinds. HELLO comes from both sides (different members). */
enum hr_tank_op {
    HR_TANK_OP_UNKNOWN = 0, /* an op this version does not know (logged, ignored) */
    HR_TANK_OP_HELLO,       /* both sides */
    HR_TANK_OP_RESET,       /* host -> tank */
    HR_TANK_OP_RUN,         /* host -> tank */
    HR_TANK_OP_BYE,         /* host -> tank */
    HR_TANK_OP_READY,       /* tank -> host */
    HR_TANK_OP_DATA,        /* tank -> host */
    HR_TANK_OP_DONE,        /* tank -> host */
    HR_TANK_OP_ERROR,       /* tank -> host */
    HR_TANK_OP_LOG          /* tank -> host */
};

/* Which side sent the line being decoded. */
enum hr_tank_side { HR_TANK_FROM_TANK = 0, HR_TANK_FROM_HOST = 1 };

/* One probe of the tank's hello. */
typedef struct hr_tank_probe {
    char name[32]; /* the tank's name for it */
    double x, y;   /* position (m; NaN if the tank sent null) */
} hr_tank_probe;

/* The tank's hello: what it is and what it has. */
typedef struct hr_tank_hello {
    int protocol;                              /* protocol version (1) */
    char name[128];                            /* the tank's name */
    int makers;                                /* wave makers */
    int nprobes;                               /* probes listed */
    hr_tank_probe probes[HR_TANK_MAX_PROBES];  /* in the order of data columns */
    double sample_rate;                        /* native sample rate (Hz) */
    double max_duration;                       /* longest run it accepts (s) */
    char units[16];                            /* unit of the readings ("m") */
} hr_tank_hello;

/* A decoded message. Only the members of its op are meaningful. Arrays are
 * owned by the message: hr_tank_msg_clear frees them. Zero-initialise
 * before the first decode. */
typedef struct hr_tank_msg {
    enum hr_tank_op op;  /* which message */
    char opname[32];     /* the op as sent (for unknown ops; truncated) */
    int has_id;          /* 1 if `id` is an integer (0: absent or null) */
    long long id;        /* reset, run, ready, data, done, error */
    hr_tank_hello hello; /* hello from the tank */
    int protocol;        /* hello from the host: its version */
    char client[128];    /* hello from the host: its name */
    double settle;       /* reset: settle time (s) */
    double residual;     /* ready: motion left (tank units; NaN if absent) */
    double duration;     /* run: duration (s) */
    double sample_rate;  /* run: sample rate asked for (Hz) */
    hr_stimulus stim;    /* run: the sources (stream samples point into `stream`) */
    double *stream;      /* run: every stream sample, owned */
    long long k0;        /* data: index of the first row */
    int nrows, ncols;    /* data: rows and numbers per row */
    double *rows;        /* data: nrows * ncols readings, row-major, owned */
    long long samples;   /* done: rows sent in all */
    char code[64];       /* error: its code */
    char message[1024];  /* error, log: the text (truncated to fit) */
    int retry;           /* error: whether trying again may help */
} hr_tank_msg;

/* Decodes one line (`len` bytes, no newline; need not be NUL-terminated)
 * sent by `side` into *m (whose previous arrays are freed first). HR_OK for
 * a well-formed message, including an unknown op (m->op UNKNOWN, opname
 * set); otherwise HR_EPARSE with the reason as the error message
 * ("not JSON: ...", "data: row 3 has 1 numbers, row 0 has 2", "data: row 2,
 * probe 1 is NaN"), or HR_ENOMEM. Lines over HR_TANK_LINE_MAX are refused.
 * Never reads beyond line[len - 1]. */
int hr_tank_decode(const char *line, size_t len, enum hr_tank_side side, hr_tank_msg *m);

/* Frees a message's arrays and zeroes it; NULL is allowed. */
void hr_tank_msg_clear(hr_tank_msg *m);

/* The op's protocol name ("hello", "data", ...; "?" for UNKNOWN). */
const char *hr_tank_op_name(enum hr_tank_op op);

/* ---- Encoders: each sets *out to a malloc'd line ending in "\n" (caller
 * frees) and *len to its length; HR_ERANGE if the line would exceed
 * HR_TANK_LINE_MAX, HR_EINVAL for a non-finite number where the protocol
 * needs a number, HR_ENOMEM. Doubles are written with 17 significant
 * digits, so they read back to the same bits. ---- */

/* Host: hello {protocol, client}. */
int hr_tank_encode_hello_host(char **out, size_t *len, const char *client);
/* Host: reset {id, settle_s}. */
int hr_tank_encode_reset(char **out, size_t *len, long long id, double settle);
/* Host: run {id, duration_s, sample_rate_hz, sources}; source i drives
 * maker stim->sources[i].index. */
int hr_tank_encode_run(char **out, size_t *len, long long id, double duration,
                       double sample_rate, const hr_stimulus *stim);
/* Host: bye. */
int hr_tank_encode_bye(char **out, size_t *len);

/* Tank: hello {protocol, name, makers, probes, sample_rate_hz,
 * max_duration_s, units} (NaN positions are written as null). */
int hr_tank_encode_hello_tank(char **out, size_t *len, const hr_tank_hello *h);
/* Tank: ready {id, residual}. */
int hr_tank_encode_ready(char **out, size_t *len, long long id, double residual);
/* Tank: data {id, k0, rows}: nrows rows of ncols readings (row-major).
 * Non-finite readings are written as NaN / Infinity (what a faulty tank
 * might send; the emulator's fault injection uses it). */
int hr_tank_encode_data(char **out, size_t *len, long long id, long long k0, int nrows,
                        int ncols, const double *rows);
/* Tank: done {id, samples}. */
int hr_tank_encode_done(char **out, size_t *len, long long id, long long samples);
/* Tank: error {id or null, code, message, retry}. */
int hr_tank_encode_error(char **out, size_t *len, int has_id, long long id, const char *code,
                         const char *message, int retry);
/* Tank: log {message}. */
int hr_tank_encode_log(char **out, size_t *len, const char *message);

#endif
