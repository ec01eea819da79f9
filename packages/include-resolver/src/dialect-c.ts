/**
 * What libminijail's run-time parser (the `minijail-c` dialect) rejects or reads differently,
 * found from the statements' AST and raw tokens. Checks that need the include graph (nesting,
 * duplicate syscalls across files) live in the resolver.
 */
import type {
  Action,
  Diagnostic,
  FilterStatement,
  NumberLiteral,
  PolicyFile,
  SourceRange,
  Statement,
  ValueExpr,
} from '@syscage/policy-parser';
import { makeDiagnostic } from './codes.js';

/** Target dialects: Minijail's Python compiler (offline) or libminijail's C parser (run time). */
export type Dialect = 'minijail-py' | 'minijail-c';

function within(inner: SourceRange, outer: SourceRange): boolean {
  return inner.start.offset >= outer.start.offset && inner.end.offset <= outer.end.offset;
}

function numbersIn(value: ValueExpr): NumberLiteral[] {
  switch (value.kind) {
    case 'number':
      return [value];
    case 'constant':
      return [];
    case 'complement':
      return numbersIn(value.operand);
    case 'paren':
      return numbersIn(value.expression);
    case 'bit-or':
      return value.operands.flatMap(numbersIn);
  }
}

function isLeadingZeroDecimal(literal: NumberLiteral): boolean {
  return literal.radix === 10 && /^-?0[0-9]/.test(literal.text);
}

function leadingZeroDiagnostic(file: string, literal: NumberLiteral): Diagnostic {
  return makeDiagnostic(
    'SC2037',
    `libminijail reads \`${literal.text}\` as octal and rejects it (Minijail's Python compiler reads it as ${literal.value.toString()})`,
    file,
    literal.range,
    { suggestion: `write \`${literal.value.toString()}\`` },
  );
}

function checkAction(file: string, action: Action, out: Diagnostic[]): void {
  if (action.kind === 'action') {
    if (action.text !== '1') {
      out.push(
        makeDiagnostic('SC2032', `libminijail does not know the action \`${action.text}\``, file, action.range, {
          suggestion: action.action === 'allow' ? 'write `1` for allow' : 'use `return ERRNO`, or leave the syscall out so the jail\'s failure action applies',
        }),
      );
    }
    return;
  }
  if (action.value.kind === 'number') {
    if (action.value.value < 0n) {
      out.push(
        makeDiagnostic('SC2038', `libminijail rejects the negative return value \`${action.value.text}\``, file, action.value.range),
      );
    } else if (isLeadingZeroDecimal(action.value)) {
      out.push(leadingZeroDiagnostic(file, action.value));
    }
  }
}

function checkFilterStatement(file: string, statement: FilterStatement, out: Diagnostic[]): void {
  if (statement.descriptorsBraced || statement.filtersBraced) {
    const brace = statement.tokens.find((token) => token.kind === 'lbrace');
    out.push(
      makeDiagnostic(
        'SC2033',
        statement.descriptorsBraced
          ? 'libminijail does not accept a `{…}` list of syscalls; write one line per syscall'
          : 'libminijail does not accept a `{…}` list of filters; join the conditions with `||`',
        file,
        brace?.range ?? statement.range,
      ),
    );
  }
  for (const descriptor of statement.descriptors) {
    if (descriptor.metadata !== undefined) {
      out.push(makeDiagnostic('SC2034', 'libminijail does not accept `[…]` metadata', file, descriptor.metadata.range));
    }
    if (descriptor.group !== undefined) {
      out.push(
        makeDiagnostic('SC2035', `libminijail does not accept the syscall group \`${descriptor.text}\``, file, descriptor.range),
      );
    }
  }
  const whitespace = statement.tokens.filter((token) => token.kind === 'whitespace' || token.kind === 'continuation');
  for (const filter of statement.filters) {
    for (const clause of filter.condition?.clauses ?? []) {
      for (const comparison of clause.atoms) {
        const argToOperator = comparison.argRange.end.offset < comparison.operatorRange.start.offset;
        const operatorToValue = comparison.operatorRange.end.offset < comparison.value.range.start.offset;
        const spaceInValue = whitespace.some((token) => within(token.range, comparison.value.range));
        if (!argToOperator || !operatorToValue || spaceInValue) {
          out.push(
            makeDiagnostic(
              'SC2036',
              spaceInValue
                ? 'libminijail splits a comparison at spaces, so the value must not contain any'
                : 'libminijail needs spaces around the comparison operator (`argN OP VALUE`)',
              file,
              comparison.range,
            ),
          );
        }
        for (const literal of numbersIn(comparison.value)) {
          if (isLeadingZeroDecimal(literal)) out.push(leadingZeroDiagnostic(file, literal));
        }
      }
    }
    if (!filter.actionImplicit && filter.condition !== undefined) {
      // libminijail compiles `CONDITION; return N` as "allow on a match, errno N otherwise",
      // where Minijail's compiler gives errno N on a match and the default action otherwise.
      // In this dialect Syscage reads it as libminijail does (see the resolver); other actions
      // after a condition libminijail rejects.
      const action = filter.action;
      if (action.kind === 'return') {
        const errno = action.value.kind === 'number' ? action.value.text : action.value.name;
        out.push(
          makeDiagnostic(
            'SC2052',
            `libminijail reads \`; return ${errno}\` after a condition as "allow the calls the condition matches, errno ${errno} for every other call", and so does Syscage in this dialect; Minijail's Python compiler reads it the other way round (errno on a match), so do not compile this file with it`,
            file,
            action.range,
            { suggestion: 'keep this file for the run-time parser only (as `syscage flatten` writes it), or write the condition alone and leave the rest to the failure action' },
          ),
        );
        checkAction(file, action, out);
      } else {
        out.push(
          makeDiagnostic('SC2047', `libminijail accepts only \`; return N\` after a condition, not \`${action.text}\``, file, action.range, {
            suggestion: 'write the condition alone (the matched calls are allowed) or make the rule unconditional',
          }),
        );
      }
    } else if (!filter.actionImplicit) checkAction(file, filter.action, out);
  }
}

function checkStatement(file: string, statement: Statement, out: Diagnostic[]): void {
  if (statement.trailingComment !== undefined) {
    out.push(
      makeDiagnostic('SC2031', 'libminijail does not accept a comment after a statement', file, statement.trailingComment, {
        suggestion: 'move the comment to a line of its own',
      }),
    );
  }
  switch (statement.kind) {
    case 'include': {
      const keyword = statement.tokens.findIndex((token) => token.kind === 'include');
      const between = statement.tokens.slice(
        keyword + 1,
        statement.tokens.findIndex((token) => token.kind === 'path'),
      );
      if (between.length !== 1 || between[0]?.text !== ' ') {
        out.push(
          makeDiagnostic('SC2044', 'libminijail needs exactly one space between `@include` and the path', file, statement.range),
        );
      }
      if (statement.path.startsWith('./')) {
        out.push(
          makeDiagnostic(
            'SC2043',
            `libminijail resolves \`${statement.path}\` against the working directory of the jailed process, not this file's folder`,
            file,
            statement.pathRange,
            { suggestion: 'use an absolute path where the policy is installed' },
          ),
        );
      }
      return;
    }
    case 'frequency':
      out.push(makeDiagnostic('SC2042', 'libminijail ignores `@frequency`', file, statement.range));
      return;
    case 'default':
      out.push(
        makeDiagnostic('SC2040', 'libminijail does not accept `@default`; the jail chooses the failure action', file, statement.range),
      );
      return;
    case 'denylist':
      out.push(makeDiagnostic('SC2041', 'libminijail does not accept `@denylist`', file, statement.range));
      return;
    case 'filter-statement':
      checkFilterStatement(file, statement, out);
      return;
  }
}

/** The `minijail-c` findings of one parsed file that need no knowledge of other files. */
export function checkMinijailCStatements(policy: PolicyFile): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const statement of policy.statements) checkStatement(policy.file, statement, diagnostics);
  return diagnostics;
}
