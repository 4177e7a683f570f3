/* checkpoint.c — the checkpoint file of an optimiser, and the atomic writer.
 *
 * Format, version 1. All integers are unsigned little-endian; f64 is an IEEE
 * 754 double stored as its 64 bits (little-endian), so values come back
 * bitwise and a resumed run continues exactly.
 *
 *   offset  size  field
 *   0       8     magic "HREVOCKP"
 *   8       4     u32 format version (1)
 *   12      4     u32 optimiser kind (1 GA, 2 MAP-Elites)
 *   16      8     u64 payload length L
 *   24      L     payload (below)
 *   24+L    4     u32 CRC-32 of bytes [0, 24+L) (IEEE 802.3 polynomial,
 *                 reflected, as zlib's crc32 and Python's zlib.crc32)
 *
 * Payload:
 *   configuration  u32 kind, u32 ngenes, u64 seed, u32 ndesc,
 *                  f64 mutation_rate, f64 mutation_sigma,
 *                  f64 lo[ngenes], f64 hi[ngenes], then
 *     GA:          u32 population, u32 elites, u32 tournament, u32 crossover,
 *                  f64 crossover_rate, f64 blx_alpha, f64 sbx_eta
 *     MAP-Elites:  u32 batch, u64 initial, u32 bins[ndesc],
 *                  f64 desc_lo[ndesc], f64 desc_hi[ndesc]
 *   counters       u64 generations, u64 evaluations, u64 failures,
 *                  f64 elapsed (seconds, informational)
 *   best ever      u32 has_best, f64 fitness, f64 genome[ngenes],
 *                  f64 descriptor[ndesc]
 *   state     GA:  u64 size (0 or population), f64 genomes[size][ngenes],
 *                  f64 fitness[size], f64 descriptors[size][ndesc]
 *     MAP-Elites:  u64 elites, then per elite in archive (slot) order:
 *                  u64 cell, f64 fitness, f64 descriptor[ndesc],
 *                  f64 genome[ngenes]
 *
 * The random state is the seed and the generation counter: every draw comes
 * from a stream derived from (seed, generation, individual).
 *
 * A file is refused with HR_ECORRUPT if it is shorter than header and
 * checksum, its magic is wrong, its length disagrees with the header (a
 * truncated write), its CRC-32 disagrees (a flipped byte anywhere), or its
 * content is inconsistent (values out of range, counters that do not add up,
 * trailing bytes). A valid file of another format version: HR_ENOTSUP. */
#include <zlib.h>
#include "evolve/evolve.h"
#include "evolve/evolve_internal.h"
#include "base/status.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "HREVOCKP"
#define FORMAT_VERSION 1u
#define HEADER_BYTES 24
#define TRAILER_BYTES 4


/* --- Little-endian buffer --- */

static void buf_reserve(struct hr__evo_buf *b, size_t extra)
{
    if (b->failed || b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra)
        cap *= 2;
    unsigned char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return;
    }
    b->data = p;
    b->cap = cap;
}

static void put_le(struct hr__evo_buf *b, uint64_t v, int bytes)
{
    buf_reserve(b, (size_t)bytes);
    if (b->failed)
        return;
    for (int i = 0; i < bytes; i++)
        b->data[b->len++] = (unsigned char)(v >> (8 * i));
}

void hr__evo_put_u32(struct hr__evo_buf *b, uint32_t v) { put_le(b, v, 4); }
void hr__evo_put_u64(struct hr__evo_buf *b, uint64_t v) { put_le(b, v, 8); }

void hr__evo_put_f64(struct hr__evo_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    put_le(b, u, 8);
}

void hr__evo_put_f64s(struct hr__evo_buf *b, const double *v, size_t n)
{
    buf_reserve(b, 8 * n);
    for (size_t i = 0; i < n; i++)
        hr__evo_put_f64(b, v[i]);
}

static uint64_t get_le(struct hr__evo_reader *r, int bytes)
{
    if (r->failed || r->len - r->pos < (size_t)bytes) {
        r->failed = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->data[r->pos + (size_t)i] << (8 * i);
    r->pos += (size_t)bytes;
    return v;
}

uint32_t hr__evo_get_u32(struct hr__evo_reader *r) { return (uint32_t)get_le(r, 4); }
uint64_t hr__evo_get_u64(struct hr__evo_reader *r) { return get_le(r, 8); }

double hr__evo_get_f64(struct hr__evo_reader *r)
{
    uint64_t u = get_le(r, 8);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

void hr__evo_get_f64s(struct hr__evo_reader *r, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = hr__evo_get_f64(r);
}

/* --- Atomic write --- */


/* --- Configuration in the payload --- */

static void save_config(const hr_evo_config *c, struct hr__evo_buf *b)
{
    size_t n = (size_t)c->ngenes;
    hr__evo_put_u32(b, (uint32_t)c->kind);
    hr__evo_put_u32(b, (uint32_t)c->ngenes);
    hr__evo_put_u64(b, c->seed);
    hr__evo_put_u32(b, (uint32_t)c->ndesc);
    hr__evo_put_f64(b, c->mutation_rate);
    hr__evo_put_f64(b, c->mutation_sigma);
    hr__evo_put_f64s(b, c->lo, n);
    hr__evo_put_f64s(b, c->hi, n);
    hr__evo_type_of(c->kind)->save_config(c, b);
}

static void free_config_arrays(struct hr__evo_config_arrays *a)
{
    free(a->lo);
    free(a->hi);
    free(a->desc_lo);
    free(a->desc_hi);
    free(a->bins);
    free(a->params);
}

/* Reads the configuration into *c (arrays in *a). HR_ECORRUPT, HR_ENOMEM. */
static int load_config(struct hr__evo_reader *r, const char *path, hr_evo_config *c,
                       struct hr__evo_config_arrays *a)
{
    memset(c, 0, sizeof *c);
    memset(a, 0, sizeof *a);
    uint32_t kind = hr__evo_get_u32(r), ngenes = hr__evo_get_u32(r);
    c->seed = hr__evo_get_u64(r);
    uint32_t ndesc = hr__evo_get_u32(r);
    c->mutation_rate = hr__evo_get_f64(r);
    c->mutation_sigma = hr__evo_get_f64(r);
    if (r->failed)
        return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: payload ends inside the "
                                     "configuration",
                        path);
    const hr_optimizer_type *t = hr__evo_type_of((int)kind);
    if (!t)
        return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: optimiser kind %u unknown",
                        path, kind);
    if (ngenes < 1 || ngenes > HR_EVO_MAX_GENES || ndesc > HR_EVO_MAX_DESC)
        return HR_ERROR(HR_ECORRUPT,
                        "checkpoint '%s' is corrupt: ngenes = %u (allowed [1, %ld]) or "
                        "ndesc = %u (allowed [0, %d]) out of range",
                        path, ngenes, HR_EVO_MAX_GENES, ndesc, HR_EVO_MAX_DESC);
    c->kind = (enum hr_evo_kind)kind;
    c->ngenes = (int)ngenes;
    c->ndesc = (int)ndesc;
    a->lo = malloc(ngenes * sizeof(double));
    a->hi = malloc(ngenes * sizeof(double));
    if (!a->lo || !a->hi)
        return HR_ERROR(HR_ENOMEM, "out of memory reading checkpoint '%s'", path);
    hr__evo_get_f64s(r, a->lo, ngenes);
    hr__evo_get_f64s(r, a->hi, ngenes);
    c->lo = a->lo;
    c->hi = a->hi;
    c->nobj = 1;
    int ks = t->load_config(c, r, a, path);
    if (ks)
        return ks;
    if (r->failed)
        return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: payload ends inside the "
                                     "configuration",
                        path);
    if (hr_evo_config_check(c))
        return hr_error_prefix(HR_ECORRUPT, "checkpoint '%s' is corrupt: invalid stored "
                                            "configuration",
                               path);
    return HR_OK;
}


/* HR_OK if the stored configuration `s` equals the expected `e` in every
 * field the algorithm uses; else HR_EINVAL naming the first difference. */
static int compare_config(const char *path, const hr_evo_config *s, const hr_evo_config *e)
{
#define DIFF(fmt, name, sv, ev)                                                              \
    return HR_ERROR(HR_EINVAL,                                                               \
                    "checkpoint '%s' was written with %s = " fmt ", the configuration has " \
                    "%s = " fmt "; resume with the same settings or start a new run",        \
                    path, name, sv, name, ev)
    if (s->kind != e->kind)
        return HR_ERROR(HR_EINVAL,
                        "checkpoint '%s' holds a %s run, the configuration asks for %s; "
                        "resume with the same settings or start a new run",
                        path, hr_evo_kind_label(s->kind), hr_evo_kind_label(e->kind));
    if (s->ngenes != e->ngenes)
        DIFF("%d", "ngenes", s->ngenes, e->ngenes);
    if (s->seed != e->seed)
        DIFF("%llu", "seed", (unsigned long long)s->seed, (unsigned long long)e->seed);
    if (s->ndesc != e->ndesc)
        DIFF("%d", "ndesc", s->ndesc, e->ndesc);
    if (s->mutation_rate != e->mutation_rate)
        DIFF("%.17g", "mutation_rate", s->mutation_rate, e->mutation_rate);
    if (s->mutation_sigma != e->mutation_sigma)
        DIFF("%.17g", "mutation_sigma", s->mutation_sigma, e->mutation_sigma);
    char name[64];
    for (int i = 0; i < s->ngenes; i++) {
        double elo = e->lo ? e->lo[i] : 0.0, ehi = e->hi ? e->hi[i] : 1.0;
        if (s->lo[i] != elo) {
            snprintf(name, sizeof name, "lower bound of gene %d", i);
            DIFF("%.17g", name, s->lo[i], elo);
        }
        if (s->hi[i] != ehi) {
            snprintf(name, sizeof name, "upper bound of gene %d", i);
            DIFF("%.17g", name, s->hi[i], ehi);
        }
    }
    if (s->nobj != e->nobj)
        DIFF("%d", "nobj", s->nobj, e->nobj);
    return hr__evo_type_of(s->kind)->compare_config(path, s, e);
#undef DIFF
}

/* --- Save and load --- */

int hr_evo_save(const hr_evo *evo, const char *path)
{
    if (!evo || !path)
        return HR_ERROR(HR_EINVAL, "hr_evo_save: evo and path must not be NULL");
    struct hr__evo_buf b = {0};
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc;
    for (const char *m = MAGIC; *m; m++)
        put_le(&b, (unsigned char)*m, 1);
    hr__evo_put_u32(&b, FORMAT_VERSION);
    hr__evo_put_u32(&b, (uint32_t)evo->cfg.kind);
    hr__evo_put_u64(&b, 0); /* payload length, patched below */
    save_config(&evo->cfg, &b);
    hr__evo_put_u64(&b, (uint64_t)evo->generations);
    hr__evo_put_u64(&b, (uint64_t)evo->evaluations);
    hr__evo_put_u64(&b, (uint64_t)evo->failures);
    hr__evo_put_f64(&b, evo->elapsed);
    hr__evo_put_u32(&b, (uint32_t)evo->has_best);
    hr__evo_put_f64(&b, evo->best_fitness);
    hr__evo_put_f64s(&b, evo->best_genome, n);
    if (nd)
        hr__evo_put_f64s(&b, evo->best_desc, nd);
    evo->ops->save(evo, &b);
    if (b.failed) {
        free(b.data);
        return HR_ERROR(HR_ENOMEM, "checkpoint '%s': out of memory building it", path);
    }
    uint64_t payload = b.len - HEADER_BYTES;
    for (int i = 0; i < 8; i++)
        b.data[16 + i] = (unsigned char)(payload >> (8 * i));
    hr__evo_put_u32(&b, (uint32_t)crc32_z(0, b.data, b.len));
    if (b.failed) {
        free(b.data);
        return HR_ERROR(HR_ENOMEM, "checkpoint '%s': out of memory building it", path);
    }
    int s = hr_write_atomic(path, b.data, b.len, "checkpoint");
    free(b.data);
    return s;
}

/* Reads the whole file. HR_EIO, HR_ENOMEM. */
static int read_file(const char *path, unsigned char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return HR_ERROR(HR_EIO, "cannot open checkpoint '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return HR_ERROR(HR_EIO, "checkpoint '%s' is not a regular file", path);
    }
    size_t size = (size_t)sb.st_size;
    unsigned char *p = malloc(size ? size : 1);
    if (!p) {
        fclose(f);
        return HR_ERROR(HR_ENOMEM, "checkpoint '%s': cannot allocate %zu bytes", path, size);
    }
    size_t got = fread(p, 1, size, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != size) {
        free(p);
        return HR_ERROR(HR_EIO, "cannot read checkpoint '%s' (%zu of %zu bytes read)", path,
                        got, size);
    }
    *data = p;
    *len = size;
    return HR_OK;
}

/* Checks that evaluations and failures agree with the generation count. */
static int check_counters(const hr_evo *evo, const char *path)
{
    const hr_evo_config *c = &evo->cfg;
    long g = evo->generations, want;
    want = evo->ops->evaluations_after(c, g);
    if (g < 0 || evo->evaluations != want || evo->failures < 0 ||
        evo->failures > evo->evaluations)
        return HR_ERROR(HR_ECORRUPT,
                        "checkpoint '%s' is corrupt: %ld generations, %ld evaluations, %ld "
                        "failures do not add up (expected %ld evaluations)",
                        path, g, evo->evaluations, evo->failures, want);
    if (evo->has_best != 0 && evo->has_best != 1)
        return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: has_best = %d", path,
                        evo->has_best);
    if (evo->has_best ? !isfinite(evo->best_fitness) : evo->best_fitness != -INFINITY)
        return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: best fitness %g", path,
                        evo->best_fitness);
    return HR_OK;
}

int hr_evo_load(const char *path, const hr_evo_config *expect, hr_evo **out)
{
    if (!out || !path)
        return HR_ERROR(HR_EINVAL, "hr_evo_load: path and out must not be NULL");
    *out = NULL;
    unsigned char *data;
    size_t len;
    int s = read_file(path, &data, &len);
    if (s)
        return s;
    hr_evo *evo = NULL;
    struct hr__evo_config_arrays arrays = {0};
    if (len < HEADER_BYTES + TRAILER_BYTES) {
        s = HR_ERROR(HR_ECORRUPT,
                     "checkpoint '%s' is truncated or not a checkpoint: %zu bytes, fewer "
                     "than the %d of header and checksum",
                     path, len, HEADER_BYTES + TRAILER_BYTES);
        goto done;
    }
    if (memcmp(data, MAGIC, 8) != 0) {
        s = HR_ERROR(HR_ECORRUPT,
                     "'%s' is not a hydrores evolution checkpoint (its first 8 bytes are not "
                     "\"%s\") or is corrupt",
                     path, MAGIC);
        goto done;
    }
    struct hr__evo_reader hdr = {data, len, 8, 0};
    uint32_t version = hr__evo_get_u32(&hdr), kind = hr__evo_get_u32(&hdr);
    uint64_t payload = hr__evo_get_u64(&hdr);
    if (payload > len || payload + HEADER_BYTES + TRAILER_BYTES != len) {
        s = HR_ERROR(HR_ECORRUPT,
                     "checkpoint '%s' is truncated or corrupt: its header announces %llu "
                     "payload bytes (%llu bytes in all), the file has %zu",
                     path, (unsigned long long)payload,
                     (unsigned long long)payload + HEADER_BYTES + TRAILER_BYTES, len);
        goto done;
    }
    struct hr__evo_reader tr = {data, len, len - TRAILER_BYTES, 0};
    uint32_t stored_crc = hr__evo_get_u32(&tr), crc = (uint32_t)crc32_z(0, data, len - TRAILER_BYTES);
    if (crc != stored_crc) {
        s = HR_ERROR(HR_ECORRUPT,
                     "checkpoint '%s' is corrupt: its CRC-32 is 0x%08x but the file says "
                     "0x%08x (damaged or partly overwritten)",
                     path, crc, stored_crc);
        goto done;
    }
    if (version != FORMAT_VERSION) {
        s = HR_ERROR(HR_ENOTSUP, "checkpoint '%s' has format version %u; this build reads "
                                 "version %u",
                     path, version, FORMAT_VERSION);
        goto done;
    }
    struct hr__evo_reader r = {data, len - TRAILER_BYTES, HEADER_BYTES, 0};
    hr_evo_config cfg;
    if ((s = load_config(&r, path, &cfg, &arrays)))
        goto done;
    if ((uint32_t)cfg.kind != kind) {
        s = HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: header kind %u, payload kind %d",
                     path, kind, (int)cfg.kind);
        goto done;
    }
    if (expect && (s = compare_config(path, &cfg, expect)))
        goto done;
    if ((s = hr__evo_alloc(&cfg, &evo)))
        goto done;
    if ((s = evo->ops->create(evo)))
        goto done;
    hr_evo_init(evo);
    size_t n = (size_t)cfg.ngenes, nd = (size_t)cfg.ndesc;
    evo->generations = (long)hr__evo_get_u64(&r);
    evo->evaluations = (long)hr__evo_get_u64(&r);
    evo->failures = (long)hr__evo_get_u64(&r);
    evo->elapsed = hr__evo_get_f64(&r);
    evo->has_best = (int)hr__evo_get_u32(&r);
    evo->best_fitness = hr__evo_get_f64(&r);
    hr__evo_get_f64s(&r, evo->best_genome, n);
    if (nd)
        hr__evo_get_f64s(&r, evo->best_desc, nd);
    if (r.failed)
        goto truncated;
    if ((s = check_counters(evo, path)))
        goto done;
    if ((s = evo->ops->load(evo, &r, path)))
        goto done;
    if (r.failed)
        goto truncated;
    if (r.pos != r.len) {
        s = HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: %zu unexpected bytes after the "
                                  "state",
                     path, r.len - r.pos);
        goto done;
    }
    s = HR_OK;
    goto done;
truncated:
    s = HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: its payload ends before the %s "
                              "state is complete",
                 path, evo->ops->base.name);
done:
    free(data);
    free_config_arrays(&arrays);
    if (s) {
        hr_evo_destroy(evo);
        return s;
    }
    *out = evo;
    return HR_OK;
}
