/* cmd_help.c — `hydrores help [TOPIC]`: the pages that do not belong to one
 * command. `outputs` documents every file and column hydrores writes;
 * tests/check_results.sh checks that every column of every CSV it writes is
 * named here. */
#include "interface/cli.h"

#include <stdio.h>
#include <string.h>

static const char outputs[] =
    "hydrores result folders: every file and column\n"
    "\n"
    "Every folder also holds .hydrores, the manifest of the files hydrores wrote\n"
    "there (--force replaces only a folder whose files it lists), and, while a\n"
    "process writes into it, .hydrores.lock (its advisory lock).\n"
    "\n"
    "run DIR\n"
    "  config.xml     the resolved experiment: every setting, defaults included\n"
    "  readout.csv    one row per sample:\n"
    "                   row         the sample's index (training rows first)\n"
    "                   set         train or test (held out, scored)\n"
    "                   inputJ      the task's input J of the sample\n"
    "                   xK          column K of the readout matrix X: probe p at\n"
    "                               readout time j is K = p * ntimes + j\n"
    "                   targetJ     the task's target J\n"
    "                   predictionJ the trained linear readout's prediction of targetJ\n"
    "  metrics.csv    name,value with the names\n"
    "                   det_abs, logdet     |det X| and log|det X| (square X; nan otherwise)\n"
    "                   logdet_gram         log det(X^T X + lambda I), fitness.lambda\n"
    "                   kernel_rank         numerical rank of X\n"
    "                   effective_rank      Roy & Vetterli's effective rank of X\n"
    "                   condition           s_max / s_min of X\n"
    "                   lambda              the trained readout's ridge lambda (0: least squares)\n"
    "                   SCORE_train, SCORE  the task score (accuracy, nrmse or mc) on the\n"
    "                                       training and on the held-out rows\n"
    "                   fitness             the configured fitness (maximised)\n"
    "                   rows, columns, heldout_rows   the shape of X and the held-out rows\n"
    "  traces.csv     the probe traces: t (the time), then runK_probeJ, probe J in run K\n"
    "  runs.csv       which sample each run is:\n"
    "                   run         K of runK_probeJ\n"
    "                   set         washout, train or test (stream: one run of every row)\n"
    "                   row         the task row it encodes\n"
    "                   inputJ      its inputs\n"
    "  traces.png, readout.png, prediction.png   the figures (--no-plots: none)\n"
    "\n"
    "simulate DIR\n"
    "  config.xml, traces.csv, runs.csv as for run;\n"
    "  snapshot_runK.csv  the tank surface (m) at the end of run K, one grid row (y)\n"
    "                     per line, nx values each; snapshot_runK.png the same as a picture\n"
    "  traces.png, snapshots.png (and movie.gif from hydrores plot --movie)\n"
    "\n"
    "evolve DIR\n"
    "  config.xml       the resolved experiment, with the run's seed and budget\n"
    "  generations.csv  one row per generation (GA) or batch (MAP-Elites):\n"
    "                     generation   its index from 0\n"
    "                     evaluations  evaluations done after it, over all sessions\n"
    "                     failures     failed evaluations among them\n"
    "                     best, mean, worst  fitness statistics of what is held (the GA's\n"
    "                                  population, the MAP-Elites archive), finite only\n"
    "                     best_ever    the best fitness ever evaluated\n"
    "                     filled       MAP-Elites: cells holding an elite; GA: population\n"
    "                     coverage     filled / cells of the grid (GA: 1)\n"
    "                     qd_score     the sum of the held fitnesses (quality-diversity)\n"
    "                     elapsed_s    seconds, over all sessions\n"
    "                     evals_per_s  evaluations per second in this session\n"
    "  archive.csv      what is held: MAP-Elites one row per filled cell, in cell order:\n"
    "                     cell, bin_D (its bin per descriptor), desc_D (the descriptors),\n"
    "                     fitness, then one column per gene (its value g in [0, 1]),\n"
    "                     then one per gene target (lo + (hi - lo) g, e.g. encoder.freq0);\n"
    "                   GA the population, best first: rank, index (in the population),\n"
    "                     fitness, desc_D, the genes, their targets\n"
    "  best.xml         the experiment with the best genome: hydrores run DIR/best.xml\n"
    "                   reproduces its fitness exactly\n"
    "  summary.csv      name,hand_selected,evolved: det_abs, logdet, logdet_gram, the\n"
    "                   score, SCORE_train and fitness of the configured genes and of the\n"
    "                   best genome; empty where that evaluation failed (the table printed\n"
    "                   at the end says why)\n"
    "  checkpoint.bin   the optimiser's whole state (format in evolve/checkpoint.c)\n"
    "  failures.log     one line per failed evaluation: which (evaluation, generation,\n"
    "                   individual) and why. An evaluation fails when the substrate\n"
    "                   refuses its settings or becomes unstable, or when X is singular\n"
    "                   (fitness -inf: two readout times reading the same sample, two\n"
    "                   patterns with the same response); its genome is never kept. In\n"
    "                   the default job about 3% of evaluations are singular X: normal.\n"
    "  fitness.png, archive.png, genes.png   the figures (--no-plots: none)\n";

int hr_cmd_help(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        printf("usage: hydrores help [TOPIC]\n\ntopics:\n  outputs    every file and column "
               "hydrores writes\n\n'hydrores COMMAND --help' describes one command.\n");
        return HR_EXIT_OK;
    }
    if (strcmp(argv[1], "outputs") == 0) {
        fputs(outputs, stdout);
        return HR_EXIT_OK;
    }
    fprintf(stderr, "hydrores help: no topic '%s' (allowed: outputs)\n", argv[1]);
    return HR_EXIT_USAGE;
}
