/**
 * The note every command that gives a verdict on one syscall adds when the kernel does not run
 * the filter for it (x86_64 `uretprobe`, `uprobe`): the fact itself lives in
 * `@syscage/bpf-codegen`'s `kernelUnfilteredSyscalls`, this only words it the same way in every
 * command's text and JSON.
 */
import { kernelUnfilteredNote, kernelUnfilteredSyscall } from '@syscage/bpf-codegen';

/** `not filtered by the kernel (Linux ≥ X.Y)` for such a syscall, else `undefined`. */
export function kernelNote(arch: string, nr: number): string | undefined {
  const entry = kernelUnfilteredSyscall(arch, nr);
  return entry === undefined ? undefined : kernelUnfilteredNote(entry);
}

/** `{ kernelNote }` for such a syscall, `{}` otherwise: spread into a command's JSON object. */
export function kernelNoteJson(arch: string, nr: number): { readonly kernelNote?: string } {
  const note = kernelNote(arch, nr);
  return note === undefined ? {} : { kernelNote: note };
}

/** `; not filtered by the kernel (Linux ≥ X.Y)` for such a syscall, `''` otherwise: appended to a verdict line. */
export function kernelNoteSuffix(arch: string, nr: number): string {
  const note = kernelNote(arch, nr);
  return note === undefined ? '' : `; ${note}: the kernel runs it without consulting the filter`;
}
