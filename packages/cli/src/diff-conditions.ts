/**
 * `syscage diff`'s conditions as a person writes them: `arg1 == TCGETS`, `arg0 >= 0x3`,
 * `(arg2 & PROT_EXEC) != 0`, with constant names. A value is named after what the compared
 * policies write for the same syscall's same argument (so `0x4` is `PROT_EXEC` for mmap's arg2);
 * without such a hint, an equality or flag gets the name arch-tables' argument table gives that
 * syscall argument's value (`nameArgumentValue`), and anything else stays hex. Interval bounds
 * (values one off a constant) are named only from the policies.
 */
import { type ArchTable, nameArgumentValue } from '@syscage/arch-tables';
import { type FieldCondition, type InputTerm, auditArchName } from '@syscage/bpf-codegen';
import { hex } from './commands/simulate-input.js';

/** Where a value is compared: the syscall (by name) whose condition it is. */
export interface ConditionContext {
  readonly syscall?: string;
}

/** Names values with the architecture's constants (see the module comment). */
export class ConstantNamer {
  private readonly byValue = new Map<bigint, string[]>();
  /** `syscall/argN` → the constant names the policies compare that argument with. */
  private readonly written = new Map<string, Set<string>>();

  /** `texts`: the policy files of the inputs, whose rules say which names are meant where. */
  constructor(
    private readonly table: ArchTable,
    texts: Iterable<string>,
  ) {
    for (const [name, value] of Object.entries(table.constants)) {
      const names = this.byValue.get(value) ?? [];
      names.push(name);
      this.byValue.set(value, names);
    }
    for (const text of texts) {
      for (const line of text.split('\n')) {
        const rule = /^\s*([a-z0-9_]+)\s*:(.*)$/.exec(line);
        if (rule === null) continue;
        const [, syscall = '', body = ''] = rule;
        for (const comparison of body.matchAll(/arg([0-5])\s*(?:==|!=|<=|>=|<|>|&|in)\s*([~A-Za-z0-9_|\s]+)/g)) {
          const key = `${syscall}/arg${comparison[1] ?? ''}`;
          const names = this.written.get(key) ?? new Set<string>();
          for (const word of comparison[2]?.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) if (Object.hasOwn(table.constants, word)) names.add(word);
          this.written.set(key, names);
        }
      }
    }
  }

  /** The value's constant name for this syscall's argument, or `0x…` (`exact`: the value is compared as such, not a bound). */
  name(value: bigint, field: string, context: ConditionContext, exact: boolean): string {
    const names = this.byValue.get(value) ?? [];
    const written = context.syscall === undefined ? undefined : this.written.get(`${context.syscall}/${field}`);
    const meant = names.filter((name) => written?.has(name) === true).sort();
    if (meant[0] !== undefined) return meant[0];
    const arg = Number(field.slice(3));
    const named = exact && context.syscall !== undefined ? nameArgumentValue(this.table, context.syscall, arg, value) : undefined;
    return named ?? hex(value);
  }
}

/** How one condition reads: `arg0 == 0x1`, `0x3 <= arg0 <= 0x7`, `(arg2 & PROT_EXEC) != 0`. */
export function describeCondition(condition: FieldCondition, namer: ConstantNamer, context: ConditionContext = {}): string {
  const field = condition.half === 'low' ? `(${condition.field} & 0xffffffff)` : condition.half === 'high' ? `(${condition.field} >> 32)` : condition.field;
  const value = (v: bigint, exact = true): string => {
    if (condition.field === 'arch') return auditArchName(Number(v)) ?? hex(v);
    if (condition.field === 'nr' || condition.field === 'ip' || condition.half !== undefined) return hex(v);
    return namer.name(v, condition.field, context, exact);
  };
  const top = condition.half !== undefined || condition.field === 'arch' || condition.field === 'nr' ? 0xffffffffn : 0xffffffffffffffffn;
  switch (condition.kind) {
    case 'equal':
      return `${field} == ${value(condition.value)}`;
    case 'not-equal':
      return `${field} != ${value(condition.value)}`;
    case 'range':
      if (condition.max === top) return `${field} >= ${value(condition.min, false)}`;
      if (condition.min === 0n) return `${field} <= ${value(condition.max, false)}`;
      return `${value(condition.min, false)} <= ${field} <= ${value(condition.max, false)}`;
    case 'masked': {
      const { mask } = condition;
      const single = (mask & (mask - 1n)) === 0n;
      if (single && condition.value === mask) return `(${field} & ${value(mask)}) != 0`;
      if (condition.value === 0n) return `(${field} & ${value(mask, single)}) == 0`;
      // A mask of many bits is a shape of the set, not a constant of the policy.
      return `(${field} & ${value(mask, single)}) == ${value(condition.value, single)}`;
    }
  }
}

/** A disjunction of terms in words: `for any arguments`, `when arg0 == 0x0 or arg0 >= 0x3`. */
export function describeTerms(terms: readonly InputTerm[], complete: boolean, namer: ConstantNamer, context: ConditionContext = {}): string {
  if (terms.length === 1 && terms[0]?.length === 0) return 'for any arguments';
  const parts = terms.map((term) => {
    const text = term.map((condition) => describeCondition(condition, namer, context)).join(' and ');
    return term.length > 1 && terms.length > 1 ? `(${text})` : text;
  });
  return `when ${parts.join(' or ')}${complete ? '' : ` or other inputs (only the first ${terms.length} conditions are listed)`}`;
}

/** A condition for JSON: the field, an operator and hex values (names in `text`). */
export function conditionJson(condition: FieldCondition, namer: ConstantNamer, context: ConditionContext = {}): Record<string, unknown> {
  const common = { field: condition.field, ...(condition.half === undefined ? {} : { half: condition.half }), text: describeCondition(condition, namer, context) };
  switch (condition.kind) {
    case 'equal':
      return { ...common, op: '==', value: hex(condition.value) };
    case 'not-equal':
      return { ...common, op: '!=', value: hex(condition.value) };
    case 'range':
      return { ...common, op: 'range', min: hex(condition.min), max: hex(condition.max) };
    case 'masked':
      return { ...common, op: '&', mask: hex(condition.mask), value: hex(condition.value) };
  }
}
