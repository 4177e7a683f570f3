/* cmd_info.c — `hydrores info`: version, build flags, library versions and
 * the thread count, so a result can always be tied to the build that made it. */
#include "interface/cli.h"
#include "interface/mpi.h"
#include "base/registry.h"
#include "base/status.h"
#include "shallowwater/sw.h"

#include <fftw3.h>
#include <gsl/gsl_version.h>
#include <libxml/xmlversion.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifndef HR_VERSION
#define HR_VERSION "unknown"
#endif
#ifndef HR_BUILD_FLAGS
#define HR_BUILD_FLAGS "unknown"
#endif

int hr_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

int hr_cli_fail(int exit_code, const char *what)
{
    const char *msg = hr_error_message();
    if (msg[0])
        fprintf(stderr, "hydrores: %s: %s\n", what, msg);
    else
        fprintf(stderr, "hydrores: %s\n", what);
    return exit_code;
}

int hr_cmd_info(int argc, char **argv)
{
    if (hr_cli_wants_help(argc, argv)) {
        printf("usage: hydrores info\n\n"
               "Prints the version, the build flags, the versions of the libraries\n"
               "hydrores was built against, the number of OpenMP threads it will\n"
               "use (set OMP_NUM_THREADS to change it), which tank kernel the\n"
               "build has, whether it has MPI, and every registered kind of substrate,\n"
               "encoder, task, fitness and optimiser with one line about it.\n");
        return HR_EXIT_OK;
    }
    if (argc > 1) {
        fprintf(stderr, "hydrores info: unexpected argument '%s' (info takes none)\n", argv[1]);
        return HR_EXIT_USAGE;
    }
    printf("hydrores    %s\n", HR_VERSION);
    printf("build       %s, %s, gcc %s\n", HR_BUILD_FLAGS, __DATE__, __VERSION__);
    printf("fftw        %s\n", fftw_version);
    printf("gsl         %s (headers %s)\n", gsl_version, GSL_VERSION);
    printf("libxml2     %s\n", LIBXML_DOTTED_VERSION);
    printf("openmp      %d (spec date), %d threads, %d processors\n", _OPENMP,
           omp_get_max_threads(), omp_get_num_procs());
    printf("tank        %s\n", hr_sw_kernel_name());
    printf("mpi         %s\n", hr_mpi_size() > 1 ? "this run has several ranks"
#ifdef HR_MPI
                                 : "built with MPI (run under mpirun for several ranks)");
#else
                                 : "not in this build (make mpi builds build/mpi/hydrores)");
#endif
    /* Every registered kind, from the registry. */
    for (int c = 0; c < HR_CLASS_COUNT; c++) {
        printf("\n%s kinds:\n", hr_class_name((enum hr_class)c));
        for (int i = 0; i < hr_kind_count((enum hr_class)c); i++) {
            const hr_kind *k = hr_kind_at((enum hr_class)c, i);
            printf("  %-14s %s\n", k->name, k->doc ? k->doc : "");
        }
    }
    return HR_EXIT_OK;
}
