/* settings.h — the <evolve> section of the built-in algorithms (GA and
 * MAP-Elites share one settings table, so `--set evolve.kind=ga` switches
 * between them) and its decoded form. Other algorithms declare their own
 * tables, starting with the same seed / evaluations / sigma entries
 * (HR_EVO_COMMON_PARAMS). */
#ifndef HR_EVO_SETTINGS_H
#define HR_EVO_SETTINGS_H

#include "base/params.h"

/* Longest descriptor_genes list (the experiment's gene limit). */
#define HR_EVO_SETTINGS_MAX_GENES 128

/* The decoded <evolve> section of GA and MAP-Elites. */
typedef struct hr_evo_settings {
    long seed;           /* random seed of the search */
    long evaluations;    /* evaluation budget */
    double sigma;        /* Gaussian mutation sigma (fraction of a gene's range) */
    int population;      /* ga: population size */
    int tournament;      /* ga: tournament size */
    int elites;          /* ga: elites copied unchanged */
    double crossover;    /* ga: crossover probability */
    double alpha;        /* ga: BLX-alpha */
    double mutation;     /* ga: per-gene mutation probability */
    long random;         /* map-elites: initial random genomes */
    int batch;           /* map-elites: evaluations per batch */
    int descriptor;      /* map-elites: 0 genes, 1 amplitudes */
    hr_plist descriptor_genes; /* map-elites: genes whose (mean, std) are the descriptors */
    int bins;            /* map-elites: bins per descriptor */
    double lo, hi;       /* map-elites: descriptor range */
} hr_evo_settings;

/* The first entries of every algorithm's table: seed, evaluations, sigma,
 * decoded into fields of those names of the struct T. */
#define HR_EVO_COMMON_PARAMS(T)                                                             \
    HR_LONG_AT(T, seed, "seed", 1, 0, 4294967295.0, "random seed of the search"),           \
        HR_LONG_AT(T, evaluations, "evaluations", 1000, 1, 1e9, "evaluation budget"),       \
        HR_NUMBER_AT(T, sigma, "sigma", 0.1, 0, 10,                                         \
                     "Gaussian mutation standard deviation (fraction of a gene's range)")

/* The table GA and MAP-Elites share. */
extern const hr_param_spec hr_evo_params[];

#endif
