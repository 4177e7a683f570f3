/* tank_link.c — process, tcp and fd carriers of the tank protocol with
 * poll(2)-bounded waits (see tank_link.h). */
#define _GNU_SOURCE /* pipe2, F_DUPFD_CLOEXEC, SOCK_CLOEXEC */
#include "interface/tank_link.h"
#include "interface/tank_proto.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

extern char **environ;

#define CHUNK 65536
#define ERRLINE 4096

struct hr_tank_link {
    enum hr_link_carrier carrier; /* which carrier */
    int rfd, wfd;                 /* protocol in / out (the same socket for tcp) */
    int efd;                      /* a child's stderr (-1 if none or closed) */
    int own;                      /* close rfd/wfd with the link */
    pid_t pid;                    /* the child (0 if none) */
    int reaped;                   /* the child has been waited for */
    int status;                   /* its wait status once reaped */
    char *buf;                    /* received bytes not yet returned */
    size_t cap, start, end;       /* buffer size, first unread byte, end of data */
    size_t scan;                  /* bytes from start already searched for '\n' */
    int discarding;               /* skipping the rest of an over-long line */
    int eof;                      /* the other side closed */
    char ebuf[ERRLINE];           /* partial stderr line */
    size_t elen;                  /* its length */
    char desc[256];               /* for logs */
};

/* ---- Program path and command lines ---- */

int hr_link_program_path(char *buf, size_t size)
{
    const char *env = getenv("HYDRORES");
    if (env && env[0]) {
        if (strlen(env) >= size)
            return HR_ERROR(HR_EDRIVER, "$HYDRORES is too long (allowed: %zu characters)", size - 1);
        snprintf(buf, size, "%s", env);
        return HR_OK;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 || (size_t)n >= sizeof self - 32)
        return HR_ERROR(HR_EDRIVER, "cannot find the hydrores program for ${HYDRORES} (%s; set the "
                        "environment variable HYDRORES)", n <= 0 ? strerror(errno) : "path too long");
    self[n] = '\0';
    /* The running program if it is hydrores; else (a test or benchmark
     * program in build/tests/) the hydrores beside or above it. Never
     * another program: it would start itself. */
    char *slash = strrchr(self, '/');
    const char *base = slash ? slash + 1 : self;
    if (strcmp(base, "hydrores") == 0) {
        if ((size_t)n >= size)
            return HR_ERROR(HR_EDRIVER, "the hydrores path is too long for ${HYDRORES}");
        snprintf(buf, size, "%s", self);
        return HR_OK;
    }
    if (slash) {
        *slash = '\0';
        const char *try[2] = {"/../hydrores", "/hydrores"};
        for (int i = 0; i < 2; i++) {
            char cand[4200];
            snprintf(cand, sizeof cand, "%s%s", self, try[i]);
            if (access(cand, X_OK) == 0 && strlen(cand) < size) {
                snprintf(buf, size, "%s", cand);
                return HR_OK;
            }
        }
    }
    return HR_ERROR(HR_EDRIVER, "cannot find the hydrores program for ${HYDRORES} (the running "
                    "program is not hydrores and none is beside it; set the environment variable "
                    "HYDRORES)");
}

/* The command with ${HYDRORES} / $HYDRORES replaced by the single-quoted
 * program path (malloc'd). */
static int substitute(const char *cmd, char **out)
{
    *out = NULL;
    int need = strstr(cmd, "$HYDRORES") || strstr(cmd, "${HYDRORES}");
    char path[4096], quoted[8300];
    quoted[0] = '\0';
    if (need) {
        int st = hr_link_program_path(path, sizeof path);
        if (st)
            return st;
        size_t q = 0;
        quoted[q++] = '\'';
        for (const char *c = path; *c && q + 6 < sizeof quoted; c++) {
            if (*c == '\'') {
                memcpy(quoted + q, "'\\''", 4);
                q += 4;
            } else {
                quoted[q++] = *c;
            }
        }
        quoted[q++] = '\'';
        quoted[q] = '\0';
    }
    size_t n = strlen(cmd), ql = strlen(quoted);
    char *s = malloc(n * (ql + 1) + 1);
    if (!s)
        return HR_ERROR(HR_ENOMEM, "out of memory for the command line");
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        if (strncmp(cmd + i, "${HYDRORES}", 11) == 0) {
            memcpy(s + j, quoted, ql);
            j += ql;
            i += 11;
        } else if (strncmp(cmd + i, "$HYDRORES", 9) == 0 &&
                   !(cmd[i + 9] == '_' || (cmd[i + 9] >= 'A' && cmd[i + 9] <= 'Z') ||
                     (cmd[i + 9] >= 'a' && cmd[i + 9] <= 'z') ||
                     (cmd[i + 9] >= '0' && cmd[i + 9] <= '9'))) {
            memcpy(s + j, quoted, ql);
            j += ql;
            i += 9;
        } else {
            s[j++] = cmd[i++];
        }
    }
    s[j] = '\0';
    *out = s;
    return HR_OK;
}

void hr_link_free_argv(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

int hr_link_split(const char *command, char ***argv, int *argc)
{
    *argv = NULL;
    *argc = 0;
    char *cmd;
    int st = substitute(command, &cmd);
    if (st)
        return st;
    wordexp_t we;
    memset(&we, 0, sizeof we);
    int r = wordexp(cmd, &we, WRDE_NOCMD | WRDE_UNDEF);
    free(cmd);
    switch (r) {
    case 0:
        break;
    case WRDE_BADCHAR:
        return HR_ERROR(HR_EINVAL, "the command '%s' has an unquoted | & ; < > ( ) { } or newline "
                        "(allowed: quote it, or set substrate.shell = 1 to run it with /bin/sh)",
                        command);
    case WRDE_CMDSUB:
        return HR_ERROR(HR_EINVAL, "the command '%s' has a command substitution $(...) or `...` "
                        "(allowed: none without substrate.shell = 1)", command);
    case WRDE_BADVAL:
        return HR_ERROR(HR_EINVAL, "the command '%s' uses an environment variable that is not set",
                        command);
    case WRDE_SYNTAX:
        return HR_ERROR(HR_EINVAL, "the command '%s' has unbalanced quotes or a shell syntax error",
                        command);
    default:
        wordfree(&we);
        return HR_ERROR(HR_ENOMEM, "out of memory splitting the command '%s'", command);
    }
    if (we.we_wordc == 0) {
        wordfree(&we);
        return HR_ERROR(HR_EINVAL, "the command is empty (allowed: a program and its arguments)");
    }
    char **a = calloc(we.we_wordc + 1, sizeof *a);
    if (!a) {
        wordfree(&we);
        return HR_ERROR(HR_ENOMEM, "out of memory splitting the command");
    }
    for (size_t i = 0; i < we.we_wordc; i++)
        if (!(a[i] = strdup(we.we_wordv[i]))) {
            hr_link_free_argv(a);
            wordfree(&we);
            return HR_ERROR(HR_ENOMEM, "out of memory splitting the command");
        }
    *argc = (int)we.we_wordc;
    wordfree(&we);
    *argv = a;
    return HR_OK;
}

/* ---- Helpers ---- */

/* A descriptor >= 3 with close-on-exec (so dup2 onto 0..2 in the child
 * always clears the flag, and no other child inherits it). */
static int high_fd(int fd)
{
    if (fd >= 3)
        return fd;
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return h;
}

static int make_pipe(int p[2])
{
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    p[0] = high_fd(p[0]);
    p[1] = high_fd(p[1]);
    return p[0] >= 0 && p[1] >= 0 ? 0 : -1;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int ms_left(double deadline)
{
    double left = deadline - hr_now();
    if (left <= 0)
        return 0;
    return left > 1e6 ? 1000000000 : (int)ceil(left * 1000);
}

/* Describes a wait status ("exited with status 3", "was killed by signal 9"). */
static void status_text(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, size, "stopped (status 0x%x)", status);
}

static int try_reap(hr_tank_link *l)
{
    if (!l->pid || l->reaped)
        return l->reaped;
    int status;
    pid_t r = waitpid(l->pid, &status, WNOHANG);
    if (r == l->pid || (r < 0 && errno == ECHILD)) {
        l->reaped = 1;
        l->status = r == l->pid ? status : 0;
    }
    return l->reaped;
}

/* Logs the complete lines of the child's stderr; `flush` also logs a
 * partial last line. */
static void stderr_lines(hr_tank_link *l, int flush)
{
    size_t s = 0;
    for (size_t i = 0; i < l->elen; i++)
        if (l->ebuf[i] == '\n') {
            hr_log("controller %d stderr: %.*s", (int)l->pid, (int)(i - s), l->ebuf + s);
            s = i + 1;
        }
    if (s == 0 && (l->elen == sizeof l->ebuf || flush) && l->elen) {
        hr_log("controller %d stderr: %.*s", (int)l->pid, (int)l->elen, l->ebuf);
        s = l->elen;
    }
    memmove(l->ebuf, l->ebuf + s, l->elen - s);
    l->elen -= s;
}

/* Reads what the child's stderr has (non-blocking); closes it at EOF. */
static void read_stderr(hr_tank_link *l)
{
    while (l->efd >= 0) {
        ssize_t n = read(l->efd, l->ebuf + l->elen, sizeof l->ebuf - l->elen);
        if (n > 0) {
            l->elen += (size_t)n;
            stderr_lines(l, 0);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            stderr_lines(l, 1);
            close(l->efd);
            l->efd = -1;
        }
        break;
    }
}

/* ---- Opening ---- */

static hr_tank_link *new_link(enum hr_link_carrier c)
{
    hr_tank_link *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->carrier = c;
    l->rfd = l->wfd = l->efd = -1;
    l->cap = HR_TANK_LINE_MAX + CHUNK + 2;
    l->buf = malloc(l->cap);
    if (!l->buf) {
        free(l);
        return NULL;
    }
    return l;
}

static int open_process(hr_tank_link *l, const hr_link_params *p)
{
    char **argv = NULL;
    int argc = 0, st;
    if (p->shell) {
        char *cmd;
        if ((st = substitute(p->command, &cmd)))
            return st;
        argv = calloc(4, sizeof *argv);
        if (!argv || !(argv[0] = strdup("/bin/sh")) || !(argv[1] = strdup("-c"))) {
            free(cmd);
            hr_link_free_argv(argv);
            return HR_ERROR(HR_ENOMEM, "out of memory starting the controller");
        }
        argv[2] = cmd;
    } else if ((st = hr_link_split(p->command, &argv, &argc))) {
        return st;
    }
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (make_pipe(in) || make_pipe(out) || make_pipe(err)) {
        st = HR_ERROR(HR_EDRIVER, "cannot make pipes for the controller: %s", strerror(errno));
        goto fail;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawnattr_init(&at);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int r = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (r != 0) {
        st = HR_ERROR(HR_EDRIVER, "cannot start the controller '%s': %s", argv[0], strerror(r));
        goto fail;
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    l->pid = pid;
    l->wfd = in[1];
    l->rfd = out[0];
    l->efd = err[0];
    l->own = 1;
    set_nonblock(l->wfd);
    set_nonblock(l->rfd);
    set_nonblock(l->efd);
    snprintf(l->desc, sizeof l->desc, "controller process %d (%.200s)", (int)pid, p->command);
    hr_link_free_argv(argv);
    return HR_OK;
fail:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
        if (err[i] >= 0)
            close(err[i]);
    }
    hr_link_free_argv(argv);
    return st;
}

static int open_tcp(hr_tank_link *l, const hr_link_params *p)
{
    char port[16];
    snprintf(port, sizeof port, "%d", p->port);
    snprintf(l->desc, sizeof l->desc, "controller at %.200s:%d (tcp)", p->host, p->port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int r = getaddrinfo(p->host, port, &hints, &res);
    if (r != 0)
        return HR_ERROR(HR_EDRIVER, "cannot resolve tank host '%s': %s", p->host, gai_strerror(r));
    double deadline = hr_now() + p->connect_timeout;
    int st = HR_ERROR(HR_EDRIVER, "cannot connect to %s:%d: no address", p->host, p->port);
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) {
            st = HR_ERROR(HR_EDRIVER, "cannot make a socket: %s", strerror(errno));
            continue;
        }
        int c = connect(fd, a->ai_addr, a->ai_addrlen);
        if (c != 0 && errno == EINPROGRESS) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            int pr;
            do
                pr = poll(&pf, 1, ms_left(deadline));
            while (pr < 0 && errno == EINTR);
            if (pr == 0) {
                close(fd);
                st = HR_ERROR(HR_ETIMEOUT, "connecting to %s:%d timed out after %g s", p->host,
                              p->port, p->connect_timeout);
                continue;
            }
            int e = 0;
            socklen_t el = sizeof e;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
            c = e ? -1 : 0;
            errno = e;
        }
        if (c != 0) {
            st = HR_ERROR(HR_EDRIVER, "cannot connect to %s:%d: %s", p->host, p->port,
                          strerror(errno));
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        l->rfd = l->wfd = fd;
        l->own = 1;
        st = HR_OK;
        break;
    }
    freeaddrinfo(res);
    return st;
}

int hr_link_open(hr_tank_link **out, const hr_link_params *p)
{
    *out = NULL;
    hr_tank_link *l = new_link(p->carrier);
    if (!l)
        return HR_ERROR(HR_ENOMEM, "out of memory for a tank link");
    int st;
    switch (p->carrier) {
    case HR_LINK_PROCESS:
        st = p->command ? open_process(l, p) : HR_ERROR(HR_EINVAL, "no controller command");
        break;
    case HR_LINK_TCP:
        st = p->host ? open_tcp(l, p) : HR_ERROR(HR_EINVAL, "no tank host");
        break;
    case HR_LINK_FD:
        l->rfd = p->fd_in;
        l->wfd = p->fd_out;
        l->own = p->own_fds;
        snprintf(l->desc, sizeof l->desc, "descriptors %d/%d", p->fd_in, p->fd_out);
        st = HR_OK;
        break;
    default:
        st = HR_ERROR(HR_EINVAL, "unknown carrier %d", (int)p->carrier);
    }
    if (st) {
        hr_link_close(l, 0);
        return st;
    }
    *out = l;
    return HR_OK;
}

/* ---- Sending ---- */

int hr_link_send(hr_tank_link *l, const char *buf, size_t len, double timeout)
{
    double deadline = hr_now() + timeout;
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int st = HR_OK, epipe = 0;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(l->wfd, buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = {.fd = l->wfd, .events = POLLOUT};
            int ms = ms_left(deadline);
            int pr = ms > 0 ? poll(&pf, 1, ms) : 0;
            if (pr < 0 && errno == EINTR)
                continue;
            if (pr == 0) {
                st = HR_ERROR(HR_ETIMEOUT, "%s did not take a message within %g s", l->desc,
                              timeout);
                break;
            }
            if (pf.revents & (POLLERR | POLLHUP) && !(pf.revents & POLLOUT)) {
                st = HR_ERROR(HR_EDRIVER, "%s has closed its input", l->desc);
                break;
            }
            continue;
        }
        epipe = n < 0 && errno == EPIPE;
        st = HR_ERROR(HR_EDRIVER, "%s: cannot send: %s", l->desc,
                      n < 0 ? strerror(errno) : "nothing written");
        break;
    }
    if (epipe) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero); /* consume the SIGPIPE we caused */
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return st;
}

/* ---- Receiving ---- */

int hr_link_pending(const hr_tank_link *l) { return l->end > l->start; }

int hr_link_alive(hr_tank_link *l) { return l->pid ? !try_reap(l) : 1; }

void hr_link_drain(hr_tank_link *l)
{
    read_stderr(l);
    for (;;) {
        const char *line;
        size_t len;
        int st = hr_link_recv(l, 0, &line, &len);
        if (st == HR_OK)
            hr_log("controller %d stdout: %.*s", (int)l->pid, (int)(len < 300 ? len : 300), line);
        else if (st != HR_EPARSE)
            break;
    }
    hr_error_clear();
}

/* The end-of-stream error, with the child's exit if it has exited. */
static int closed_error(hr_tank_link *l)
{
    if (l->pid) {
        read_stderr(l);
        for (int i = 0; i < 20 && !try_reap(l); i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (l->reaped) {
            char how[96];
            status_text(l->status, how, sizeof how);
            return HR_ERROR(HR_EDRIVER, "%s %s", l->desc, how);
        }
        return HR_ERROR(HR_EDRIVER, "%s closed its output", l->desc);
    }
    return HR_ERROR(HR_EDRIVER, "%s closed the connection", l->desc);
}

int hr_link_recv(hr_tank_link *l, double timeout, const char **line, size_t *len)
{
    double deadline = hr_now() + timeout;
    for (;;) {
        /* A complete line in the buffer? */
        char *nl = memchr(l->buf + l->start + l->scan, '\n', l->end - l->start - l->scan);
        if (nl) {
            *nl = '\0';
            *line = l->buf + l->start;
            *len = (size_t)(nl - (l->buf + l->start));
            l->start = (size_t)(nl - l->buf) + 1;
            l->scan = 0;
            if (*len > HR_TANK_LINE_MAX)
                return HR_ERROR(HR_EPARSE, "a line of %zu bytes (allowed: at most %d)", *len,
                                HR_TANK_LINE_MAX);
            return HR_OK;
        }
        l->scan = l->end - l->start;
        if (l->scan > HR_TANK_LINE_MAX) {
            l->start = l->end = l->scan = 0;
            l->discarding = 1;
            return HR_ERROR(HR_EPARSE, "a line longer than %d bytes (allowed: at most %d); "
                            "skipping to its end", HR_TANK_LINE_MAX, HR_TANK_LINE_MAX);
        }
        if (l->eof)
            return closed_error(l);
        /* Room to read. */
        if (l->start > 0) {
            memmove(l->buf, l->buf + l->start, l->end - l->start);
            l->end -= l->start;
            l->start = 0;
        }
        struct pollfd pf[2] = {{.fd = l->rfd, .events = POLLIN}, {.fd = l->efd, .events = POLLIN}};
        int nfd = l->efd >= 0 ? 2 : 1;
        int ms = ms_left(deadline);
        int pr = poll(pf, (nfds_t)nfd, ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return HR_ERROR(HR_EDRIVER, "%s: poll failed: %s", l->desc, strerror(errno));
        if (nfd == 2 && pf[1].revents)
            read_stderr(l);
        if (pr == 0 || (!pf[0].revents && ms == 0))
            return HR_ERROR(HR_ETIMEOUT, "%s sent nothing for %g s", l->desc, timeout);
        if (!pf[0].revents)
            continue;
        size_t room = l->cap - l->end;
        ssize_t n = read(l->rfd, l->buf + l->end, room < CHUNK ? room : CHUNK);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n < 0 && errno != ECONNRESET)
            return HR_ERROR(HR_EDRIVER, "%s: cannot read: %s", l->desc, strerror(errno));
        if (n <= 0) {
            l->eof = 1;
            continue;
        }
        if (l->discarding) {
            char *e = memchr(l->buf + l->end, '\n', (size_t)n);
            if (!e)
                continue;
            size_t keep = (size_t)n - (size_t)(e + 1 - (l->buf + l->end));
            memmove(l->buf + l->end, e + 1, keep);
            n = (ssize_t)keep;
            l->discarding = 0;
        }
        l->end += (size_t)n;
    }
}

/* ---- Closing ---- */

/* Reads and drops what the child still writes, logging its stderr. */
static void drain(hr_tank_link *l)
{
    char tmp[4096];
    while (l->rfd >= 0) {
        ssize_t n = read(l->rfd, tmp, sizeof tmp);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        break;
    }
    read_stderr(l);
}

/* Waits up to `secs` for the child to exit, draining its output. */
static int wait_exit(hr_tank_link *l, double secs)
{
    double deadline = hr_now() + secs;
    for (;;) {
        drain(l);
        if (try_reap(l))
            return 1;
        if (hr_now() >= deadline)
            return 0;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void hr_link_close(hr_tank_link *l, double grace)
{
    if (!l)
        return;
    if (l->pid) {
        if (l->wfd >= 0)
            close(l->wfd);
        l->wfd = -1;
        if (!wait_exit(l, grace)) {
            kill(-l->pid, SIGTERM);
            if (!wait_exit(l, 0.5)) {
                kill(-l->pid, SIGKILL);
                int status;
                while (waitpid(l->pid, &status, 0) < 0 && errno == EINTR)
                    ;
                l->reaped = 1;
                l->status = status;
            }
        }
        read_stderr(l);
        stderr_lines(l, 1);
    }
    if (l->own) {
        if (l->rfd >= 0)
            close(l->rfd);
        if (l->wfd >= 0 && l->wfd != l->rfd)
            close(l->wfd);
    }
    if (l->efd >= 0)
        close(l->efd);
    free(l->buf);
    free(l);
}

const char *hr_link_describe(const hr_tank_link *l) { return l->desc; }

int hr_link_pid(const hr_tank_link *l) { return (int)l->pid; }
