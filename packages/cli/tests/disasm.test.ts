import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';
import { makeToolInputs } from './simulate-fixture.js';

const root = makeToolInputs();

describe('syscage disasm', () => {
  it('names compared argument values as the syscall argument they are, and errno returns', async () => {
    const result = await runInProcess(['disasm', 'allowlist.bpf'], root);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ld \[args\[2\]\.lo\]\n *\d+: jset #0x4 jt \d+ jf \d+ +; PROT_EXEC\n/);
    expect(result.stdout).toMatch(/ret ERRNO\(1\) +; EPERM\n/);
  });

  it('prints pcs, absolute targets, field names, syscall names and named returns', async () => {
    const result = await runInProcess(['disasm', 'allowlist.bpf', '--arch', 'x86_64'], root);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(0, 9).join('\n')).toBe(
      [
        ' 0: ld [arch]',
        ' 1: jeq #0xc000003e jt 3 jf 2        ; AUDIT_ARCH_X86_64 (x86_64)',
        ' 2: ret KILL_PROCESS',
        ' 3: ld [nr]',
        ' 4: jge #0x40000000 jt 11 jf 5',
        ' 5: jeq #0x0 jt 10 jf 6              ; read',
        ' 6: jeq #0x1 jt 10 jf 7              ; write',
        ' 7: jeq #0xe7 jt 10 jf 8             ; exit_group',
        ' 8: jeq #0x9 jt 12 jf 9              ; mmap',
      ].join('\n'),
    );
    expect(result.stdout).toContain('12: ld [args[2].hi]');
    expect(result.stdout).toContain('14: ret ERRNO(1)');
  });

  it('prints JSON with the raw fields', async () => {
    const result = await runInProcess(['disasm', 'allowlist.bpf', '--arch', 'x86_64', '--format', 'json'], root);
    const parsed = JSON.parse(result.stdout) as { instructions: { pc: number; code: number; targets: number[]; comment: string }[]; problems: unknown[] };
    expect(parsed.instructions).toHaveLength(19);
    expect(parsed.instructions[1]).toMatchObject({ pc: 1, code: 0x15, targets: [3, 2] });
    expect(parsed.problems).toEqual([]);
  });

  it('disassembles the program a policy compiles to', async () => {
    const result = await runInProcess(['disasm', 'x86_64/old.policy', '--default-action', 'trap'], root);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ld \[arch\]/);
    expect(result.stdout).toMatch(/; ioctl/);
    expect(result.stdout).toMatch(/ret TRAP/);
  });

  it.each([
    ['a .bpf that compares no architecture, without --arch', ['disasm', 'no-ret.bpf'], 2, 'cannot tell the architecture of no-ret.bpf (it compares no architecture); pass --arch'],
    ['a missing file is an I/O error', ['disasm', 'missing.bpf', '--arch', 'x86_64'], 3, 'cannot read missing.bpf'],
    ['a length that is no multiple of 8', ['disasm', 'truncated.bpf', '--arch', 'x86_64'], 1, 'truncated.bpf:1:1: error[SC4621]: not a seccomp BPF program: its 12 bytes are not a whole number of 8-byte struct sock_filter records'],
    ['a big-endian program read as x86_64', ['disasm', 'allowlist-be.bpf', '--arch', 'x86_64'], 1, 'the file is a big-endian program, for another architecture'],
    ['a program the kernel would reject', ['disasm', 'no-ret.bpf', '--arch', 'x86_64'], 1, 'SC4609'],
    ['an unknown architecture', ['disasm', 'allowlist.bpf', '--arch', 'vax'], 2, '--arch'],
  ])('%s', async (_name, argv, code, message) => {
    const result = await runInProcess(argv, root);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  // Issue 20 item 8: an executable used to give one error per 8-byte record (16,210 for /bin/ls).
  it.each([
    ['with --arch', ['--arch', 'x86_64'], /^executable:1:1: error\[SC4621\]: not a seccomp BPF program: instruction 0 \(bytes 0–7\) has the opcode 0x457f, which is not one seccomp accepts\n1 error, 0 warnings\n$/],
    ['without --arch', [], /^syscage: executable: not a seccomp BPF program: instruction 0 \(bytes 0–7\) has the opcode 0x457f, which is not one seccomp accepts in either byte order\n$/],
  ])('a file that is not a BPF program is one error with the reason (%s)', async (_name, flags, stderr) => {
    const result = await runInProcess(['disasm', ...flags, 'executable'], root);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(stderr);
  });

  // Issue 20 item 14: the program's first comparison of seccomp_data.arch names its architecture.
  it.each([
    ['little-endian x86_64', 'allowlist.bpf', 'x86_64'],
    ['big-endian s390x', 's390x.bpf', 's390x'],
  ])('takes the architecture from the program without --arch (%s)', async (_name, file, arch) => {
    const result = await runInProcess(['disasm', '--format', 'json', file], root);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { arch: string }).arch).toBe(arch);
  });

  it('still shows a program the kernel would reject', async () => {
    const result = await runInProcess(['disasm', 'no-ret.bpf', '--arch', 'x86_64'], root);
    expect(result.stdout).toBe('0: ld [nr]\n');
  });
});
