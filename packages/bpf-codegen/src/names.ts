/**
 * Name hints for lowering errors: the syscalls that replace a missing one on other
 * architectures (`mmap` ↔ `mmap2`, `open` → `openat`), and close spellings for typos.
 */

/**
 * Syscalls that do the same job under another name, by the name that is missing: one line each,
 * the missing name first, then its replacements in the order they are suggested. A text table,
 * since it is a list to read down and extend, not code.
 */
const replacements: ReadonlyMap<string, readonly string[]> = new Map(
  `
  mmap                    mmap2
  mmap2                   mmap
  open                    openat openat2
  creat                   openat
  stat                    newfstatat fstatat64 statx stat64
  lstat                   newfstatat fstatat64 statx lstat64
  fstat                   fstat64 newfstatat statx
  stat64                  stat newfstatat
  lstat64                 lstat newfstatat
  fstat64                 fstat newfstatat
  newfstatat              fstatat64 statx
  fstatat64               newfstatat statx
  _llseek                 lseek
  llseek                  _llseek lseek
  lseek                   _llseek
  fcntl                   fcntl64
  fcntl64                 fcntl
  poll                    ppoll
  select                  pselect6 _newselect
  _newselect              select pselect6
  epoll_wait              epoll_pwait
  epoll_create            epoll_create1
  pipe                    pipe2
  dup2                    dup3
  access                  faccessat faccessat2
  readlink                readlinkat
  unlink                  unlinkat
  rmdir                   unlinkat
  mkdir                   mkdirat
  mknod                   mknodat
  rename                  renameat renameat2
  renameat                renameat2
  link                    linkat
  symlink                 symlinkat
  chmod                   fchmodat
  chown                   fchownat
  lchown                  fchownat
  getdents                getdents64
  eventfd                 eventfd2
  signalfd                signalfd4
  inotify_init            inotify_init1
  sendfile                sendfile64
  sendfile64              sendfile
  getrlimit               prlimit64 ugetrlimit
  ugetrlimit              getrlimit prlimit64
  setrlimit               prlimit64
  fork                    clone
  vfork                   clone
  time                    clock_gettime
  alarm                   setitimer
  utime                   utimensat
  utimes                  utimensat
  futimesat               utimensat
  statfs                  statfs64
  statfs64                statfs
  fstatfs                 fstatfs64
  fstatfs64               fstatfs
  truncate                truncate64
  truncate64              truncate
  ftruncate               ftruncate64
  ftruncate64             ftruncate
  pread64                 pread
  pwrite64                pwrite
  sigaction               rt_sigaction
  sigprocmask             rt_sigprocmask
  sigreturn               rt_sigreturn
  signal                  rt_sigaction
  socketcall              socket connect sendmsg recvmsg
  ipc                     semop msgsnd shmat
  arch_prctl              prctl set_tls
  set_tls                 arch_prctl
  getuid32                getuid
  getgid32                getgid
  geteuid32               geteuid
  getegid32               getegid
  getuid                  getuid32
  getgid                  getgid32
  geteuid                 geteuid32
  getegid                 getegid32
  clock_gettime           clock_gettime64
  clock_gettime64         clock_gettime
  clock_nanosleep         clock_nanosleep_time64
  clock_nanosleep_time64  clock_nanosleep
  futex                   futex_time64
  futex_time64            futex
  ppoll                   ppoll_time64
  ppoll_time64            ppoll
  nanosleep               clock_nanosleep
  recv                    recvfrom
  send                    sendto
  wait4                   waitid
  waitpid                 wait4 waitid
`
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [name = '', ...others] = line.trim().split(/\s+/);
      return [name, others] as const;
    }),
);

/**
 * Names that may replace `name` on another architecture: the curated list, then spelling
 * variants (`64`/`32` suffix, `new` prefix, leading underscore). The caller keeps those that
 * exist on the target.
 */
export function relatedSyscallNames(name: string): readonly string[] {
  const candidates = [...(replacements.get(name) ?? [])];
  const variants = [
    `${name}64`,
    `${name}32`,
    `${name}2`,
    `new${name}`,
    `_${name}`,
    name.replace(/64$/, ''),
    name.replace(/32$/, ''),
    name.replace(/^new/, ''),
    name.replace(/^_+/, ''),
  ];
  for (const variant of variants) {
    if (variant !== name && variant !== '' && !candidates.includes(variant)) candidates.push(variant);
  }
  return candidates;
}
