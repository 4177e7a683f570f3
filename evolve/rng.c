/* rng.c — xoshiro256** with splitmix64 seeding and derived streams.
 *
 * xoshiro256**: s' = linear map of s (xor/shift/rotate), output
 * rotl(s1 * 5, 7) * 9. splitmix64: z += 0x9E3779B97F4A7C15, then the
 * finaliser z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
 * z *= 0x94D049BB133111EB; z ^= z >> 31. */
#include "evolve/rng.h"

#include <math.h>

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t hr_evo_mix64(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9ULL;
    z ^= z >> 27;
    z *= 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z;
}

void hr_evo_rng_seed(hr_evo_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) {
        x += 0x9E3779B97F4A7C15ULL;
        r->s[i] = hr_evo_mix64(x);
    }
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 0x9E3779B97F4A7C15ULL; /* unreachable in practice */
}

void hr_evo_rng_stream(hr_evo_rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
    /* Each input passes through the bijective finaliser before it is
     * combined, with different offsets, so (a, b) and (b, a) differ. */
    uint64_t k = hr_evo_mix64(seed ^ 0x243F6A8885A308D3ULL);
    k = hr_evo_mix64(k ^ hr_evo_mix64(a + 0x9E3779B97F4A7C15ULL));
    k = hr_evo_mix64(k ^ hr_evo_mix64(b + 0x13198A2E03707344ULL));
    hr_evo_rng_seed(r, k);
}

uint64_t hr_evo_rng_next(hr_evo_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double hr_evo_rng_uniform(hr_evo_rng *r)
{
    return (double)(hr_evo_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t hr_evo_rng_below(hr_evo_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Reject the low (2^64 mod n) values so every residue is equally likely. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = hr_evo_rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

double hr_evo_rng_gaussian(hr_evo_rng *r)
{
    double u1 = 1.0 - hr_evo_rng_uniform(r); /* (0, 1]: log is finite */
    double u2 = hr_evo_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925287 * u2);
}
