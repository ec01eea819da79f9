/**
 * Syscalls that recent kernels run without consulting the seccomp filter. The one place this
 * fact lives: `emulate` and the analyses answer what the *filter* returns, and every tool that
 * shows a verdict for such a syscall adds this note next to it.
 *
 * Source: `kernel/seccomp.c`. "seccomp: passthrough uretprobe systemcall without filtering"
 * (mainline in Linux 6.14, also taken into the 6.12 and 6.13 stable series) makes the kernel
 * skip the filters for `uretprobe` when `seccomp_data.arch` is the native architecture;
 * "seccomp: passthrough uprobe systemcall without filtering" (Linux 6.18, with the `uprobe`
 * syscall itself) does the same for `uprobe`. Both syscalls exist only on x86_64, where the
 * kernel itself places the calls in its uprobe trampolines; strict mode (mode 1) allows them too.
 */

/** A syscall the kernel lets through before any seccomp filter sees it. */
export interface KernelUnfilteredSyscall {
  /** Canonical architecture name (`x86_64`). */
  readonly arch: string;
  /** The syscall's name. */
  readonly name: string;
  /** Its number on that architecture (without the x32 bit: x32 calls are filtered as usual). */
  readonly nr: number;
  /** The first mainline Linux release that passes it through, as `major.minor`. */
  readonly since: string;
}

/** Every syscall some released kernel runs without consulting the filter, by architecture. */
export const kernelUnfilteredSyscalls: readonly KernelUnfilteredSyscall[] = [
  { arch: 'x86_64', name: 'uretprobe', nr: 335, since: '6.14' },
  { arch: 'x86_64', name: 'uprobe', nr: 336, since: '6.18' },
];

/**
 * The entry for syscall `nr` on architecture `arch` (canonical name) when the kernel does not
 * filter it, else `undefined`. `nr` is the number the filter would see; the kernel's exception
 * applies only to the native architecture's numbering, so x32 numbers never match.
 */
export function kernelUnfilteredSyscall(arch: string, nr: number): KernelUnfilteredSyscall | undefined {
  return kernelUnfilteredSyscalls.find((entry) => entry.arch === arch && entry.nr === nr >>> 0);
}

/** The note shown next to a verdict on such a syscall: `not filtered by the kernel (Linux ≥ 6.14)`. */
export function kernelUnfilteredNote(entry: KernelUnfilteredSyscall): string {
  return `not filtered by the kernel (Linux ≥ ${entry.since})`;
}
