/* rng.h — the random numbers of the evolution engine: xoshiro256** seeded
 * through splitmix64, and per-individual streams derived from (seed, a, b).
 *
 * The engine never shares a generator across individuals: individual i of
 * generation (or batch) g draws only from hr_evo_rng_stream(seed, g, i), so
 * its genome does not depend on which thread made it or in which order, and
 * the whole generator state of a run is its seed and its counters. */
#ifndef HR_EVO_RNG_H
#define HR_EVO_RNG_H

#include <stdint.h>

/* xoshiro256** state (Blackman and Vigna 2018). Never all zero once seeded. */
typedef struct hr_evo_rng {
    uint64_t s[4]; /* the four state words */
} hr_evo_rng;

/* The splitmix64 finaliser: a bijective 64-bit mixing function. */
uint64_t hr_evo_mix64(uint64_t x);

/* Seeds `r` from one 64-bit seed by four splitmix64 steps (any seed, 0
 * included, gives a valid non-zero state). */
void hr_evo_rng_seed(hr_evo_rng *r, uint64_t seed);

/* Seeds `r` with the stream of (seed, a, b): e.g. a = generation or batch
 * index, b = individual index. Different (a, b) give unrelated streams; the
 * map is deterministic, so a stream can be recreated at any time. */
void hr_evo_rng_stream(hr_evo_rng *r, uint64_t seed, uint64_t a, uint64_t b);

/* The next 64 random bits. */
uint64_t hr_evo_rng_next(hr_evo_rng *r);

/* A uniform double in [0, 1) with 53 random bits. */
double hr_evo_rng_uniform(hr_evo_rng *r);

/* A uniform integer in [0, n); n = 0 returns 0. Unbiased (rejection). */
uint64_t hr_evo_rng_below(hr_evo_rng *r, uint64_t n);

/* A standard normal deviate (Box-Muller; one pair of uniforms per call, no
 * cached second value, so the stream holds no hidden state). */
double hr_evo_rng_gaussian(hr_evo_rng *r);

#endif
