/* main.c — the `hydrores` command-line program: a table of subcommands. */
#include "interface/cli.h"
#include "interface/mpi.h"
#include "base/status.h"

#include <stdio.h>
#include <string.h>

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"run", hr_cmd_run, "evaluate an experiment: readout matrix, separability, task score"},
    {"evolve", hr_cmd_evolve, "evolve the interface genes (GA, MAP-Elites, CMA-ES, NSGA-II), checkpointed"},
    {"design", hr_cmd_design, "choose readout times (and probes) by D-optimal design"},
    {"compare", hr_cmd_compare, "substrates x tasks through one pipeline: scores, costs, Pareto front"},
    {"simulate", hr_cmd_simulate, "run the substrate on an experiment's stimuli, write traces"},
    {"plot", hr_cmd_plot, "draw the figures of a result folder (PNG, SVG, PDF; tank movie as GIF)"},
    {"export", hr_cmd_export, "write the evaluated reservoir and its trained readout as a NIR graph"},
    {"schema", hr_cmd_schema, "print the RELAX NG schema of experiment files"},
    {"tank", hr_cmd_tank, "tank serve: the tank protocol with the experiment's simulated tank behind it, faults on demand"},
    {"record", hr_cmd_record, "run every stimulus of an experiment on any substrate into an HDF5 recording (or --import CSVs)"},
    {"info", hr_cmd_info, "version, build flags, library versions, thread count"},
    {"help", hr_cmd_help, "pages: 'hydrores help outputs' documents every file and column"},
};

static const int ncommands = (int)(sizeof commands / sizeof commands[0]);

static void usage(FILE *f)
{
    fprintf(f, "usage: hydrores COMMAND [ARGS...]\n\n"
               "Physical reservoir computing with water waves.\n\ncommands:\n");
    for (int i = 0; i < ncommands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'hydrores COMMAND --help' describes one command.\n");
}

static int run_command(int argc, char **argv);

int main(int argc, char **argv)
{
    hr_init();
    /* Under mpirun (the MPI build): rank 0 runs the command; the other ranks
     * evaluate for an evolution and do nothing for other commands. */
    if (hr_mpi_init(&argc, &argv) > 0) {
        int rc = argc > 1 && strcmp(argv[1], "evolve") == 0 ? hr_mpi_worker_main() : 0;
        hr_mpi_finish();
        return rc;
    }
    int rc = run_command(argc, argv);
    hr_mpi_finish();
    return rc;
}

static int run_command(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return HR_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc == 2)) {
        usage(stdout);
        return HR_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("hydrores %s\n", HR_VERSION);
        return HR_EXIT_OK;
    }
    for (int i = 0; i < ncommands; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "hydrores: unknown command '%s' (allowed:", argv[1]);
    for (int i = 0; i < ncommands; i++)
        fprintf(stderr, " %s", commands[i].name);
    fprintf(stderr, ")\n");
    return HR_EXIT_USAGE;
}
