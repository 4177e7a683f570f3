/* cli.h — the subcommands of the `hydrores` program. Each takes the
 * arguments after its own name (argv[0] is the subcommand name) and returns
 * the process exit status: 0 success, 1 a run that failed, 2 bad input
 * (usage, configuration, parameters). */
#ifndef HR_CLI_H
#define HR_CLI_H

enum { HR_EXIT_OK = 0, HR_EXIT_FAIL = 1, HR_EXIT_USAGE = 2 };

int hr_cmd_info(int argc, char **argv);
int hr_cmd_run(int argc, char **argv);
int hr_cmd_simulate(int argc, char **argv);
int hr_cmd_schema(int argc, char **argv);
int hr_cmd_evolve(int argc, char **argv);
int hr_cmd_help(int argc, char **argv);
int hr_cmd_compare(int argc, char **argv);
int hr_cmd_plot(int argc, char **argv);
int hr_cmd_export(int argc, char **argv);
int hr_cmd_design(int argc, char **argv); /* interface/cmd_design.c */
int hr_cmd_tank(int argc, char **argv);   /* cmd_tank.c */
int hr_cmd_record(int argc, char **argv); /* cmd_record.c */

#include <stdio.h>

#include "base/clock.h"
#include "interface/outdir.h"
#include "reservoir/experiment.h"
#include "reservoir/pipeline.h"

#define HR_CLI_MAX_SET 256

/* Options shared by run, simulate and evolve. */
typedef struct hr_cli_opts {
    const char *config;              /* experiment file */
    const char *out;                 /* --out DIR */
    const char *set[HR_CLI_MAX_SET]; /* --set NAME=VALUE */
    int nset;
    const char *genome;              /* --genome V1,V2,... */
    int force;                       /* --force */
    int resume;                      /* --resume (evolve) */
    long long seed;                  /* --seed (evolve; -1 = from the file) */
    int threads;                     /* --threads (0 = all) */
    long long max_evals;             /* --max-evals (0 = from the file) */
    double time_limit;               /* --time-limit seconds (0 = none) */
    int quiet;                       /* --quiet */
    int no_plots;                    /* --no-plots: no figures at the end */
    int npy;                         /* --npy (run): the arrays as NumPy files too */
} hr_cli_opts;

/* Parses the options; prints the problem and returns HR_EXIT_USAGE if bad. */
int hr_cli_parse(int argc, char **argv, hr_cli_opts *o, int allow_evolve);

/* Loads CONFIG and applies --set and --genome. */
int hr_cli_load(const hr_cli_opts *o, hr_experiment **out);

/* Output files of an evaluation (config.xml, readout.csv, metrics.csv). */
int hr_write_result(const hr_outdir *od, const hr_experiment *e, const hr_result *r);
int hr_write_traces(const hr_outdir *od, const hr_result *r);
void hr_print_summary(FILE *f, const hr_experiment *e, const hr_result *r);

/* Draws the figures of result folder `dir` (interface/plot_folder.h) unless
 * --no-plots; a figure that cannot be drawn is a warning on stderr, never a
 * failed command. */
void hr_cli_plots(const hr_cli_opts *o, const char *cmd, const char *dir);

/* Warnings about settings that are allowed but probably not meant (readout
 * times that read the same output sample, traces of hundreds of thousands
 * of samples), on stderr. */
void hr_cli_warnings(const hr_experiment *e, const hr_worker *w);

/* True if argv contains -h or --help. */
int hr_cli_wants_help(int argc, char **argv);

/* Prints "hydrores: <what>" to stderr followed by the current thread's error
 * message, if any; returns HR_EXIT_USAGE or HR_EXIT_FAIL as given. */
int hr_cli_fail(int exit_code, const char *what);

#endif
