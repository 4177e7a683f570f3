/* test_evolve_ckpt.c — checkpoints and resumption: a run killed (a forked
 * child that _exit()s mid-generation, or mid-checkpoint-write), stopped by
 * the stop flag, or ended after k generations, resumes from its checkpoint
 * to bitwise the result of an uninterrupted run; corrupt and truncated
 * checkpoints are refused with HR_ECORRUPT; a failed write never destroys
 * the previous checkpoint; a checkpoint resumes only under its own
 * configuration; the CSV outputs.
 *
 * The fork tests come first and every test here runs one thread, so a child
 * never inherits a running OpenMP thread pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "evolve/evolve_internal.h"
#include "tests/evolve_fixtures.h"
#include "tests/test_util.h"

static const int small_bins[2] = {10, 10};
static const double small_dlo[2] = {0, 0}, small_dhi[2] = {1, 1};

/* A small configuration of each kind, and the budget of a whole run. */
static void small_config(int kind, hr_evo_config *cfg, long *gens)
{
    if (kind == HR_EVO_GA) {
        hr_evo_config_default(cfg, HR_EVO_GA, 6);
        cfg->population = 16;
        cfg->seed = 2385;
        cfg->ndesc = 2; /* carried along, checkpointed */
        *gens = 12;
    } else {
        hr_evo_config_default(cfg, HR_EVO_MAP_ELITES, 4);
        cfg->batch = 20;
        cfg->initial = 60;
        cfg->seed = 2385;
        cfg->bins = small_bins;
        cfg->desc_lo = small_dlo;
        cfg->desc_hi = small_dhi;
        *gens = 15;
    }
}

/* Runs evo to `gens` generations with the small test functions (failures
 * included); returns the status of hr_evo_run. */
static int run_to(hr_evo *evo, long gens, struct fx *x, const char *ckpt, int every,
                  volatile sig_atomic_t *stop, hr_evo_progress_fn progress, void *pctx)
{
    struct fx_log log = {0};
    x->fail = 1;
    x->nthreads = 1;
    hr_evo_evaluator ev = {.eval = hr_evo_get_config(evo)->kind == HR_EVO_GA
                                       ? fx_sphere_failing
                                       : fx_qd,
                           .ctx = x, .nthreads = 1, .log = fx_log_line, .log_ctx = &log};
    hr_evo_run_options opt = {.budget = {.max_generations = gens},
                              .checkpoint = ckpt,
                              .checkpoint_every = every,
                              .stop = stop,
                              .progress = progress,
                              .progress_ctx = pctx};
    return hr_evo_run(evo, &ev, &opt, NULL);
}

/* The uninterrupted reference run. */
static hr_evo *reference(int kind)
{
    hr_evo_config cfg;
    long gens;
    small_config(kind, &cfg, &gens);
    hr_evo *evo;
    assert_status(hr_evo_create(&cfg, &evo), HR_OK);
    struct fx x = {0};
    assert_status(run_to(evo, gens, &x, NULL, 0, NULL, NULL, NULL), HR_OK);
    assert_true(hr_evo_failures(evo) > 0);
    return evo;
}

/* Loads `path` under the small configuration, runs it to the end and checks
 * it against the reference. */
static void resume_and_compare(int kind, const char *path, long min_gens)
{
    hr_evo_config cfg;
    long gens;
    small_config(kind, &cfg, &gens);
    hr_evo *evo;
    int resumed;
    assert_status(hr_evo_open(&cfg, path, &evo, &resumed), HR_OK);
    assert_int_equal(resumed, 1);
    long at = hr_evo_generations(evo);
    assert_true(at >= min_gens && at < gens);
    struct fx x = {0};
    assert_status(run_to(evo, gens, &x, path, 0, NULL, NULL, NULL), HR_OK);
    hr_evo *ref = reference(kind);
    assert_same_state(evo, ref);
    /* And the final checkpoint holds that same state. */
    hr_evo *back;
    assert_status(hr_evo_load(path, &cfg, &back), HR_OK);
    assert_same_state(back, ref);
    hr_evo_destroy(back);
    hr_evo_destroy(ref);
    hr_evo_destroy(evo);
}

/* A forked child runs with a checkpoint every 3 generations and is killed
 * (_exit, no cleanup) in the middle of a generation; the parent resumes
 * from the checkpoint and ends bitwise where an uninterrupted run ends. */
static void test_killed_process_resumes(void **state)
{
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        char *dir = fx_tmpdir();
        const char *path = fx_path(dir, "ck.bin");
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            hr_evo_config cfg;
            long gens;
            small_config(kind, &cfg, &gens);
            hr_evo *evo;
            if (hr_evo_create(&cfg, &evo))
                _exit(2);
            struct fx x = {.exit_after = kind == HR_EVO_GA ? 107 : 171};
            run_to(evo, gens, &x, path, 3, NULL, NULL, NULL);
            _exit(1); /* not reached: the evaluation kills the process */
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        resume_and_compare(kind, path, 3);
        fx_rmdir(dir);
    }
}

/* After generation 4 the child arms the fault that kills the process in the
 * middle of writing the next checkpoint: the previous checkpoint survives
 * (only a stray temporary file is left) and resumes exactly. */
static void arm_kill_in_write(void *ctx, const hr_evo_progress *p)
{
    if (p->generation == 4)
        hr__atomic_fault = 2;
}

static void test_killed_during_checkpoint_write(void **state)
{
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        char *dir = fx_tmpdir();
        const char *path = fx_path(dir, "ck.bin");
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            hr_evo_config cfg;
            long gens;
            small_config(kind, &cfg, &gens);
            hr_evo *evo;
            if (hr_evo_create(&cfg, &evo))
                _exit(2);
            struct fx x = {0};
            run_to(evo, gens, &x, path, 1, NULL, arm_kill_in_write, NULL);
            _exit(1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
        assert_int_equal(fx_count_files(dir, "ck.bin.tmp."), 1);
        hr_evo *evo;
        assert_status(hr_evo_load(path, NULL, &evo), HR_OK);
        assert_int_equal(hr_evo_generations(evo), 5);
        hr_evo_destroy(evo);
        resume_and_compare(kind, path, 5);
        fx_rmdir(dir);
    }
}

/* Run k generations (the budget), destroy, reopen from the file, finish. */
static void test_resume_after_k_generations(void **state)
{
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        for (long k = 1; k <= 7; k += 3) {
            char *dir = fx_tmpdir();
            const char *path = fx_path(dir, "ck.bin");
            hr_evo_config cfg;
            long gens;
            small_config(kind, &cfg, &gens);
            hr_evo *evo;
            int resumed;
            assert_status(hr_evo_open(&cfg, path, &evo, &resumed), HR_OK);
            assert_int_equal(resumed, 0);
            struct fx x = {0};
            /* checkpoint_every larger than k: the final checkpoint is written
             * anyway. */
            assert_status(run_to(evo, k, &x, path, 100, NULL, NULL, NULL), HR_OK);
            hr_evo_destroy(evo);
            resume_and_compare(kind, path, k);
            fx_rmdir(dir);
        }
    }
}

/* The stop flag raised in the middle of a generation: value 1 finishes it,
 * checkpoints and returns HR_EINTERRUPT; value 2 abandons it (the state and
 * checkpoint are those before it). Both resume exactly. */
static void test_stop_flag_resumes(void **state)
{
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        for (int value = 1; value <= 2; value++) {
            char *dir = fx_tmpdir();
            const char *path = fx_path(dir, "ck.bin");
            hr_evo_config cfg;
            long gens;
            small_config(kind, &cfg, &gens);
            hr_evo *evo;
            assert_status(hr_evo_create(&cfg, &evo), HR_OK);
            volatile sig_atomic_t stop = 0;
            /* Evaluation 35 is in generation 2 of the GA (evaluations 31-44:
             * 16 in generation 0, then 14 each), evaluation 50 in batch 2 of
             * MAP-Elites (41-60). */
            long at = kind == HR_EVO_GA ? 35 : 50;
            struct fx x = {.stop = &stop, .stop_after = at, .stop_value = value};
            assert_status(run_to(evo, gens, &x, path, 5, &stop, NULL, NULL), HR_EINTERRUPT);
            assert_non_null(strstr(hr_error_message(), "interrupted"));
            long want = value == 1 ? 3 : 2;
            assert_int_equal(hr_evo_generations(evo), want);
            if (value == 2)
                assert_int_equal(x.count, at); /* one thread: the rest was skipped */
            hr_evo_destroy(evo);
            resume_and_compare(kind, path, want);
            fx_rmdir(dir);
        }
    }
}

/* Saving, loading and saving again gives the same bytes. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *p = malloc((size_t)n + 1);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void spill(const char *path, const unsigned char *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
}

static void test_roundtrip_bytes(void **state)
{
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        char *dir = fx_tmpdir();
        hr_evo *evo = reference(kind);
        assert_status(hr_evo_save(evo, fx_path(dir, "a.bin")), HR_OK);
        hr_evo *back;
        assert_status(hr_evo_load(fx_path(dir, "a.bin"), NULL, &back), HR_OK);
        assert_same_state(evo, back);
        assert_status(hr_evo_save(back, fx_path(dir, "b.bin")), HR_OK);
        size_t la, lb;
        unsigned char *a = slurp(fx_path(dir, "a.bin"), &la), *b = slurp(fx_path(dir, "b.bin"), &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        assert_memory_equal(a, "HREVOCKP", 8);
        /* A fresh optimiser (no generation yet) round-trips too. */
        hr_evo_init(back);
        assert_status(hr_evo_save(back, fx_path(dir, "c.bin")), HR_OK);
        hr_evo *fresh;
        assert_status(hr_evo_load(fx_path(dir, "c.bin"), NULL, &fresh), HR_OK);
        assert_int_equal(hr_evo_generations(fresh), 0);
        assert_int_equal(hr_evo_size(fresh), 0);
        assert_same_state(back, fresh);
        free(a);
        free(b);
        hr_evo_destroy(fresh);
        hr_evo_destroy(back);
        hr_evo_destroy(evo);
        fx_rmdir(dir);
    }
}

/* CRC-32 (zlib's) for crafting a valid file of another version. */
static uint32_t test_crc32(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return crc ^ 0xFFFFFFFFu;
}

/* Every single flipped byte and every truncation of a good checkpoint is
 * refused with HR_ECORRUPT and a message naming the file; the good file is
 * still loadable afterwards; other damage is named clearly. */
static void test_corrupt_checkpoints_refused(void **state)
{
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        char *dir = fx_tmpdir();
        const char *good = fx_path(dir, "good.bin");
        char bad[512];
        snprintf(bad, sizeof bad, "%s", fx_path(dir, "bad.bin"));
        hr_evo *evo = reference(kind);
        assert_status(hr_evo_save(evo, good), HR_OK);
        hr_evo_destroy(evo);
        size_t len;
        unsigned char *p = slurp(good, &len);
        int crc_msgs = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char keep = p[i];
            p[i] ^= (unsigned char)(1u << (i % 8));
            spill(bad, p, len);
            p[i] = keep;
            hr_evo *e = (hr_evo *)p;
            int s = hr_evo_load(bad, NULL, &e);
            if (s != HR_ECORRUPT) {
                print_error("byte %zu of %zu flipped: status %s: %s\n", i, len,
                            hr_status_name(s), hr_error_message());
                fail();
            }
            assert_null(e);
            assert_non_null(strstr(hr_error_message(), bad));
            crc_msgs += strstr(hr_error_message(), "CRC-32") != NULL;
        }
        assert_true(crc_msgs > (int)len - 30); /* mostly caught by the checksum */
        for (size_t n = 0; n < len; n++) {
            spill(bad, p, n);
            hr_evo *e;
            assert_status(hr_evo_load(bad, NULL, &e), HR_ECORRUPT);
            assert_non_null(strstr(hr_error_message(), bad));
            assert_true(strstr(hr_error_message(), "truncated") || n < 8);
        }
        print_message("      %s: %s\n", kind == HR_EVO_GA ? "GA" : "MAP-Elites",
                      hr_error_message());
        /* Trailing data. */
        unsigned char *longer = malloc(len + 3);
        memcpy(longer, p, len);
        memcpy(longer + len, "xyz", 3);
        spill(bad, longer, len + 3);
        free(longer);
        hr_evo *e;
        assert_status(hr_evo_load(bad, NULL, &e), HR_ECORRUPT);
        /* Not a checkpoint at all. */
        spill(bad, (const unsigned char *)"generation,evaluations\n0,1\n1,2\n", 31);
        assert_status(hr_evo_load(bad, NULL, &e), HR_ECORRUPT);
        assert_non_null(strstr(hr_error_message(), "not a hydrores evolution checkpoint"));
        /* A valid file of a future format version. */
        p[8] = 2;
        uint32_t crc = test_crc32(p, len - 4);
        for (int k = 0; k < 4; k++)
            p[len - 4 + (size_t)k] = (unsigned char)(crc >> (8 * k));
        spill(bad, p, len);
        assert_status(hr_evo_load(bad, NULL, &e), HR_ENOTSUP);
        assert_non_null(strstr(hr_error_message(), "format version 2"));
        /* Missing file. */
        assert_status(hr_evo_load(fx_path(dir, "none.bin"), NULL, &e), HR_EIO);
        assert_non_null(strstr(hr_error_message(), "No such file"));
        /* hr_evo_open refuses a corrupt checkpoint rather than starting over. */
        spill(bad, p, len / 2);
        hr_evo_config cfg;
        long gens;
        small_config(kind, &cfg, &gens);
        int resumed = 7;
        assert_status(hr_evo_open(&cfg, bad, &e, &resumed), HR_ECORRUPT);
        assert_null(e);
        assert_int_equal(resumed, 0);
        /* The good checkpoint is untouched and loads. */
        assert_status(hr_evo_load(good, &cfg, &e), HR_OK);
        assert_int_equal(hr_evo_generations(e), gens);
        hr_evo_destroy(e);
        free(p);
        fx_rmdir(dir);
    }
}

/* A checkpoint write that fails (mid-write or at the rename) returns HR_EIO,
 * leaves the previous checkpoint as it was and no temporary file; the run
 * resumes from it exactly. */
static void test_failed_write_keeps_previous(void **state)
{
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        for (int fault = 1; fault <= 3; fault += 2) {
            char *dir = fx_tmpdir();
            const char *path = fx_path(dir, "ck.bin");
            hr_evo_config cfg;
            long gens;
            small_config(kind, &cfg, &gens);
            hr_evo *evo;
            assert_status(hr_evo_create(&cfg, &evo), HR_OK);
            struct fx x = {0};
            assert_status(run_to(evo, 4, &x, path, 1, NULL, NULL, NULL), HR_OK);
            size_t len0;
            unsigned char *before = slurp(path, &len0);
            hr__atomic_fault = fault;
            int s = run_to(evo, gens, &x, path, 1, NULL, NULL, NULL);
            hr__atomic_fault = 0;
            assert_int_equal(s, HR_EIO);
            print_message("      %s\n", hr_error_message());
            assert_non_null(strstr(hr_error_message(), path));
            assert_non_null(strstr(hr_error_message(), "previous file, if any, is untouched"));
            assert_int_equal(hr_evo_generations(evo), 5); /* stopped after one more */
            size_t len1;
            unsigned char *after = slurp(path, &len1);
            assert_int_equal(len0, len1);
            assert_memory_equal(before, after, len0);
            assert_int_equal(fx_count_files(dir, "ck.bin.tmp."), 0);
            free(before);
            free(after);
            hr_evo_destroy(evo);
            resume_and_compare(kind, path, 4);
            fx_rmdir(dir);
        }
    }
    /* A directory that does not exist: a clear HR_EIO. */
    hr_evo *evo = reference(HR_EVO_GA);
    assert_status(hr_evo_save(evo, "/nonexistent-hr-dir/ck.bin"), HR_EIO);
    assert_non_null(strstr(hr_error_message(), "/nonexistent-hr-dir/ck.bin"));
    hr_evo_destroy(evo);
}

/* A checkpoint resumes only under the configuration that wrote it. */
static void test_incompatible_config_refused(void **state)
{
    char *dir = fx_tmpdir();
    const char *path = fx_path(dir, "ck.bin");
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        hr_evo *evo = reference(kind);
        assert_status(hr_evo_save(evo, path), HR_OK);
        hr_evo_destroy(evo);
        hr_evo_config cfg;
        long gens;
        small_config(kind, &cfg, &gens);
        hr_evo *e;
        assert_status(hr_evo_load(path, &cfg, &e), HR_OK);
        hr_evo_destroy(e);

        hr_evo_config c = cfg;
        c.seed = 2386;
        assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
        assert_non_null(strstr(hr_error_message(), "seed = 2385, the configuration has seed = 2386"));
        c = cfg;
        double lo[6] = {0, 0, 0, 0, 0, 0}, hi[6] = {1, 1, 1, 0.5, 1, 1};
        c.lo = lo;
        c.hi = hi;
        assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
        assert_non_null(strstr(hr_error_message(), "upper bound of gene 3 = 1,"));
        c = cfg;
        c.kind = kind == HR_EVO_GA ? HR_EVO_MAP_ELITES : HR_EVO_GA;
        assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
        assert_non_null(strstr(hr_error_message(), "run, the configuration asks for"));
        c = cfg;
        if (kind == HR_EVO_GA) {
            c.population = 17;
            assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
            assert_non_null(strstr(hr_error_message(), "population = 16"));
        } else {
            int bins[2] = {10, 11};
            c.bins = bins;
            assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
            assert_non_null(strstr(hr_error_message(), "bins[1] = 10"));
        }
        assert_null(e);
        print_message("      %s\n", hr_error_message());
    }
    fx_rmdir(dir);
}

/* The archive/population CSV, and generations.csv across a resume. */
static void test_csv_outputs(void **state)
{
    char *dir = fx_tmpdir();
    hr_evo *me = reference(HR_EVO_MAP_ELITES);
    const char *names[4] = {"amp_a", "amp_b", "k_a", "k_b"};
    const char *apath = fx_path(dir, "archive.csv");
    assert_status(hr_evo_write_csv(me, apath, names), HR_OK);
    FILE *f = fopen(apath, "r");
    assert_non_null(f);
    char line[2048];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "cell,bin_0,bin_1,desc_0,desc_1,fitness,amp_a,amp_b,k_a,k_b\n");
    long rows = 0, prev = -1;
    while (fgets(line, sizeof line, f)) {
        long cell;
        int b0, b1;
        double d0, d1, fit, g[4];
        assert_int_equal(sscanf(line, "%ld,%d,%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &cell, &b0, &b1,
                                &d0, &d1, &fit, &g[0], &g[1], &g[2], &g[3]),
                         10);
        assert_true(cell > prev);
        prev = cell;
        assert_int_equal(cell, b0 * 10 + b1);
        double eg[4], ef, ed[2];
        assert_int_equal(hr_evo_cell(me, cell, eg, &ef, ed), 1);
        assert_true(same_bits(fit, ef) && same_bits(d0, ed[0]) && same_bits(d1, ed[1]));
        assert_memory_equal(g, eg, sizeof g);
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, hr_evo_size(me));

    /* GA: sorted by fitness, best first; default gene names. */
    hr_evo *ga = reference(HR_EVO_GA);
    const char *gpath = fx_path(dir, "population.csv");
    assert_status(hr_evo_write_csv(ga, gpath, NULL), HR_OK);
    f = fopen(gpath, "r");
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "rank,index,fitness,desc_0,desc_1,gene_0,gene_1,gene_2,gene_3,"
                              "gene_4,gene_5\n");
    double last = INFINITY, best;
    rows = 0;
    hr_evo_best(ga, NULL, &best, NULL);
    while (fgets(line, sizeof line, f)) {
        long rank, index;
        double fit;
        assert_int_equal(sscanf(line, "%ld,%ld,%lf", &rank, &index, &fit), 3);
        assert_int_equal(rank, rows);
        if (rows == 0)
            assert_true(same_bits(fit, best));
        assert_true(fit <= last);
        last = fit;
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 16);

    /* generations.csv: fresh, 5 rows, then a resume at generation 3 keeps
     * rows 0..2 and drops a torn last line. */
    const char *cpath = fx_path(dir, "generations.csv");
    FILE *c;
    assert_status(hr_evo_csv_open(cpath, -1, &c), HR_OK);
    hr_evo_progress p;
    hr_evo_summary(ga, &p);
    for (long g = 0; g < 5; g++) {
        p.generation = g;
        assert_status(hr_evo_csv_row(c, &p), HR_OK);
    }
    fputs("5,123,0,0.5", c); /* a row torn by a kill */
    fclose(c);
    assert_status(hr_evo_csv_open(cpath, 3, &c), HR_OK);
    p.generation = 3;
    assert_status(hr_evo_csv_row(c, &p), HR_OK);
    fclose(c);
    f = fopen(cpath, "r");
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(strncmp(line, hr_evo_csv_header(), strlen(hr_evo_csv_header())), 0);
    long gens_seen[8], nrows = 0;
    while (fgets(line, sizeof line, f) && nrows < 8) {
        gens_seen[nrows++] = strtol(line, NULL, 10);
        assert_non_null(strchr(line, '\n'));
    }
    fclose(f);
    assert_int_equal(nrows, 4);
    for (long i = 0; i < 4; i++)
        assert_int_equal(gens_seen[i], i);
    /* A torn line at the very end (no newline) is dropped even if it is
     * "below": and a file that is not ours is refused. */
    spill(cpath, (const unsigned char *)"a,b\n1,2\n", 8);
    assert_status(hr_evo_csv_open(cpath, 3, &c), HR_EPARSE);
    assert_null(c);
    assert_non_null(strstr(hr_error_message(), cpath));
    /* Resume when the file is missing: created with its header. */
    unlink(cpath);
    assert_status(hr_evo_csv_open(cpath, 3, &c), HR_OK);
    fclose(c);
    assert_int_equal(fx_count_files(dir, "generations.csv"), 1);

    hr_evo_destroy(ga);
    hr_evo_destroy(me);
    fx_rmdir(dir);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_killed_process_resumes),
        cmocka_unit_test(test_killed_during_checkpoint_write),
        cmocka_unit_test(test_resume_after_k_generations),
        cmocka_unit_test(test_stop_flag_resumes),
        cmocka_unit_test(test_roundtrip_bytes),
        cmocka_unit_test(test_corrupt_checkpoints_refused),
        cmocka_unit_test(test_failed_write_keeps_previous),
        cmocka_unit_test(test_incompatible_config_refused),
        cmocka_unit_test(test_csv_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
