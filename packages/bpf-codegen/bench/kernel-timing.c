// Timing engine of `pnpm bench:kernel` (bench/kernel.ts compiles it with clang at bench time):
// how long a call list takes under a seccomp filter in the real kernel, x86_64 Linux only.
//
//   kernel-timing RUNS PASSES CALLS_FILE FILTER_FILE|- [CALLS_FILE FILTER_FILE|- ...]
//
// CALLS_FILE: one call per line, `nr a0 a1 a2 a3 a4 a5` (decimal or 0x hex, unsigned 64-bit).
// FILTER_FILE: raw `struct sock_filter` records (8 bytes each, native byte order), or `-` for no
// filter. Every (calls, filter) pair is a variant. For each run the variants are timed in turn
// (their order rotates from run to run), each in a child forked for it and pinned to the CPU
// the harness started on, so that every variant meets the same machine: the child sets
// no_new_privs, installs its filter with seccomp(2), makes one untimed warm-up pass over its
// calls (recording what each returned), then PASSES timed passes. Each call is timed with
// rdtscp on both sides; the child keeps, per call, the fewest cycles seen, and per pass the
// total.
//
// The filter must not end the child: the driver rewrites kill and trap returns to errno before
// handing a filter over. The child talks to the parent only through shared memory, because the
// filter may deny write(2) and exit_group(2) as well; the parent ends it with SIGKILL.
//
// Output (stdout), one line per item:
//   tsc HZ                                   cycles per second of the time-stamp counter
//   result VARIANT INDEX RET                 warm-up pass, run 0 only: raw return value of each call
//   pass RUN VARIANT MEDIAN_CYCLES MIN_CYCLES   per-pass totals (median and fewest over PASSES)
//   call RUN VARIANT INDEX MIN_CYCLES        fewest cycles of one call over PASSES
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

// What a child leaves for the parent. Calls and passes follow the header.
struct shared {
  volatile int done;
  volatile int failed;
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

// The child: install, warm up, time. Never returns.
static void child(const struct variant *variant, struct shared *shared, long *results, uint64_t *call_min, uint64_t *pass_total,
                  int passes) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    snprintf(shared->message, sizeof shared->message, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
    shared->failed = 1;
    _exit(0);
  }
  if (variant->filter != NULL) {
    struct sock_fprog prog = {.len = (unsigned short)variant->length, .filter = variant->filter};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
      snprintf(shared->message, sizeof shared->message, "seccomp(SECCOMP_SET_MODE_FILTER): %s", strerror(errno));
      shared->failed = 1;
      _exit(0);
    }
  }
  // From here on only raw syscalls of the list run (and rdtscp, which is no syscall).
  for (size_t index = 0; index < variant->count; index++) {
    results[index] = raw_syscall(&variant->calls[index]);
    call_min[index] = UINT64_MAX;
  }
  for (int pass = 0; pass < passes; pass++) {
    uint64_t total = 0;
    for (size_t index = 0; index < variant->count; index++) {
      uint64_t before = cycles();
      raw_syscall(&variant->calls[index]);
      uint64_t taken = cycles() - before;
      total += taken;
      if (taken < call_min[index]) call_min[index] = taken;
    }
    pass_total[pass] = total;
  }
  __atomic_store_n(&shared->done, 1, __ATOMIC_RELEASE);
  struct call leave = {.nr = SYS_exit_group};
  raw_syscall(&leave);
  for (;;) {
    // exit_group was denied: wait for the parent's SIGKILL.
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
  size_t most = 0;
  for (size_t v = 0; v < variants; v++) {
    read_calls(argv[3 + 2 * v], &list[v]);
    read_filter(argv[4 + 2 * v], &list[v]);
    if (list[v].count > most) most = list[v].count;
  }
  // All variants run on one CPU, so they meet the same caches and the same neighbours.
  int cpu = sched_getcpu();
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  printf("tsc %llu\n", (unsigned long long)tsc_hz());
  size_t bytes = sizeof(struct shared) + most * (sizeof(long) + sizeof(uint64_t)) + (size_t)passes * sizeof(uint64_t);
  void *region = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) die("mmap");
  struct shared *shared = region;
  long *results = (long *)(shared + 1);
  uint64_t *call_min = (uint64_t *)(results + most);
  uint64_t *pass_total = call_min + most;
  for (int run = 0; run < runs; run++) {
    for (size_t step = 0; step < variants; step++) {
      size_t v = (step + (size_t)run) % variants;
      memset(region, 0, bytes);
      fflush(stdout);
      pid_t pid = fork();
      if (pid < 0) die("fork");
      if (pid == 0) child(&list[v], shared, results, call_min, pass_total, passes);
      // Wait for the child to finish (up to 120 s), then end it.
      struct timespec tick = {.tv_sec = 0, .tv_nsec = 1000 * 1000};
      int waited_ms = 0;
      int status = 0;
      int exited = 0;
      while (!__atomic_load_n(&shared->done, __ATOMIC_ACQUIRE) && !shared->failed && waited_ms < 120000) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
          exited = 1;
          break;
        }
        nanosleep(&tick, NULL);
        waited_ms++;
      }
      if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
      }
      if (shared->failed) {
        printf("error %zu %s\n", v, shared->message);
        continue;
      }
      if (!shared->done) {
        if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
          printf("error %zu the child was ended by signal %d before it finished\n", v, WTERMSIG(status));
        else if (exited)
          printf("error %zu the child exited (status %d) before it finished\n", v, WEXITSTATUS(status));
        else
          printf("error %zu the child did not finish within 120 s\n", v);
        continue;
      }
      if (run == 0) {
        for (size_t index = 0; index < list[v].count; index++) printf("result %zu %zu %ld\n", v, index, results[index]);
      }
      qsort(pass_total, (size_t)passes, sizeof(uint64_t), compare_u64);
      printf("pass %d %zu %llu %llu\n", run, v, (unsigned long long)pass_total[passes / 2], (unsigned long long)pass_total[0]);
      for (size_t index = 0; index < list[v].count; index++) {
        printf("call %d %zu %zu %llu\n", run, v, index, (unsigned long long)call_min[index]);
      }
    }
  }
  return 0;
}
