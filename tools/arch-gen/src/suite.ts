// Checks every `@syscage/arch-<name>` package runs on its own table (called from each
// package's tests/table.test.ts): regeneration, libseccomp agreement, corpus names.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArchTable } from '../../../packages/arch-tables/src/types.js';
import { sharedData } from '../../shared-data/index.js';
import { archConfigs } from './config.js';
import { extractArch } from './extract.js';
import { readSnapshot } from './main.js';
import { renderArchFiles, renderSnapshot } from './render.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

/** Whether clang can regenerate the snapshot here. */
export const hasClang = commandExists('clang');
/** Whether libseccomp's resolver is installed (Debian package `seccomp`). */
export const hasScmpSysResolver = commandExists('scmp_sys_resolver');

/**
 * Resolves queries the way `scmp_sys_resolver -a ARCH QUERY` does (a query starting with a digit
 * is a number, answered with a name or `UNKNOWN`; anything else a name, answered with its number,
 * `-1` when unknown, negative for libseccomp's pseudo-syscalls), but for all queries in one Python
 * process calling libseccomp itself: `seccomp_syscall_resolve_name_arch` and
 * `seccomp_syscall_resolve_num_arch` are the functions behind the resolver. (The `seccomp` Python
 * module's `resolve_syscall` rewrites multiplexed calls, e.g. i386 `socket` to 102 instead of
 * -101, so it would not answer like the resolver.) Reads queries one a line from stdin.
 */
const libseccompScript = `
import ctypes, sys
lib = ctypes.CDLL("libseccomp.so.2")
lib.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
lib.seccomp_arch_resolve_name.restype = ctypes.c_uint32
lib.seccomp_syscall_resolve_name_arch.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
lib.seccomp_syscall_resolve_name_arch.restype = ctypes.c_int
lib.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
libc = ctypes.CDLL(None)
libc.free.argtypes = [ctypes.c_void_p]
arch = lib.seccomp_arch_resolve_name(sys.argv[1].encode())
if arch == 0:
    sys.exit("libseccomp does not know the architecture " + sys.argv[1])
out = []
for query in sys.stdin.read().split("\\n"):
    if query == "":
        continue
    if query[0].isdigit():
        name = lib.seccomp_syscall_resolve_num_arch(arch, int(query))
        answer = "UNKNOWN"
        if name:
            answer = ctypes.string_at(name).decode()
            libc.free(name)
    else:
        answer = str(lib.seccomp_syscall_resolve_name_arch(arch, query.encode()))
    out.append(query + "\\t" + answer + "\\n")
sys.stdout.write("".join(out))
`;

/** Whether `python3` can load libseccomp (Debian packages `python3` and `libseccomp2`). */
export const hasLibseccomp =
  spawnSync('python3', ['-c', 'import ctypes; ctypes.CDLL("libseccomp.so.2")'], { stdio: 'ignore' }).status === 0;

/**
 * Asks libseccomp for many names or numbers in one process.
 * Returns libseccomp's answer per query, as `scmp_sys_resolver` prints it (number, name or `UNKNOWN`).
 */
export function libseccompResolve(libseccompArch: string, queries: readonly string[]): Map<string, string> {
  const output = execFileSync('python3', ['-c', libseccompScript, libseccompArch], {
    encoding: 'utf8',
    input: queries.join('\n') + '\n',
    maxBuffer: 64 * 1024 * 1024,
  });
  const answers = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [query, answer] = line.split('\t');
    if (query !== undefined && answer !== undefined) answers.set(query, answer);
  }
  return answers;
}

/** `scmp_sys_resolver`'s own answers, one process per query (to check {@link libseccompResolve} against). */
export function scmpSysResolverResolve(libseccompArch: string, queries: readonly string[]): Map<string, string> {
  return new Map(
    queries.map((query) => {
      const run = spawnSync('scmp_sys_resolver', ['-a', libseccompArch, query], { encoding: 'utf8' });
      return [query, run.status === 0 ? run.stdout.trim() : 'UNKNOWN'];
    }),
  );
}

/** How our table and libseccomp's compare for one architecture. */
export interface LibseccompComparison {
  /** Names both know, with the same number. */
  readonly agreeing: number;
  /** Names both know with different numbers: must be empty. */
  readonly disagreeing: readonly string[];
  /** Names only we know, each with the reason. */
  readonly onlyOurs: readonly { readonly name: string; readonly why: string }[];
  /** Names only libseccomp knows (found by asking it for every number around ours). */
  readonly onlyLibseccomp: readonly { readonly name: string; readonly number: number }[];
}

/** Compares every syscall of `table` with libseccomp's table for the same ABI. */
export function compareWithLibseccomp(table: ArchTable, libseccompArch: string): LibseccompComparison {
  const names = Object.keys(table.syscalls);
  // Without python3 the resolver answers each query in a process of its own (same answers, slower).
  const resolve = hasLibseccomp ? libseccompResolve : scmpSysResolverResolve;
  const byName = resolve(libseccompArch, names);
  const numbers = new Set(Object.values(table.syscalls));
  // Every number up to our highest ordinary one, plus the blocks of private calls we know.
  const ordinary = [...numbers].filter((n) => n < 0x10000);
  const probe = new Set<number>();
  for (let n = 0; n <= Math.max(...ordinary) + 16; n++) probe.add(n);
  for (const n of numbers) if (n >= 0x10000) for (let k = (n & ~0xf) - 16; k < (n & ~0xf) + 32; k++) probe.add(k);
  const byNumber = resolve(libseccompArch, [...probe].map(String));
  const ourNames = new Set(names);

  let agreeing = 0;
  const disagreeing: string[] = [];
  const onlyOurs: { name: string; why: string }[] = [];
  for (const name of names) {
    const ours = table.syscalls[name] ?? -1;
    const theirs = Number(byName.get(name));
    if (Number.isInteger(theirs) && theirs >= 0) {
      if (theirs === ours) agreeing++;
      else disagreeing.push(`${name}: ours ${String(ours)}, libseccomp ${String(theirs)}`);
      continue;
    }
    const nameForNumber = byNumber.get(String(ours));
    if (nameForNumber === name) {
      // libseccomp maps some names to a negative pseudo-number (e.g. i386's socketcall/ipc
      // multiplexed calls) but the number back to the same name: the tables agree.
      agreeing++;
      continue;
    }
    if (name.startsWith('ARM_') && byName.get(name.slice(4)) === String(ours)) {
      onlyOurs.push({ name, why: `Minijail's spelling of Arm's private call, libseccomp says '${name.slice(4)}'` });
    } else if (nameForNumber !== undefined && nameForNumber !== 'UNKNOWN' && ourNames.has(nameForNumber)) {
      onlyOurs.push({ name, why: `kernel alias of '${nameForNumber}' (same number ${String(ours)})` });
    } else if (nameForNumber === undefined || nameForNumber === 'UNKNOWN' || /^-?\d+$/.test(nameForNumber)) {
      onlyOurs.push({ name, why: `number ${String(ours)} is newer than libseccomp's table` });
    } else {
      onlyOurs.push({ name, why: `libseccomp names number ${String(ours)} '${nameForNumber}'` });
    }
  }
  const onlyLibseccomp: { name: string; number: number }[] = [];
  for (const [query, answer] of byNumber) {
    if (answer === 'UNKNOWN' || /^-?\d+$/.test(answer) || ourNames.has(answer)) continue;
    onlyLibseccomp.push({ name: answer, number: Number(query) });
  }
  return { agreeing, disagreeing, onlyOurs, onlyLibseccomp };
}

/** `NAME<TAB>arch,arch` lines of the corpus' constant list that apply to `arch`. */
export function corpusConstants(arch: string): string[] | undefined {
  const file = sharedData('corpus/constants-used.txt');
  if (!file.present) return undefined;
  return readFileSync(file.path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split('\t'))
    .filter(([, arches]) => (arches ?? '').split(',').includes(arch))
    .map(([name]) => name ?? '');
}

/** Syscall names the corpus policies for `arch` filter, or `undefined` without the corpus. */
export function corpusSyscalls(arch: string): string[] | undefined {
  const corpus = sharedData('corpus/crosvm-2022-06');
  if (!corpus.present) return undefined;
  const dir = path.join(corpus.path, arch);
  if (!existsSync(dir)) return undefined;
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((entry) => entry.endsWith('.policy'))) {
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(line);
      if (match?.[1] !== undefined) names.add(match[1]);
    }
  }
  return [...names].sort();
}

/** Constant families a policy author reaches for, each with a member every table must have. */
export const requiredFamilies: readonly { readonly family: string; readonly pattern: RegExp; readonly sample: string }[] = [
  { family: 'errno', pattern: /^E[A-Z0-9]+$/, sample: 'ENOENT' },
  { family: 'signals', pattern: /^SIG[A-Z0-9]+$/, sample: 'SIGSYS' },
  { family: 'O_*', pattern: /^O_/, sample: 'O_CLOEXEC' },
  { family: 'F_*', pattern: /^F_/, sample: 'F_DUPFD_CLOEXEC' },
  { family: 'FD_*', pattern: /^FD_/, sample: 'FD_CLOEXEC' },
  { family: 'PROT_*', pattern: /^PROT_/, sample: 'PROT_EXEC' },
  { family: 'MAP_*', pattern: /^MAP_/, sample: 'MAP_ANONYMOUS' },
  { family: 'MADV_*', pattern: /^MADV_/, sample: 'MADV_DONTNEED' },
  { family: 'MREMAP_*', pattern: /^MREMAP_/, sample: 'MREMAP_MAYMOVE' },
  { family: 'AF_*', pattern: /^AF_/, sample: 'AF_UNIX' },
  { family: 'SOCK_*', pattern: /^SOCK_/, sample: 'SOCK_SEQPACKET' },
  { family: 'SOL_*', pattern: /^SOL_/, sample: 'SOL_SOCKET' },
  { family: 'SO_*', pattern: /^SO_/, sample: 'SO_PEERCRED' },
  { family: 'MSG_*', pattern: /^MSG_/, sample: 'MSG_NOSIGNAL' },
  { family: 'PR_*', pattern: /^PR_/, sample: 'PR_SET_NO_NEW_PRIVS' },
  { family: 'CLONE_*', pattern: /^CLONE_/, sample: 'CLONE_THREAD' },
  { family: 'SCHED_*', pattern: /^SCHED_/, sample: 'SCHED_IDLE' },
  { family: 'FUTEX_*', pattern: /^FUTEX_/, sample: 'FUTEX_WAKE_PRIVATE' },
  { family: 'SECCOMP_*', pattern: /^SECCOMP_/, sample: 'SECCOMP_RET_KILL_PROCESS' },
  { family: 'TC*/TIOC* ioctls', pattern: /^(TC|TIOC)/, sample: 'TIOCGWINSZ' },
  { family: 'FIO* ioctls', pattern: /^FIO/, sample: 'FIONREAD' },
  { family: 'FS_IOC_* ioctls', pattern: /^FS_IOC_/, sample: 'FS_IOC_GETFLAGS' },
  { family: 'SIOC* ioctls', pattern: /^SIOC/, sample: 'SIOCGIFINDEX' },
  { family: 'VFIO_* ioctls', pattern: /^VFIO_/, sample: 'VFIO_DEVICE_GET_INFO' },
  { family: 'KVM_* ioctls (not on 32-bit Arm, which has no KVM)', pattern: /^KVM_/, sample: 'KVM_CREATE_VM' },
  { family: 'bpf commands (an enum in UAPI)', pattern: /^BPF_/, sample: 'BPF_PROG_LOAD' },
  { family: 'mbind modes (an enum in UAPI)', pattern: /^MPOL_/, sample: 'MPOL_BIND' },
  { family: 'umount2 flags (kernel-internal header)', pattern: /^(MNT_|UMOUNT_)/, sample: 'MNT_DETACH' },
  { family: 'splice flags (kernel-internal header)', pattern: /^SPLICE_F_/, sample: 'SPLICE_F_NONBLOCK' },
  { family: 'eventfd/timerfd flags', pattern: /^(EFD|TFD)_/, sample: 'EFD_CLOEXEC' },
  { family: 'poll events', pattern: /^POLL/, sample: 'POLLIN' },
];

/** Registers the checks every architecture package runs on its table. */
export function describeArchPackage(archName: string, table: ArchTable): void {
  const arch = archConfigs.find((candidate) => candidate.name === archName);
  if (!arch) throw new Error(`no generator configuration for ${archName}`);

  describe(`${archName} generated data`, () => {
    it('the package sources are exactly what the generator renders from the snapshot', () => {
      for (const [relative, expected] of renderArchFiles(arch, readSnapshot(arch))) {
        expect(readFileSync(path.join(repoRoot, relative), 'utf8'), relative).toBe(expected);
      }
    });

    it.skipIf(!hasClang)('the snapshot is exactly what clang evaluates from the vendored headers (skipped without clang)', () => {
      const expected = readFileSync(path.join(repoRoot, 'tools/arch-gen/snapshot', `${arch.name}.json`), 'utf8');
      // The committed snapshot only tells clang which candidates to check for rejection first.
      expect(renderSnapshot(extractArch(arch, { previous: readSnapshot(arch) }))).toBe(expected);
      // Many clang runs: 44 s on the shared 2-core machine at load 16; the timeout catches a hang only.
    }, 300_000);

    it('the exported table carries the snapshot values', () => {
      const snapshot = readSnapshot(arch);
      expect(table.name).toBe(snapshot.name);
      expect(table.auditArch).toBe(snapshot.auditArch);
      expect(table.bits).toBe(arch.bits);
      expect(table.syscalls).toEqual(snapshot.syscalls);
      const constants = Object.fromEntries(Object.entries(table.constants).map(([name, value]) => [name, value.toString()]));
      expect(constants).toEqual(snapshot.constants);
    });

    it('imports nothing at run time, so loading this architecture loads no other', () => {
      const sourceDir = path.join(repoRoot, 'packages', arch.packageDir, 'src');
      for (const file of readdirSync(sourceDir)) {
        const source = readFileSync(path.join(sourceDir, file), 'utf8');
        const imports = [...source.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)].map((match) => ({
          typeOnly: match[1] !== undefined,
          from: match[2] ?? '',
        }));
        for (const entry of imports) {
          expect(entry.typeOnly || entry.from === './table.generated.js', `${file} imports ${entry.from}`).toBe(true);
        }
        expect(source, file).not.toMatch(/\bimport\(|\brequire\(/);
      }
    });

    it.each(requiredFamilies.map((entry) => [entry.family, entry]))('has the %s family', (_family, entry) => {
      if (entry.sample === 'KVM_CREATE_VM' && arch.skipHeaders.includes('linux/kvm.h')) {
        expect(Object.keys(table.constants).filter((name) => name.startsWith('KVM_CREATE'))).toEqual([]);
        return;
      }
      expect(Object.hasOwn(table.constants, entry.sample), entry.sample).toBe(true);
      expect(Object.keys(table.constants).filter((name) => entry.pattern.test(name)).length).toBeGreaterThan(1);
    });

    it('has at least as many constants as Minijail ships per architecture (about 1,900)', () => {
      expect(Object.keys(table.constants).length).toBeGreaterThan(1900);
    });

    it('has the audit arch, word size and Minijail arch constants of the ABI', () => {
      expect(table.constants[arch.auditArchConstant]).toBe(BigInt(table.auditArch));
      expect(table.constants.MINIJAIL_ARCH_NR).toBe(BigInt(table.auditArch));
      expect(table.constants.MINIJAIL_ARCH_BITS).toBe(BigInt(arch.bits));
      // AUDIT_ARCH_* carry __AUDIT_ARCH_64BIT (0x80000000) exactly for 64-bit ABIs.
      expect((table.auditArch & 0x80000000) !== 0).toBe(arch.bits === 64);
    });

    it('stores no value outside the word size unless the header value itself is wider', () => {
      const limit = 1n << 64n;
      for (const [name, value] of Object.entries(table.constants)) {
        expect(value >= 0n && value < limit, name).toBe(true);
      }
      for (const [name, number] of Object.entries(table.syscalls)) {
        expect(Number.isInteger(number) && number >= 0, name).toBe(true);
      }
    });
  });

  describe.skipIf(!hasLibseccomp && !hasScmpSysResolver)(`${archName} agrees with libseccomp (skipped without python3 and libseccomp2 or scmp_sys_resolver)`, () => {
    it.skipIf(!hasLibseccomp || !hasScmpSysResolver)('libseccomp answers in one process as scmp_sys_resolver does per query (skipped without either)', () => {
      const highest = Math.max(...Object.values(table.syscalls).filter((n) => n < 0x10000));
      // Known, multiplexed (negative pseudo-numbers on i386 and s390x) and unknown names; known and unknown numbers.
      const sample = ['read', 'socket', 'ipc', 'syscage_no_such_call', '0', '1', String(highest), '99999'];
      expect(libseccompResolve(arch.libseccompName, sample)).toEqual(scmpSysResolverResolve(arch.libseccompName, sample));
    });

    it('every syscall both tables know has the same number', () => {
      const comparison = compareWithLibseccomp(table, arch.libseccompName);
      const report = [
        `${archName}: ${String(comparison.agreeing)} syscalls agree with libseccomp`,
        `only in ours (${String(comparison.onlyOurs.length)}): ${comparison.onlyOurs.map((entry) => `${entry.name} (${entry.why})`).join('; ')}`,
        `only in libseccomp (${String(comparison.onlyLibseccomp.length)}): ${comparison.onlyLibseccomp.map((entry) => `${entry.name}=${String(entry.number)}`).join('; ')}`,
      ].join('\n');
      console.info(report);
      expect(comparison.disagreeing).toEqual([]);
      expect(comparison.agreeing).toBeGreaterThan(250);
      // Names libseccomp has and we lack would be numbers the kernel headers do not define.
      expect(comparison.onlyLibseccomp).toEqual([]);
      // Only three explanations are acceptable for a name libseccomp lacks.
      for (const entry of comparison.onlyOurs) {
        expect(entry.why, entry.name).toMatch(/newer than libseccomp|Minijail's spelling|kernel alias/);
      }
    }, 120_000);
  });

  const constants = corpusConstants(archName);
  const syscalls = corpusSyscalls(archName);
  describe(`${archName} resolves the names the corpus uses`, () => {
    if (constants === undefined) {
      it.skip(`corpus constants: skipped, ${sharedData('corpus/constants-used.txt').skipReason}`, () => undefined);
    } else if (constants.length === 0) {
      it.skip(`corpus constants (constants-used.txt lists none for ${archName})`, () => undefined);
    } else {
      it.each(constants.map((name) => [name]))('constant %s', (name) => {
        expect(Object.hasOwn(table.constants, name)).toBe(true);
      });
    }
    if (syscalls === undefined) {
      const corpus = sharedData('corpus/crosvm-2022-06');
      it.skip(`corpus syscalls: skipped, ${corpus.present ? `no crosvm-2022-06/${archName} policies` : corpus.skipReason}`, () => undefined);
    } else {
      it('every syscall the corpus policies for this architecture name', () => {
        expect(syscalls.length).toBeGreaterThan(50);
        expect(syscalls.filter((name) => !Object.hasOwn(table.syscalls, name))).toEqual([]);
      });
    }
  });
}
