/**
 * Argument values for the "try a syscall" panel, written the way a policy writes them:
 * numbers (`42`, `0x10`, `0755`, `-1`), constant names of the chosen architecture (`O_RDONLY`),
 * `|` of several, `~` and parentheses. Tokens come from the policy language's own lexer.
 */
import { lookupConstant, suggestName, type ArchTable } from '@syscage/arch-tables';
import { tokenize, type Token } from '@syscage/policy-parser';

/** A value, or why the text is not one. */
export type ValueResult = { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly message: string };

function parseNumber(text: string): bigint {
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  let magnitude: bigint;
  if (/^0[xX]/.test(digits)) magnitude = BigInt(digits);
  else if (/^0[0-7]+$/.test(digits)) magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits);
  return negative ? -magnitude : magnitude;
}

class ValueParser {
  private index = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly table: ArchTable,
    private readonly mask: bigint,
  ) {}

  parse(): bigint {
    const value = this.orExpression();
    const extra = this.tokens[this.index];
    if (extra !== undefined) throw new Error(`unexpected '${extra.text}'`);
    return value;
  }

  private orExpression(): bigint {
    let value = this.operand();
    while (this.tokens[this.index]?.kind === 'bitwise-or') {
      this.index++;
      value |= this.operand();
    }
    return value;
  }

  private operand(): bigint {
    const token = this.tokens[this.index];
    if (token === undefined) throw new Error('a value is missing');
    this.index++;
    switch (token.kind) {
      case 'tilde':
        return ~this.operand() & this.mask;
      case 'lparen': {
        const value = this.orExpression();
        if (this.tokens[this.index]?.kind !== 'rparen') throw new Error("')' is missing");
        this.index++;
        return value;
      }
      case 'number': {
        const value = parseNumber(token.text);
        if (value > this.mask) throw new Error(`${token.text} does not fit in ${this.table.bits} bits`);
        return value & this.mask;
      }
      case 'identifier': {
        const value = lookupConstant(this.table, token.text);
        if (value === undefined) {
          const suggestion = suggestName(token.text, Object.keys(this.table.constants));
          throw new Error(`${this.table.name} has no constant ${token.text}${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`);
        }
        return value & this.mask;
      }
      default:
        throw new Error(`unexpected '${token.text}'`);
    }
  }
}

/** Evaluates `text` as an argument of `table`'s word size; empty text is 0. Never throws. */
export function evaluateArgument(text: string, table: ArchTable): ValueResult {
  const mask = (1n << BigInt(table.bits)) - 1n;
  const tokens = tokenize(text).filter((token) => token.kind !== 'whitespace');
  if (tokens.length === 0) return { ok: true, value: 0n };
  try {
    return { ok: true, value: new ValueParser(tokens, table, mask).parse() };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
