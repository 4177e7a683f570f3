/* cmd_tank.c — `hydrores tank serve`: the tank emulator on stdio or TCP
 * (tank_emulator.h). */
#define _GNU_SOURCE /* accept4 */
#include "interface/cli.h"
#include "interface/tank_emulator.h"
#include "interface/tank_link.h"
#include "base/atomic.h"
#include "base/status.h"

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage(void)
{
    printf("usage: hydrores tank serve CONFIG [--listen HOST:PORT] [--port-file FILE]\n"
           "           [--seed N] [--start-index N] [--state FILE] [--set NAME=VALUE ...]\n"
           "           [fault options]\n\n"
           "Serves the tank protocol (docs/TANK-PROTOCOL.md, version 1) with the experiment's\n"
           "substrate as the tank: on stdin/stdout (default), or on TCP at HOST:PORT (port 0:\n"
           "any free port; it is printed, and written to --port-file). One connection at a\n"
           "time; stderr carries the emulator's log.\n\n"
           "Faults (SPEC: RATE in 0 .. 1 per run, @I,J,... run indices, or RATE@I,J,...):\n"
           "  --latency S[:SPEC]   wait S seconds before the first row (every run, or SPEC)\n"
           "  --drop SPEC          leave one data row out\n"
           "  --garbage SPEC       a line that is not JSON among the rows\n"
           "  --nan SPEC           one reading is NaN\n"
           "  --wrong-id SPEC      one data message carries another run's id\n"
           "  --short-row SPEC     one row has a reading too few\n"
           "  --error SPEC         answer with error, retry: true\n"
           "  --fatal SPEC         answer with error, retry: false\n"
           "  --hang SPEC          stop answering until the other side closes\n"
           "  --disconnect SPEC    half the rows, then close (tcp) or exit (stdio)\n"
           "  --crash-after N      exit with status 3 half-way through run index N\n"
           "  --noise STD          add Gaussian noise of standard deviation STD (tank units)\n"
           "  --drift D            add D x (run index) to every reading (slow drift)\n\n"
           "Other:\n"
           "  --seed N             seed of every random choice (default 1)\n"
           "  --start-index N      index of the first run (default 0)\n"
           "  --state FILE         keep the run index in FILE, so a restarted emulator goes on\n"
           "                       with the same fault sequence (a crash then happens once)\n"
           "  --max-duration S     longest run accepted (default 3600)\n"
           "  --fixed-rate         always deliver the native rate, whatever is asked\n"
           "  --chunk N            rows per data message (default 100)\n"
           "  --makers N           makers to announce (default: substrate.maker_x's count)\n"
           "  --name NAME          the tank's name in its hello\n");
}

static int num_arg(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    double d = v ? strtod(v, &end) : NAN;
    if (!v || end == v || *end || !(d >= lo && d <= hi)) {
        fprintf(stderr, "hydrores tank serve: %s %s: not a valid value (allowed: %g .. %g)\n", opt,
                v ? v : "(missing)", lo, hi);
        return HR_EXIT_USAGE;
    }
    *out = d;
    return HR_EXIT_OK;
}

/* Binds HOST:PORT ("[::1]:0" for IPv6); returns the listening socket. */
static int listen_on(const char *spec, char *where, size_t size)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host) {
        fprintf(stderr, "hydrores tank serve: --listen %s (allowed: HOST:PORT)\n", spec);
        return -2;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int r = getaddrinfo(host, colon + 1, &hints, &res);
    if (r) {
        fprintf(stderr, "hydrores tank serve: --listen %s: %s\n", spec, gai_strerror(r));
        return -2;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 4) != 0) {
            fprintf(stderr, "hydrores tank serve: --listen %s: %s\n", spec, strerror(errno));
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    char h[128], p[16];
    getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p, NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(where, size, "%s:%s", h, p);
    return fd;
}

static int serve(int argc, char **argv)
{
    hr_emu_params ep = hr_emu_params_default();
    hr_cli_opts o;
    memset(&o, 0, sizeof o);
    const char *listen_spec = NULL, *port_file = NULL, *state = NULL, *name = NULL;
    static const struct {
        const char *opt;
        int kind;
    } faults[] = {{"--drop", HR_EMU_DROP},         {"--garbage", HR_EMU_GARBAGE},
                  {"--nan", HR_EMU_NAN},           {"--wrong-id", HR_EMU_WRONG_ID},
                  {"--short-row", HR_EMU_PROBES},  {"--error", HR_EMU_ERROR},
                  {"--fatal", HR_EMU_FATAL},       {"--hang", HR_EMU_HANG},
                  {"--disconnect", HR_EMU_DISCONNECT}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double d;
        int rc, matched = 0;
        for (size_t f = 0; f < sizeof faults / sizeof faults[0]; f++)
            if (strcmp(a, faults[f].opt) == 0) {
                matched = 1;
                if (!v || hr_emu_fault_parse(v, &ep.fault[faults[f].kind])) {
                    fprintf(stderr, "hydrores tank serve: %s: %s\n", a,
                            v ? hr_error_message() : "needs a value");
                    return HR_EXIT_USAGE;
                }
                i++;
            }
        if (matched)
            continue;
        if (strcmp(a, "--latency") == 0) {
            if (!v) {
                fprintf(stderr, "hydrores tank serve: --latency needs a value\n");
                return HR_EXIT_USAGE;
            }
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            char *colon = strchr(buf, ':');
            if (colon)
                *colon = '\0';
            if ((rc = num_arg(a, buf, 0, 3600, &ep.latency)))
                return rc;
            if (colon ? hr_emu_fault_parse(colon + 1, &ep.fault[HR_EMU_LATENCY])
                      : hr_emu_fault_parse("1", &ep.fault[HR_EMU_LATENCY])) {
                fprintf(stderr, "hydrores tank serve: --latency: %s\n", hr_error_message());
                return HR_EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--seed") == 0 || strcmp(a, "--start-index") == 0 ||
                   strcmp(a, "--crash-after") == 0 || strcmp(a, "--chunk") == 0 ||
                   strcmp(a, "--makers") == 0) {
            if ((rc = num_arg(a, v, 0, 9007199254740992.0, &d)))
                return rc;
            if (d != floor(d)) {
                fprintf(stderr, "hydrores tank serve: %s %s: not a whole number\n", a, v);
                return HR_EXIT_USAGE;
            }
            if (strcmp(a, "--seed") == 0)
                ep.seed = (uint64_t)d;
            else if (strcmp(a, "--start-index") == 0)
                ep.start_index = (long)d;
            else if (strcmp(a, "--crash-after") == 0)
                ep.crash_after = (long)d;
            else if (strcmp(a, "--chunk") == 0)
                ep.chunk = d < 1 ? 1 : d > 100000 ? 100000 : (int)d;
            else
                ep.makers = d > HR_STIMULUS_MAX_SOURCES ? HR_STIMULUS_MAX_SOURCES : (int)d;
            i++;
        } else if (strcmp(a, "--noise") == 0) {
            if ((rc = num_arg(a, v, 0, 1e6, &ep.noise)))
                return rc;
            i++;
        } else if (strcmp(a, "--drift") == 0) {
            if ((rc = num_arg(a, v, -1e6, 1e6, &ep.drift)))
                return rc;
            i++;
        } else if (strcmp(a, "--max-duration") == 0) {
            if ((rc = num_arg(a, v, 1e-6, 1e9, &ep.max_duration)))
                return rc;
            i++;
        } else if (strcmp(a, "--fixed-rate") == 0) {
            ep.fixed_rate = 1;
        } else if (strcmp(a, "--listen") == 0 || strcmp(a, "--port-file") == 0 ||
                   strcmp(a, "--state") == 0 || strcmp(a, "--name") == 0 ||
                   strcmp(a, "--set") == 0) {
            if (!v) {
                fprintf(stderr, "hydrores tank serve: %s needs a value\n", a);
                return HR_EXIT_USAGE;
            }
            if (strcmp(a, "--listen") == 0)
                listen_spec = v;
            else if (strcmp(a, "--port-file") == 0)
                port_file = v;
            else if (strcmp(a, "--state") == 0)
                state = v;
            else if (strcmp(a, "--name") == 0)
                name = v;
            else if (o.nset < HR_CLI_MAX_SET)
                o.set[o.nset++] = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "hydrores tank serve: unknown option '%s' (see hydrores tank --help)\n", a);
            return HR_EXIT_USAGE;
        } else if (!o.config) {
            o.config = a;
        } else {
            fprintf(stderr, "hydrores tank serve: unexpected argument '%s'\n", a);
            return HR_EXIT_USAGE;
        }
    }
    if (!o.config) {
        fprintf(stderr, "hydrores tank serve: missing CONFIG (see hydrores tank --help)\n");
        return HR_EXIT_USAGE;
    }
    ep.state_file = state;
    ep.name = name;
    hr_experiment *e;
    int st = hr_cli_load(&o, &e);
    if (st) {
        fprintf(stderr, "%s\n", hr_error_message());
        return HR_EXIT_USAGE;
    }
    hr_emulator *em;
    st = hr_emulator_create(&em, e, &ep);
    hr_experiment_destroy(e);
    if (st)
        return hr_cli_fail(st == HR_EINVAL || st == HR_ERANGE ? HR_EXIT_USAGE : HR_EXIT_FAIL,
                           "tank serve");
    int rc = HR_EXIT_OK;
    if (!listen_spec) {
        hr_link_params lp = {.carrier = HR_LINK_FD, .fd_in = 0, .fd_out = 1};
        hr_tank_link *l;
        if ((st = hr_link_open(&l, &lp)) || (st = hr_emulator_serve(em, l)))
            rc = HR_EXIT_FAIL;
        hr_link_close(l, 0);
        hr_emulator_destroy(em);
        return rc;
    }
    char where[160];
    int fd = listen_on(listen_spec, where, sizeof where);
    if (fd < 0) {
        hr_emulator_destroy(em);
        return fd == -2 ? HR_EXIT_USAGE : HR_EXIT_FAIL;
    }
    fprintf(stderr, "hydrores tank serve: listening on %s\n", where);
    if (port_file) {
        const char *port = strrchr(where, ':') + 1;
        char text[32];
        int n = snprintf(text, sizeof text, "%s\n", port);
        if (hr_write_atomic(port_file, text, (size_t)n, "port file")) {
            fprintf(stderr, "hydrores tank serve: %s\n", hr_error_message());
            close(fd);
            hr_emulator_destroy(em);
            return HR_EXIT_FAIL;
        }
    }
    for (;;) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, "hydrores tank serve: accept: %s\n", strerror(errno));
            rc = HR_EXIT_FAIL;
            break;
        }
        hr_link_params lp = {.carrier = HR_LINK_FD, .fd_in = c, .fd_out = c, .own_fds = 1};
        hr_tank_link *l;
        if (hr_link_open(&l, &lp) == HR_OK) {
            hr_emulator_serve(em, l);
            hr_link_close(l, 0);
        } else {
            close(c);
        }
    }
    close(fd);
    hr_emulator_destroy(em);
    return rc;
}

int hr_cmd_tank(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage();
        return argc < 2 ? HR_EXIT_USAGE : HR_EXIT_OK;
    }
    if (strcmp(argv[1], "serve") != 0) {
        fprintf(stderr, "hydrores tank: unknown subcommand '%s' (allowed: serve)\n", argv[1]);
        return HR_EXIT_USAGE;
    }
    if (hr_cli_wants_help(argc - 1, argv + 1)) {
        usage();
        return HR_EXIT_OK;
    }
    return serve(argc - 1, argv + 1);
}
