/* tank_proto.c — the tank protocol's messages with json-c (see
 * tank_proto.h and docs/TANK-PROTOCOL.md). Every member is looked up with
 * its type checked before it is read, so no input reaches json-c's lenient
 * converters (json_object_get_double on a string parses it). */
#include "interface/tank_proto.h"
#include "base/status.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *hr_tank_op_name(enum hr_tank_op op)
{
    static const char *const names[] = {"?",     "hello", "reset", "run",   "bye",
                                        "ready", "data",  "done",  "error", "log"};
    return (int)op >= 0 && (size_t)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

void hr_tank_msg_clear(hr_tank_msg *m)
{
    if (!m)
        return;
    free(m->stream);
    free(m->rows);
    memset(m, 0, sizeof *m);
}

/* ---- Typed member access (each raises HR_EPARSE naming the member) ---- */

static int is_number(json_object *v)
{
    json_type t = json_object_get_type(v);
    return t == json_type_int || t == json_type_double;
}

/* The member `key` of `o`, or NULL when absent (a JSON null counts as
 * present; callers that allow null check for it). */
static json_object *member(json_object *o, const char *key, int *present)
{
    json_object *v = NULL;
    *present = json_object_object_get_ex(o, key, &v);
    return v;
}

/* A required finite number. */
static int get_number(json_object *o, const char *op, const char *key, double *out)
{
    int present;
    json_object *v = member(o, key, &present);
    if (!present)
        return HR_ERROR(HR_EPARSE, "%s: member \"%s\" is missing (allowed: a number)", op, key);
    if (!is_number(v))
        return HR_ERROR(HR_EPARSE, "%s: \"%s\" is not a number", op, key);
    double d = json_object_get_double(v);
    if (!isfinite(d))
        return HR_ERROR(HR_EPARSE, "%s: \"%s\" is %s (allowed: a finite number)", op, key,
                        isnan(d) ? "NaN" : "infinite");
    *out = d;
    return HR_OK;
}

/* An optional finite number (def when absent). */
static int opt_number(json_object *o, const char *op, const char *key, double def, double *out)
{
    int present;
    member(o, key, &present);
    if (!present) {
        *out = def;
        return HR_OK;
    }
    return get_number(o, op, key, out);
}

/* A number that is an integer (written 3 or 3.0) in [lo, hi]. */
static int as_integer(json_object *v, const char *op, const char *key, long long lo,
                      long long hi, long long *out)
{
    if (json_object_get_type(v) == json_type_int) {
        long long i = (long long)json_object_get_int64(v);
        if (i < lo || i > hi)
            return HR_ERROR(HR_EPARSE, "%s: \"%s\" = %lld is out of range (allowed: %lld .. %lld)",
                            op, key, i, lo, hi);
        *out = i;
        return HR_OK;
    }
    if (json_object_get_type(v) == json_type_double) {
        double d = json_object_get_double(v);
        if (!isfinite(d) || d != floor(d) || d < (double)lo || d > (double)hi)
            return HR_ERROR(HR_EPARSE, "%s: \"%s\" = %.17g is not an integer in %lld .. %lld", op,
                            key, d, lo, hi);
        *out = (long long)d;
        return HR_OK;
    }
    return HR_ERROR(HR_EPARSE, "%s: \"%s\" is not an integer", op, key);
}

static int get_integer(json_object *o, const char *op, const char *key, long long lo,
                       long long hi, long long *out)
{
    int present;
    json_object *v = member(o, key, &present);
    if (!present)
        return HR_ERROR(HR_EPARSE, "%s: member \"%s\" is missing (allowed: an integer)", op, key);
    return as_integer(v, op, key, lo, hi, out);
}

/* A required (or optional, with def) string copied into buf (truncated). */
static int get_string(json_object *o, const char *op, const char *key, int required,
                      const char *def, char *buf, size_t size)
{
    int present;
    json_object *v = member(o, key, &present);
    if (!present) {
        if (required)
            return HR_ERROR(HR_EPARSE, "%s: member \"%s\" is missing (allowed: a string)", op,
                            key);
        snprintf(buf, size, "%s", def);
        return HR_OK;
    }
    if (json_object_get_type(v) != json_type_string)
        return HR_ERROR(HR_EPARSE, "%s: \"%s\" is not a string", op, key);
    snprintf(buf, size, "%s", json_object_get_string(v));
    return HR_OK;
}

#define ID_MAX 9007199254740992LL /* 2^53: ids survive a trip through a double */

/* ---- Tank -> host ---- */

static int decode_hello_tank(json_object *o, hr_tank_msg *m)
{
    hr_tank_hello *h = &m->hello;
    long long v;
    int st = get_integer(o, "hello", "protocol", 0, 1000000, &v);
    if (st)
        return st;
    h->protocol = (int)v;
    if (h->protocol != HR_TANK_PROTOCOL)
        return HR_ERROR(HR_EPARSE, "hello: the tank speaks protocol version %d (allowed: %d)",
                        h->protocol, HR_TANK_PROTOCOL);
    if ((st = get_string(o, "hello", "name", 0, "", h->name, sizeof h->name)) ||
        (st = get_integer(o, "hello", "makers", 0, 1000000, &v)))
        return st;
    h->makers = (int)v;
    if ((st = get_number(o, "hello", "sample_rate_hz", &h->sample_rate)) ||
        (st = get_number(o, "hello", "max_duration_s", &h->max_duration)) ||
        (st = get_string(o, "hello", "units", 1, "", h->units, sizeof h->units)))
        return st;
    if (!(h->sample_rate > 0))
        return HR_ERROR(HR_EPARSE, "hello: sample_rate_hz = %g (allowed: > 0)", h->sample_rate);
    if (!(h->max_duration > 0))
        return HR_ERROR(HR_EPARSE, "hello: max_duration_s = %g (allowed: > 0)", h->max_duration);
    int present;
    json_object *pa = member(o, "probes", &present);
    if (!present || json_object_get_type(pa) != json_type_array)
        return HR_ERROR(HR_EPARSE, "hello: \"probes\" is %s (allowed: an array of {name, x_m, "
                        "y_m})", present ? "not an array" : "missing");
    size_t np = json_object_array_length(pa);
    if (np < 1 || np > HR_TANK_MAX_PROBES)
        return HR_ERROR(HR_EPARSE, "hello: %zu probes (allowed: 1 .. %d)", np, HR_TANK_MAX_PROBES);
    h->nprobes = (int)np;
    for (size_t i = 0; i < np; i++) {
        json_object *p = json_object_array_get_idx(pa, i);
        hr_tank_probe *pr = &h->probes[i];
        if (json_object_get_type(p) != json_type_object)
            return HR_ERROR(HR_EPARSE, "hello: probe %zu is not an object {name, x_m, y_m}", i);
        if ((st = get_string(p, "hello probe", "name", 1, "", pr->name, sizeof pr->name)))
            return hr_error_prefix(st, "probe %zu", i);
        const char *keys[2] = {"x_m", "y_m"};
        double *dst[2] = {&pr->x, &pr->y};
        for (int k = 0; k < 2; k++) {
            json_object *c = member(p, keys[k], &present);
            if (!present || json_object_get_type(c) == json_type_null)
                *dst[k] = NAN;
            else if ((st = get_number(p, "hello probe", keys[k], dst[k])))
                return hr_error_prefix(st, "probe %zu", i);
        }
    }
    return HR_OK;
}

static int decode_data(json_object *o, hr_tank_msg *m)
{
    int st = get_integer(o, "data", "k0", 0, 1000000000LL, &m->k0);
    if (st)
        return st;
    int present;
    json_object *ra = member(o, "rows", &present);
    if (!present || json_object_get_type(ra) != json_type_array)
        return HR_ERROR(HR_EPARSE, "data: \"rows\" is %s (allowed: an array of rows, one number "
                        "per probe)", present ? "not an array" : "missing");
    size_t nr = json_object_array_length(ra);
    if (nr == 0)
        return HR_ERROR(HR_EPARSE, "data: \"rows\" is empty (allowed: at least one row)");
    size_t nc = 0;
    for (size_t i = 0; i < nr; i++) {
        json_object *row = json_object_array_get_idx(ra, i);
        if (json_object_get_type(row) != json_type_array)
            return HR_ERROR(HR_EPARSE, "data: row %zu (sample %lld) is not an array of numbers", i,
                            m->k0 + (long long)i);
        size_t n = json_object_array_length(row);
        if (i == 0) {
            nc = n;
            if (nc < 1 || nc > HR_TANK_MAX_PROBES)
                return HR_ERROR(HR_EPARSE, "data: row 0 has %zu numbers (allowed: 1 .. %d)", nc,
                                HR_TANK_MAX_PROBES);
            m->rows = malloc(nr * nc * sizeof *m->rows);
            if (!m->rows)
                return HR_ERROR(HR_ENOMEM, "out of memory for %zu data rows", nr);
        } else if (n != nc) {
            return HR_ERROR(HR_EPARSE, "data: row %zu (sample %lld) has %zu numbers, row 0 has %zu",
                            i, m->k0 + (long long)i, n, nc);
        }
        for (size_t p = 0; p < nc; p++) {
            json_object *v = json_object_array_get_idx(row, p);
            if (!is_number(v))
                return HR_ERROR(HR_EPARSE, "data: sample %lld, probe %zu is not a number",
                                m->k0 + (long long)i, p);
            double d = json_object_get_double(v);
            if (!isfinite(d))
                return HR_ERROR(HR_EPARSE, "data: sample %lld, probe %zu is %s (allowed: finite "
                                "readings)", m->k0 + (long long)i, p, isnan(d) ? "NaN" : "infinite");
            m->rows[i * nc + p] = d;
        }
    }
    m->nrows = (int)nr;
    m->ncols = (int)nc;
    return HR_OK;
}

static int decode_error(json_object *o, hr_tank_msg *m)
{
    int present;
    json_object *id = member(o, "id", &present);
    int st;
    if (present && json_object_get_type(id) != json_type_null) {
        if ((st = as_integer(id, "error", "id", 0, ID_MAX, &m->id)))
            return st;
        m->has_id = 1;
    }
    if ((st = get_string(o, "error", "code", 0, "", m->code, sizeof m->code)) ||
        (st = get_string(o, "error", "message", 0, "", m->message, sizeof m->message)))
        return st;
    json_object *r = member(o, "retry", &present);
    if (present && json_object_get_type(r) != json_type_boolean)
        return HR_ERROR(HR_EPARSE, "error: \"retry\" is not true or false");
    m->retry = present ? json_object_get_boolean(r) : 0;
    return HR_OK;
}

/* ---- Host -> tank ---- */

static int decode_source(json_object *s, int i, hr_source *src, double *stream, size_t *used)
{
    char op[32];
    snprintf(op, sizeof op, "run source %d", i);
    if (json_object_get_type(s) != json_type_object)
        return HR_ERROR(HR_EPARSE, "%s is not an object", op);
    long long maker;
    int st = get_integer(s, op, "maker", 0, HR_STIMULUS_MAX_SOURCES - 1, &maker);
    if (st)
        return st;
    memset(src, 0, sizeof *src);
    src->index = (int)maker;
    if ((st = get_number(s, op, "amplitude", &src->amplitude)))
        return st;
    int present;
    json_object *sa = member(s, "stream", &present);
    if ((st = opt_number(s, op, "start_s", 0, &src->start)) ||
        (st = opt_number(s, op, "duration_s", 0, &src->duration)) ||
        (st = opt_number(s, op, "ramp_s", 0, &src->ramp)))
        return st;
    if (src->start < 0 || src->duration < 0 || src->ramp < 0)
        return HR_ERROR(HR_EPARSE, "%s: start_s, duration_s and ramp_s must be >= 0", op);
    if (!present) {
        if ((st = get_number(s, op, "frequency_hz", &src->frequency)) ||
            (st = opt_number(s, op, "phase", 0, &src->phase)))
            return st;
        return HR_OK;
    }
    if (json_object_get_type(sa) != json_type_array)
        return HR_ERROR(HR_EPARSE, "%s: \"stream\" is not an array of numbers", op);
    if ((st = get_number(s, op, "stream_dt_s", &src->sample_dt)))
        return st;
    if (!(src->sample_dt > 0))
        return HR_ERROR(HR_EPARSE, "%s: stream_dt_s = %g (allowed: > 0)", op, src->sample_dt);
    size_t n = json_object_array_length(sa);
    if (n < 1 || n > 100000000)
        return HR_ERROR(HR_EPARSE, "%s: the stream has %zu samples (allowed: at least 1)", op, n);
    for (size_t k = 0; k < n; k++) {
        json_object *v = json_object_array_get_idx(sa, k);
        double d = is_number(v) ? json_object_get_double(v) : NAN;
        if (!isfinite(d))
            return HR_ERROR(HR_EPARSE, "%s: stream sample %zu is not a finite number", op, k);
        stream[*used + k] = d;
    }
    src->nsamples = (int)n;
    src->samples = stream + *used; /* the buffer was sized for every stream first */
    *used += n;
    return HR_OK;
}

static int decode_run(json_object *o, hr_tank_msg *m)
{
    int st;
    if ((st = get_number(o, "run", "duration_s", &m->duration)) ||
        (st = get_number(o, "run", "sample_rate_hz", &m->sample_rate)))
        return st;
    if (!(m->duration > 0) || !(m->sample_rate > 0))
        return HR_ERROR(HR_EPARSE, "run: duration_s = %g, sample_rate_hz = %g (allowed: > 0)",
                        m->duration, m->sample_rate);
    int present;
    json_object *sa = member(o, "sources", &present);
    if (!present || json_object_get_type(sa) != json_type_array)
        return HR_ERROR(HR_EPARSE, "run: \"sources\" is %s (allowed: an array of sources)",
                        present ? "not an array" : "missing");
    size_t ns = json_object_array_length(sa);
    if (ns > HR_STIMULUS_MAX_SOURCES)
        return HR_ERROR(HR_EPARSE, "run: %zu sources (allowed: 0 .. %d)", ns,
                        HR_STIMULUS_MAX_SOURCES);
    size_t total = 0;
    for (size_t i = 0; i < ns; i++) {
        json_object *s = json_object_array_get_idx(sa, i), *a;
        if (json_object_get_type(s) == json_type_object && json_object_object_get_ex(s, "stream", &a) &&
            json_object_get_type(a) == json_type_array)
            total += json_object_array_length(a);
    }
    m->stream = malloc((total + 1) * sizeof *m->stream);
    if (!m->stream)
        return HR_ERROR(HR_ENOMEM, "out of memory for %zu stream samples", total);
    size_t used = 0;
    for (size_t i = 0; i < ns; i++)
        if ((st = decode_source(json_object_array_get_idx(sa, i), (int)i, &m->stim.sources[i],
                                m->stream, &used)))
            return st;
    m->stim.nsources = (int)ns;
    m->stim.t_end = m->duration;
    return HR_OK;
}

/* ---- Decoder ---- */

static int decode_object(json_object *o, enum hr_tank_side side, hr_tank_msg *m)
{
    static const struct {
        const char *name;
        enum hr_tank_op op;
        int side; /* 0 tank, 1 host, 2 both */
    } ops[] = {{"hello", HR_TANK_OP_HELLO, 2}, {"reset", HR_TANK_OP_RESET, 1},
               {"run", HR_TANK_OP_RUN, 1},     {"bye", HR_TANK_OP_BYE, 1},
               {"ready", HR_TANK_OP_READY, 0}, {"data", HR_TANK_OP_DATA, 0},
               {"done", HR_TANK_OP_DONE, 0},   {"error", HR_TANK_OP_ERROR, 0},
               {"log", HR_TANK_OP_LOG, 0}};
    if (json_object_get_type(o) != json_type_object)
        return HR_ERROR(HR_EPARSE, "the line is JSON but not an object (allowed: {\"op\": ...})");
    int present;
    json_object *opv = member(o, "op", &present);
    if (!present || json_object_get_type(opv) != json_type_string)
        return HR_ERROR(HR_EPARSE, "the object has %s (allowed: a string member \"op\")",
                        present ? "a non-string \"op\"" : "no \"op\"");
    const char *name = json_object_get_string(opv);
    snprintf(m->opname, sizeof m->opname, "%s", name);
    m->op = HR_TANK_OP_UNKNOWN;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(name, ops[i].name) == 0 && (ops[i].side == 2 || ops[i].side == (int)side))
            m->op = ops[i].op;
    int st = HR_OK;
    switch (m->op) {
    case HR_TANK_OP_HELLO:
        if (side == HR_TANK_FROM_TANK)
            return decode_hello_tank(o, m);
        {
            long long v;
            if ((st = get_integer(o, "hello", "protocol", 0, 1000000, &v)))
                return st;
            m->protocol = (int)v;
            return get_string(o, "hello", "client", 0, "", m->client, sizeof m->client);
        }
    case HR_TANK_OP_BYE:
    case HR_TANK_OP_UNKNOWN:
        return HR_OK;
    case HR_TANK_OP_LOG:
        return get_string(o, "log", "message", 1, "", m->message, sizeof m->message);
    case HR_TANK_OP_ERROR:
        return decode_error(o, m);
    default:
        break;
    }
    /* Every other op carries an id. */
    if ((st = get_integer(o, hr_tank_op_name(m->op), "id", 0, ID_MAX, &m->id)))
        return st;
    m->has_id = 1;
    switch (m->op) {
    case HR_TANK_OP_RESET:
        st = opt_number(o, "reset", "settle_s", 0, &m->settle);
        if (!st && m->settle < 0)
            st = HR_ERROR(HR_EPARSE, "reset: settle_s = %g (allowed: >= 0)", m->settle);
        return st;
    case HR_TANK_OP_RUN:
        return decode_run(o, m);
    case HR_TANK_OP_READY:
        return opt_number(o, "ready", "residual", NAN, &m->residual);
    case HR_TANK_OP_DATA:
        return decode_data(o, m);
    case HR_TANK_OP_DONE:
        return get_integer(o, "done", "samples", 0, 1000000000LL, &m->samples);
    default:
        return HR_OK;
    }
}

int hr_tank_decode(const char *line, size_t len, enum hr_tank_side side, hr_tank_msg *m)
{
    hr_tank_msg_clear(m);
    if (len > HR_TANK_LINE_MAX)
        return HR_ERROR(HR_EPARSE, "a line of %zu bytes (allowed: at most %d)", len,
                        HR_TANK_LINE_MAX);
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    if (len == 0)
        return HR_ERROR(HR_EPARSE, "not JSON: an empty line");
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return HR_ERROR(HR_ENOMEM, "out of memory for the JSON parser");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    int st;
    if (err == json_tokener_continue)
        st = HR_ERROR(HR_EPARSE, "not JSON: the line ends inside a value");
    else if (err != json_tokener_success || !o)
        st = HR_ERROR(HR_EPARSE, "not JSON: %s at byte %zu", json_tokener_error_desc(err), end);
    else if (end < len)
        st = HR_ERROR(HR_EPARSE, "not JSON: characters after the object at byte %zu", end);
    else
        st = decode_object(o, side, m);
    json_object_put(o);
    json_tokener_free(tok);
    if (st) {
        enum hr_tank_op op = m->op;
        char name[32];
        memcpy(name, m->opname, sizeof name);
        hr_tank_msg_clear(m);
        m->op = op;
        memcpy(m->opname, name, sizeof name);
    }
    return st;
}

/* ---- Encoders ---- */

/* Serialises o (consumed) as one line. */
static int finish(json_object *o, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!o)
        return HR_ERROR(HR_ENOMEM, "out of memory encoding a tank message");
    size_t n = 0;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
    int st = HR_OK;
    if (!s)
        st = HR_ERROR(HR_ENOMEM, "out of memory encoding a tank message");
    else if (n > HR_TANK_LINE_MAX)
        st = HR_ERROR(HR_ERANGE, "the message would be a line of %zu bytes (allowed: at most %d, "
                      "the protocol's limit)", n, HR_TANK_LINE_MAX);
    else if (!(*out = malloc(n + 2)))
        st = HR_ERROR(HR_ENOMEM, "out of memory encoding a tank message");
    if (!st) {
        memcpy(*out, s, n);
        (*out)[n] = '\n';
        (*out)[n + 1] = '\0';
        *len = n + 1;
    }
    json_object_put(o);
    return st;
}

/* Adds a member; returns 0 on allocation failure (then o is still valid). */
static int add(json_object *o, const char *key, json_object *v)
{
    if (!v)
        return 0;
    if (json_object_object_add(o, key, v)) {
        json_object_put(v);
        return 0;
    }
    return 1;
}

/* Adds v as member `key` of o and returns it (now owned by o), or NULL
 * (v freed) if o is NULL or on allocation failure. */
static json_object *attach(json_object *o, const char *key, json_object *v)
{
    if (!o) {
        json_object_put(v);
        return NULL;
    }
    return add(o, key, v) ? v : NULL;
}

static json_object *new_op(const char *op)
{
    json_object *o = json_object_new_object();
    if (o && !add(o, "op", json_object_new_string(op))) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* A number that must be finite (flag cleared otherwise). */
static json_object *num(double v, int *finite)
{
    if (!isfinite(v))
        *finite = 0;
    return json_object_new_double(v);
}

static int fail_nonfinite(json_object *o, const char *what, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    json_object_put(o);
    return HR_ERROR(HR_EINVAL, "%s: a number is not finite (the protocol needs finite numbers)",
                    what);
}

int hr_tank_encode_hello_host(char **out, size_t *len, const char *client)
{
    json_object *o = new_op("hello");
    int ok = o && add(o, "protocol", json_object_new_int(HR_TANK_PROTOCOL)) &&
             add(o, "client", json_object_new_string(client ? client : ""));
    if (o && !ok) {
        json_object_put(o);
        o = NULL;
    }
    return finish(o, out, len);
}

int hr_tank_encode_reset(char **out, size_t *len, long long id, double settle)
{
    int fin = 1;
    json_object *o = new_op("reset");
    int ok = o && add(o, "id", json_object_new_int64(id)) &&
             add(o, "settle_s", num(settle, &fin));
    if (o && !ok) {
        json_object_put(o);
        o = NULL;
    }
    if (o && !fin)
        return fail_nonfinite(o, "reset", out, len);
    return finish(o, out, len);
}

static json_object *source_object(const hr_source *s, int *fin)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    int ok = add(o, "maker", json_object_new_int(s->index)) &&
             add(o, "amplitude", num(s->amplitude, fin));
    if (ok && s->nsamples > 0) {
        json_object *a = attach(o, "stream", json_object_new_array_ext(s->nsamples));
        ok = a && add(o, "stream_dt_s", num(s->sample_dt, fin));
        for (int k = 0; ok && k < s->nsamples; k++) {
            json_object *v = num(s->samples[k], fin);
            if (!v || json_object_array_add(a, v)) {
                json_object_put(v);
                ok = 0;
            }
        }
        /* Extensions of version 1, sent only where they matter. */
        if (ok && s->start != 0)
            ok = add(o, "start_s", num(s->start, fin));
        if (ok && s->duration != 0)
            ok = add(o, "duration_s", num(s->duration, fin));
        if (ok && s->ramp != 0)
            ok = add(o, "ramp_s", num(s->ramp, fin));
    } else if (ok) {
        ok = add(o, "frequency_hz", num(s->frequency, fin)) && add(o, "phase", num(s->phase, fin)) &&
             add(o, "start_s", num(s->start, fin)) && add(o, "duration_s", num(s->duration, fin)) &&
             add(o, "ramp_s", num(s->ramp, fin));
    }
    if (!ok) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

int hr_tank_encode_run(char **out, size_t *len, long long id, double duration,
                       double sample_rate, const hr_stimulus *stim)
{
    int fin = 1;
    json_object *o = new_op("run");
    json_object *a = attach(o, "sources", json_object_new_array());
    int ok = a && add(o, "id", json_object_new_int64(id)) &&
             add(o, "duration_s", num(duration, &fin)) &&
             add(o, "sample_rate_hz", num(sample_rate, &fin));
    for (int i = 0; ok && i < stim->nsources; i++) {
        json_object *s = source_object(&stim->sources[i], &fin);
        if (!s || json_object_array_add(a, s)) {
            json_object_put(s);
            ok = 0;
        }
    }
    if (!ok) {
        json_object_put(o);
        return finish(NULL, out, len);
    }
    if (!fin)
        return fail_nonfinite(o, "run", out, len);
    return finish(o, out, len);
}

int hr_tank_encode_bye(char **out, size_t *len) { return finish(new_op("bye"), out, len); }

int hr_tank_encode_hello_tank(char **out, size_t *len, const hr_tank_hello *h)
{
    int fin = 1;
    json_object *o = new_op("hello");
    json_object *a = attach(o, "probes", json_object_new_array());
    int ok = a && add(o, "protocol", json_object_new_int(h->protocol)) &&
             add(o, "name", json_object_new_string(h->name)) &&
             add(o, "makers", json_object_new_int(h->makers));
    for (int i = 0; ok && i < h->nprobes; i++) {
        json_object *p = json_object_new_object();
        ok = p && json_object_array_add(a, p) == 0;
        if (!ok) {
            json_object_put(p);
            break;
        }
        ok = add(p, "name", json_object_new_string(h->probes[i].name));
        const double v[2] = {h->probes[i].x, h->probes[i].y};
        const char *k[2] = {"x_m", "y_m"};
        for (int j = 0; ok && j < 2; j++)
            ok = isnan(v[j]) ? !json_object_object_add(p, k[j], NULL) : add(p, k[j], num(v[j], &fin));
    }
    ok = ok && add(o, "sample_rate_hz", num(h->sample_rate, &fin)) &&
         add(o, "max_duration_s", num(h->max_duration, &fin)) &&
         add(o, "units", json_object_new_string(h->units));
    if (!ok) {
        json_object_put(o);
        return finish(NULL, out, len);
    }
    if (!fin)
        return fail_nonfinite(o, "hello", out, len);
    return finish(o, out, len);
}

int hr_tank_encode_ready(char **out, size_t *len, long long id, double residual)
{
    int fin = 1;
    json_object *o = new_op("ready");
    int ok = o && add(o, "id", json_object_new_int64(id)) && add(o, "residual", num(residual, &fin));
    if (o && !ok) {
        json_object_put(o);
        o = NULL;
    }
    if (o && !fin)
        return fail_nonfinite(o, "ready", out, len);
    return finish(o, out, len);
}

int hr_tank_encode_data(char **out, size_t *len, long long id, long long k0, int nrows,
                        int ncols, const double *rows)
{
    json_object *o = new_op("data");
    json_object *a = attach(o, "rows", json_object_new_array_ext(nrows > 0 ? nrows : 1));
    int ok = a && add(o, "id", json_object_new_int64(id)) &&
             add(o, "k0", json_object_new_int64(k0));
    for (int i = 0; ok && i < nrows; i++) {
        json_object *r = json_object_new_array_ext(ncols);
        ok = r && json_object_array_add(a, r) == 0;
        if (!ok) {
            json_object_put(r);
            break;
        }
        for (int p = 0; ok && p < ncols; p++) {
            json_object *v = json_object_new_double(rows[(size_t)i * ncols + p]);
            if (!v || json_object_array_add(r, v)) {
                json_object_put(v);
                ok = 0;
            }
        }
    }
    if (!ok) {
        json_object_put(o);
        return finish(NULL, out, len);
    }
    return finish(o, out, len);
}

int hr_tank_encode_done(char **out, size_t *len, long long id, long long samples)
{
    json_object *o = new_op("done");
    int ok = o && add(o, "id", json_object_new_int64(id)) &&
             add(o, "samples", json_object_new_int64(samples));
    if (o && !ok) {
        json_object_put(o);
        o = NULL;
    }
    return finish(o, out, len);
}

int hr_tank_encode_error(char **out, size_t *len, int has_id, long long id, const char *code,
                         const char *message, int retry)
{
    json_object *o = new_op("error");
    int ok = o &&
             (has_id ? add(o, "id", json_object_new_int64(id)) : !json_object_object_add(o, "id", NULL)) &&
             add(o, "code", json_object_new_string(code ? code : "")) &&
             add(o, "message", json_object_new_string(message ? message : "")) &&
             add(o, "retry", json_object_new_boolean(retry != 0));
    if (o && !ok) {
        json_object_put(o);
        o = NULL;
    }
    return finish(o, out, len);
}

int hr_tank_encode_log(char **out, size_t *len, const char *message)
{
    json_object *o = new_op("log");
    int ok = o && add(o, "message", json_object_new_string(message ? message : ""));
    if (o && !ok) {
        json_object_put(o);
        o = NULL;
    }
    return finish(o, out, len);
}
