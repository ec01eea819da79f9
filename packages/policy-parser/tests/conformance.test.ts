// The syntax items of the conformance checklist (docs/policy-language.md §8), plus the other
// errors Minijail's Python parser reports, each with the code and the place it must be reported.
// Positions are Minijail's: the offending token, or just past the end of the line when there is
// no token. `at` is `line:column`; `marks` is the text the range covers ('' = an empty range).
import { describe, expect, it } from 'vitest';
import { parseFrequencyFile, parsePolicy, parserDiagnosticCodes } from '../src/index.js';
import type { Diagnostic, FilterStatement, PolicyFile } from '../src/index.js';

interface ErrorCase {
  readonly name: string;
  readonly input: string;
  readonly code: keyof typeof parserDiagnosticCodes;
  readonly at: string;
  readonly marks: string;
}

function only(diagnostics: readonly Diagnostic[]): Diagnostic {
  expect(diagnostics).toHaveLength(1);
  return diagnostics[0] as Diagnostic;
}

function describeDiagnostic(text: string, diagnostic: Diagnostic): { code: string; at: string; marks: string } {
  return {
    code: diagnostic.code,
    at: `${diagnostic.range.start.line}:${diagnostic.range.start.column}`,
    marks: text.slice(diagnostic.range.start.offset, diagnostic.range.end.offset),
  };
}

const policyErrors: readonly ErrorCase[] = [
  // 2. invalid token
  { name: '#2 a character no token starts with', input: '%invalid-token%', code: 'SC1001', at: '1:1', marks: '%' },
  { name: 'invalid token after valid ones', input: 'read: arg0 == 1 $ 2', code: 'SC1001', at: '1:17', marks: '$' },
  { name: '@denylist followed by a comment', input: '@denylist # no', code: 'SC1001', at: '1:1', marks: '@' },
  { name: 'backslash not at the end of the line', input: 'read: \\ allow', code: 'SC1001', at: '1:7', marks: '\\' },
  // 3./4. range of literals (64-bit; word-size checks come later)
  { name: '#3 literal above 2^64-1', input: 'read: arg0 == 0x10000000000000000', code: 'SC1020', at: '1:15', marks: '0x10000000000000000' },
  { name: '#3 decimal literal above 2^64-1', input: 'read: arg0 == 18446744073709551616', code: 'SC1020', at: '1:15', marks: '18446744073709551616' },
  { name: '#4 literal below -2^63', input: 'read: arg0 == -0x8000000000000001', code: 'SC1021', at: '1:15', marks: '-0x8000000000000001' },
  { name: '#4 overflow in return value', input: 'read: return 0x10000000000000000', code: 'SC1020', at: '1:14', marks: '0x10000000000000000' },
  { name: 'overflow in numeric action', input: 'read: 0x10000000000000000', code: 'SC1020', at: '1:7', marks: '0x10000000000000000' },
  // 6. value grammar
  { name: '#6 (1', input: 'read: arg0 == (1', code: 'SC1011', at: '1:15', marks: '(' },
  { name: '#6 |(1)', input: 'read: arg0 == |(1)', code: 'SC1009', at: '1:15', marks: '|' },
  { name: '#6 (1)|', input: 'read: arg0 == (1)|', code: 'SC1010', at: '1:19', marks: '' },
  { name: '#6 ()', input: 'read: arg0 == ()', code: 'SC1009', at: '1:16', marks: ')' },
  { name: '#6 (', input: 'read: arg0 == (', code: 'SC1010', at: '1:16', marks: '' },
  { name: '#6 ((', input: 'read: arg0 == ((', code: 'SC1010', at: '1:17', marks: '' },
  { name: '#6 (()', input: 'read: arg0 == (()', code: 'SC1009', at: '1:17', marks: ')' },
  { name: '#6 (()1', input: 'read: arg0 == (()1', code: 'SC1009', at: '1:17', marks: ')' },
  { name: '#6 1)', input: 'read: arg0 == 1)', code: 'SC1012', at: '1:16', marks: ')' },
  { name: '#6 (1)1', input: 'read: arg0 == (1)1', code: 'SC1012', at: '1:18', marks: '1' },
  { name: '#6 1(0)', input: 'read: arg0 == 1(0)', code: 'SC1012', at: '1:16', marks: '(' },
  // 7. complements and empty constants
  { name: '#7 ~~0', input: 'read: arg0 == ~~0', code: 'SC1013', at: '1:16', marks: '~' },
  { name: '#7 0|~', input: 'read: arg0 == 0|~', code: 'SC1014', at: '1:18', marks: '' },
  { name: '#7 0|', input: 'read: arg0 == 0|', code: 'SC1010', at: '1:17', marks: '' },
  { name: '#7 a keyword where a constant belongs', input: 'read: arg0 == allow', code: 'SC1009', at: '1:15', marks: 'allow' },
  // 9. empty expressions
  { name: '#9 trailing ||', input: 'read: arg0 in 0xffff ||', code: 'SC1018', at: '1:24', marks: '' },
  { name: '#9 trailing &&', input: 'read: arg0 in 0xffff &&', code: 'SC1019', at: '1:24', marks: '' },
  { name: '#9 read:&&', input: 'read:&&', code: 'SC1005', at: '1:6', marks: '&&' },
  // 10. atoms
  { name: '#10 argX in an expression', input: 'read: arg0 == 1 || argX in 0xffff', code: 'SC1015', at: '1:20', marks: 'argX' },
  { name: '#10 argX starting a filter is not an expression', input: 'read: argX in 0xffff', code: 'SC1005', at: '1:7', marks: 'argX' },
  { name: '#10 = is not an operator', input: 'read: arg0 = 0xffff', code: 'SC1016', at: '1:12', marks: '=' },
  { name: '#10 missing operator', input: 'read: arg0', code: 'SC1017', at: '1:11', marks: '' },
  { name: '#10 missing value', input: 'read: arg0 ==', code: 'SC1010', at: '1:14', marks: '' },
  { name: '#10 arg7', input: 'read: arg7 == 1', code: 'SC1015', at: '1:7', marks: 'arg7' },
  { name: '#10 arg7 is checked after its value', input: 'read: arg7 == (1', code: 'SC1011', at: '1:15', marks: '(' },
  // 11.
  { name: '#11 argnn is an identifier', input: 'read: argnn == 0', code: 'SC1005', at: '1:7', marks: 'argnn' },
  // 13. actions
  { name: '#13 return alone', input: 'read: return', code: 'SC1008', at: '1:13', marks: '' },
  { name: '#13 return arg0', input: 'read: return arg0', code: 'SC1009', at: '1:14', marks: 'arg0' },
  { name: '#13 { allow', input: 'read: { allow', code: 'SC1007', at: '1:7', marks: '{' },
  { name: 'a number other than 1 as an action', input: 'read: 2', code: 'SC1005', at: '1:7', marks: '2' },
  { name: 'missing action after ;', input: 'read: arg0 == 1;', code: 'SC1006', at: '1:17', marks: '' },
  { name: 'a brace where an action belongs', input: 'read: {arg0 == 1; }', code: 'SC1005', at: '1:19', marks: '}' },
  // 16. statement shape
  { name: '#16 read', input: 'read', code: 'SC1002', at: '1:5', marks: '' },
  { name: '#16 read arg0', input: 'read arg0', code: 'SC1003', at: '1:6', marks: 'arg0' },
  { name: '#16 read:', input: 'read:', code: 'SC1004', at: '1:6', marks: '' },
  { name: '#16 unclosed syscall list', input: '{ read, write: arg0 == 0', code: 'SC1007', at: '1:1', marks: '{' },
  { name: 'an action word is not a syscall name', input: 'kill-process: allow', code: 'SC1029', at: '1:1', marks: 'kill-process' },
  { name: 'empty syscall list', input: '{}: allow', code: 'SC1029', at: '1:2', marks: '}' },
  { name: 'two @ in a group name', input: 'a@b@c: allow', code: 'SC1030', at: '1:1', marks: 'a@b@c' },
  // 17. @default
  { name: '#17 permissive default', input: '@default log', code: 'SC1028', at: '1:10', marks: 'log' },
  { name: 'allow as default', input: '@default allow', code: 'SC1028', at: '1:10', marks: 'allow' },
  { name: 'return as default', input: '@default return 1', code: 'SC1027', at: '1:10', marks: 'return' },
  { name: '@default without action', input: '@default', code: 'SC1026', at: '1:9', marks: '' },
  { name: 'tokens after @default', input: '@default kill trap', code: 'SC1012', at: '1:15', marks: 'trap' },
  // 20. @include / @frequency
  { name: '#20 @include alone', input: '@include', code: 'SC1022', at: '1:9', marks: '' },
  { name: '#20 @include arg0', input: '@include arg0', code: 'SC1023', at: '1:10', marks: 'arg0' },
  { name: 'relative include without ./', input: '@include dir/file.policy', code: 'SC1023', at: '1:10', marks: 'dir' },
  { name: 'include with a second path', input: '@include ./a.policy ./b.policy', code: 'SC1012', at: '1:21', marks: './b.policy' },
  { name: '@frequency alone', input: '@frequency', code: 'SC1024', at: '1:11', marks: '' },
  { name: '@frequency with a word', input: '@frequency hot', code: 'SC1025', at: '1:12', marks: 'hot' },
  // metadata
  { name: 'duplicate metadata key', input: 'read[arch=x86_64;arch=arm]: allow', code: 'SC1037', at: '1:18', marks: 'arch' },
  { name: 'empty metadata', input: 'read[]: allow', code: 'SC1031', at: '1:6', marks: ']' },
  { name: 'metadata key without =', input: 'read[arch]: allow', code: 'SC1033', at: '1:10', marks: ']' },
  { name: 'metadata ending after the key', input: 'read[arch', code: 'SC1032', at: '1:10', marks: '' },
  { name: 'metadata without value', input: 'read[arch=]: allow', code: 'SC1034', at: '1:11', marks: ']' },
  { name: 'metadata ending after =', input: 'read[arch=', code: 'SC1035', at: '1:11', marks: '' },
  { name: 'unclosed metadata', input: 'read[arch=x86_64: allow', code: 'SC1036', at: '1:5', marks: '[' },
  // layout
  { name: 'error on the last line of a continued statement', input: 'read: arg0 == 1 || \\\n  arg1 ==', code: 'SC1010', at: '2:10', marks: '' },
  { name: 'CRLF line endings', input: 'read: allow\r\nwrite arg0\r\n', code: 'SC1003', at: '2:7', marks: 'arg0' },
  { name: 'CR line endings', input: 'read: allow\rwrite arg0\r', code: 'SC1003', at: '2:7', marks: 'arg0' },
  { name: 'continuation at the end of the file', input: 'read: allow\nwrite: \\', code: 'SC1040', at: '2:8', marks: '\\' },
];

describe('policy errors (checklist §8 and the rest of Minijail’s messages)', () => {
  it.each(policyErrors)('$name: $code at $at', ({ input, code, at, marks }) => {
    const parsed = parsePolicy(input, 'test.policy');
    const diagnostic = only(parsed.diagnostics);
    expect(describeDiagnostic(input, diagnostic)).toEqual({ code, at, marks });
    expect(diagnostic.file).toBe('test.policy');
    expect(diagnostic.severity).toBe(parserDiagnosticCodes[code].severity);
    expect(diagnostic.message.startsWith(parserDiagnosticCodes[code].title)).toBe(true);
  });
});

const frequencyErrors: readonly ErrorCase[] = [
  { name: '#21 read', input: 'read', code: 'SC1002', at: '1:5', marks: '' },
  { name: '#21 read foo', input: 'read foo', code: 'SC1003', at: '1:6', marks: 'foo' },
  { name: '#21 read:', input: 'read:', code: 'SC1038', at: '1:6', marks: '' },
  { name: '#21 read: foo', input: 'read: foo', code: 'SC1039', at: '1:7', marks: 'foo' },
  { name: '#21 read: -1', input: 'read: -1', code: 'SC1039', at: '1:7', marks: '-1' },
  { name: 'a leading zero is not a Python base-0 number', input: 'read: 010', code: 'SC1039', at: '1:7', marks: '010' },
  { name: 'count above 2^64-1', input: 'read: 0x10000000000000000', code: 'SC1020', at: '1:7', marks: '0x10000000000000000' },
  { name: 'invalid token', input: 'read: 5%', code: 'SC1001', at: '1:8', marks: '%' },
  { name: 'directive in a frequency file', input: '@include ./x', code: 'SC1029', at: '1:1', marks: '@include' },
  { name: 'tokens after the count are ignored, with a warning', input: 'read: 5 6 7', code: 'SC1041', at: '1:9', marks: '6 7' },
];

describe('frequency file errors (checklist §8 item 21)', () => {
  it.each(frequencyErrors)('$name: $code at $at', ({ input, code, at, marks }) => {
    const parsed = parseFrequencyFile(input, 'test.frequency');
    const diagnostic = only(parsed.diagnostics);
    expect(describeDiagnostic(input, diagnostic)).toEqual({ code, at, marks });
    expect(diagnostic.message.startsWith(parserDiagnosticCodes[code].title)).toBe(true);
  });
});

function statements(input: string): PolicyFile['statements'] {
  const parsed = parsePolicy(input, 'test.policy');
  expect(parsed.diagnostics).toEqual([]);
  return parsed.statements;
}

function filterStatement(input: string): FilterStatement {
  const [statement] = statements(input);
  if (statement?.kind !== 'filter-statement') throw new Error(`expected a filter statement, got ${statement?.kind}`);
  return statement;
}

const accepted: readonly { name: string; input: string }[] = [
  { name: '#1 every operator kind with a trailing comment', input: 'read: arg0 in ~0xffff || arg0 & (1|2) && arg0 == 0755; return ENOSYS # x' },
  { name: '#3 0x80000000', input: 'read: arg0 == 0x80000000' },
  { name: '#3 0x8000000000000000', input: 'read: arg0 == 0x8000000000000000' },
  { name: '#3 2^64-1', input: 'read: arg0 == 0xffffffffffffffff' },
  { name: '#4 -1', input: 'read: arg0 == -1' },
  { name: '#4 -2^63', input: 'read: arg0 == -0x8000000000000000' },
  { name: '#5 ORs', input: 'read: arg0 == 0x1|0x2|0x4|0x8' },
  { name: '#5 ~0', input: 'read: arg0 == ~0' },
  { name: '#5 nested', input: 'read: arg0 == 0x0F|~(0x005AF000|0x00A50FFF)|0xF0' },
  { name: '#6 (3)', input: 'read: arg0 == (3)' },
  { name: '#6 (1)|2', input: 'read: arg0 == (1)|2' },
  { name: '#6 ((3))', input: 'read: arg0 == ((3))' },
  { name: '#6 0|(1|2)', input: 'read: arg0 == 0|(1|2)' },
  { name: '#7 unknown names stay symbolic', input: 'read: arg0 == foo' },
  { name: 'spaces inside a value', input: 'read: arg0 == 1 | 2' },
  { name: 'arg6 (rejected later by lowering)', input: 'read: arg6 == 1' },
  { name: '08 is decimal', input: 'read: arg0 == 08' },
  { name: '#17 @default kill-thread', input: '@default kill-thread' },
  { name: '@default kill', input: '@default kill' },
  { name: '@default user-notify', input: '@default user-notify' },
  { name: '@denylist at the end of its line', input: '@denylist' },
  { name: '@include ./relative', input: '@include ./common.policy' },
  { name: '@include /absolute', input: '@include /usr/share/policy/crosvm/common_device.policy' },
  { name: '@frequency', input: '@frequency ./hot.frequency' },
  { name: 'every action word', input: 'a: allow\nb: kill\nc: kill-process\nd: kill-thread\ne: trap\nf: trace\ng: log\nh: user-notify\ni: 1\nj: return 1' },
  { name: 'every operator', input: 'read: arg0 == 1 || arg0 != 1 || arg0 < 1 || arg0 <= 1 || arg0 > 1 || arg0 >= 1 || arg0 & 1 || arg0 in 1' },
  { name: 'blank and comment lines only', input: '\n# only a comment\n   \n\t# indented\n' },
  { name: 'comment line ending in a backslash joins the next line', input: '# note \\\nread: allow' },
];

describe('accepted input', () => {
  it.each(accepted)('$name', ({ input }) => {
    expect(parsePolicy(input, 'test.policy').diagnostics).toEqual([]);
  });
});

describe('AST of accepted input', () => {
  it('#1 builds an OR of ANDs with the written action and keeps the trailing comment', () => {
    const input = 'read: arg0 in ~0xffff || arg0 & (1|2) && arg0 == 0755; return ENOSYS # x';
    const statement = filterStatement(input);
    const [filter] = statement.filters;
    expect(filter?.condition?.clauses.map((clause) => clause.atoms.map((atom) => atom.operator))).toEqual([['in'], ['&', '==']]);
    expect(filter?.action).toMatchObject({ kind: 'return', value: { kind: 'constant', name: 'ENOSYS' } });
    expect(statement.trailingComment && input.slice(statement.trailingComment.start.offset, statement.trailingComment.end.offset)).toBe('# x');
    expect(input.slice(statement.range.start.offset, statement.range.end.offset)).toBe(input.slice(0, input.indexOf(' #')));
  });

  it('#5 keeps the value structure: ORs, complements, parentheses', () => {
    const atom = filterStatement('read: arg0 == 0x0F|~(0x005AF000|0x00A50FFF)|0xF0').filters[0]?.condition?.clauses[0]?.atoms[0];
    expect(atom?.value).toMatchObject({
      kind: 'bit-or',
      operands: [
        { kind: 'number', value: 15n, radix: 16 },
        { kind: 'complement', operand: { kind: 'paren', expression: { kind: 'bit-or', operands: [{ value: 0x005af000n }, { value: 0x00a50fffn }] } } },
        { kind: 'number', value: 0xf0n },
      ],
    });
  });

  it.each([
    ['4607', 10],
    ['010777', 8],
    ['0x11ff', 16],
  ] as const)('#8 arg0 in %s is 4607 in radix %i', (text, radix) => {
    const atom = filterStatement(`read: arg0 in ${text}`).filters[0]?.condition?.clauses[0]?.atoms[0];
    expect(atom?.value).toMatchObject({ kind: 'number', value: 4607n, radix, text });
  });

  it.each([
    ['08', 8n, 10],
    ['0755', 493n, 8],
    ['0', 0n, 10],
    ['-1', -1n, 10],
    ['-0x10', -16n, 16],
    ['0xffffffffffffffff', 0xffffffffffffffffn, 16],
  ] as const)('number %s is %s in radix %i', (text, value, radix) => {
    const atom = filterStatement(`read: arg0 == ${text}`).filters[0]?.condition?.clauses[0]?.atoms[0];
    expect(atom?.value).toMatchObject({ kind: 'number', value, radix });
  });

  it('#12 a braced filter list gives allow-if, errno-if and trap', () => {
    const statement = filterStatement('read: { arg0 == 0, arg0 == 1; return ENOSYS, trap }');
    expect(statement.filtersBraced).toBe(true);
    expect(statement.filters.map((filter) => [filter.condition?.clauses.length ?? 0, filter.action.kind, filter.actionImplicit])).toEqual([
      [1, 'action', true],
      [1, 'return', false],
      [0, 'action', false],
    ]);
    expect(statement.filters.map((filter) => (filter.action.kind === 'action' ? filter.action.action : 'errno'))).toEqual(['allow', 'errno', 'trap']);
  });

  it('#14 syscall lists, groups and the syscall named kill', () => {
    expect(filterStatement('{read, write}: arg0 == 0').descriptors.map((d) => d.name)).toEqual(['read', 'write']);
    expect(filterStatement('io@libc: arg0 == 0').descriptors[0]).toMatchObject({ name: 'io', group: 'libc', text: 'io@libc' });
    const kill = filterStatement('kill: arg0 == 0');
    expect(kill.descriptors[0]?.name).toBe('kill');
    expect(kill.descriptorsBraced).toBe(false);
  });

  it('#15 metadata is kept on the descriptor', () => {
    const statement = filterStatement('{read, nonexistent[arch=nonexistent,arm;other=x]}: allow');
    expect(statement.descriptors[1]?.metadata?.entries.map((entry) => [entry.key, entry.values.map((v) => v.value)])).toEqual([
      ['arch', ['nonexistent', 'arm']],
      ['other', ['x']],
    ]);
    expect(statement.descriptors[0]?.metadata).toBeUndefined();
  });

  it('#18 a continued statement is one statement over two lines', () => {
    const statement = filterStatement('read: \\\n  allow');
    expect([statement.firstLine, statement.lastLine]).toEqual([1, 2]);
    expect(statement.filters[0]?.action).toMatchObject({ kind: 'action', action: 'allow', range: { start: { line: 2, column: 3 } } });
    expect(statement.tokens.map((token) => token.kind)).toEqual(['identifier', 'colon', 'whitespace', 'continuation', 'whitespace', 'action']);
  });

  it('#17 @default and the other directives', () => {
    expect(statements('@default kill-thread\n@include ./a.policy\n@frequency /x.frequency\n@denylist')).toMatchObject([
      { kind: 'default', action: { action: 'kill-thread' } },
      { kind: 'include', path: './a.policy' },
      { kind: 'frequency', path: '/x.frequency' },
      { kind: 'denylist' },
    ]);
  });

  it('numeric actions: 1 and its other spellings are allow', () => {
    const parsed = statements('a: 1\nb: 01\nc: 0x1');
    expect(parsed.map((s) => (s.kind === 'filter-statement' ? s.filters[0]?.action : undefined))).toMatchObject([
      { action: 'allow', text: '1' },
      { action: 'allow', text: '01' },
      { action: 'allow', text: '0x1' },
    ]);
  });
});

describe('recovery', () => {
  it('reports one error per faulty statement and keeps the good statements', () => {
    const input = ['read: allow', 'write arg0', 'openat: arg7 == 1', 'close: 1', '%bad', '@default log', 'mmap: arg2 in ~PROT_EXEC'].join('\n');
    const parsed = parsePolicy(input, 'multi.policy');
    expect(parsed.diagnostics.map((d) => `${d.code}@${d.range.start.line}`)).toEqual(['SC1003@2', 'SC1015@3', 'SC1001@5', 'SC1028@6']);
    expect(parsed.statements.map((s) => s.firstLine)).toEqual([1, 4, 7]);
  });

  it('reports only the first invalid token of a statement, as Minijail does', () => {
    const parsed = parsePolicy('read: $ allow %', 'x.policy');
    expect(parsed.diagnostics.map((d) => d.range.start.column)).toEqual([7]);
  });
});

describe('frequency files', () => {
  it('reads descriptor: count lines, with hex counts and comments', () => {
    const parsed = parseFrequencyFile('# header\nread: 10\nwrite: 0x20 # hot\n{bad}: 1\nclose: 0\n', 'f.frequency');
    expect(parsed.entries.map((entry) => [entry.descriptor.name, entry.count])).toEqual([
      ['read', 10n],
      ['write', 32n],
      ['close', 0n],
    ]);
    expect(parsed.diagnostics.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.column}`)).toEqual(['SC1029@4:1']);
  });
});

describe('the code table', () => {
  it('has unique titles and codes in the parser range', () => {
    const codes = Object.keys(parserDiagnosticCodes);
    expect(codes.every((code) => /^SC1\d{3}$/.test(code))).toBe(true);
    const titles = Object.values(parserDiagnosticCodes).map((info) => info.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('every code is exercised by a case above', () => {
    const exercised = new Set<string>([...policyErrors, ...frequencyErrors].map((c) => c.code));
    exercised.add('SC1042'); // tested under 'nesting limit'
    expect(Object.keys(parserDiagnosticCodes).filter((code) => !exercised.has(code as keyof typeof parserDiagnosticCodes))).toEqual([]);
  });
});

describe('nesting limit', () => {
  it('reports parentheses nested deeper than 200 at the first excess one', () => {
    const input = `read: arg0 == ${'('.repeat(201)}1${')'.repeat(201)}`;
    const diagnostic = only(parsePolicy(input, 'deep.policy').diagnostics);
    expect(describeDiagnostic(input, diagnostic)).toEqual({ code: 'SC1042', at: '1:215', marks: '(' });
    expect(parsePolicy(`read: arg0 == ${'('.repeat(200)}1${')'.repeat(200)}`, 'ok.policy').diagnostics).toEqual([]);
  });
});

describe('invalid token hints', () => {
  it.each([
    ['a byte order mark', '\ufeffread: allow', 'invalid token `\\u{feff}`', /byte order mark/],
    ['a backslash followed by a space', 'read: \\ ', 'invalid token `\\`', /last character of its line/],
    ['a lone !', 'read: arg0 ! 1', 'invalid token `!`', /!=/],
    ['a ../ path', '@include ../x.policy', 'invalid token `.`', /\.\//],
  ])('%s', (_name, input, message, hint) => {
    const diagnostic = only(parsePolicy(input, 'x.policy').diagnostics);
    expect(diagnostic.code).toBe('SC1001');
    expect(diagnostic.message).toBe(message);
    expect(diagnostic.suggestion).toMatch(hint);
  });
});

describe('related locations', () => {
  it.each([
    ['unclosed brace before another token', '{read write}: allow', '1:1', [['expected `}` instead of `write`', '1:7']]],
    ['unclosed filter list at the end', 'read: { allow', '1:7', [['expected `}` before the end of the statement', '1:14']]],
    ['unclosed parenthesis', 'read: arg0 == (1 2', '1:15', [['expected `)` instead of `2`', '1:18']]],
    ['unclosed bracket', 'read[arch=x86_64 1', '1:5', [['expected `]` instead of `1`', '1:18']]],
    ['duplicate metadata key', 'read[arch=x86_64;arch=arm]: 1', '1:18', [['first given here', '1:6']]],
  ] as const)('%s', (_name, input, at, related) => {
    const diagnostic = only(parsePolicy(input, 'r.policy').diagnostics);
    expect(`${diagnostic.range.start.line}:${diagnostic.range.start.column}`).toBe(at);
    expect(diagnostic.related?.map((r) => [r.message, `${r.range.start.line}:${r.range.start.column}`, r.file])).toEqual(related.map(([m, a]) => [m, a, 'r.policy']));
  });
});
