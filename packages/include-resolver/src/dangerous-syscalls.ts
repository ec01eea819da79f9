/**
 * The one list of syscalls a reviewer must look at twice, shared by the policy lint (`check`,
 * `build --lint`: SC2050) and the program audit (`@syscage/bpf-codegen`'s `auditProgram`,
 * `syscage audit`). Each entry says how bad it is to allow the syscall for every argument, and
 * why. Minijail's `seccomp_policy_lint` has a shorter list; `minijail` marks its entries, and the
 * include-resolver README says where the two differ.
 */

/**
 * How dangerous a syscall is when a policy allows it:
 * - `escape`: allowed for every argument it can break out of the sandbox or bypass the filter
 *   (high);
 * - `surface`: allowed for every argument it widens what a compromised process can do or reach
 *   in the kernel (medium);
 * - `review`: needs a reason in the policy, little harm on its own (low);
 * - `arguments`: safe only with argument conditions, which the audit checks itself (clone
 *   namespaces, raw sockets, terminal ioctls, writable-and-executable memory).
 */
export type DangerousSyscallKind = 'escape' | 'surface' | 'review' | 'arguments';

/** One entry of {@link dangerousSyscalls}. */
export interface DangerousSyscall {
  /** The syscall name as the architecture tables spell it. */
  readonly name: string;
  /** How dangerous it is (see {@link DangerousSyscallKind}). */
  readonly kind: DangerousSyscallKind;
  /** Why, in a few words, for messages. */
  readonly why: string;
  /** True when Minijail's `seccomp_policy_lint` lists it too. */
  readonly minijail: boolean;
  /** True when it is an `escape` in a device policy (`*_device*.policy`), whatever its kind elsewhere. */
  readonly escapeInDevice?: boolean;
}

const kinds: readonly DangerousSyscallKind[] = ['escape', 'surface', 'review', 'arguments'];

/** One line of `table`: name, kind, marks (`minijail`, `device`, both joined by a comma, or `-`), why. */
function parseLine(line: string): DangerousSyscall {
  const [name = '', kindWord = '', marks = '', ...why] = line.trim().split(/\s+/);
  const kind = kinds.find((k) => k === kindWord);
  // The table is source, not input: a typo fails when the module loads, so every test sees it.
  if (kind === undefined) throw new Error(`dangerous-syscall table: unknown kind ${kindWord} of ${name}`);
  const entry: DangerousSyscall = { name, kind, why: why.join(' '), minijail: marks.split(',').includes('minijail') };
  return marks.split(',').includes('device') ? { ...entry, escapeInDevice: true } : entry;
}

// A text table rather than one call per syscall: the list is data a reviewer reads down, and
// the marks column says at a glance which entries Minijail's lint shares and which are escapes
// in device policies. `minijail`: `seccomp_policy_lint` lists it too; `device`: an escape in a
// device policy whatever its kind elsewhere.
// name             kind      marks           why
const table = `
  add_key            escape    -               adds keys to kernel keyrings shared beyond the sandbox
  bpf                escape    minijail        loads programs into the kernel
  chroot             escape    -               changes the root directory
  clone              arguments minijail        creates processes and, with CLONE_NEW* flags, namespaces
  clone3             surface   -               takes its flags in memory the filter cannot read, so namespaces cannot be refused
  delete_module      escape    -               unloads kernel modules
  execve             surface   minijail,device runs another program, which keeps no state of this process
  execveat           surface   minijail,device runs another program, which keeps no state of this process
  finit_module       escape    -               loads kernel code
  fsconfig           escape    -               configures a new mount
  fsmount            escape    -               creates a mount
  fsopen             escape    -               opens a file system for mounting
  fspick             escape    -               reconfigures a mounted file system
  init_module        escape    -               loads kernel code
  io_uring_enter     escape    -               runs operations that no seccomp filter sees
  io_uring_register  escape    -               runs operations that no seccomp filter sees
  io_uring_setup     escape    -               runs operations that no seccomp filter sees
  ioctl              arguments minijail        reaches every driver, and with TIOCSTI or TIOCLINUX pushes input into a terminal
  ioperm             escape    -               gives direct access to I/O ports
  iopl               escape    -               gives direct access to I/O ports
  kcmp               surface   -               compares kernel objects of other processes
  kexec_file_load    escape    -               replaces the running kernel
  kexec_load         escape    -               replaces the running kernel
  keyctl             escape    -               reaches kernel keyrings shared beyond the sandbox
  kill               review    minijail        signals other processes
  mmap               arguments minijail        maps memory, with PROT_WRITE|PROT_EXEC memory where injected code can run
  mmap2              arguments minijail        maps memory, with PROT_WRITE|PROT_EXEC memory where injected code can run
  mount              escape    minijail        changes the file-system view
  mount_setattr      escape    -               changes mount properties
  move_mount         escape    -               moves mounts
  mprotect           arguments minijail        changes memory protection, with PROT_WRITE|PROT_EXEC to writable and executable
  open_by_handle_at  escape    -               opens files by handle, outside the mount namespace
  open_tree          escape    -               clones mounts
  perf_event_open    escape    -               observes other processes and the kernel; a large kernel attack surface
  pidfd_getfd        surface   -               copies another process's file descriptors
  pivot_root         escape    -               changes the root mount
  pkey_mprotect      arguments -               changes memory protection, with PROT_WRITE|PROT_EXEC to writable and executable
  prctl              surface   minijail        changes process attributes (dumpable, ptracer, no_new_privs, …)
  process_vm_readv   surface   -               reads other processes' memory
  process_vm_writev  escape    -               writes other processes' memory
  ptrace             escape    minijail        controls other processes
  reboot             escape    -               restarts or halts the machine
  request_key        escape    -               reaches kernel keyrings and runs the key upcall
  setns              escape    minijail        enters other namespaces
  socket             arguments minijail        opens sockets, raw and packet ones seeing and forging network traffic
  swapoff            escape    minijail        changes system swap
  swapon             escape    minijail        changes system swap
  tgkill             review    -               signals other threads and processes
  tkill              review    -               signals other threads and processes
  umount             escape    -               changes the file-system view
  umount2            escape    -               changes the file-system view
  unshare            escape    -               creates namespaces (a user namespace grants capabilities inside it)
  userfaultfd        escape    -               stalls kernel page faults, widening race windows used by exploits
`;

/** Every dangerous syscall, sorted by name. */
export const dangerousSyscalls: readonly DangerousSyscall[] = table
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map(parseLine);

const byName: ReadonlyMap<string, DangerousSyscall> = new Map(dangerousSyscalls.map((item) => [item.name, item]));

/** The entry for a syscall name, or `undefined` when it is not on the list. */
export function dangerousSyscall(name: string): DangerousSyscall | undefined {
  return byName.get(name);
}

/**
 * True for a policy file name that names a device policy (`gpu_device.policy`,
 * `net_device_vhost_user.policy`, `common_device.policy`) or its compiled `.bpf`: in those,
 * `execve` and `execveat` count as an escape.
 */
export function isDevicePolicyName(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return /_device(?:_[a-z0-9_]+)?\.(?:policy|bpf)$/.test(name);
}
