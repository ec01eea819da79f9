/**
 * Syntax colouring for the policy language in CodeMirror: a line tokenizer that follows the
 * lexer's token classes (comments, `@` directives, actions, `argN`, numbers, operators).
 * Colouring only; the real parser decides what is valid and reports it as diagnostics.
 */
import { StreamLanguage, type StringStream } from '@codemirror/language';

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
  if (stream.match(/^[A-Z_][A-Z0-9_]*\b/)) return 'constant';
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
