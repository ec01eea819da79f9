// Timing engine of `pnpm bench:kernel` (bench/kernel.ts compiles it with clang at bench time):
// how long a call list takes under a seccomp filter in the real kernel, x86_64 Linux only.
//
//   kernel-timing RUNS PASSES CALLS_FILE FILTER_FILE|- [CALLS_FILE FILTER_FILE|- ...]
//
// CALLS_FILE: one call per line, `nr a0 a1 a2 a3 a4 a5` (decimal or 0x hex, unsigned 64-bit).
// FILTER_FILE: raw `struct sock_filter` records (8 bytes each, native byte order), or `-` for no
// filter. Every (calls, filter) pair is a variant.
//
// Every variant gets one child, forked at the start and pinned to one CPU: it sets
// no_new_privs, installs its filter with seccomp(2), makes one untimed warm-up pass over its
// calls (recording what each returned) and then waits, spinning, for its turns. The variants
// are interleaved pass by pass: a round gives every variant one timed pass, in a random order
// drawn anew for every round, so the variants meet the same machine within a fraction of a
// millisecond (a block of passes per variant would let a burst of load on a shared machine
// land on one variant only). The parent runs a child's turn with SIGCONT and, once the child
// says in shared memory that its pass is done, stops it with SIGSTOP: the filters may deny
// every blocking syscall, and signals need none in the child. Each call is timed with rdtscp
// on both sides. RUNS groups of PASSES rounds each give RUNS independent figures per variant
// (the driver's intervals are over them): per run and call the fewest and the median cycles
// over the run's passes, and per run the median and fewest pass totals.
//
// The filter must not end the child: the driver rewrites kill and trap returns to errno before
// handing a filter over. The parent ends every child with SIGKILL.
//
// Output (stdout), one line per item:
//   tsc HZ                                   cycles per second of the time-stamp counter
//   cpu N                                    the CPU the children are pinned to
//   result VARIANT INDEX RET                 warm-up pass: raw return value of each call
//   pass RUN VARIANT MEDIAN_CYCLES MIN_CYCLES   per-run pass totals (median and fewest over PASSES)
//   call RUN VARIANT INDEX MIN_CYCLES MEDIAN_CYCLES   one call over the run's PASSES
//   error VARIANT MESSAGE                    the variant could not be timed (filter refused, ...)
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "kernel-timing.c makes raw x86_64 syscalls"
#endif

struct call {
  uint64_t nr;
  uint64_t args[6];
};

struct variant {
  struct call *calls;
  size_t count;
  struct sock_filter *filter; // NULL: no filter
  size_t length;
};

// One child's shared region: the handshake, then its figures (see `layout`).
struct shared {
  volatile int ready;  // set after the warm-up pass
  volatile int failed; // the child could not install its filter
  volatile long turn;  // the last turn the parent gave this child
  volatile long done;  // the last turn the child finished
  char message[256];
};

static void die(const char *what) {
  perror(what);
  exit(2);
}

static void *read_file(const char *path, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) die(path);
  size_t capacity = 1 << 16;
  size_t used = 0;
  char *data = malloc(capacity);
  if (data == NULL) die("malloc");
  for (;;) {
    if (used == capacity) {
      capacity *= 2;
      data = realloc(data, capacity);
      if (data == NULL) die("realloc");
    }
    size_t got = fread(data + used, 1, capacity - used, file);
    if (got == 0) break;
    used += got;
  }
  fclose(file);
  *size = used;
  return data;
}

static void read_calls(const char *path, struct variant *variant) {
  size_t size;
  char *text = read_file(path, &size);
  size_t capacity = 1024;
  variant->calls = malloc(capacity * sizeof(struct call));
  variant->count = 0;
  char *cursor = text;
  char *end = text + size;
  while (cursor < end) {
    char *line_end = memchr(cursor, '\n', (size_t)(end - cursor));
    if (line_end == NULL) line_end = end;
    *line_end = '\0';
    if (cursor != line_end) {
      if (variant->count == capacity) {
        capacity *= 2;
        variant->calls = realloc(variant->calls, capacity * sizeof(struct call));
      }
      struct call *call = &variant->calls[variant->count];
      uint64_t values[7] = {0};
      char *word = cursor;
      for (int index = 0; index < 7; index++) {
        char *after;
        errno = 0;
        values[index] = strtoull(word, &after, 0);
        if (after == word || errno != 0) {
          fprintf(stderr, "%s: line %zu: expected 7 numbers\n", path, variant->count + 1);
          exit(2);
        }
        word = after;
      }
      call->nr = values[0];
      memcpy(call->args, values + 1, sizeof call->args);
      variant->count++;
    }
    cursor = line_end + 1;
  }
  free(text);
}

static void read_filter(const char *path, struct variant *variant) {
  if (strcmp(path, "-") == 0) {
    variant->filter = NULL;
    variant->length = 0;
    return;
  }
  size_t size;
  variant->filter = read_file(path, &size);
  if (size == 0 || size % sizeof(struct sock_filter) != 0) {
    fprintf(stderr, "%s: not a whole number of sock_filter records\n", path);
    exit(2);
  }
  variant->length = size / sizeof(struct sock_filter);
}

static inline uint64_t cycles(void) {
  uint32_t low, high, aux;
  __asm__ volatile("rdtscp" : "=a"(low), "=d"(high), "=c"(aux)::"memory");
  return ((uint64_t)high << 32) | low;
}

static inline long raw_syscall(const struct call *call) {
  register long r10 __asm__("r10") = (long)call->args[3];
  register long r8 __asm__("r8") = (long)call->args[4];
  register long r9 __asm__("r9") = (long)call->args[5];
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"(call->nr), "D"(call->args[0]), "S"(call->args[1]), "d"(call->args[2]), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

static int compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

// Where a child's figures lie in its shared region.
struct layout {
  long *results;        // [calls]: warm-up return values
  uint64_t *pass_cycles; // [runs * passes]: total of each timed pass
  uint64_t *call_cycles; // [runs * passes * calls]: every timed call
};

static struct layout layout_of(struct shared *shared, size_t calls, int runs, int passes) {
  struct layout layout;
  layout.results = (long *)(shared + 1);
  layout.pass_cycles = (uint64_t *)(layout.results + calls);
  layout.call_cycles = layout.pass_cycles + (size_t)runs * (size_t)passes;
  return layout;
}

// The child: install, warm up, then one timed pass per turn. Never returns.
static void child(const struct variant *variant, struct shared *shared, struct layout layout, long timed_passes) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    snprintf(shared->message, sizeof shared->message, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
    __atomic_store_n(&shared->failed, 1, __ATOMIC_RELEASE);
    _exit(0);
  }
  if (variant->filter != NULL) {
    struct sock_fprog prog = {.len = (unsigned short)variant->length, .filter = variant->filter};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
      snprintf(shared->message, sizeof shared->message, "seccomp(SECCOMP_SET_MODE_FILTER): %s", strerror(errno));
      __atomic_store_n(&shared->failed, 1, __ATOMIC_RELEASE);
      _exit(0);
    }
  }
  // From here on only raw syscalls of the list run (and rdtscp, which is no syscall).
  for (size_t index = 0; index < variant->count; index++) layout.results[index] = raw_syscall(&variant->calls[index]);
  __atomic_store_n(&shared->ready, 1, __ATOMIC_RELEASE);
  for (long pass = 0; pass < timed_passes; pass++) {
    // Spin until the parent gives the next turn (it stops this child in between).
    while (__atomic_load_n(&shared->turn, __ATOMIC_ACQUIRE) <= pass) {
    }
    uint64_t total = 0;
    uint64_t *row = layout.call_cycles + (size_t)pass * variant->count;
    for (size_t index = 0; index < variant->count; index++) {
      uint64_t before = cycles();
      raw_syscall(&variant->calls[index]);
      uint64_t taken = cycles() - before;
      total += taken;
      row[index] = taken;
    }
    layout.pass_cycles[pass] = total;
    __atomic_store_n(&shared->done, pass + 1, __ATOMIC_RELEASE);
  }
  for (;;) {
    // Everything is timed: wait for the parent's SIGKILL (exit_group may be denied).
  }
}

static void sleep_us(long microseconds) {
  struct timespec pause = {.tv_sec = 0, .tv_nsec = microseconds * 1000};
  nanosleep(&pause, NULL);
}

// Waits until `flag` reaches `value` or the child is gone, polling every 20 µs, for up to `limit_ms`.
static int wait_for(volatile long *flag, long value, volatile int *failed, pid_t pid, int limit_ms) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (__atomic_load_n(flag, __ATOMIC_ACQUIRE) >= value) return 1;
    if (failed != NULL && __atomic_load_n(failed, __ATOMIC_ACQUIRE)) return 0;
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 > limit_ms) return 0;
    sleep_us(20);
  }
}

static uint64_t tsc_hz(void) {
  struct timespec start, stop;
  clock_gettime(CLOCK_MONOTONIC_RAW, &start);
  uint64_t first = cycles();
  struct timespec pause = {.tv_sec = 0, .tv_nsec = 200 * 1000 * 1000};
  nanosleep(&pause, NULL);
  uint64_t last = cycles();
  clock_gettime(CLOCK_MONOTONIC_RAW, &stop);
  double seconds = (double)(stop.tv_sec - start.tv_sec) + (double)(stop.tv_nsec - start.tv_nsec) / 1e9;
  return (uint64_t)((double)(last - first) / seconds);
}

int main(int argc, char **argv) {
  if (argc < 5 || (argc - 3) % 2 != 0) {
    fprintf(stderr, "usage: %s RUNS PASSES CALLS FILTER|- [CALLS FILTER|- ...]\n", argv[0]);
    return 2;
  }
  int runs = atoi(argv[1]);
  int passes = atoi(argv[2]);
  if (runs < 1 || passes < 1) {
    fprintf(stderr, "RUNS and PASSES must be positive\n");
    return 2;
  }
  size_t variants = (size_t)(argc - 3) / 2;
  struct variant *list = calloc(variants, sizeof *list);
  for (size_t v = 0; v < variants; v++) {
    read_calls(argv[3 + 2 * v], &list[v]);
    read_filter(argv[4 + 2 * v], &list[v]);
  }
  printf("tsc %llu\n", (unsigned long long)tsc_hz());
  // Every child runs on one CPU, so they meet the same caches and the same neighbours; the
  // parent stays free to run on the other CPUs while it waits.
  int cpu = sched_getcpu();
  if (cpu < 0) cpu = 0;
  printf("cpu %d\n", cpu);
  {
    // The parent polls while a child runs: keep it off the children's CPU when there is another.
    cpu_set_t others;
    CPU_ZERO(&others);
    if (sched_getaffinity(0, sizeof others, &others) == 0) {
      CPU_CLR(cpu, &others);
      if (CPU_COUNT(&others) > 0) sched_setaffinity(0, sizeof others, &others);
    }
  }
  long timed = (long)runs * passes;
  struct shared **shared = calloc(variants, sizeof *shared);
  struct layout *layouts = calloc(variants, sizeof *layouts);
  pid_t *pids = calloc(variants, sizeof *pids);
  int *alive = calloc(variants, sizeof *alive);
  for (size_t v = 0; v < variants; v++) {
    size_t bytes = sizeof(struct shared) + list[v].count * sizeof(long) + (size_t)timed * (1 + list[v].count) * sizeof(uint64_t);
    void *region = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) die("mmap");
    shared[v] = region;
    layouts[v] = layout_of(shared[v], list[v].count, runs, passes);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      sched_setaffinity(0, sizeof set, &set);
      child(&list[v], shared[v], layouts[v], timed);
    }
    pids[v] = pid;
    // One child at a time on the CPU: this one warms up, then stops until its first turn.
    if (!wait_for((volatile long *)&shared[v]->ready, 1, &shared[v]->failed, pid, 120000)) {
      if (shared[v]->failed) printf("error %zu %s\n", v, shared[v]->message);
      else printf("error %zu the child did not finish its warm-up within 120 s\n", v);
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      continue;
    }
    kill(pid, SIGSTOP);
    waitpid(pid, NULL, WUNTRACED);
    alive[v] = 1;
    for (size_t index = 0; index < list[v].count; index++) printf("result %zu %zu %ld\n", v, index, layouts[v].results[index]);
  }
  // Each round runs the variants in a fresh random order (fixed seed, so runs repeat): a pass
  // pays for what the pass before it left in the caches and predictors (the no-filter child's
  // pass never enters seccomp, so the next child finds its code cold), and a fixed or merely
  // rotated order would charge that to the same variant in every round.
  size_t *order = calloc(variants, sizeof *order);
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  for (long round = 0; round < timed; round++) {
    for (size_t step = 0; step < variants; step++) order[step] = step;
    for (size_t step = variants - 1; step > 0; step--) {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      size_t other = (size_t)(seed % (step + 1));
      size_t swap = order[step];
      order[step] = order[other];
      order[other] = swap;
    }
    for (size_t step = 0; step < variants; step++) {
      size_t v = order[step];
      if (!alive[v]) continue;
      __atomic_store_n(&shared[v]->turn, round + 1, __ATOMIC_RELEASE);
      kill(pids[v], SIGCONT);
      int ok = wait_for(&shared[v]->done, round + 1, NULL, pids[v], 120000);
      kill(pids[v], SIGSTOP);
      waitpid(pids[v], NULL, WUNTRACED);
      if (!ok) {
        printf("error %zu the child did not finish pass %ld within 120 s\n", v, round);
        kill(pids[v], SIGKILL);
        waitpid(pids[v], NULL, 0);
        alive[v] = 0;
      }
    }
  }
  uint64_t *column = calloc((size_t)passes, sizeof *column);
  for (size_t v = 0; v < variants; v++) {
    if (!alive[v]) continue;
    kill(pids[v], SIGKILL);
    waitpid(pids[v], NULL, 0);
    struct layout layout = layouts[v];
    for (int run = 0; run < runs; run++) {
      uint64_t *totals = layout.pass_cycles + (size_t)run * (size_t)passes;
      memcpy(column, totals, (size_t)passes * sizeof *column);
      qsort(column, (size_t)passes, sizeof *column, compare_u64);
      printf("pass %d %zu %llu %llu\n", run, v, (unsigned long long)column[passes / 2], (unsigned long long)column[0]);
      for (size_t index = 0; index < list[v].count; index++) {
        for (int pass = 0; pass < passes; pass++)
          column[pass] = layout.call_cycles[((size_t)run * (size_t)passes + (size_t)pass) * list[v].count + index];
        qsort(column, (size_t)passes, sizeof *column, compare_u64);
        printf("call %d %zu %zu %llu %llu\n", run, v, index, (unsigned long long)column[0], (unsigned long long)column[passes / 2]);
      }
    }
  }
  return 0;
}
