/**
 * The call-frequency profile the planner assumes when a policy counts nothing (no `@frequency`
 * file for the architecture and no `frequencies` option).
 *
 * Without counts every syscall would weigh the same, and the dispatch would put as many tests in
 * front of `read` as in front of `reboot`. In practice a long-running service (a device process,
 * a daemon) makes its I/O syscalls orders of magnitude more often than anything else, whether
 * the policy allows them or not (a denied `read` is still attempted, and its denial runs the
 * filter). The profile says only that: data transfer dominates by far, and a second tier of
 * event-loop and bookkeeping syscalls comes next. The counts are orders of magnitude, not a
 * measurement of any one program; `typicalFrequencies: false` turns the profile off.
 */
export const typicalFrequencyProfile: ReadonlyMap<string, number> = new Map<string, number>([
  // Data transfer: the bulk of a service's syscalls.
  ['read', 10_000],
  ['write', 10_000],
  // Event loop, vectored and positioned I/O, messages, and bookkeeping around them.
  ...[
    'close',
    'epoll_pwait',
    'epoll_wait',
    'futex',
    'ioctl',
    'poll',
    'ppoll',
    'pread64',
    'preadv',
    'pwrite64',
    'pwritev',
    'readv',
    'recvfrom',
    'recvmsg',
    'sendmsg',
    'sendto',
    'writev',
  ].map((name): [string, number] => [name, 100]),
]);
