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

const entry = (name: string, kind: DangerousSyscallKind, why: string, minijail = false, escapeInDevice = false): DangerousSyscall =>
  escapeInDevice ? { name, kind, why, minijail, escapeInDevice } : { name, kind, why, minijail };

/** Every dangerous syscall, sorted by name. */
export const dangerousSyscalls: readonly DangerousSyscall[] = [
  entry('add_key', 'escape', 'adds keys to kernel keyrings shared beyond the sandbox'),
  entry('bpf', 'escape', 'loads programs into the kernel', true),
  entry('chroot', 'escape', 'changes the root directory'),
  entry('clone', 'arguments', 'creates processes and, with CLONE_NEW* flags, namespaces', true),
  entry('clone3', 'surface', 'takes its flags in memory the filter cannot read, so namespaces cannot be refused'),
  entry('delete_module', 'escape', 'unloads kernel modules'),
  entry('execve', 'surface', 'runs another program, which keeps no state of this process', true, true),
  entry('execveat', 'surface', 'runs another program, which keeps no state of this process', true, true),
  entry('finit_module', 'escape', 'loads kernel code'),
  entry('fsconfig', 'escape', 'configures a new mount'),
  entry('fsmount', 'escape', 'creates a mount'),
  entry('fsopen', 'escape', 'opens a file system for mounting'),
  entry('fspick', 'escape', 'reconfigures a mounted file system'),
  entry('init_module', 'escape', 'loads kernel code'),
  entry('io_uring_enter', 'escape', 'runs operations that no seccomp filter sees'),
  entry('io_uring_register', 'escape', 'runs operations that no seccomp filter sees'),
  entry('io_uring_setup', 'escape', 'runs operations that no seccomp filter sees'),
  entry('ioctl', 'arguments', 'reaches every driver, and with TIOCSTI or TIOCLINUX pushes input into a terminal', true),
  entry('ioperm', 'escape', 'gives direct access to I/O ports'),
  entry('iopl', 'escape', 'gives direct access to I/O ports'),
  entry('kcmp', 'surface', 'compares kernel objects of other processes'),
  entry('kexec_file_load', 'escape', 'replaces the running kernel'),
  entry('kexec_load', 'escape', 'replaces the running kernel'),
  entry('keyctl', 'escape', 'reaches kernel keyrings shared beyond the sandbox'),
  entry('kill', 'review', 'signals other processes', true),
  entry('mmap', 'arguments', 'maps memory, with PROT_WRITE|PROT_EXEC memory where injected code can run', true),
  entry('mmap2', 'arguments', 'maps memory, with PROT_WRITE|PROT_EXEC memory where injected code can run', true),
  entry('mount', 'escape', 'changes the file-system view', true),
  entry('mount_setattr', 'escape', 'changes mount properties'),
  entry('move_mount', 'escape', 'moves mounts'),
  entry('mprotect', 'arguments', 'changes memory protection, with PROT_WRITE|PROT_EXEC to writable and executable', true),
  entry('open_by_handle_at', 'escape', 'opens files by handle, outside the mount namespace'),
  entry('open_tree', 'escape', 'clones mounts'),
  entry('perf_event_open', 'escape', 'observes other processes and the kernel; a large kernel attack surface'),
  entry('pidfd_getfd', 'surface', "copies another process's file descriptors"),
  entry('pivot_root', 'escape', 'changes the root mount'),
  entry('pkey_mprotect', 'arguments', 'changes memory protection, with PROT_WRITE|PROT_EXEC to writable and executable'),
  entry('prctl', 'surface', 'changes process attributes (dumpable, ptracer, no_new_privs, …)', true),
  entry('process_vm_readv', 'surface', "reads other processes' memory"),
  entry('process_vm_writev', 'escape', "writes other processes' memory"),
  entry('ptrace', 'escape', 'controls other processes', true),
  entry('reboot', 'escape', 'restarts or halts the machine'),
  entry('request_key', 'escape', 'reaches kernel keyrings and runs the key upcall'),
  entry('setns', 'escape', 'enters other namespaces', true),
  entry('socket', 'arguments', 'opens sockets, raw and packet ones seeing and forging network traffic', true),
  entry('swapoff', 'escape', 'changes system swap', true),
  entry('swapon', 'escape', 'changes system swap', true),
  entry('tgkill', 'review', 'signals other threads and processes'),
  entry('tkill', 'review', 'signals other threads and processes'),
  entry('umount', 'escape', 'changes the file-system view'),
  entry('umount2', 'escape', 'changes the file-system view'),
  entry('unshare', 'escape', 'creates namespaces (a user namespace grants capabilities inside it)'),
  entry('userfaultfd', 'escape', 'stalls kernel page faults, widening race windows used by exploits'),
];

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
