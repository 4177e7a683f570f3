/* cli.h — the subcommands of the `hydrores` program. Each takes the
 * arguments after its own name (argv[0] is the subcommand name) and returns
 * the process exit status: 0 success, 1 a run that failed, 2 bad input
 * (usage, configuration, parameters). */
#ifndef HR_CLI_H
#define HR_CLI_H

enum { HR_EXIT_OK = 0, HR_EXIT_FAIL = 1, HR_EXIT_USAGE = 2 };

int hr_cmd_info(int argc, char **argv);

/* True if argv contains -h or --help. */
int hr_cli_wants_help(int argc, char **argv);

/* Prints "hydrores: <what>" to stderr followed by the current thread's error
 * message, if any; returns HR_EXIT_USAGE or HR_EXIT_FAIL as given. */
int hr_cli_fail(int exit_code, const char *what);

/* Seconds on a monotonic clock. */
double hr_now(void);

#endif
