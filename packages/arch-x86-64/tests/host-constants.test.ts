// Our x86_64 constants against a C program compiled by the host compiler with the host's own
// headers (glibc + the installed linux-libc-dev): an independent evaluation of the same names.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archX86_64 } from '../src/index.js';

const hostCompiler = ['cc', 'clang', 'gcc'].find(
  (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0,
);
const isX86_64Host = process.arch === 'x64' && process.platform === 'linux';

/** Families a policy author compares arguments with, by name pattern. */
const families: readonly { readonly family: string; readonly pattern: RegExp }[] = [
  { family: 'errno', pattern: /^E[A-Z0-9]+$/ },
  { family: 'signals', pattern: /^SIG[A-Z0-9]+$|^SA_|^SS_/ },
  { family: 'open/fcntl', pattern: /^(O|F|FD|AT)_/ },
  { family: 'memory', pattern: /^(PROT|MAP|MADV|MREMAP|MFD|MCL|MS)_/ },
  { family: 'sockets', pattern: /^(AF|PF|SOCK|SOL|SO|MSG|SCM|IPPROTO|IP|TCP)_/ },
  { family: 'prctl', pattern: /^PR_/ },
  { family: 'clone/sched', pattern: /^(CLONE|SCHED)_/ },
  { family: 'futex', pattern: /^FUTEX_/ },
  { family: 'seccomp', pattern: /^SECCOMP_/ },
  { family: 'terminal ioctls', pattern: /^(TC|TIOC)[A-Z0-9_]+$/ },
  { family: 'file ioctls', pattern: /^(FIO[A-Z]+|FS_IOC_[A-Z0-9_]+|FI[A-Z]+)$/ },
  { family: 'socket ioctls', pattern: /^SIOC/ },
  { family: 'KVM', pattern: /^KVM_/ },
  { family: 'VFIO', pattern: /^VFIO_/ },
  { family: 'vhost/tun/userfaultfd', pattern: /^(VHOST_|TUN|UFFD)/ },
  { family: 'misc', pattern: /^(EPOLL|IN_|EFD_|TFD_|GRND_|RLIMIT_|CLOCK_|W[A-Z]+$|AUDIT_ARCH_|CAP_)/ },
];

/**
 * Names whose host (glibc) definition deliberately differs from the kernel UAPI value that a
 * seccomp filter sees: glibc defines O_LARGEFILE as 0 on 64-bit ABIs (the kernel forces the flag
 * there), and SIGRTMIN/SIGRTMAX as functions that skip the signals glibc reserves for itself.
 */
const hostDiffers = new Set(['O_LARGEFILE', 'SIGRTMIN', 'SIGRTMAX', 'SIGSTKSZ']);

/**
 * Masks that are unions of feature bits and grew between the host's kernel headers (Debian
 * bookworm's linux-libc-dev 6.1) and the 7.2 headers the table comes from: new futex flags and
 * userfaultfd features/ioctls. Every other shared name must agree exactly.
 */
const grewSinceHostHeaders = new Set(['FUTEX_CMD_MASK', 'UFFD_API_FEATURES', 'UFFD_API_RANGE_IOCTLS', 'UFFD_API_RANGE_IOCTLS_BASIC']);

const hostHeaders = [
  'errno.h', 'signal.h', 'fcntl.h', 'sys/mman.h', 'sys/socket.h', 'netinet/in.h', 'netinet/tcp.h', 'sys/prctl.h', 'sched.h',
  'linux/futex.h', 'linux/seccomp.h', 'sys/ioctl.h', 'linux/fs.h', 'net/if.h', 'linux/sockios.h', 'linux/kvm.h',
  'linux/vfio.h', 'sys/epoll.h', 'sys/wait.h', 'sys/resource.h', 'time.h', 'sys/random.h', 'sys/inotify.h',
  'sys/eventfd.h', 'sys/timerfd.h', 'linux/if_tun.h', 'linux/vhost.h', 'linux/userfaultfd.h', 'linux/audit.h',
  'linux/capability.h', 'stdio.h',
];

const workDir = mkdtempSync(path.join(tmpdir(), 'arch-x86-64-host-'));
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** Compiles and runs a program printing each name the host headers define; names the host cannot evaluate drop out. */
function hostValues(compiler: string, names: readonly string[]): Map<string, bigint> {
  let remaining = [...names];
  for (let attempt = 0; attempt < 6; attempt++) {
    const lines = ['#define _GNU_SOURCE', ...hostHeaders.map((header) => `#include <${header}>`), 'int main(void) {'];
    const firstNameLine = lines.length + 1;
    for (const name of remaining) {
      lines.push(`#ifdef ${name}\n printf("${name} %llu\\n", (unsigned long long)(${name}));\n#endif`);
    }
    lines.push('return 0; }');
    const source = path.join(workDir, 'constants.c');
    writeFileSync(source, lines.join('\n') + '\n');
    const binary = path.join(workDir, 'constants');
    const compiled = spawnSync(compiler, ['-w', '-o', binary, source], { encoding: 'utf8' });
    if (compiled.status === 0) {
      const output = execFileSync(binary, { encoding: 'utf8' });
      return new Map(
        output
          .trim()
          .split('\n')
          .map((line) => line.split(' '))
          .map(([name, value]) => [name ?? '', BigInt(value ?? '')]),
      );
    }
    // Each name takes three lines; a failing line points at the name to drop.
    const failing = new Set<string>();
    for (const match of compiled.stderr.matchAll(/constants\.c:(\d+):\d+: error/g)) {
      const index = Math.floor((Number(match[1]) - firstNameLine) / 3);
      const name = remaining[index];
      if (name !== undefined) failing.add(name);
    }
    if (failing.size === 0) throw new Error(`host compile failed:\n${compiled.stderr.slice(0, 3000)}`);
    remaining = remaining.filter((name) => !failing.has(name));
  }
  throw new Error('host program did not compile');
}

describe.skipIf(hostCompiler === undefined || !isX86_64Host)(
  'x86_64 constants agree with the host C compiler and headers (skipped off x86_64 Linux or without cc)',
  () => {
    const candidates = Object.keys(archX86_64.constants).filter(
      (name) => !hostDiffers.has(name) && families.some(({ pattern }) => pattern.test(name)),
    );
    let host = new Map<string, bigint>();
    beforeAll(() => {
      host = hostValues(hostCompiler ?? 'cc', candidates);
      // Up to six clang runs over ~30 system headers; on a loaded machine each takes many seconds.
    }, 300_000);
    const hostDiffering = new Map<string, bigint>();

    it('compares at least 300 constants, ioctls included, in every family', () => {
      console.info(`x86_64: ${String(host.size)} of ${String(candidates.length)} candidate constants are defined by the host headers`);
      expect(host.size).toBeGreaterThanOrEqual(300);
      for (const { family, pattern } of families) {
        const compared = [...host.keys()].filter((name) => pattern.test(name));
        expect(compared.length, family).toBeGreaterThan(0);
      }
    });

    it('every constant the host defines has our value, except masks that grew since the host headers', () => {
      const differing = [...host].filter(([name, value]) => archX86_64.constants[name] !== value).map(([name]) => name);
      expect(differing.filter((name) => !grewSinceHostHeaders.has(name))).toEqual([]);
      // Each grown mask still contains every bit the older headers had.
      for (const name of differing) {
        const ours = archX86_64.constants[name] ?? 0n;
        const older = host.get(name) ?? 0n;
        expect(ours & older, name).toBe(name === 'FUTEX_CMD_MASK' ? ours : older);
      }
      const agreeing = host.size - differing.length;
      console.info(`x86_64: ${String(agreeing)} constants agree with the host; differing (grown masks): ${differing.join(', ')}`);
      expect(agreeing).toBeGreaterThanOrEqual(300);
    });

    it('keeps the kernel value where glibc deliberately differs', () => {
      const glibc = hostValues(hostCompiler ?? 'cc', [...hostDiffers]);
      for (const [name, value] of glibc) hostDiffering.set(name, value);
      // glibc: 0 (the flag is implied on 64-bit); kernel UAPI (asm-generic/fcntl.h): 00100000.
      expect(hostDiffering.get('O_LARGEFILE')).toBe(0n);
      expect(archX86_64.constants.O_LARGEFILE).toBe(0o100000n);
      // glibc reserves the first real-time signals for itself; the kernel's SIGRTMIN is 32.
      expect(archX86_64.constants.SIGRTMIN).toBe(32n);
      expect(hostDiffering.get('SIGRTMIN')).not.toBe(32n);
      // glibc's SIGSTKSZ follows the CPU's signal frame size at run time; the kernel's is fixed.
      expect(archX86_64.constants.SIGSTKSZ).toBe(8192n);
    });
  },
);
