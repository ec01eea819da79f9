/**
 * Syntax colouring for the policy language in CodeMirror: a line tokenizer that follows the
 * lexer's token classes (comments, `@` directives, actions, `argN`, numbers, operators).
 * Colouring only; the real parser decides what is valid and reports it as diagnostics.
 */
import { HighlightStyle, StreamLanguage, type StringStream } from '@codemirror/language';
import { tags } from '@lezer/highlight';

const ACTION = /^(?:allow|kill-process|kill-thread|kill|trap|trace|log|user-notify|return)\b/;

function token(stream: StringStream): string | null {
  if (stream.eatSpace()) return null;
  if (stream.match('#')) {
    stream.skipToEnd();
    return 'comment';
  }
  if (stream.match(/^@(?:include|frequency|default|denylist)\b/)) return 'keyword';
  if (stream.match(/^\.?\/\S*/)) return 'string';
  if (stream.match(/^-?(?:0[xX][0-9a-fA-F]+|0[0-7]+|\d+)/)) return 'number';
  if (stream.match(/^(?:\|\||&&|==|!=|<=|>=|[<>&|~])/)) return 'operator';
  if (stream.match(/^arg\d+\b/)) return 'variableName.special';
  if (stream.match(/^in\b/)) return 'operator';
  if (stream.match(ACTION)) return 'atom';
  if (stream.match(/^[A-Z_][A-Z0-9_]*\b/)) return 'typeName';
  if (stream.match(/^[A-Za-z_][A-Za-z0-9_@-]*/)) return 'variableName';
  stream.next();
  return 'punctuation';
}

/** The policy language mode for CodeMirror. */
export const policyLanguage = StreamLanguage.define<null>({
  name: 'minijail-policy',
  startState: () => null,
  token,
  languageData: { commentTokens: { line: '#' } },
});

/** Colours of the token classes above (readable on white, distinct without relying on red/green alone). */
export const policyHighlightStyle = HighlightStyle.define([
  { tag: tags.comment, color: '#6a737d', fontStyle: 'italic' },
  { tag: tags.keyword, color: '#8a3ab9', fontWeight: '600' },
  { tag: tags.string, color: '#a33d12' },
  { tag: tags.number, color: '#116329' },
  { tag: tags.operator, color: '#5b4a00' },
  { tag: tags.atom, color: '#1f4fbf', fontWeight: '600' },
  { tag: tags.special(tags.variableName), color: '#0b7285' },
  { tag: tags.typeName, color: '#9a4f00' },
  { tag: tags.variableName, color: '#1d2330', fontWeight: '600' },
]);
