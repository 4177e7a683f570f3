/* test_optim_ckpt.c — checkpoints of CMA-ES and NSGA-II: a run killed in
 * the middle of a batch (a forked child that _exit()s), stopped by the stop
 * flag, or ended after k batches, resumes to bitwise the result of an
 * uninterrupted run, for CMA-ES also across IPOP restarts and inside
 * generations that span several batches; every flipped byte and every
 * truncation of a checkpoint is refused; a checkpoint resumes only under
 * its own configuration; saving what was loaded gives the same bytes.
 *
 * The fork test comes first and every test runs one thread, so a child
 * never inherits a running OpenMP thread pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/wait.h>

#include "evolve/cmaes.h"
#include "evolve/nsga2.h"
#include "tests/evolve_fixtures.h"
#include "tests/test_util.h"

enum { CMA = 0, NSGA = 1 };

/* Two-objective test function on 6 genes: (sphere, -distance to a second
 * centre); failures for g0 < 0.1 (a status) and a NaN for g1 > 0.97. */
static int fx_two(void *ctx, int worker, const double *g, double *f, double *d)
{
    struct fx *x = ctx;
    fx_call(x, worker);
    if (x->fail && g[0] < 0.1)
        return HR_ERROR(HR_EUNSTABLE, "test solver diverged (g0 = %.3f < 0.1)", g[0]);
    double a = 0, b = 0;
    for (int i = 0; i < 6; i++) {
        a += (g[i] - fx_shift(i)) * (g[i] - fx_shift(i));
        b += (g[i] - 0.7) * (g[i] - 0.7);
    }
    f[0] = -a;
    f[1] = x->fail && g[1] > 0.97 ? NAN : -sqrt(b);
    return 0;
}

static hr_cmaes_params cma_params = {6, 3, 2, 0.1, 1e-12};
static hr_nsga2_params nsga_params = {12, 0.9, 15, 20, 0};

/* The small configuration of each kind and the batches of a whole run: for
 * CMA-ES lambda0 = 6 with a large tolfun, so the run restarts after batch 50
 * (lambda 12: generations of two batches, 51-52, 53-54, ...) within its 80. */
static void small_config(int kind, hr_evo_config *cfg, long *gens)
{
    if (kind == CMA) {
        hr_evo_config_default(cfg, HR_EVO_CMAES, 6);
        cfg->params = &cma_params;
        cfg->params_size = sizeof cma_params;
        cfg->mutation_sigma = 0.2;
        *gens = 80;
    } else {
        hr_evo_config_default(cfg, HR_EVO_NSGA2, 6);
        cfg->params = &nsga_params;
        cfg->params_size = sizeof nsga_params;
        cfg->nobj = 2;
        *gens = 14;
    }
    cfg->seed = 2385;
}

static int run_to(hr_evo *evo, long gens, struct fx *x, const char *ckpt, int every,
                  volatile sig_atomic_t *stop)
{
    struct fx_log log = {0};
    x->fail = 1;
    x->nthreads = 1;
    hr_evo_evaluator ev = {.eval = hr_evo_get_config(evo)->kind == HR_EVO_CMAES ? fx_sphere_failing
                                                                                 : fx_two,
                           .ctx = x, .nthreads = 1, .log = fx_log_line, .log_ctx = &log};
    hr_evo_run_options opt = {.budget = {.max_generations = gens}, .checkpoint = ckpt,
                              .checkpoint_every = every, .stop = stop};
    return hr_evo_run(evo, &ev, &opt, NULL);
}

/* Everything of the state both views show, bitwise: the engine's (counters,
 * best, individuals) and the algorithm's own (CMA-ES distribution, NSGA-II
 * fronts and objectives). */
static void assert_same(const hr_evo *a, const hr_evo *b)
{
    assert_same_state(a, b);
    const hr_evo_config *c = hr_evo_get_config(a);
    if (c->kind == HR_EVO_CMAES) {
        hr_cmaes_info ia, ib;
        assert_status(hr_cmaes_info_get(a, &ia), HR_OK);
        assert_status(hr_cmaes_info_get(b, &ib), HR_OK);
        assert_int_equal(ia.restart, ib.restart);
        assert_int_equal(ia.lambda, ib.lambda);
        assert_int_equal(ia.generation, ib.generation);
        assert_int_equal(ia.generations_total, ib.generations_total);
        assert_true(same_bits(ia.sigma, ib.sigma));
        assert_true(same_bits(ia.axis_ratio, ib.axis_ratio));
        assert_memory_equal(ia.mean, ib.mean, (size_t)c->ngenes * sizeof(double));
    } else {
        for (long i = 0; i < hr_evo_size(a); i++) {
            int fa, fb;
            double ca, cb, oa[2], ob[2];
            hr_nsga2_member(a, i, &fa, &ca, oa);
            hr_nsga2_member(b, i, &fb, &cb, ob);
            assert_int_equal(fa, fb);
            assert_true(same_bits(ca, cb));
            assert_memory_equal(oa, ob, sizeof oa);
        }
    }
}

static hr_evo *reference(int kind)
{
    hr_evo_config cfg;
    long gens;
    small_config(kind, &cfg, &gens);
    hr_evo *evo;
    assert_status(hr_evo_create(&cfg, &evo), HR_OK);
    struct fx x = {0};
    assert_status(run_to(evo, gens, &x, NULL, 0, NULL), HR_OK);
    assert_true(hr_evo_failures(evo) > 0);
    if (kind == CMA) {
        hr_cmaes_info in;
        hr_cmaes_info_get(evo, &in);
        assert_true(in.restart >= 1); /* the run crosses a restart */
    }
    return evo;
}

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
    assert_status(run_to(evo, gens, &x, path, 0, NULL), HR_OK);
    hr_evo *ref = reference(kind);
    assert_same(evo, ref);
    hr_evo *back;
    assert_status(hr_evo_load(path, &cfg, &back), HR_OK);
    assert_same(back, ref);
    hr_evo_destroy(back);
    hr_evo_destroy(ref);
    hr_evo_destroy(evo);
}

/* A child killed (_exit, no cleanup) in the middle of a batch resumes from
 * its last checkpoint to the uninterrupted result. */
static void test_killed_process_resumes(void **state)
{
    for (int kind = CMA; kind <= NSGA; kind++) {
        /* Evaluation 400 is in batch 67 of CMA-ES (6 each; the last
         * checkpoint, every 5 batches, is after batch 65: in the middle of a
         * two-batch generation), 101 in generation 9 of NSGA-II (12 each). */
        long kill_at[2] = {400, 101};
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
            struct fx x = {.exit_after = kill_at[kind]};
            run_to(evo, gens, &x, path, 5, NULL);
            _exit(1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        resume_and_compare(kind, path, kind == CMA ? 65 : 5);
        fx_rmdir(dir);
    }
}

/* Stopping after every k in a range (odd k ends CMA-ES in the middle of a
 * two-batch generation after its restart) and resuming. */
static void test_resume_after_k(void **state)
{
    for (int kind = CMA; kind <= NSGA; kind++) {
        hr_evo_config cfg;
        long gens;
        small_config(kind, &cfg, &gens);
        for (long k = 1; k < gens; k += kind == CMA ? 4 : 3) {
            char *dir = fx_tmpdir();
            const char *path = fx_path(dir, "ck.bin");
            hr_evo *evo;
            assert_status(hr_evo_create(&cfg, &evo), HR_OK);
            struct fx x = {0};
            assert_status(run_to(evo, k, &x, path, 100, NULL), HR_OK);
            hr_evo_destroy(evo);
            resume_and_compare(kind, path, k);
            fx_rmdir(dir);
        }
    }
}

/* The stop flag: 1 finishes the batch, 2 abandons it; both resume exactly. */
static void test_stop_flag_resumes(void **state)
{
    for (int kind = CMA; kind <= NSGA; kind++)
        for (int value = 1; value <= 2; value++) {
            char *dir = fx_tmpdir();
            const char *path = fx_path(dir, "ck.bin");
            hr_evo_config cfg;
            long gens;
            small_config(kind, &cfg, &gens);
            hr_evo *evo;
            assert_status(hr_evo_create(&cfg, &evo), HR_OK);
            volatile sig_atomic_t stop = 0;
            /* Evaluation 365 is in batch 61 (361-366) of CMA-ES, after the
             * restart; 50 in generation 5 (49-60) of NSGA-II. */
            long at = kind == CMA ? 365 : 50;
            struct fx x = {.stop = &stop, .stop_after = at, .stop_value = value};
            assert_status(run_to(evo, gens, &x, path, 5, &stop), HR_EINTERRUPT);
            long want = kind == CMA ? (value == 1 ? 61 : 60) : (value == 1 ? 5 : 4);
            assert_int_equal(hr_evo_generations(evo), want);
            hr_evo_destroy(evo);
            resume_and_compare(kind, path, want);
            fx_rmdir(dir);
        }
}

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

/* Save, load, save gives the same bytes; a fresh optimiser round-trips. */
static void test_roundtrip_bytes(void **state)
{
    for (int kind = CMA; kind <= NSGA; kind++) {
        char *dir = fx_tmpdir();
        hr_evo *evo = reference(kind);
        assert_status(hr_evo_save(evo, fx_path(dir, "a.bin")), HR_OK);
        hr_evo *back;
        assert_status(hr_evo_load(fx_path(dir, "a.bin"), NULL, &back), HR_OK);
        assert_same(evo, back);
        assert_status(hr_evo_save(back, fx_path(dir, "b.bin")), HR_OK);
        size_t la, lb;
        unsigned char *a = slurp(fx_path(dir, "a.bin"), &la), *b = slurp(fx_path(dir, "b.bin"), &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        hr_evo_init(back);
        assert_status(hr_evo_save(back, fx_path(dir, "c.bin")), HR_OK);
        hr_evo *fresh;
        assert_status(hr_evo_load(fx_path(dir, "c.bin"), NULL, &fresh), HR_OK);
        assert_int_equal(hr_evo_generations(fresh), 0);
        assert_same(back, fresh);
        free(a);
        free(b);
        hr_evo_destroy(fresh);
        hr_evo_destroy(back);
        hr_evo_destroy(evo);
        fx_rmdir(dir);
    }
}

/* Every flipped byte and every truncation is refused with HR_ECORRUPT
 * naming the file; afterwards the good file still loads. */
static void test_corrupt_checkpoints_refused(void **state)
{
    for (int kind = CMA; kind <= NSGA; kind++) {
        char *dir = fx_tmpdir();
        const char *good = fx_path(dir, "good.bin");
        char bad[512];
        snprintf(bad, sizeof bad, "%s", fx_path(dir, "bad.bin"));
        hr_evo *evo = reference(kind);
        assert_status(hr_evo_save(evo, good), HR_OK);
        hr_evo_destroy(evo);
        size_t len;
        unsigned char *p = slurp(good, &len);
        for (size_t i = 0; i < len; i++) {
            unsigned char keep = p[i];
            p[i] ^= (unsigned char)(1u << (i % 8));
            spill(bad, p, len);
            p[i] = keep;
            hr_evo *e;
            int s = hr_evo_load(bad, NULL, &e);
            if (s != HR_ECORRUPT) {
                print_error("byte %zu of %zu flipped: status %s: %s\n", i, len,
                            hr_status_name(s), hr_error_message());
                fail();
            }
            assert_null(e);
            assert_non_null(strstr(hr_error_message(), bad));
        }
        for (size_t n = 0; n < len; n++) {
            spill(bad, p, n);
            hr_evo *e;
            assert_status(hr_evo_load(bad, NULL, &e), HR_ECORRUPT);
            assert_non_null(strstr(hr_error_message(), bad));
        }
        hr_evo_config cfg;
        long gens;
        small_config(kind, &cfg, &gens);
        hr_evo *e;
        assert_status(hr_evo_load(good, &cfg, &e), HR_OK);
        assert_int_equal(hr_evo_generations(e), gens);
        hr_evo_destroy(e);
        free(p);
        fx_rmdir(dir);
    }
}

/* zlib's CRC-32, to make damaged files that pass the checksum. */
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

/* Writes p[0..len) with its header length and CRC-32 made consistent. */
static void spill_sealed(const char *path, unsigned char *p, size_t len)
{
    uint64_t payload = len - 28;
    for (int k = 0; k < 8; k++)
        p[16 + k] = (unsigned char)(payload >> (8 * k));
    uint32_t crc = test_crc32(p, len - 4);
    for (int k = 0; k < 4; k++)
        p[len - 4 + (size_t)k] = (unsigned char)(crc >> (8 * k));
    spill(path, p, len);
}

/* The algorithms' own readers are total: damage that passes the checksum
 * (every byte of the payload changed in turn to 0x00, 0xff and a flipped
 * bit; the payload cut at every length with the header and checksum
 * resealed) loads or is refused with HR_ECORRUPT (or HR_EINVAL for a
 * stored configuration the checks refuse), never crashes (run under ASan
 * by the sanitizer build), and what loads saves again and runs on. */
static void test_sealed_damage(void **state)
{
    for (int kind = CMA; kind <= NSGA; kind++) {
        char *dir = fx_tmpdir();
        const char *good = fx_path(dir, "good.bin");
        char bad[512], again[512];
        snprintf(bad, sizeof bad, "%s", fx_path(dir, "bad.bin"));
        snprintf(again, sizeof again, "%s", fx_path(dir, "again.bin"));
        hr_evo *evo = reference(kind);
        assert_status(hr_evo_save(evo, good), HR_OK);
        hr_evo_destroy(evo);
        size_t len;
        unsigned char *p = slurp(good, &len), *q = malloc(len);
        int loaded = 0, refused = 0;
        for (size_t i = 24; i + 4 < len; i++)
            for (int v = 0; v < 3; v++) {
                memcpy(q, p, len);
                q[i] = v == 0 ? 0x00 : v == 1 ? 0xff : (unsigned char)(q[i] ^ 0x10);
                spill_sealed(bad, q, len);
                hr_evo *e;
                int s = hr_evo_load(bad, NULL, &e);
                if (s == HR_OK) {
                    loaded++;
                    assert_status(hr_evo_save(e, again), HR_OK);
                    struct fx x = {0};
                    assert_status(run_to(e, hr_evo_generations(e) + 3, &x, NULL, 0, NULL),
                                  HR_OK);
                    hr_evo_destroy(e);
                } else {
                    if (s != HR_ECORRUPT && s != HR_EINVAL)
                        print_error("byte %zu = %d: %s\n", i, q[i], hr_error_message());
                    assert_true(s == HR_ECORRUPT || s == HR_EINVAL);
                    assert_null(e);
                    refused++;
                }
            }
        for (size_t n = 28; n < len; n++) {
            memcpy(q, p, len);
            memcpy(q + n - 4, p + len - 4, 4);
            spill_sealed(bad, q, n);
            hr_evo *e;
            assert_status(hr_evo_load(bad, NULL, &e), HR_ECORRUPT);
        }
        print_message("      %s: %d damaged files loaded, %d refused\n",
                      kind == CMA ? "CMA-ES" : "NSGA-II", loaded, refused);
        assert_true(refused > 0 && loaded > 0);
        free(p);
        free(q);
        fx_rmdir(dir);
    }
}

/* A checkpoint resumes only under the configuration that wrote it: each
 * parameter of the algorithm's own part is compared. */
static void test_incompatible_config_refused(void **state)
{
    char *dir = fx_tmpdir();
    const char *path = fx_path(dir, "ck.bin");
    for (int kind = CMA; kind <= NSGA; kind++) {
        hr_evo *evo = reference(kind);
        assert_status(hr_evo_save(evo, path), HR_OK);
        hr_evo_destroy(evo);
        hr_evo_config cfg, c;
        long gens;
        small_config(kind, &cfg, &gens);
        hr_evo *e;
        assert_status(hr_evo_load(path, &cfg, &e), HR_OK);
        hr_evo_destroy(e);
        c = cfg;
        c.seed = 2386;
        assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
        assert_non_null(strstr(hr_error_message(), "seed = 2385"));
        c = cfg;
        c.kind = kind == CMA ? HR_EVO_NSGA2 : HR_EVO_CMAES;
        c.nobj = kind == CMA ? 2 : 1;
        assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
        assert_non_null(strstr(hr_error_message(), "run, the configuration asks for"));
        c = cfg;
        if (kind == CMA) {
            hr_cmaes_params p = cma_params;
            p.tolfun = 1e-4;
            c.params = &p;
            assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
            assert_non_null(strstr(hr_error_message(), "tolfun = 0.10000000000000001"));
            p = cma_params;
            p.lambda = 7;
            assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
            assert_non_null(strstr(hr_error_message(), "lambda = 6"));
            c.params = &cma_params;
            c.mutation_sigma = 0.3;
            assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
            assert_non_null(strstr(hr_error_message(), "mutation_sigma"));
        } else {
            hr_nsga2_params p = nsga_params;
            p.eta_m = 21;
            c.params = &p;
            assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
            assert_non_null(strstr(hr_error_message(), "eta_m = 20"));
            c.params = &nsga_params;
            c.nobj = 3;
            assert_status(hr_evo_load(path, &c, &e), HR_EINVAL);
            assert_non_null(strstr(hr_error_message(), "nobj = 2"));
        }
        assert_null(e);
        print_message("      %s\n", hr_error_message());
    }
    fx_rmdir(dir);
}

/* The population CSV of NSGA-II: fronts, crowding, objectives, genes. */
static void test_nsga2_archive_csv(void **state)
{
    char *dir = fx_tmpdir();
    hr_evo *evo = reference(NSGA);
    const char *names[6] = {"a", "b", "c", "d", "e", "f"};
    assert_status(hr_evo_write_csv(evo, fx_path(dir, "archive.csv"), names), HR_OK);
    FILE *f = fopen(fx_path(dir, "archive.csv"), "r");
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "front,crowding,index,objective_0,objective_1,a,b,c,d,e,f\n");
    int rows = 0, prev_front = 0;
    while (fgets(line, sizeof line, f)) {
        int front;
        long index;
        double crowd;
        assert_int_equal(sscanf(line, "%d,%lf,%ld", &front, &crowd, &index), 3);
        assert_true(front >= prev_front);
        int fr;
        double cr;
        hr_nsga2_member(evo, index, &fr, &cr, NULL);
        assert_int_equal(fr, front);
        prev_front = front;
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 12);
    hr_evo_destroy(evo);
    fx_rmdir(dir);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_killed_process_resumes),
        cmocka_unit_test(test_resume_after_k),
        cmocka_unit_test(test_stop_flag_resumes),
        cmocka_unit_test(test_roundtrip_bytes),
        cmocka_unit_test(test_corrupt_checkpoints_refused),
        cmocka_unit_test(test_sealed_damage),
        cmocka_unit_test(test_incompatible_config_refused),
        cmocka_unit_test(test_nsga2_archive_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
