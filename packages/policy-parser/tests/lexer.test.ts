// Token kinds and boundaries of the lexer, following the Python compiler's regular expressions.
import { describe, expect, it } from 'vitest';
import { tokenize } from '../src/index.js';

/** `kind:text` of every token that carries syntax. */
function lex(text: string): string[] {
  return tokenize(text)
    .filter((token) => token.kind !== 'whitespace')
    .map((token) => `${token.kind}:${token.text}`);
}

describe('tokenize', () => {
  it.each([
    ['argnn is an identifier', 'argnn', ['identifier:argnn']],
    ['arg0n is an identifier', 'arg0n', ['identifier:arg0n']],
    ['arg12 is an argument', 'arg12', ['argument:arg12']],
    ['12abc is a number and an identifier', '12abc', ['number:12', 'identifier:abc']],
    ['a keyword right after a number is an identifier', '12in 1allow', ['number:12', 'identifier:in', 'number:1', 'identifier:allow']],
    ['08 is one decimal number', '08', ['number:08']],
    ['0758 is octal 075 then decimal 8', '0758', ['number:075', 'number:8']],
    ['0x without digits is 0 then an identifier', '0x', ['number:0', 'identifier:x']],
    ['negative hex', '-0x10', ['number:-0x10']],
    ['a lone minus is invalid', '- 1', ['invalid:-', 'number:1']],
    ['kill-process is one action', 'kill-process', ['action:kill-process']],
    ['kill-processx is kill then junk', 'kill-processx', ['action:kill', 'invalid:-', 'identifier:processx']],
    ['user-notify is one action', 'user-notify', ['action:user-notify']],
    ['user-notifyx is an identifier', 'user-notifyx', ['identifier:user-notifyx']],
    ['identifiers may hold - and @', 'io_x@libc-2', ['identifier:io_x@libc-2']],
    ['in is an operator only as a whole word', 'in int', ['operator:in', 'identifier:int']],
    ['return', 'return returns', ['return:return', 'identifier:returns']],
    ['operators, longest first', '== != <= < >= > & && || | =', ['operator:==', 'operator:!=', 'operator:<=', 'operator:<', 'operator:>=', 'operator:>', 'operator:&', 'and:&&', 'or:||', 'bitwise-or:|', 'equal:=']],
    ['punctuation', ':;,~(){}[]', ['colon::', 'semicolon:;', 'comma:,', 'tilde:~', 'lparen:(', 'rparen:)', 'lbrace:{', 'rbrace:}', 'lbracket:[', 'rbracket:]']],
    ['paths', '/abs/x ./rel/y ../no x/y', ['path:/abs/x', 'path:./rel/y', 'invalid:.', 'path:./no', 'identifier:x', 'path:/y']],
    ['a path takes every non-space character', '@include ./a#b:c', ['include:@include', 'path:./a#b:c']],
    ['directives need a word boundary', '@default @defaultx', ['default:@default', 'invalid:@', 'identifier:defaultx']],
    ['@denylist only at the end of the line', '@denylist', ['denylist:@denylist']],
    ['@denylist with a trailing space is invalid', '@denylist ', ['invalid:@', 'identifier:denylist']],
    ['a comment runs to the end of the line', 'read # x: y \\', ['identifier:read', 'comment:# x: y \\']],
    ['a backslash at the end continues', 'read: \\', ['identifier:read', 'colon::', 'continuation:\\']],
    ['Unicode whitespace separates tokens', 'read\u00a0:\u3000allow', ['identifier:read', 'colon::', 'action:allow']],
    ['a Unicode letter before a keyword blocks it', 'éallow', ['invalid:é', 'identifier:allow']],
    ['a Unicode letter after a keyword blocks it', 'allowé', ['identifier:allow', 'invalid:é']],
  ] as const)('%s', (_name, text, expected) => {
    expect(lex(text)).toEqual(expected);
  });

  it('keeps line and column of tokens on every line, with any line ending', () => {
    const tokens = tokenize('a: 1\r\nb: 2\rc: 3\nd');
    expect(tokens.filter((t) => t.kind === 'identifier').map((t) => [t.text, t.range.start.line, t.range.start.column, t.range.start.offset])).toEqual([
      ['a', 1, 1, 0],
      ['b', 2, 1, 6],
      ['c', 3, 1, 11],
      ['d', 4, 1, 16],
    ]);
  });
});
