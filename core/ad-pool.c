/* ad-pool.c - the core's small persistent thread pool.
 *
 * One process-wide pool of ad_pool_threads() - 1 workers.  ad_pool_run()
 * hands out task indices from a shared ticket; the caller works too, and
 * returns when every task is done.  Workers spin briefly after a run (the
 * next layer usually follows within microseconds), then sleep on a
 * condition variable.  Only one run uses the workers at a time: a caller
 * that finds them busy (another stream in another thread) runs its tasks
 * itself, so several streams never oversubscribe the cores.
 *
 * Results never depend on which thread runs a task: tasks write disjoint
 * outputs, and the thread index only selects a scratch buffer.
 *
 * Thread count: AD_THREADS if set, else OPENBLAS_NUM_THREADS, else
 * OMP_NUM_THREADS, else the online CPUs; at most AD_POOL_MAX_THREADS.
 * Whenever the core runs layers through here OpenBLAS is set to one thread
 * (the pool provides the parallelism; two thread teams on the same cores
 * would only get in each other's way).
 */
#define _POSIX_C_SOURCE 200809L
#include "ad-internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifdef AD_HAVE_OPENBLAS
#include <cblas.h>
#endif

#define AD_POOL_SPIN_NS 200000   /* how long an idle worker spins */
#define AD_POOL_MAX_TASKS 0xffff /* larger runs go serially */

typedef struct ad_pool {
  int n_threads;                 /* caller + workers */
  pthread_t th[AD_POOL_MAX_THREADS];
  int n_started;
  pthread_mutex_t run_lock;      /* one run at a time */
  pthread_mutex_t m;             /* sleeping and waking */
  pthread_cond_t work_cv, done_cv;
  /* ticket: run generation (bits 32-63), the run's task count (16-31)
   * and the next task to hand out (0-15), changed together so that a task
   * is only ever claimed within the run it belongs to */
  _Atomic uint64_t ticket;
  _Atomic int n_done;
  _Atomic int quit;
  int sleepers;                  /* workers waiting on work_cv (under m) */
  int caller_sleeping;           /* caller waiting on done_cv (under m) */
  ad_task_fn fn;                 /* read only after winning a ticket */
  void *ctx;
} ad_pool;

static ad_pool pool;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define TICKET_GEN(t) ((uint32_t) ((t) >> 32))
#define TICKET_TASKS(t) ((int) (((t) >> 16) & 0xffff))
#define TICKET_NEXT(t) ((int) ((t) & 0xffff))

/* Claims and runs tasks of generation gen until none is left. */
static void
run_tasks (uint32_t gen, int thread)
{
  for (;;) {
    uint64_t t = atomic_load_explicit (&pool.ticket, memory_order_acquire);
    if (TICKET_GEN (t) != gen || TICKET_NEXT (t) >= TICKET_TASKS (t))
      return;
    if (!atomic_compare_exchange_weak_explicit (&pool.ticket, &t, t + 1,
            memory_order_acq_rel, memory_order_relaxed))
      continue;
    /* the run is still going (this task is not done): fn, ctx are its */
    pool.fn (pool.ctx, TICKET_NEXT (t), thread);
    int done = atomic_fetch_add_explicit (&pool.n_done, 1,
        memory_order_acq_rel) + 1;
    if (done == TICKET_TASKS (t)) {
      pthread_mutex_lock (&pool.m);
      if (pool.caller_sleeping)
        pthread_cond_signal (&pool.done_cv);
      pthread_mutex_unlock (&pool.m);
    }
  }
}

static void *
worker_main (void *arg)
{
  int thread = (int) (intptr_t) arg;
  uint32_t seen = 0;
  for (;;) {
    uint32_t gen = seen;
    int64_t t0 = now_ns ();
    for (int spins = 0;; spins++) {
      gen = TICKET_GEN (atomic_load_explicit (&pool.ticket,
              memory_order_acquire));
      if (gen != seen || atomic_load (&pool.quit))
        break;
      cpu_relax ();
      if ((spins & 255) == 255 && now_ns () - t0 > AD_POOL_SPIN_NS)
        break;
    }
    if (gen == seen) {
      pthread_mutex_lock (&pool.m);
      while ((gen = TICKET_GEN (atomic_load (&pool.ticket))) == seen &&
          !atomic_load (&pool.quit)) {
        pool.sleepers++;
        pthread_cond_wait (&pool.work_cv, &pool.m);
        pool.sleepers--;
      }
      pthread_mutex_unlock (&pool.m);
    }
    if (atomic_load (&pool.quit))
      return NULL;
    seen = gen;
    run_tasks (gen, thread);
  }
}

/* From the environment, not from OpenBLAS's current setting (which this
 * file and the trainer change). */
static int
configured_threads (void)
{
  static const char *vars[] = { "AD_THREADS", "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS" };
  long n = 0;
  for (int i = 0; i < 3 && n <= 0; i++) {
    const char *env = getenv (vars[i]);
    n = env ? atol (env) : 0;
  }
  if (n <= 0)
    n = sysconf (_SC_NPROCESSORS_ONLN);
  if (n < 1)
    n = 1;
  return n > AD_POOL_MAX_THREADS ? AD_POOL_MAX_THREADS : (int) n;
}

/* OpenBLAS's own threads would compete with the pool's (and spin in
 * sched_yield after every call): the core keeps it at one thread. */
static void
blas_single (void)
{
#ifdef AD_HAVE_OPENBLAS
  if (openblas_get_num_threads () != 1)
    openblas_set_num_threads (1);
#endif
}

static void
pool_init (void)
{
  pool.n_threads = configured_threads ();
  pthread_mutex_init (&pool.run_lock, NULL);
  pthread_mutex_init (&pool.m, NULL);
  pthread_cond_init (&pool.work_cv, NULL);
  pthread_cond_init (&pool.done_cv, NULL);
  for (int i = 1; i < pool.n_threads; i++) {
    if (pthread_create (&pool.th[i], NULL, worker_main,
            (void *) (intptr_t) i) != 0)
      break;
    pool.n_started = i;
  }
  /* threads that could not start simply do not exist */
  pool.n_threads = pool.n_started + 1;
}

/* Stops the workers at exit, so that tools checking for leaked threads
 * stay quiet. */
__attribute__((destructor))
static void
pool_stop (void)
{
  if (pool.n_started == 0)
    return;
  pthread_mutex_lock (&pool.m);
  atomic_store (&pool.quit, 1);
  pthread_cond_broadcast (&pool.work_cv);
  pthread_mutex_unlock (&pool.m);
  for (int i = 1; i <= pool.n_started; i++)
    pthread_join (pool.th[i], NULL);
  pool.n_started = 0;
}

int
ad_pool_threads (void)
{
  pthread_once (&pool_once, pool_init);
  return pool.n_threads;
}

void
ad_pool_run (int n_tasks, ad_task_fn fn, void *ctx, int parallel)
{
  if (n_tasks <= 0)
    return;
  blas_single ();
  if (parallel && n_tasks > 1 && n_tasks <= AD_POOL_MAX_TASKS &&
      ad_pool_threads () > 1 && pthread_mutex_trylock (&pool.run_lock) == 0) {
    pool.fn = fn;
    pool.ctx = ctx;
    atomic_store_explicit (&pool.n_done, 0, memory_order_relaxed);
    uint32_t gen = TICKET_GEN (atomic_load (&pool.ticket)) + 1;
    pthread_mutex_lock (&pool.m);
    atomic_store_explicit (&pool.ticket, (uint64_t) gen << 32 |
        (uint64_t) n_tasks << 16, memory_order_release);
    if (pool.sleepers)
      pthread_cond_broadcast (&pool.work_cv);
    pthread_mutex_unlock (&pool.m);

    run_tasks (gen, 0);

    /* wait for tasks still running on workers */
    int64_t t0 = now_ns ();
    for (int spins = 0; atomic_load_explicit (&pool.n_done,
            memory_order_acquire) < n_tasks; spins++) {
      cpu_relax ();
      if ((spins & 255) == 255 && now_ns () - t0 > AD_POOL_SPIN_NS) {
        pthread_mutex_lock (&pool.m);
        pool.caller_sleeping = 1;
        while (atomic_load (&pool.n_done) < n_tasks)
          pthread_cond_wait (&pool.done_cv, &pool.m);
        pool.caller_sleeping = 0;
        pthread_mutex_unlock (&pool.m);
      }
    }
    pthread_mutex_unlock (&pool.run_lock);
    return;
  }
  for (int i = 0; i < n_tasks; i++)
    fn (ctx, i, 0);
}
