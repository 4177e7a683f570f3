/* tank_emulator.c — the tank side of the protocol over a simulated tank, with
 * fault injection (tank_emulator.h). */
#include "interface/tank_emulator.h"
#include "interface/tank_proto.h"
#include "base/log.h"
#include "base/status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const fault_names[HR_EMU_NFAULTS] = {
    "latency", "drop", "garbage", "nan", "wrong-id", "error", "fatal", "hang", "disconnect",
    "probes",
};

struct hr_emulator {
    hr_emu_params p;          /* settings (state_file / name copied below) */
    char state_file[1024];    /* "" for none */
    char name[128];           /* the hello's name */
    hr_section *sub_set;      /* the substrate's settings (dt_out changed for other rates) */
    hr_substrate *sub;        /* the simulated tank at the current rate */
    double native_dt;         /* its spacing as configured (s) */
    double cur_dt;            /* spacing of `sub` (s) */
    hr_tank_hello hello;      /* what we announce */
    long index;               /* run index of the next run */
    hr_tank_msg msg;          /* decode scratch */
    double *rows;             /* row-major readings of a run */
    size_t rows_cap;          /* capacity in doubles */
};

hr_emu_params hr_emu_params_default(void)
{
    hr_emu_params p;
    memset(&p, 0, sizeof p);
    p.seed = 1;
    p.crash_after = -1;
    p.max_duration = 3600;
    p.chunk = 100;
    return p;
}

int hr_emu_fault_parse(const char *text, hr_emu_fault *out)
{
    memset(out, 0, sizeof *out);
    const char *c = text;
    char *end;
    if (*c != '@') {
        double r = strtod(c, &end);
        if (end == c || !(r >= 0 && r <= 1))
            goto bad;
        out->rate = r;
        c = end;
    }
    if (*c == '@') {
        c++;
        while (*c) {
            long v = strtol(c, &end, 10);
            if (end == c || v < 0 || out->nat >= HR_EMU_MAX_AT)
                goto bad;
            out->at[out->nat++] = v;
            c = end;
            if (*c == ',')
                c++;
            else if (*c)
                goto bad;
        }
        if (out->nat == 0)
            goto bad;
    }
    if (*c)
        goto bad;
    return HR_OK;
bad:
    return HR_ERROR(HR_EINVAL, "fault '%s' (allowed: RATE in 0 .. 1, @I,J,... run indices, or "
                    "RATE@I,J,...; at most %d indices)", text, HR_EMU_MAX_AT);
}

/* ---- The random stream: splitmix64 of (seed, run index, what) ---- */

static uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t key(const hr_emulator *em, long index, uint64_t what)
{
    return mix(mix(mix(em->p.seed) ^ (uint64_t)index) ^ what);
}

static double uniform(uint64_t k) { return (double)(k >> 11) * 0x1.0p-53; }

static int fault_on(const hr_emulator *em, int kind, long index)
{
    const hr_emu_fault *f = &em->p.fault[kind];
    for (int i = 0; i < f->nat; i++)
        if (f->at[i] == index)
            return 1;
    return f->rate > 0 && uniform(key(em, index, 100 + (uint64_t)kind)) < f->rate;
}

/* Standard normal deviates (Box-Muller) from a counter-keyed stream. */
static double gauss(uint64_t k, uint64_t i)
{
    double u1 = uniform(mix(k ^ (2 * i + 1))), u2 = uniform(mix(k ^ (2 * i + 2)));
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* ---- State file ---- */

static void load_index(hr_emulator *em)
{
    em->index = em->p.start_index;
    if (!em->state_file[0])
        return;
    FILE *f = fopen(em->state_file, "r");
    if (!f)
        return;
    long v;
    if (fscanf(f, "%ld", &v) == 1 && v >= 0)
        em->index = v;
    fclose(f);
}

static void save_index(const hr_emulator *em)
{
    if (!em->state_file[0])
        return;
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", em->state_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%ld\n", em->index);
    if (fclose(f) == 0)
        rename(tmp, em->state_file);
}

/* ---- Creating ---- */

static int open_at(hr_emulator *em, double dt)
{
    hr_substrate_close(em->sub);
    em->sub = NULL;
    if (dt != em->cur_dt || !em->sub_set) {
        if (hr_section_find(em->sub_set, "dt_out") < 0)
            return HR_ERROR(HR_ENOTSUP, "the substrate has no dt_out to change");
        int st = hr_section_set_number(em->sub_set, "dt_out", dt, "emulator");
        if (st)
            return st;
    }
    int st = hr_substrate_open(&em->sub, em->sub_set);
    if (!st)
        em->cur_dt = dt;
    return st;
}

int hr_emulator_create(hr_emulator **out, const hr_experiment *e, const hr_emu_params *p)
{
    *out = NULL;
    hr_emulator *em = calloc(1, sizeof *em);
    if (!em)
        return HR_ERROR(HR_ENOMEM, "out of memory for the emulator");
    em->p = *p;
    if (em->p.chunk < 1)
        em->p.chunk = 1;
    snprintf(em->state_file, sizeof em->state_file, "%s", p->state_file ? p->state_file : "");
    em->p.state_file = NULL;
    em->p.name = NULL;
    int st = HR_OK;
    if (!e->sec[HR_SEC_SUBSTRATE])
        st = HR_ERROR(HR_EINVAL, "the experiment has no <substrate> to emulate");
    if (!st && !(em->sub_set = hr_section_clone(e->sec[HR_SEC_SUBSTRATE])))
        st = HR_ERROR(HR_ENOMEM, "out of memory");
    if (!st)
        st = hr_substrate_open(&em->sub, em->sub_set);
    int np = 0;
    if (!st)
        st = hr_substrate_probes(em->sub, &np, &em->native_dt);
    if (!st && np > HR_TANK_MAX_PROBES)
        st = HR_ERROR(HR_ERANGE, "the substrate has %d probes (allowed: at most %d in a hello)", np,
                      HR_TANK_MAX_PROBES);
    if (st) {
        hr_emulator_destroy(em);
        return st;
    }
    em->cur_dt = em->native_dt;
    hr_tank_hello *h = &em->hello;
    h->protocol = HR_TANK_PROTOCOL;
    if (p->name)
        snprintf(h->name, sizeof h->name, "%s", p->name);
    else
        snprintf(h->name, sizeof h->name, "hydrores emulator (%s, %s)", e->name,
                 em->sub_set->kind);
    int nm = 0;
    if (p->makers > 0)
        nm = p->makers;
    else if (hr_section_find(em->sub_set, "maker_x") >= 0)
        hr_section_list(em->sub_set, "maker_x", &nm);
    else
        nm = HR_STIMULUS_MAX_SOURCES;
    h->makers = nm;
    h->nprobes = np;
    for (int i = 0; i < np; i++) {
        hr_probe_info info;
        hr_substrate_probe_info(em->sub, i, &info);
        snprintf(h->probes[i].name, sizeof h->probes[i].name, "%s", info.name);
        h->probes[i].x = info.x;
        h->probes[i].y = info.y;
        if (i == 0)
            snprintf(h->units, sizeof h->units, "%s", info.units);
    }
    h->sample_rate = 1 / em->native_dt;
    h->max_duration = p->max_duration;
    load_index(em);
    *out = em;
    return HR_OK;
}

void hr_emulator_destroy(hr_emulator *em)
{
    if (!em)
        return;
    hr_substrate_close(em->sub);
    hr_section_destroy(em->sub_set);
    hr_tank_msg_clear(&em->msg);
    free(em->rows);
    free(em);
}

/* ---- Serving ---- */

static int send_line(hr_tank_link *l, char *line, size_t len, int st)
{
    if (st)
        return st;
    st = hr_link_send(l, line, len, 60);
    free(line);
    return st;
}

static int send_error(hr_tank_link *l, int has_id, long long id, const char *code,
                      const char *message, int retry)
{
    char *line;
    size_t len;
    int st = hr_tank_encode_error(&line, &len, has_id, id, code, message, retry);
    return send_line(l, line, len, st);
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A hung tank: reads nothing it answers, until the other side closes. */
static int hang(hr_tank_link *l)
{
    for (;;) {
        const char *line;
        size_t len;
        int st = hr_link_recv(l, 3600, &line, &len);
        if (st == HR_EDRIVER)
            return HR_OK;
    }
}

static int serve_run(hr_emulator *em, hr_tank_link *l, const hr_tank_msg *m)
{
    long index = em->index++;
    save_index(em);
    long long id = m->id;
    int on[HR_EMU_NFAULTS];
    for (int f = 0; f < HR_EMU_NFAULTS; f++) {
        on[f] = fault_on(em, f, index);
        if (on[f])
            hr_log("emulator: run %ld (id %lld): injecting '%s'", index, id, fault_names[f]);
    }
    for (int i = 0; i < m->stim.nsources; i++)
        if (m->stim.sources[i].index >= em->hello.makers) {
            char msg[160];
            snprintf(msg, sizeof msg, "source %d drives maker %d, this tank has %d", i,
                     m->stim.sources[i].index, em->hello.makers);
            return send_error(l, 1, id, "bad_maker", msg, 0);
        }
    if (m->duration > em->hello.max_duration)
        return send_error(l, 1, id, "too_long", "the run is longer than max_duration_s", 0);
    if (on[HR_EMU_HANG])
        return hang(l);
    if (on[HR_EMU_ERROR])
        return send_error(l, 1, id, "emulated", "injected error (retrying may help)", 1);
    if (on[HR_EMU_FATAL])
        return send_error(l, 1, id, "emulated_fatal", "injected error (retrying will not help)", 0);
    /* The rate: the one asked for if the substrate can change its spacing. */
    double dt = em->native_dt;
    if (!em->p.fixed_rate && fabs(m->sample_rate * em->native_dt - 1) > 1e-9 &&
        hr_section_find(em->sub_set, "dt_out") >= 0)
        dt = 1 / m->sample_rate;
    int st = HR_OK;
    if (dt != em->cur_dt || !em->sub)
        st = open_at(em, dt);
    hr_traces tr;
    memset(&tr, 0, sizeof tr);
    hr_stimulus stim = m->stim;
    stim.t_end = m->duration;
    if (!st)
        st = hr_substrate_run(em->sub, &stim, &tr);
    if (st) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", hr_error_message());
        free(tr.data);
        return send_error(l, 1, id, "run_failed", msg, 0);
    }
    int np = tr.nprobes, nt = tr.nt;
    size_t n = (size_t)np * (size_t)nt;
    if (n > em->rows_cap) {
        double *r = realloc(em->rows, n * sizeof *r);
        if (!r) {
            free(tr.data);
            return send_error(l, 1, id, "no_memory", "out of memory", 1);
        }
        em->rows = r;
        em->rows_cap = n;
    }
    uint64_t nk = key(em, index, 7);
    for (int k = 0; k < nt; k++)
        for (int p = 0; p < np; p++) {
            double v = tr.data[(size_t)p * (size_t)nt + (size_t)k];
            if (em->p.noise > 0)
                v += em->p.noise * gauss(nk, (uint64_t)k * (uint64_t)np + (uint64_t)p);
            if (em->p.drift != 0)
                v += em->p.drift * (double)index;
            em->rows[(size_t)k * (size_t)np + (size_t)p] = v;
        }
    free(tr.data);
    /* Where the row faults strike (rows 1 .. nt-1, so the run has begun). */
    uint64_t wk = key(em, index, 11);
    int at_drop = nt > 1 ? 1 + (int)(uniform(mix(wk ^ 1)) * (nt - 1)) : 0;
    int at_garbage = nt > 1 ? 1 + (int)(uniform(mix(wk ^ 2)) * (nt - 1)) : 0;
    int at_nan = (int)(uniform(mix(wk ^ 3)) * nt);
    int at_id = (int)(uniform(mix(wk ^ 4)) * nt);
    int at_probes = (int)(uniform(mix(wk ^ 5)) * nt);
    if (on[HR_EMU_NAN])
        em->rows[(size_t)at_nan * (size_t)np + (size_t)(index % np)] = NAN;
    if (on[HR_EMU_LATENCY])
        sleep_s(em->p.latency);
    int half = nt / 2;
    int crash = em->p.crash_after >= 0 && index == em->p.crash_after;
    int sent = 0, chunk = em->p.chunk;
    for (int k0 = 0; k0 < nt;) {
        int k1 = k0 + chunk < nt ? k0 + chunk : nt;
        /* A message boundary at every row a fault hits, so each acts alone. */
        int marks[5] = {on[HR_EMU_DROP] ? at_drop : nt, on[HR_EMU_GARBAGE] ? at_garbage : nt,
                        on[HR_EMU_WRONG_ID] ? at_id : nt, on[HR_EMU_PROBES] ? at_probes : nt,
                        crash || on[HR_EMU_DISCONNECT] ? half : nt};
        for (int i = 0; i < 5; i++)
            if (marks[i] > k0 && marks[i] < k1)
                k1 = marks[i];
        if ((crash || on[HR_EMU_DISCONNECT]) && k0 >= half) {
            hr_log("emulator: run %ld: %s after %d of %d rows", index,
                   crash ? "crashing (exit 3)" : "disconnecting", k0, nt);
            if (crash)
                _exit(3);
            return HR_EDRIVER;
        }
        if (on[HR_EMU_GARBAGE] && k0 == at_garbage) {
            static const char junk[] = "this is not JSON {\"op\": \"data\", \x01\n";
            if ((st = hr_link_send(l, junk, sizeof junk - 1, 60)))
                return st;
        }
        int first = k0, count = k1 - k0;
        if (on[HR_EMU_DROP] && k0 == at_drop) {
            first++;
            count--;
        }
        long long mid = on[HR_EMU_WRONG_ID] && k0 <= at_id && at_id < k1 ? id + 7 : id;
        int ncols = on[HR_EMU_PROBES] && k0 <= at_probes && at_probes < k1 ? np - 1 : np;
        char *line;
        size_t len;
        if (count > 0) {
            if (ncols == np) {
                st = hr_tank_encode_data(&line, &len, mid, first, count, np,
                                         em->rows + (size_t)first * (size_t)np);
                if (st == HR_ERANGE && count > 1) {
                    /* Over the 1 MiB line limit (a large --chunk): half as
                     * many rows in this message, the rest in the next. */
                    free(line);
                    chunk = (k1 - k0) / 2;
                    continue;
                }
            } else {
                double *tmp = malloc((size_t)count * (size_t)(ncols > 0 ? ncols : 1) * sizeof *tmp);
                st = tmp ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory");
                for (int r = 0; !st && r < count; r++)
                    for (int c = 0; c < ncols; c++)
                        tmp[r * ncols + c] = em->rows[(size_t)(first + r) * (size_t)np + (size_t)c];
                if (!st)
                    st = ncols > 0 ? hr_tank_encode_data(&line, &len, mid, first, count, ncols, tmp)
                                   : hr_tank_encode_log(&line, &len, "no probes");
                free(tmp);
            }
            if ((st = send_line(l, line, len, st)))
                return st;
            sent += count;
        }
        k0 = k1;
    }
    char *line;
    size_t len;
    st = hr_tank_encode_done(&line, &len, id, sent);
    return send_line(l, line, len, st);
}

int hr_emulator_serve(hr_emulator *em, hr_tank_link *l)
{
    for (;;) {
        const char *line;
        size_t len;
        int st = hr_link_recv(l, 3600, &line, &len);
        if (st == HR_ETIMEOUT)
            continue;
        if (st == HR_EDRIVER)
            return HR_OK; /* the other side closed: done */
        char *out;
        size_t olen;
        if (st == HR_EPARSE) {
            hr_log("emulator: %s", hr_error_message());
            if ((st = send_error(l, 0, 0, "bad_request", hr_error_message(), 0)))
                return st;
            continue;
        }
        st = hr_tank_decode(line, len, HR_TANK_FROM_HOST, &em->msg);
        if (st) {
            char msg[1100];
            snprintf(msg, sizeof msg, "%s", hr_error_message());
            hr_log("emulator: bad request: %s", msg);
            if ((st = send_error(l, 0, 0, "bad_request", msg, 0)))
                return st;
            continue;
        }
        const hr_tank_msg *m = &em->msg;
        switch (m->op) {
        case HR_TANK_OP_HELLO:
            if (m->protocol != HR_TANK_PROTOCOL) {
                char msg[128];
                snprintf(msg, sizeof msg, "protocol %d is not spoken here (allowed: %d)",
                         m->protocol, HR_TANK_PROTOCOL);
                st = send_error(l, 0, 0, "protocol", msg, 0);
                break;
            }
            st = hr_tank_encode_hello_tank(&out, &olen, &em->hello);
            st = send_line(l, out, olen, st);
            break;
        case HR_TANK_OP_RESET:
            st = hr_tank_encode_ready(&out, &olen, m->id, 0.0);
            st = send_line(l, out, olen, st);
            break;
        case HR_TANK_OP_RUN:
            st = serve_run(em, l, m);
            break;
        case HR_TANK_OP_BYE:
            return HR_OK;
        default: {
            char msg[96];
            snprintf(msg, sizeof msg, "op '%s' ignored (not a request of protocol %d)", m->opname,
                     HR_TANK_PROTOCOL);
            hr_log("emulator: %s", msg);
            st = hr_tank_encode_log(&out, &olen, msg);
            st = send_line(l, out, olen, st);
        }
        }
        if (st)
            return st;
    }
}
