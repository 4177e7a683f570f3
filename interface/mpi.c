/* mpi.c — the MPI evaluator of `hydrores evolve` (see mpi.h).
 *
 * Messages, all on MPI_COMM_WORLD:
 *   broadcast from 0  long header {ok, text length, threads}, then the
 *                     resolved experiment's XML (ok = 0: no evolution,
 *                     the ranks exit)
 *   REQ     r -> 0    int: how many genomes rank r takes at once (its threads)
 *   WORK    0 -> r    doubles: n, then n times (index, genome[ngenes])
 *   STOP    0 -> r    int: the evolution is over
 *   RESULT  r -> 0    doubles: n, then n times (index, status,
 *                     fitness[nobj], descriptor[ndesc]); then RESULT_MSG,
 *                     n failure messages of HR_EVO_MSG bytes
 * Every rank sends a REQ when it starts and after each RESULT; rank 0
 * answers with WORK when the batch has genomes left, keeps the request
 * until the next batch otherwise, and answers STOP at the end. Rank 0's main
 * thread only serves this queue (polling, 0.5 ms naps, so it leaves its core
 * to the evaluations); its own evaluation threads take genomes from the
 * same queue. */
#include "interface/mpi.h"
#include "base/status.h"
#include "interface/config.h"
#include "reservoir/evolution.h"

#include <stdlib.h>
#include <string.h>

#ifndef HR_MPI

int hr_mpi_init(int *argc, char ***argv) { return 0; }
int hr_mpi_rank(void) { return 0; }
int hr_mpi_size(void) { return 1; }
int hr_mpi_evolve_begin(const hr_experiment *e, int threads, atomic_long *counted)
{
    (void)e, (void)threads, (void)counted;
    return HR_OK;
}
int hr_mpi_batch(void *ctx, hr_evo_batch *batch, volatile sig_atomic_t *stop)
{
    return hr_evo_eval_openmp(ctx, batch, stop);
}
int hr_mpi_worker_main(void) { return 0; }
void hr_mpi_finish(void) {}

#else

#include <math.h>
#include <mpi.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { TAG_REQ = 1, TAG_WORK, TAG_STOP, TAG_RESULT, TAG_RESULT_MSG };

static int rank, size;
static int workers_wait; /* the other ranks wait for an evolution (command evolve) */
static int begun;        /* the experiment went out */
static atomic_long *remote_counted; /* where other ranks' evaluations are counted */
static int *waiting;     /* per rank: a REQ not answered yet */
static int *capacity;    /* per rank: genomes per chunk */

int hr_mpi_init(int *argc, char ***argv)
{
    int provided;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    workers_wait = size > 1 && *argc > 1 && strcmp((*argv)[1], "evolve") == 0;
    return rank;
}

int hr_mpi_rank(void) { return rank; }
int hr_mpi_size(void) { return size; }

int hr_mpi_evolve_begin(const hr_experiment *e, int threads, atomic_long *counted)
{
    remote_counted = counted;
    if (size < 2 || begun)
        return HR_OK;
    char *text = hr_config_text(e, 0);
    if (!text)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    long head[3] = {1, (long)strlen(text) + 1, threads};
    MPI_Bcast(head, 3, MPI_LONG, 0, MPI_COMM_WORLD);
    MPI_Bcast(text, (int)head[1], MPI_CHAR, 0, MPI_COMM_WORLD);
    free(text);
    waiting = calloc((size_t)size, sizeof *waiting);
    capacity = calloc((size_t)size, sizeof *capacity);
    if (!waiting || !capacity)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    begun = 1;
    return HR_OK;
}

/* ---- Rank 0: the queue ---- */

typedef struct queue {
    hr_evo_batch *b;
    const hr_evo_evaluator *ev;
    volatile sig_atomic_t *stop;
    pthread_mutex_t lock;
    long next;             /* the next genome to hand out */
    atomic_int local_done; /* local threads that finished */
} queue;

/* Up to `max` genomes from the queue: their first index, their number. */
static long take(queue *q, long max, long *first)
{
    pthread_mutex_lock(&q->lock);
    long n = q->stop && *q->stop >= 2 ? 0 : q->b->count - q->next;
    if (n > max)
        n = max;
    if (n < 0)
        n = 0;
    *first = q->next;
    q->next += n;
    pthread_mutex_unlock(&q->lock);
    return n;
}

typedef struct local {
    queue *q;
    int worker;
} local;

static void *local_thread(void *arg)
{
    local *l = arg;
    long i;
    while (take(l->q, 1, &i))
        hr_evo_batch_eval(l->q->b, i, l->q->ev, l->worker);
    atomic_fetch_add(&l->q->local_done, 1);
    return NULL;
}

static void nap(void)
{
    struct timespec ts = {0, 500000};
    nanosleep(&ts, NULL);
}

/* Sends rank r a chunk of at most its capacity; returns its size. */
static long send_chunk(queue *q, int r)
{
    long first, n = take(q, capacity[r], &first);
    if (!n)
        return 0;
    int ng = q->b->ngenes;
    size_t len = 1 + (size_t)n * (size_t)(1 + ng);
    double *buf = malloc(len * sizeof *buf);
    if (!buf)
        MPI_Abort(MPI_COMM_WORLD, 1);
    buf[0] = (double)n;
    for (long k = 0; k < n; k++) {
        double *p = buf + 1 + (size_t)k * (size_t)(1 + ng);
        p[0] = (double)(first + k);
        memcpy(p + 1, q->b->genomes + (size_t)(first + k) * (size_t)ng, (size_t)ng * sizeof *p);
    }
    MPI_Send(buf, (int)len, MPI_DOUBLE, r, TAG_WORK, MPI_COMM_WORLD);
    free(buf);
    return n;
}

/* Receives a RESULT (and its messages) from rank src into the batch. */
static long receive_results(hr_evo_batch *b, int src)
{
    MPI_Status ms;
    int len;
    MPI_Probe(src, TAG_RESULT, MPI_COMM_WORLD, &ms);
    MPI_Get_count(&ms, MPI_DOUBLE, &len);
    double *buf = malloc((size_t)len * sizeof *buf);
    if (!buf)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Recv(buf, len, MPI_DOUBLE, src, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    long n = (long)buf[0];
    char *msgs = malloc((size_t)(n ? n : 1) * HR_EVO_MSG);
    if (!msgs)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Recv(msgs, (int)(n * HR_EVO_MSG), MPI_CHAR, src, TAG_RESULT_MSG, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    int per = 2 + b->nobj + b->ndesc;
    for (long k = 0; k < n; k++) {
        const double *p = buf + 1 + (size_t)k * (size_t)per;
        long i = (long)p[0];
        if (i < 0 || i >= b->count)
            continue;
        char *m = msgs + (size_t)k * HR_EVO_MSG;
        m[HR_EVO_MSG - 1] = '\0';
        hr_evo_batch_record(b, i, (int)p[1], p + 2, p + 2 + b->nobj, m);
    }
    free(buf);
    free(msgs);
    return n;
}

int hr_mpi_batch(void *ctx, hr_evo_batch *b, volatile sig_atomic_t *stop)
{
    const hr_evo_evaluator *ev = ctx;
    if (size < 2 || !begun)
        return hr_evo_eval_openmp(ev, b, stop);
    queue q = {.b = b, .ev = ev, .stop = stop, .next = 0};
    pthread_mutex_init(&q.lock, NULL);
    atomic_init(&q.local_done, 0);
    int nt = ev->nthreads > 0 ? ev->nthreads : 1;
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    local *ls = calloc((size_t)nt, sizeof *ls);
    if (!th || !ls) {
        free(th);
        free(ls);
        return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    int started = 0;
    for (int k = 0; k < nt; k++) {
        ls[k] = (local){.q = &q, .worker = k};
        if (pthread_create(&th[k], NULL, local_thread, &ls[k]) == 0)
            started++;
        else
            break;
    }
    long *outstanding = calloc((size_t)size, sizeof *outstanding);
    long out_total = 0;
    for (;;) {
        for (int r = 1; r < size; r++)
            if (waiting[r]) {
                long n = send_chunk(&q, r);
                if (n) {
                    waiting[r] = 0;
                    outstanding[r] += n;
                    out_total += n;
                }
            }
        int flag;
        MPI_Status ms;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms);
        if (flag) {
            if (ms.MPI_TAG == TAG_REQ) {
                MPI_Recv(&capacity[ms.MPI_SOURCE], 1, MPI_INT, ms.MPI_SOURCE, TAG_REQ,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                if (capacity[ms.MPI_SOURCE] < 1)
                    capacity[ms.MPI_SOURCE] = 1;
                waiting[ms.MPI_SOURCE] = 1;
            } else if (ms.MPI_TAG == TAG_RESULT) {
                long n = receive_results(b, ms.MPI_SOURCE);
                if (remote_counted)
                    atomic_fetch_add(remote_counted, n);
                outstanding[ms.MPI_SOURCE] -= n;
                out_total -= n;
            }
            continue;
        }
        pthread_mutex_lock(&q.lock);
        int handed = q.next >= b->count || (stop && *stop >= 2);
        pthread_mutex_unlock(&q.lock);
        if (handed && out_total == 0 && atomic_load(&q.local_done) == started)
            break;
        nap();
    }
    for (int k = 0; k < started; k++)
        pthread_join(th[k], NULL);
    free(th);
    free(ls);
    free(outstanding);
    pthread_mutex_destroy(&q.lock);
    if (started == 0)
        return HR_ERROR(HR_ENOMEM, "could not start an evaluation thread");
    return HR_OK;
}

void hr_mpi_finish(void)
{
    if (rank == 0 && workers_wait) {
        if (!begun) {
            long head[3] = {0, 0, 0};
            MPI_Bcast(head, 3, MPI_LONG, 0, MPI_COMM_WORLD);
        } else {
            for (int r = 1; r < size; r++) {
                if (!waiting[r]) {
                    /* Its last REQ is on the way (no chunk is out at this point). */
                    MPI_Recv(&capacity[r], 1, MPI_INT, r, TAG_REQ, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE);
                }
                int bye = 0;
                MPI_Send(&bye, 1, MPI_INT, r, TAG_STOP, MPI_COMM_WORLD);
            }
        }
        workers_wait = 0;
    }
    free(waiting);
    free(capacity);
    waiting = capacity = NULL;
    MPI_Finalize();
}

/* ---- The other ranks ---- */

int hr_mpi_worker_main(void)
{
    /* Signals to mpirun reach every rank: rank 0 finishes the generation and
     * tells the others to stop, so they ignore them. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    long head[3];
    MPI_Bcast(head, 3, MPI_LONG, 0, MPI_COMM_WORLD);
    if (!head[0])
        return 0;
    char *text = malloc((size_t)head[1]);
    if (!text)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Bcast(text, (int)head[1], MPI_CHAR, 0, MPI_COMM_WORLD);
    hr_experiment *e = NULL;
    hr_evolution *ev = NULL;
    int nt = head[2] > 0 ? (int)head[2] : omp_get_max_threads();
    int st = hr_config_load_memory(text, strlen(text), "experiment (from rank 0)", &e);
    free(text);
    if (!st)
        st = hr_evolution_create(&ev, e, nt);
    if (st) {
        fprintf(stderr, "hydrores evolve (rank %d): %s\n", rank, hr_error_message());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const hr_evo_config *cfg = hr_evolution_config(ev);
    int ng = cfg->ngenes, nobj = cfg->nobj, nd = cfg->ndesc, per = 2 + nobj + nd;
    for (;;) {
        MPI_Send(&nt, 1, MPI_INT, 0, TAG_REQ, MPI_COMM_WORLD);
        MPI_Status ms;
        /* Wait without spinning a core away from the evaluations. */
        int flag = 0;
        while (MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms), !flag)
            nap();
        if (ms.MPI_TAG == TAG_STOP) {
            int bye;
            MPI_Recv(&bye, 1, MPI_INT, 0, TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            break;
        }
        int len;
        MPI_Get_count(&ms, MPI_DOUBLE, &len);
        double *work = malloc((size_t)len * sizeof *work);
        if (!work)
            MPI_Abort(MPI_COMM_WORLD, 1);
        MPI_Recv(work, len, MPI_DOUBLE, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        long n = (long)work[0];
        double *res = calloc(1 + (size_t)n * (size_t)per, sizeof *res);
        char *msgs = calloc((size_t)(n ? n : 1), HR_EVO_MSG);
        if (!res || !msgs)
            MPI_Abort(MPI_COMM_WORLD, 1);
        res[0] = (double)n;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (long k = 0; k < n; k++) {
            const double *g = work + 1 + (size_t)k * (size_t)(1 + ng);
            double *r = res + 1 + (size_t)k * (size_t)per;
            r[0] = g[0];
            for (int j = 0; j < nobj + nd; j++)
                r[2 + j] = NAN;
            hr_error_clear();
            int s = hr_evolution_eval(ev, omp_get_thread_num(), g + 1, r + 2,
                                      nd ? r + 2 + nobj : NULL);
            r[1] = s;
            if (s) {
                const char *m = hr_error_message();
                snprintf(msgs + (size_t)k * HR_EVO_MSG, HR_EVO_MSG, "%s: %s", hr_status_name(s),
                         m[0] ? m : hr_strerror(s));
            }
        }
        MPI_Send(res, (int)(1 + n * per), MPI_DOUBLE, 0, TAG_RESULT, MPI_COMM_WORLD);
        MPI_Send(msgs, (int)(n * HR_EVO_MSG), MPI_CHAR, 0, TAG_RESULT_MSG, MPI_COMM_WORLD);
        free(work);
        free(res);
        free(msgs);
    }
    hr_evolution_destroy(ev);
    hr_experiment_destroy(e);
    return 0;
}

#endif
