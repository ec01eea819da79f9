// Stage 1 of the generator: evaluates syscall numbers and constants for one architecture by
// compiling the vendored kernel headers with clang for that architecture's target triple.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ArchConfig, constantHeaders, excludedConstants, headerSources, internalHeaderFamilies } from './config.js';

/** Everything the generator learned about one architecture; stored as `snapshot/<arch>.json`. */
export interface ArchSnapshot {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly auditArch: number;
  readonly bits: 32 | 64;
  readonly endianness: 'little' | 'big';
  readonly kernelVersion: string;
  /** `<package> <version>` of the header packages read. */
  readonly headerPackages: readonly string[];
  readonly x32SyscallBit?: number;
  /** Syscall name to number, sorted by name. */
  readonly syscalls: Readonly<Record<string, number>>;
  /** Constant name to decimal value, sorted by name. */
  readonly constants: Readonly<Record<string, string>>;
}

/** Where the vendored headers live. */
export interface HeaderRoots {
  /** Root of the unpacked `linux-libc-dev` package (contains `usr/include`, `usr/lib/linux/uapi`). */
  readonly uapi: string;
  /** Root of the unpacked kernel common headers (contains `include/linux`). */
  readonly internal: string;
  /** Folder holding the libc stand-ins (`sys/socket.h`, …). */
  readonly shim: string;
}

const toolRoot = path.resolve(import.meta.dirname, '..');

/** The vendored header trees inside the repository. */
export const vendoredHeaderRoots: HeaderRoots = {
  uapi: path.join(toolRoot, 'headers', headerSources.uapi.dir),
  internal: path.join(toolRoot, 'headers', headerSources.internal.dir),
  shim: path.join(toolRoot, 'shim'),
};

/** Prefixes of macro names that are syscall numbers rather than constants. */
const syscallPrefixes = [
  { prefix: '__NR_', names: (rest: string): string[] => [rest] },
  // Arm's private calls: Minijail spells them `ARM_<name>`, libseccomp plain `<name>`; accept both.
  { prefix: '__ARM_NR_', names: (rest: string): string[] => [`ARM_${rest}`, rest] },
];
/** `__NR_*`/`__ARM_NR_*` macros that are bases, masks or counts rather than syscalls. */
const notSyscalls = new Set([
  '__NR_syscalls',
  '__NR_SYSCALL_BASE',
  '__NR_OABI_SYSCALL_BASE',
  '__NR_SYSCALL_MASK',
  '__NR_arch_specific_syscall',
  '__ARM_NR_BASE',
]);

/** Compiler flags that point clang at the kernel headers only (no C library). */
function includeFlags(arch: ArchConfig, roots: HeaderRoots, resourceDir: string): string[] {
  return [
    `--target=${arch.clangTarget}`,
    '-std=gnu11',
    '-ffreestanding',
    '-nostdinc',
    '-isystem',
    path.join(resourceDir, 'include'),
    '-I',
    roots.shim,
    '-I',
    path.join(roots.uapi, 'usr/lib/linux/uapi', arch.kernelArchDir),
    '-I',
    path.join(roots.uapi, 'usr/include'),
  ];
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
}

/**
 * `#define` lines (and `enum` members) of the families that exist only in the kernel's
 * internal headers, as a header of `#ifndef`-guarded definitions. A name defined twice with
 * different bodies (inside `#if` branches) is left out: its value depends on kernel config.
 */
export function internalFamiliesHeader(roots: HeaderRoots): string {
  const definitions = new Map<string, string | null>();
  // Enum members of `enum sock_type`: architectures with their own socket types (MIPS) define
  // ARCH_HAS_SOCKET_TYPES and an enum of their own, which the kernel's generic values must not shadow.
  const fromEnum = new Set<string>();
  const record = (name: string, body: string): void => {
    const previous = definitions.get(name);
    if (previous === undefined) definitions.set(name, body);
    else if (previous !== body) definitions.set(name, null);
  };
  for (const family of internalHeaderFamilies) {
    const text = stripComments(readFileSync(path.join(roots.internal, family.file), 'utf8')).replace(/\\\n/g, ' ');
    for (const match of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)(?!\()[ \t]+([^\n]+)$/gm)) {
      const [, name, body] = match as unknown as [string, string, string];
      if (family.pattern.test(name)) record(name, body.trim().replace(/\s+/g, ' '));
    }
    for (const block of text.matchAll(/\benum\s+[A-Za-z_0-9]*\s*\{([^}]*)\}/g)) {
      for (const member of (block[1] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^,]+)/g)) {
        const [, name, body] = member as unknown as [string, string, string];
        if (family.pattern.test(name)) {
          record(name, body.trim());
          fromEnum.add(name);
        }
      }
    }
  }
  const lines = ['/* Families from the kernel-internal headers (see tools/arch-gen/src/config.ts). */'];
  for (const [name, body] of [...definitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (body === null) continue;
    const guard = fromEnum.has(name) ? `#if !defined(${name}) && !defined(ARCH_HAS_SOCKET_TYPES)` : `#ifndef ${name}`;
    lines.push(guard, `#define ${name} ${body}`, '#endif');
  }
  return lines.join('\n') + '\n';
}

interface MacroDefinition {
  readonly body: string;
  readonly file: string;
}

/** Object-like macros in effect at the end of the translation unit, with the file defining each. */
function definedMacros(preprocessed: string): Map<string, MacroDefinition> {
  const macros = new Map<string, MacroDefinition>();
  let file = '';
  for (const line of preprocessed.split('\n')) {
    const marker = /^# \d+ "([^"]*)"/.exec(line);
    if (marker) {
      file = marker[1] ?? '';
      continue;
    }
    const define = /^#define ([A-Za-z_][A-Za-z0-9_]*)(\(?)(?: (.*))?$/.exec(line);
    if (define) {
      const [, name, paren, body] = define as unknown as [string, string, string, string | undefined];
      if (paren === '') macros.set(name, { body: body ?? '', file });
      else macros.delete(name);
      continue;
    }
    const undef = /^#undef ([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
    if (undef?.[1] !== undefined) macros.delete(undef[1]);
  }
  return macros;
}

interface Evaluated {
  readonly value: bigint;
  readonly negative: boolean;
}

/** What one clang run over evaluation lines gave: the IR, or the keys whose lines it rejected. */
type CompileResult = { readonly ir: string } | { readonly rejected: ReadonlySet<string> };

/**
 * Compiles one evaluation line per key after the translation unit; `-fsyntax-only` when only the
 * rejected lines matter. Each line declares only its own globals, so a line fails on its own:
 * whether a key is rejected does not depend on which other keys share the run.
 */
function compileLines(
  keys: Iterable<string>,
  expressions: ReadonlyMap<string, string>,
  tu: string,
  flags: readonly string[],
  workDir: string,
  output: 'ir' | 'diagnostics',
): CompileResult {
  const lineToKey = new Map<number, string>();
  const lines = [`#include "${tu}"`];
  for (const key of keys) {
    const expr = expressions.get(key) ?? '';
    lines.push(
      `const unsigned long long v_${key} = (unsigned long long)(${expr}); ` +
        `const int n_${key} = (${expr}) < 0; ` +
        `const int t_${key} = __builtin_classify_type(${expr});`,
    );
    lineToKey.set(lines.length, key);
  }
  const source = path.join(workDir, 'evaluate.c');
  writeFileSync(source, lines.join('\n') + '\n');
  const mode = output === 'ir' ? ['-S', '-emit-llvm', '-O0', '-o', '-'] : ['-fsyntax-only'];
  try {
    const ir = execFileSync('clang', [...flags, '-w', '-ferror-limit=0', '-fno-caret-diagnostics', ...mode, source], {
      cwd: workDir,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ir };
  } catch (error) {
    const captured = (error as { stderr?: unknown }).stderr;
    const stderr = typeof captured === 'string' ? captured : '';
    const rejected = new Set<string>();
    for (const match of stderr.matchAll(/evaluate\.c:(\d+):\d+: (?:error|note)/g)) {
      const key = lineToKey.get(Number(match[1]));
      if (key !== undefined) rejected.add(key);
    }
    if (rejected.size === 0) throw new Error(`clang failed without naming a line:\n${stderr.slice(0, 4000)}`);
    return { rejected };
  }
}

/**
 * Evaluates each expression as an integer constant for the target, dropping the ones the
 * compiler rejects (strings, types, function-like uses, non-integers).
 *
 * About 130 candidates per architecture are rejected (struct member aliases such as `sin_zero`,
 * strings such as `XATTR_NAME_CAPS`, ioctls over structs UAPI does not define, macros that use
 * kernel-only names such as `_NSIG`), and a rejection fails the whole IR compile, which then runs
 * again without them: a full second Sema of every line. `suspects` (the keys a previous run did not
 * keep) are checked first in a small syntax-only run, so the IR compile normally succeeds at once.
 * The result does not depend on `suspects`: a suspect clang accepts is evaluated like any other
 * key, and a rejected key missing from `suspects` is still dropped by the retry below.
 */
function evaluate(
  expressions: ReadonlyMap<string, string>,
  tu: string,
  flags: readonly string[],
  workDir: string,
  suspects: ReadonlySet<string>,
): Map<string, Evaluated> {
  let remaining = new Set(expressions.keys());
  const suspected = [...remaining].filter((key) => suspects.has(key));
  if (suspected.length > 0) {
    const checked = compileLines(suspected, expressions, tu, flags, workDir, 'diagnostics');
    if ('rejected' in checked) remaining = new Set([...remaining].filter((key) => !checked.rejected.has(key)));
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    const compiled = compileLines(remaining, expressions, tu, flags, workDir, 'ir');
    if ('ir' in compiled) return readIr(compiled.ir, remaining);
    remaining = new Set([...remaining].filter((key) => !compiled.rejected.has(key)));
  }
  throw new Error('constant evaluation did not converge');
}

function readIr(ir: string, keys: ReadonlySet<string>): Map<string, Evaluated> {
  const globals = new Map<string, string>();
  for (const match of ir.matchAll(/^@([A-Za-z0-9_]+) = (?:dso_local )?(?:local_unnamed_addr )?constant i(?:64|32) (-?\d+)/gm)) {
    globals.set(match[1] ?? '', match[2] ?? '');
  }
  const result = new Map<string, Evaluated>();
  for (const key of keys) {
    const value = globals.get(`v_${key}`);
    const negative = globals.get(`n_${key}`);
    const typeClass = globals.get(`t_${key}`);
    if (value === undefined || negative === undefined || typeClass === undefined) {
      throw new Error(`no value for ${key} in clang's output`);
    }
    // 1: integer, 2: char, 3: enumeral, 4: boolean (GCC's type classes); anything else is not an integer constant.
    if (!['1', '2', '3', '4'].includes(typeClass)) continue;
    result.set(key, { value: BigInt.asUintN(64, BigInt(value)), negative: negative === '1' });
  }
  return result;
}

function clangResourceDir(): string {
  return execFileSync('clang', ['-print-resource-dir'], { encoding: 'utf8' }).trim();
}

function sortedRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(sorted);
}

/** The headers of the common list read for this architecture. */
export function headersFor(arch: ArchConfig): string[] {
  return [...constantHeaders.filter((header) => !arch.skipHeaders.includes(header)), ...(arch.extraHeaders ?? [])];
}

/**
 * Names of the enumerators declared by the translation unit (clang's AST dump), e.g.
 * `BPF_PROG_LOAD`, `MPOL_BIND`, `KCMP_FILE`: UAPI headers declare some families as enums only.
 */
function enumeratorNames(astDump: string): Set<string> {
  const names = new Set<string>();
  for (const match of astDump.matchAll(/EnumConstantDecl 0x[0-9a-f]+ <[^>]*> \S+ (?:referenced )?([A-Za-z_][A-Za-z0-9_]*) '/g)) {
    if (match[1] !== undefined) names.add(match[1]);
  }
  return names;
}

/** Reads the kernel version from `linux/version.h`. */
function kernelVersion(roots: HeaderRoots): string {
  const text = readFileSync(path.join(roots.uapi, 'usr/include/linux/version.h'), 'utf8');
  const part = (name: string): string => {
    const match = new RegExp(`#define ${name} (\\d+)`).exec(text);
    if (!match?.[1]) throw new Error(`linux/version.h lacks ${name}`);
    return match[1];
  };
  return `${part('LINUX_VERSION_MAJOR')}.${part('LINUX_VERSION_PATCHLEVEL')}.${part('LINUX_VERSION_SUBLEVEL')}`;
}

/** Options of {@link extractArch}. */
export interface ExtractOptions {
  /** Header trees to read; defaults to the vendored ones. */
  readonly roots?: HeaderRoots;
  /** Collects every header file clang opened (to vendor exactly those). */
  readonly dependencies?: Set<string>;
  /**
   * A previous snapshot of this architecture (the committed one): candidates it lacks are checked
   * for rejection first, which saves a failing compile. Only speed depends on it, not the result.
   */
  readonly previous?: ArchSnapshot;
}

/** Runs clang over the headers for one architecture and returns its snapshot. */
export function extractArch(arch: ArchConfig, options: ExtractOptions = {}): ArchSnapshot {
  const roots = options.roots ?? vendoredHeaderRoots;
  const workDir = mkdtempSync(path.join(tmpdir(), `arch-gen-${arch.name}-`));
  try {
    const flags = includeFlags(arch, roots, clangResourceDir());
    const internalName = 'internal-families.h';
    writeFileSync(path.join(workDir, internalName), internalFamiliesHeader(roots));
    const tuName = 'all.h';
    const tu = [...headersFor(arch).map((header) => `#include <${header}>`), `#include "${internalName}"`].join('\n');
    writeFileSync(path.join(workDir, tuName), tu + '\n');

    const preprocessArgs = [...flags, '-E', '-dD', '-x', 'c', path.join(workDir, tuName)];
    if (options.dependencies) preprocessArgs.push('-MD', '-MF', path.join(workDir, 'deps.d'));
    const preprocessed = execFileSync('clang', preprocessArgs, {
      cwd: workDir,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (options.dependencies) {
      const deps = readFileSync(path.join(workDir, 'deps.d'), 'utf8').replace(/\\\n/g, ' ').split(/\s+/);
      for (const dep of deps.slice(1)) if (dep.endsWith('.h')) options.dependencies.add(path.resolve(workDir, dep));
    }
    const macros = definedMacros(preprocessed);
    const fromKernel = (file: string): boolean =>
      file.startsWith(roots.uapi + path.sep) || path.basename(file) === internalName;

    const expressions = new Map<string, string>();
    const syscallNames = new Map<string, string[]>();
    for (const [macro, definition] of macros) {
      if (!fromKernel(definition.file) || definition.body === '' || definition.body.includes('"')) continue;
      const syscall = syscallPrefixes.find(({ prefix }) => macro.startsWith(prefix));
      if (syscall) {
        if (notSyscalls.has(macro)) continue;
        const key = `S${expressions.size}`;
        expressions.set(key, macro);
        syscallNames.set(key, syscall.names(macro.slice(syscall.prefix.length)));
      } else if (/^[A-Za-z][A-Za-z0-9_]*$/.test(macro) && !excludedConstants.test(macro)) {
        expressions.set(`C_${macro}`, macro);
      }
    }
    // The shim headers declare no enums, so every enumerator comes from a kernel header.
    const astDump = execFileSync(
      'clang',
      [...flags, '-fsyntax-only', '-Xclang', '-ast-dump', '-fno-color-diagnostics', '-x', 'c', path.join(workDir, tuName)],
      { cwd: workDir, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 },
    );
    for (const name of enumeratorNames(astDump)) {
      if (/^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !excludedConstants.test(name) && !expressions.has(`C_${name}`)) {
        expressions.set(`C_${name}`, name);
      }
    }
    const suspects = new Set<string>();
    if (options.previous) {
      const { syscalls: knownSyscalls, constants: knownConstants } = options.previous;
      for (const key of expressions.keys()) {
        const names = syscallNames.get(key);
        const known = names ? names.some((name) => Object.hasOwn(knownSyscalls, name)) : Object.hasOwn(knownConstants, key.slice(2));
        if (!known) suspects.add(key);
      }
    }
    const values = evaluate(expressions, tuName, flags, workDir, suspects);

    const wordMask = (entry: Evaluated): bigint =>
      entry.negative ? BigInt.asUintN(arch.bits, entry.value) : entry.value;
    const constants = new Map<string, string>();
    const syscalls = new Map<string, number>();
    for (const [key, entry] of values) {
      const names = syscallNames.get(key);
      if (names) {
        for (const name of names) syscalls.set(name, Number(entry.value));
      } else {
        constants.set(key.slice(2), wordMask(entry).toString());
      }
    }
    const auditArch = constants.get(arch.auditArchConstant);
    if (auditArch === undefined) throw new Error(`${arch.auditArchConstant} did not evaluate for ${arch.name}`);
    // Minijail's two arch constants, so policies written for it resolve.
    constants.set('MINIJAIL_ARCH_NR', auditArch);
    constants.set('MINIJAIL_ARCH_BITS', String(arch.bits));
    const x32Bit = constants.get('__X32_SYSCALL_BIT');
    const x32Macro = macros.get('__X32_SYSCALL_BIT');

    return {
      name: arch.name,
      aliases: arch.aliases,
      auditArch: Number(auditArch),
      bits: arch.bits,
      endianness: arch.endianness,
      kernelVersion: kernelVersion(roots),
      headerPackages: [
        `${headerSources.uapi.package} ${headerSources.uapi.version}`,
        `${headerSources.internal.package} ${headerSources.internal.version}`,
      ],
      ...(arch.name === 'x86_64' && x32Macro ? { x32SyscallBit: Number(x32Bit ?? x32Macro.body) } : {}),
      syscalls: sortedRecord(syscalls),
      constants: sortedRecord(constants),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
