/**
 * OCI container seccomp profiles read back into Minijail policies: the profile's JSON is parsed
 * with positions (so every problem names a JSON path and a line and column), validated against a
 * JSON Schema, read the way runtimes read it for one architecture (Moby's `includes`/`excludes`
 * and `archMap`, Podman's errno names, runc's one-rule-per-comparison reading of an entry that
 * names an argument twice), and written as a policy whose decisions equal libseccomp's compile of
 * the profile. Pure: no Node modules.
 *
 * What cannot be carried exactly is an error and no policy is returned: entries of different
 * actions whose conditions overlap (libseccomp settles those by the order of its decision tree,
 * which a first-match policy would have to guess), errno 0, `SCMP_ACT_TRACE` data, values wider
 * than a 32-bit architecture's arguments.
 */
import { type DocumentNode, type MemberNode, type ValueNode, parse } from '@humanwhocodes/momoa';
import type { ArchTable } from '@syscage/arch-tables';
import type { Diagnostic, SourceRange } from '@syscage/policy-parser';
import { type ErrorObject, Ajv } from 'ajv';
import { codegenDiagnostic, fileStart, type CodegenDiagnosticCode } from './codes.js';
import type { LibseccompCondition } from './libseccomp-rules.js';
import {
  type OciAction,
  type OciEntryConditions,
  type OciOperator,
  type OciSeccompArg,
  type OciSeccompProfile,
  type OciSyscallEntry,
  libseccompRequestFromOciProfile,
  mergeSameArg,
  mobyArchName,
  ociArchName,
  seccompActionOfOci,
} from './oci.js';
import type { DefaultActionOption, SeccompAction } from './options.js';

const ACTIONS: readonly OciAction[] = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
];
const OPERATORS: readonly OciOperator[] = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
const FLAGS = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'];
const U64_MAX = (1n << 64n) - 1n;

const archName = { type: 'string', pattern: '^SCMP_ARCH_[A-Z0-9_]+$' };
const errnoName = { type: 'string', pattern: '^E[A-Z0-9]+$' };
const conditions = {
  type: 'object',
  additionalProperties: false,
  properties: {
    arches: { type: 'array', items: { type: 'string', minLength: 1 } },
    caps: { type: 'array', items: { type: 'string', pattern: '^CAP_[A-Z_]+$' } },
    minKernel: { type: 'string', pattern: '^[0-9]+\\.[0-9]+(\\.[0-9]+)?$' },
  },
};

/**
 * The JSON Schema of a profile: the runtime spec's `linux.seccomp` with Moby's (`archMap`,
 * `name`, `includes`, `excludes`, `comment`) and Podman's (`defaultErrno`, `errno`) fields.
 * Unknown fields are errors: a misspelt `syscall` would otherwise drop every rule unseen.
 */
export const ociProfileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['defaultAction'],
  properties: {
    defaultAction: { enum: ACTIONS },
    defaultErrnoRet: { type: 'integer', minimum: 0, maximum: 4294967295 },
    defaultErrno: errnoName,
    architectures: { type: 'array', items: archName },
    archMap: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['architecture'],
        properties: { architecture: archName, subArchitectures: { type: 'array', items: archName } },
      },
    },
    flags: { type: 'array', items: { enum: FLAGS } },
    listenerPath: { type: 'string' },
    listenerMetadata: { type: 'string' },
    syscalls: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['action'],
        oneOf: [{ required: ['names'] }, { required: ['name'] }],
        properties: {
          names: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
          name: { type: 'string', minLength: 1 },
          action: { enum: ACTIONS },
          errnoRet: { type: 'integer', minimum: 0, maximum: 4294967295 },
          errno: errnoName,
          args: {
            type: ['array', 'null'],
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['index', 'value', 'op'],
              properties: {
                index: { type: 'integer', minimum: 0, maximum: 5 },
                value: { type: 'integer', minimum: 0 },
                valueTwo: { type: 'integer', minimum: 0 },
                op: { enum: OPERATORS },
              },
            },
          },
          comment: { type: 'string' },
          includes: conditions,
          excludes: conditions,
        },
      },
    },
  },
} as const;

// One compiled validator for every profile (Ajv compiles the schema to a function once).
let validator: ReturnType<Ajv['compile']> | undefined;
function validate(value: unknown): readonly ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(ociProfileSchema);
  return validator(value) ? [] : (validator.errors ?? []);
}

/** `$.syscalls[3].args[0].op` for the JSON Pointer `/syscalls/3/args/0/op`. */
export function jsonPath(pointer: string): string {
  if (pointer === '') return '$';
  return `$${pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')}`;
}

/** A profile read from JSON text, or the reasons it is not one. */
export interface OciProfileParse {
  /** Absent when the text is not valid JSON or not a valid profile. */
  readonly profile?: OciSeccompProfile;
  /** Errors, each with the JSON path in its message and the value's line and column. */
  readonly diagnostics: readonly Diagnostic[];
  /** Where each value of the profile is in the text, by JSON Pointer (`/syscalls/0/names/1`). */
  readonly locate: (pointer: string) => SourceRange;
  /** Whether the text has a value at the JSON Pointer. */
  readonly has: (pointer: string) => boolean;
  /** Podman's errno names, by the JSON Pointer of the entry (`/syscalls/2`) or `''` for the default. */
  readonly errnoNames: ReadonlyMap<string, string>;
}

interface Plain {
  readonly value: unknown;
  readonly integers: Map<string, string>;
  readonly nodes: Map<string, ValueNode | MemberNode>;
  readonly duplicates: string[];
}

/** The JSON value of a syntax tree, keeping each node and each number's text by JSON Pointer. */
function plainValue(document: DocumentNode, text: string): Plain {
  const integers = new Map<string, string>();
  const nodes = new Map<string, ValueNode | MemberNode>();
  const duplicates: string[] = [];
  const walk = (node: ValueNode, pointer: string): unknown => {
    nodes.set(pointer, node);
    switch (node.type) {
      case 'Object': {
        const out: Record<string, unknown> = {};
        for (const member of (node).members) {
          const key = member.name.type === 'String' ? member.name.value : member.name.name;
          const child = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
          if (Object.hasOwn(out, key)) duplicates.push(child);
          nodes.set(`${child}#key`, member);
          out[key] = walk(member.value, child);
        }
        return out;
      }
      case 'Array':
        return (node).elements.map((element, index) => walk(element.value, `${pointer}/${String(index)}`));
      case 'Number':
        integers.set(pointer, text.slice(node.loc.start.offset, node.loc.end.offset));
        return node.value;
      case 'String':
      case 'Boolean':
        return node.value;
      case 'Null':
        return null;
      default:
        return undefined;
    }
  };
  return { value: walk(document.body, ''), integers, nodes, duplicates };
}

const toPosition = (loc: { line: number; column: number; offset: number }): SourceRange['start'] => ({ line: loc.line, column: loc.column, offset: loc.offset });

const keywordCodes: Readonly<Record<string, CodegenDiagnosticCode>> = { enum: 'SC4041', uniqueItems: 'SC4043' };

/** The code and words of one schema violation. */
function schemaProblem(error: ErrorObject): { code: CodegenDiagnosticCode; pointer: string; message: string } {
  const at = jsonPath(error.instancePath);
  const field = error.instancePath.split('/').pop() ?? '';
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty?: string }).additionalProperty);
    return { code: 'SC4040', pointer: `${error.instancePath}/${extra}#key`, message: `${at}: unknown field '${extra}'` };
  }
  if (error.keyword === 'required') return { code: 'SC4040', pointer: error.instancePath, message: `${at}: '${String((error.params as { missingProperty?: string }).missingProperty)}' is missing` };
  if (error.keyword === 'oneOf') return { code: 'SC4040', pointer: error.instancePath, message: `${at}: an entry needs 'names' (or Moby's 'name'), not both` };
  if (error.keyword === 'enum') {
    const what = field === 'op' ? 'operator' : field === 'defaultAction' || field === 'action' ? 'action' : 'name';
    const allowed = (error.params as { allowedValues?: readonly string[] }).allowedValues ?? [];
    return { code: 'SC4041', pointer: error.instancePath, message: `${at}: unknown ${what}; expected one of ${allowed.join(', ')}` };
  }
  if (field === 'index' && (error.keyword === 'maximum' || error.keyword === 'minimum')) {
    return { code: 'SC4042', pointer: error.instancePath, message: `${at}: an argument index is 0 to 5 (seccomp_data has six arguments)` };
  }
  if (error.keyword === 'uniqueItems') {
    const params = error.params as { i?: number; j?: number };
    const [earlier, later] = [params.i ?? 0, params.j ?? 0].sort((a, b) => a - b);
    return { code: 'SC4043', pointer: `${error.instancePath}/${String(later)}`, message: `${jsonPath(`${error.instancePath}/${String(later)}`)}: a syscall name is listed twice in one entry (as item ${String(earlier)} too)` };
  }
  return { code: keywordCodes[error.keyword] ?? 'SC4040', pointer: error.instancePath, message: `${at}: ${error.message ?? 'is invalid'}` };
}

/**
 * Parses and validates a profile. Numbers are read from the text, so u64 values beyond 2^53 stay
 * exact. Errors: invalid JSON (SC4039), a duplicate key (SC4043), a schema violation (SC4040), an
 * unknown action, operator or flag (SC4041), an argument index outside 0..5 (SC4042), a name
 * listed twice in an entry (SC4043).
 */
export function parseOciProfile(text: string, file: string): OciProfileParse {
  const diagnostics: Diagnostic[] = [];
  let document: DocumentNode;
  try {
    document = parse(text, { mode: 'json', ranges: true });
  } catch (error) {
    const where = error as { line?: number; column?: number; offset?: number; message?: string };
    const start = { line: where.line ?? 1, column: where.column ?? 1, offset: where.offset ?? 0 };
    diagnostics.push(codegenDiagnostic('SC4039', `not JSON: ${where.message ?? 'unreadable'}`, file, { start, end: start }));
    return { diagnostics, locate: () => fileStart, has: () => false, errnoNames: new Map() };
  }
  const plain = plainValue(document, text);
  const locate = (pointer: string): SourceRange => {
    const node = plain.nodes.get(pointer) ?? plain.nodes.get(pointer.replace(/#key$/, ''));
    if (node === undefined) return pointer === '' ? fileStart : locate(pointer.slice(0, Math.max(0, pointer.lastIndexOf('/'))));
    const loc = node.type === 'Member' ? node.name.loc : node.loc;
    return { start: toPosition(loc.start), end: toPosition(loc.end) };
  };
  const has = (pointer: string): boolean => plain.nodes.has(pointer);
  for (const pointer of plain.duplicates) {
    diagnostics.push(codegenDiagnostic('SC4043', `${jsonPath(pointer)}: the key is given twice (runtimes keep only one of them)`, file, locate(`${pointer}#key`)));
  }
  const seen = new Set<string>();
  for (const error of validate(plain.value)) {
    const problem = schemaProblem(error);
    // allErrors reports an enum's failure once per failing branch; one message a place is enough.
    const key = `${problem.pointer} ${problem.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.push(codegenDiagnostic(problem.code, problem.message, file, locate(problem.pointer)));
  }
  // u64 values: exact from the text (JSON numbers past 2^53 lose digits as doubles).
  const exact = new Map<string, bigint>();
  for (const [pointer, raw] of plain.integers) {
    if (!/\/args\/\d+\/(value|valueTwo)$/.test(pointer)) continue;
    const value = /^\d+$/.test(raw) ? BigInt(raw) : undefined;
    if (value === undefined || value > U64_MAX) {
      diagnostics.push(codegenDiagnostic('SC4040', `${jsonPath(pointer)}: ${raw} is not an unsigned 64-bit integer written in digits`, file, locate(pointer)));
    } else exact.set(pointer, value);
  }
  const errnoNames = new Map<string, string>();
  if (diagnostics.length > 0) return { diagnostics, locate, has, errnoNames };
  const raw = plain.value as RawProfile;
  if (raw.defaultErrno !== undefined) errnoNames.set('', raw.defaultErrno);
  const syscalls: OciSyscallEntry[] = (raw.syscalls ?? []).map((entry, i) => {
    if (entry.errno !== undefined) errnoNames.set(`/syscalls/${String(i)}`, entry.errno);
    const args: OciSeccompArg[] = (entry.args ?? []).map((arg, j) => {
      const value = exact.get(`/syscalls/${String(i)}/args/${String(j)}/value`) ?? 0n;
      const valueTwo = exact.get(`/syscalls/${String(i)}/args/${String(j)}/valueTwo`);
      return { index: arg.index, value, op: arg.op, ...(valueTwo === undefined ? {} : { valueTwo }) };
    });
    return {
      names: entry.names ?? (entry.name === undefined ? [] : [entry.name]),
      action: entry.action,
      ...(entry.errnoRet === undefined ? {} : { errnoRet: entry.errnoRet }),
      ...(args.length > 0 ? { args } : {}),
      ...(entry.includes === undefined ? {} : { includes: entry.includes }),
      ...(entry.excludes === undefined ? {} : { excludes: entry.excludes }),
      ...(entry.comment === undefined ? {} : { comment: entry.comment }),
    };
  });
  const profile: OciSeccompProfile = {
    defaultAction: raw.defaultAction,
    ...(raw.defaultErrnoRet === undefined ? {} : { defaultErrnoRet: raw.defaultErrnoRet }),
    architectures: raw.architectures ?? [],
    syscalls,
    ...(raw.archMap === undefined ? {} : { archMap: raw.archMap }),
    ...(raw.flags === undefined ? {} : { flags: raw.flags }),
  };
  return { profile, diagnostics, locate, has, errnoNames };
}

/** The shape the schema admits (numbers of args are read exactly elsewhere). */
interface RawProfile {
  readonly defaultAction: OciAction;
  readonly defaultErrnoRet?: number;
  readonly defaultErrno?: string;
  readonly architectures?: readonly string[];
  readonly archMap?: readonly { readonly architecture: string; readonly subArchitectures?: readonly string[] }[];
  readonly flags?: readonly string[];
  readonly syscalls?: readonly {
    readonly names?: readonly string[];
    readonly name?: string;
    readonly action: OciAction;
    readonly errnoRet?: number;
    readonly errno?: string;
    readonly args?: readonly { readonly index: number; readonly op: OciOperator }[] | null;
    readonly comment?: string;
    readonly includes?: OciEntryConditions;
    readonly excludes?: OciEntryConditions;
  }[];
}

/** Options of {@link importOciProfile}. */
export interface OciImportOptions {
  /** The architecture the policy is for (its names, constants for errno names, word size). */
  readonly table: ArchTable;
  /** The container's capabilities (bounding set) Moby's `includes.caps` / `excludes.caps` see. @defaultValue none */
  readonly caps?: readonly string[];
  /** The kernel version `X.Y` Moby's `minKernel` is compared with. @defaultValue the table's `kernelVersion` */
  readonly kernel?: string;
  /** Where the profile came from, for the policy's first comment. @defaultValue the diagnostics' file */
  readonly source?: string;
}

/** What {@link importOciProfile} made. */
export interface OciImportResult {
  /** The policy text; absent when an error was reported (nothing half-converted). */
  readonly policy?: string;
  /**
   * The profile's default action. The policy says it with `@default` when the language can
   * (kill, trap, user-notify); otherwise (`return N`, allow, log, trace) it must be passed as the
   * compile's default action, which the policy's first comment also says.
   */
  readonly defaultAction?: SeccompAction;
  /** True when the policy carries the default action itself (`@default`). */
  readonly defaultInPolicy?: boolean;
  /** The default action as a compile option (`defaultAction` of `compilePolicy`), which compiling the policy needs unless `defaultInPolicy`. */
  readonly defaultActionOption?: DefaultActionOption;
  /** The profile read for the architecture: `includes`/`excludes` and `archMap` evaluated, errno names resolved, unknown names left out. */
  readonly resolved?: OciSeccompProfile;
  /** Errors and warnings, each with a JSON path and the line and column in the profile. */
  readonly diagnostics: readonly Diagnostic[];
}

/** `[major, minor, patch]` of `X.Y[.Z]`. */
const versionOf = (text: string): number[] => text.split('.').map((part) => Number.parseInt(part, 10) || 0);
function atLeast(have: string, need: string): boolean {
  const a = versionOf(have);
  const b = versionOf(need);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** Whether Moby keeps an entry for this host: no `excludes` holds and every `includes` holds. */
function mobyKeeps(entry: OciSyscallEntry, arch: string | undefined, caps: ReadonlySet<string>, kernel: string): boolean {
  const { includes, excludes } = entry;
  if (excludes?.arches !== undefined && arch !== undefined && excludes.arches.includes(arch)) return false;
  if (excludes?.caps?.some((cap) => caps.has(cap)) === true) return false;
  if (excludes?.minKernel !== undefined && atLeast(kernel, excludes.minKernel)) return false;
  if (includes?.arches !== undefined && includes.arches.length > 0 && (arch === undefined || !includes.arches.includes(arch))) return false;
  if (includes?.caps?.some((cap) => !caps.has(cap)) === true) return false;
  if (includes?.minKernel !== undefined && !atLeast(kernel, includes.minKernel)) return false;
  return true;
}

const hex = (value: bigint): string => `0x${value.toString(16)}`;

/** One libseccomp condition as Minijail comparisons (ANDed), `[]` for true, `undefined` for never. */
function minijailComparisons(c: LibseccompCondition, max: bigint): string[] | undefined {
  const arg = `arg${String(c.arg)}`;
  switch (c.op) {
    case 'eq':
      return [`${arg} == ${hex(c.value)}`];
    case 'ne':
      return [`${arg} != ${hex(c.value)}`];
    case 'lt':
      return [`${arg} < ${hex(c.value)}`];
    case 'le':
      return [`${arg} <= ${hex(c.value)}`];
    case 'gt':
      return [`${arg} > ${hex(c.value)}`];
    case 'ge':
      return [`${arg} >= ${hex(c.value)}`];
    case 'masked_eq': {
      // (arg & mask) == value: the mask's bits outside value are clear (`in`), value's bits are set (`&`, one bit each).
      const mask = c.mask ?? 0n;
      if ((c.value & ~mask) !== 0n) return undefined;
      // An aligned block (the mask keeps the top bits): a range, which an export merges back.
      const low = max & ~mask;
      if (mask !== 0n && (low & (low + 1n)) === 0n) return low === 0n ? [`${arg} == ${hex(c.value)}`] : [`${arg} >= ${hex(c.value)}`, `${arg} <= ${hex(c.value | low)}`];
      const clear = mask & ~c.value;
      const out = clear === 0n ? [] : [`${arg} in ${hex(max & ~clear)}`];
      for (let bit = 0n; bit < 64n; bit++) if ((c.value >> bit) & 1n) out.push(`${arg} & ${hex(1n << bit)}`);
      return out;
    }
  }
}

/** The Minijail action words of an action (`undefined` for an errno outside 1..4095, which `return N` cannot say). */
function minijailAction(action: SeccompAction): string | undefined {
  switch (action.kind) {
    case 'allow':
      return 'allow';
    case 'errno':
      return action.errno !== undefined && action.errno >= 1 && action.errno <= 4095 ? `return ${String(action.errno)}` : undefined;
    case 'kill-process':
      return 'kill-process';
    case 'kill-thread':
      return 'kill-thread';
    case 'trap':
      return 'trap';
    case 'trace':
      return 'trace';
    case 'log':
      return 'log';
    case 'user-notify':
      return 'user-notify';
  }
}

/** Conditions of two rules can hold together (each shared argument's two conditions are satisfiable). */
function overlap(a: readonly LibseccompCondition[], b: readonly LibseccompCondition[], max: bigint): boolean {
  for (const x of a) {
    const y = b.find((c) => c.arg === x.arg);
    if (y !== undefined && mergeSameArg(x, y, max).length === 0) return false;
  }
  return true;
}

const sameAction = (a: SeccompAction, b: SeccompAction): boolean => a.kind === b.kind && (a.errno ?? 0) === (b.errno ?? 0);

/**
 * Reads a profile for one architecture and writes it as a Minijail policy with the same
 * decisions as libseccomp's compile of the profile (the way runc reads it) for every syscall of
 * the architecture: Moby's `includes`/`excludes` evaluated for `caps`, the architecture and
 * `kernel`; `archMap` honoured; Podman's errno names resolved through the table's constants; an
 * entry naming one argument twice read as runc does (all its comparisons ORed). Names that are
 * no syscall of the architecture are left out with a warning (SC4044), as runtimes skip them;
 * an architecture the profile does not cover is a warning (SC4046). Errors (no policy): those
 * of {@link parseOciProfile}, and SC4045 for what a policy cannot say exactly.
 */
export function importOciProfile(text: string, file: string, options: OciImportOptions): OciImportResult {
  const parsed = parseOciProfile(text, file);
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const profile = parsed.profile;
  if (profile === undefined) return { diagnostics };
  const { table } = options;
  const at = (pointer: string): SourceRange => parsed.locate(pointer);
  const inexpressible = (pointer: string, message: string): void => {
    diagnostics.push(codegenDiagnostic('SC4045', `${jsonPath(pointer)}: ${message}`, file, at(pointer)));
  };
  const max = (1n << BigInt(table.bits)) - 1n;
  const caps = new Set(options.caps ?? []);
  const kernel = options.kernel ?? table.kernelVersion;
  const scmpArch = ociArchName(table.name);
  const mobyArch = mobyArchName(table.name);

  // Errnos: a number, or Podman's name through the architecture's constants.
  const errnoOf = (pointer: string, number: number | undefined): number | undefined => {
    const name = parsed.errnoNames.get(pointer);
    if (name === undefined) return number;
    const value = table.constants[name];
    if (value === undefined) {
      inexpressible(`${pointer}/${pointer === '' ? 'defaultErrno' : 'errno'}`, `'${name}' is not an errno name on ${table.name}`);
      return number;
    }
    if (number !== undefined && BigInt(number) !== value) inexpressible(pointer, `the errno ${name} (${value.toString()}) and the number ${String(number)} disagree`);
    return Number(value);
  };

  if (profile.archMap !== undefined && profile.architectures.length > 0) inexpressible('/archMap', "both 'architectures' and 'archMap' are given; Moby refuses such a profile");
  const covered = profile.archMap === undefined ? profile.architectures : profile.archMap.filter((m) => m.architecture === scmpArch).flatMap((m) => [m.architecture, ...(m.subArchitectures ?? [])]);
  if (covered.length > 0 && (scmpArch === undefined || !covered.includes(scmpArch))) {
    diagnostics.push(
      codegenDiagnostic('SC4046', `the profile does not name ${table.name} (${scmpArch ?? 'no libseccomp name'}); runtimes still filter the host's own architecture with its entries`, file, at(profile.archMap === undefined ? '/architectures' : '/archMap')),
    );
  }

  const defaultErrno = errnoOf('', profile.defaultErrnoRet);
  const defaultAction = seccompActionOfOci(profile.defaultAction, defaultErrno);
  if (minijailAction(defaultAction) === undefined) inexpressible(profile.defaultErrnoRet === undefined ? '/defaultAction' : '/defaultErrnoRet', `errno ${String(defaultAction.errno)} cannot be a policy action (return N takes 1 to 4095)`);

  // The entries this host keeps, names known on the architecture, errnos resolved.
  const kept: { pointer: string; entry: OciSyscallEntry; unknown: string[] }[] = [];
  profile.syscalls.forEach((entry, i) => {
    const pointer = `/syscalls/${String(i)}`;
    if (!mobyKeeps(entry, mobyArch, caps, kernel)) return;
    const errnoRet = errnoOf(pointer, entry.errnoRet);
    const action = seccompActionOfOci(entry.action, errnoRet);
    if (entry.action === 'SCMP_ACT_TRACE' && errnoRet !== undefined && errnoRet !== 0) inexpressible(`${pointer}/errnoRet`, 'SCMP_ACT_TRACE data other than 0 cannot be a policy action');
    else if (minijailAction(action) === undefined) inexpressible(`${pointer}/errnoRet`, `errno ${String(errnoRet)} cannot be a policy action (return N takes 1 to 4095)`);
    for (const [j, arg] of (entry.args ?? []).entries()) {
      for (const field of ['value', 'valueTwo'] as const) {
        const value = arg[field];
        if (value !== undefined && value > max) inexpressible(`${pointer}/args/${String(j)}/${field}`, `${value.toString()} does not fit ${table.name}'s ${String(table.bits)}-bit arguments`);
      }
    }
    const unknown: string[] = [];
    entry.names.forEach((name, k) => {
      if (table.syscalls[name] !== undefined) return;
      unknown.push(name);
      const namePointer = parsed.has(`${pointer}/names`) ? `${pointer}/names/${String(k)}` : `${pointer}/name`;
      diagnostics.push(codegenDiagnostic('SC4044', `${jsonPath(namePointer)}: '${name}' is not a syscall on ${table.name}; left out, as runtimes skip it`, file, at(namePointer)));
    });
    const names = entry.names.filter((name) => !unknown.includes(name));
    kept.push({
      pointer,
      entry: { ...entry, names, ...(errnoRet === undefined ? {} : { errnoRet }) },
      unknown,
    });
  });
  const resolved: OciSeccompProfile = {
    defaultAction: profile.defaultAction,
    ...(defaultErrno === undefined ? {} : { defaultErrnoRet: defaultErrno }),
    architectures: covered.length > 0 ? covered : scmpArch === undefined ? [] : [scmpArch],
    syscalls: kept.filter((k) => k.entry.names.length > 0).map((k) => ({ names: k.entry.names, action: k.entry.action, ...(k.entry.errnoRet === undefined ? {} : { errnoRet: k.entry.errnoRet }), ...(k.entry.args === undefined ? {} : { args: k.entry.args }) })),
  };

  // runc's rules, each remembered with the entry it came from.
  const rules: { syscall: string; action: SeccompAction; conditions: readonly LibseccompCondition[]; pointer: string }[] = [];
  for (const { pointer, entry } of kept) {
    const single: OciSeccompProfile = { ...resolved, syscalls: entry.names.length > 0 ? [entry] : [] };
    for (const rule of libseccompRequestFromOciProfile(single, table.name).rules) rules.push({ ...rule, pointer });
  }
  // Overlapping rules of different actions: libseccomp's tree order decides, which no policy can say.
  const bySyscall = new Map<string, typeof rules>();
  for (const rule of rules) {
    const list = bySyscall.get(rule.syscall);
    if (list === undefined) bySyscall.set(rule.syscall, [rule]);
    else list.push(rule);
  }
  for (const [name, list] of bySyscall) {
    search: for (const [i, a] of list.entries()) {
      for (const b of list.slice(i + 1)) {
        if (sameAction(a.action, b.action) || !overlap(a.conditions, b.conditions, max)) continue;
        inexpressible(
          b.pointer,
          `'${name}' has entries of different actions whose conditions overlap (with ${jsonPath(a.pointer)}); libseccomp settles such calls by its own tree order, so say which action wins with disjoint conditions`,
        );
        break search;
      }
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };

  // The policy: one line per entry (its names as a `{…}` list), with a comment naming its origin.
  // A rule is written as `&&` comparisons; `undefined`: it can match no call.
  // Each rule's clause is written once (profiles of thousands of entries asked for each up to three times).
  const clauses = new Map<readonly LibseccompCondition[], string[] | undefined>();
  const clauseOf = (conditions: readonly LibseccompCondition[]): string[] | undefined => {
    if (clauses.has(conditions)) return clauses.get(conditions);
    const parts = conditions.map((c) => minijailComparisons(c, max));
    const clause = parts.every((part) => part !== undefined) ? parts.flat() : undefined;
    clauses.set(conditions, clause);
    return clause;
  };
  const unconditional = new Set(rules.filter((rule) => clauseOf(rule.conditions)?.length === 0).map((rule) => rule.syscall));
  // Each entry's rules, found once rather than by scanning every rule per entry.
  const rulesOf = new Map<string, typeof rules>();
  for (const rule of rules) {
    const list = rulesOf.get(rule.pointer);
    if (list === undefined) rulesOf.set(rule.pointer, [rule]);
    else list.push(rule);
  }
  const written = new Set<string>();
  const inPolicy = ['kill-process', 'kill-thread', 'trap', 'user-notify'].includes(defaultAction.kind);
  const capsText = caps.size === 0 ? 'no capabilities' : [...caps].sort().join(', ');
  const lines: string[] = [
    `# Imported by syscage from ${options.source ?? file} for ${table.name} (${capsText}; kernel ${kernel}); regenerate it from the profile.`,
    `# Default action: ${profile.defaultAction}${defaultAction.kind === 'errno' ? ` (errno ${String(defaultAction.errno)})` : ''}${inPolicy ? '.' : `; compile with --default-action "${minijailAction(defaultAction) ?? ''}".`}`,
    ...(inPolicy ? [`@default ${defaultAction.kind}`] : []),
  ];
  for (const { pointer, entry, unknown } of kept) {
    const origin = `# ${jsonPath(pointer)}${entry.comment === undefined || entry.comment === '' ? '' : `: ${entry.comment.replace(/\s+/g, ' ')}`}`;
    const mine = rulesOf.get(pointer) ?? [];
    const action = seccompActionOfOci(entry.action, entry.errnoRet);
    const notes = unknown.length > 0 ? [`# left out, no syscall on ${table.name}: ${unknown.join(', ')}`] : [];
    if (sameAction(action, defaultAction)) {
      lines.push('', origin, `# the default action: runc skips this entry`, ...notes);
      continue;
    }
    const names = [...new Set(mine.map((rule) => rule.syscall))].filter((name) => !written.has(name) && (mine.some((rule) => rule.syscall === name && clauseOf(rule.conditions)?.length === 0) || !unconditional.has(name)));
    // An entry's rules are the same for each of its names; take the first name's.
    const first = names[0];
    if (first === undefined) {
      lines.push('', origin, ...notes, '# nothing left to add: its names are covered by unconditional entries or are unknown');
      continue;
    }
    const possible = mine
      .filter((rule) => rule.syscall === first)
      .map((rule) => clauseOf(rule.conditions))
      .filter((clause): clause is string[] => clause !== undefined);
    const always = possible.some((clause) => clause.length === 0);
    const word = minijailAction(action) ?? '';
    const target = names.length === 1 ? first : `{${names.join(', ')}}`;
    if (always) for (const name of names) written.add(name);
    if (possible.length === 0) {
      lines.push('', origin, ...notes, '# no call can match (a masked value has bits outside its mask)');
      continue;
    }
    const expression = always ? undefined : possible.map((clause) => clause.join(' && ')).join(' || ');
    lines.push('', origin, ...notes, expression === undefined ? `${target}: ${word}` : `${target}: ${expression}${word === 'allow' ? '' : `; ${word}`}`);
  }
  const defaultActionOption: DefaultActionOption = defaultAction.kind === 'errno' ? { errno: defaultAction.errno ?? 1 } : defaultAction.kind;
  return { policy: `${lines.join('\n')}\n`, defaultAction, defaultInPolicy: inPolicy, defaultActionOption, resolved, diagnostics };
}
