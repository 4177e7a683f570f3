/* tank_link.h — the carriers of the tank protocol: a line-oriented,
 * bounded-time connection to a tank's controller. Three kinds:
 *   process  the controller is a child process started here (posix_spawnp,
 *            its own process group, stdin/stdout are the protocol, stderr
 *            goes to the run log line by line); the command line is split
 *            into arguments by wordexp(3) with WRDE_NOCMD | WRDE_UNDEF, as a
 *            shell would split it (quotes, $VARIABLES, ~, globs) but with no
 *            command substitution and no shell operators, unless `shell` asks
 *            for /bin/sh -c. "${HYDRORES}" (or "$HYDRORES") in the command is
 *            replaced by the path of the hydrores program (the environment
 *            variable HYDRORES if set, else the running executable).
 *   tcp      a TCP connection to host:port (connect bounded by a timeout).
 *   fd       two descriptors that already exist (the emulator's stdio or
 *            an accepted socket).
 * Every wait is bounded by poll(2) with a deadline; lines longer than the
 * protocol's 1 MiB are refused (and skipped up to their newline); SIGPIPE
 * never fires (writes go through MSG_NOSIGNAL or a blocked SIGPIPE); a child
 * is always reaped: closed politely (EOF on its stdin), then SIGTERM, then
 * SIGKILL to its process group. One thread at a time per link. */
#ifndef HR_TANK_LINK_H
#define HR_TANK_LINK_H

#include <stddef.h>

/* Which carrier. */
enum hr_link_carrier { HR_LINK_PROCESS = 0, HR_LINK_TCP = 1, HR_LINK_FD = 2 };

/* How to open a link. */
typedef struct hr_link_params {
    enum hr_link_carrier carrier; /* which carrier */
    const char *command;          /* process: the command line */
    int shell;                    /* process: 1 = run it through /bin/sh -c */
    const char *host;             /* tcp: host name or address */
    int port;                     /* tcp: port */
    double connect_timeout;       /* tcp: longest wait for the connection (s) */
    int fd_in, fd_out;            /* fd: read lines from fd_in, write to fd_out (not owned
                                     unless own_fds) */
    int own_fds;                  /* fd: 1 = close them with the link */
} hr_link_params;

typedef struct hr_tank_link hr_tank_link;

/* Opens a link (starts the process, connects). On failure *out is NULL and
 * the status is HR_EDRIVER (cannot start / connect, with the reason),
 * HR_ETIMEOUT (connect timed out), HR_EINVAL (a command line that cannot be
 * split: unbalanced quotes, an unquoted | & ; < > ( ) { }, $(...), an
 * undefined variable) or HR_ENOMEM. */
int hr_link_open(hr_tank_link **out, const hr_link_params *p);

/* Writes all `len` bytes within `timeout` seconds. HR_ETIMEOUT, or
 * HR_EDRIVER if the other side has gone (closed pipe, reset connection). */
int hr_link_send(hr_tank_link *l, const char *buf, size_t len, double timeout);

/* Waits up to `timeout` seconds for the next complete line and points *line
 * at it (no newline, NUL-terminated, valid until the next call on the link)
 * with its length in *len. HR_OK; HR_ETIMEOUT; HR_EPARSE for a line over
 * 1 MiB (its bytes are skipped; the next call goes on after its newline);
 * HR_EDRIVER when the other side closed (for a process, with its exit
 * status if it has exited). Meanwhile a child's stderr lines go to the log. */
int hr_link_recv(hr_tank_link *l, double timeout, const char **line, size_t *len);

/* Whether a child (process carrier) is still running; 1 for other carriers. */
int hr_link_alive(hr_tank_link *l);

/* Without waiting: logs the lines a child has written to its stdout and
 * stderr so far (for a child whose stdout is not the protocol, e.g. a tcp
 * controller hydrores started), so it never blocks on a full pipe. */
void hr_link_drain(hr_tank_link *l);

/* Whether bytes of a next line are already buffered (no wait). */
int hr_link_pending(const hr_tank_link *l);

/* Closes and frees; NULL is allowed. A child gets EOF on its stdin and
 * `grace` seconds to exit, then SIGTERM (0.5 s), then SIGKILL, and is
 * reaped. */
void hr_link_close(hr_tank_link *l, double grace);

/* One line describing the link for logs ("process 1234 'cmd'", "tcp
 * host:port"). */
const char *hr_link_describe(const hr_tank_link *l);

/* The child's process id (process carrier), else 0. */
int hr_link_pid(const hr_tank_link *l);

/* Splits a command line the way the process carrier does (after the
 * ${HYDRORES} substitution) into a NULL-terminated malloc'd argv (free with
 * hr_link_free_argv); for tests and messages. */
int hr_link_split(const char *command, char ***argv, int *argc);
void hr_link_free_argv(char **argv);

/* The hydrores program path ${HYDRORES} stands for: $HYDRORES if set,
 * else /proc/self/exe resolved. Writes into buf; HR_OK or HR_EDRIVER. */
int hr_link_program_path(char *buf, size_t size);

#endif
