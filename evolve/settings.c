/* settings.c — the <evolve> settings table of GA and MAP-Elites. */
#include "evolve/settings.h"

#define S hr_evo_settings
const hr_param_spec hr_evo_params[] = {
    /* The order of the original table (config.xml of earlier runs resumes). */
    HR_LONG_AT(S, seed, "seed", 1, 0, 4294967295.0, "random seed of the search"),
    HR_LONG_AT(S, evaluations, "evaluations", 1000, 1, 1e9, "evaluation budget"),
    HR_INT_AT(S, population, "population", 32, 2, 100000, "ga: population size"),
    HR_INT_AT(S, tournament, "tournament", 3, 1, 100, "ga: tournament size"),
    HR_INT_AT(S, elites, "elites", 2, 0, 1000, "ga: elites copied unchanged"),
    HR_NUMBER_AT(S, crossover, "crossover", 0.9, 0, 1, "ga: crossover probability"),
    HR_NUMBER_AT(S, alpha, "alpha", 0.5, 0, 2, "ga: BLX-alpha blend parameter"),
    HR_NUMBER_AT(S, mutation, "mutation", 0.2, 0, 1, "ga: per-gene mutation probability"),
    HR_NUMBER_AT(S, sigma, "sigma", 0.1, 0, 10, "Gaussian mutation standard deviation"),
    HR_LONG_AT(S, random, "random", 200, 1, 1e9, "map-elites: initial random genomes"),
    HR_INT_AT(S, batch, "batch", 100, 1, 1e6, "map-elites: evaluations per batch/checkpoint"),
    HR_CHOICE_AT(S, descriptor, "descriptor", "genes|amplitudes", "genes",
                 "map-elites: descriptors are (mean, std) of chosen genes or of encoded "
                 "amplitudes"),
    HR_LIST_AT(S, descriptor_genes, "descriptor_genes", 0, HR_EVO_SETTINGS_MAX_GENES - 1,
               HR_EVO_SETTINGS_MAX_GENES,
               "map-elites: indices of the genes whose (mean, std) are the descriptors"),
    HR_INT_AT(S, bins, "bins", 50, 1, 10000, "map-elites: grid bins per descriptor"),
    HR_NUMBER_AT(S, lo, "lo", 0, -1e6, 1e6, "map-elites: lower bound of both descriptors"),
    HR_NUMBER_AT(S, hi, "hi", 1, -1e6, 1e6, "map-elites: upper bound of both descriptors"),
    HR_PARAMS_END,
};
#undef S
