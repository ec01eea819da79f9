"""Tokenizes texts with Python's `re`, using the token table of docs/policy-language.md §1.

Reads a JSON list of texts on stdin and prints, for each text, the list of
[kind, text, line] triples of its tokens (gaps between matches as INVALID). It is the
reference that tests/lexer-oracle.test.ts compares the TypeScript lexer with: Python's own
Unicode rules for \\s and \\b decide every boundary.
"""
import io
import json
import re
import sys

TABLE = (
    ('comment', r'#.*$'),
    ('whitespace', r'\s+'),
    ('continuation', r'\\$'),
    ('default', r'@default\b'),
    ('include', r'@include\b'),
    ('frequency', r'@frequency\b'),
    ('denylist', r'@denylist$'),
    ('path', r'(?:\.)?/\S+'),
    ('number', r'-?0[xX][0-9a-fA-F]+|-?0[0-7]+|-?[0-9]+'),
    ('colon', r':'),
    ('semicolon', r';'),
    ('comma', r','),
    ('tilde', r'~'),
    ('lparen', r'\('),
    ('rparen', r'\)'),
    ('lbrace', r'\{'),
    ('rbrace', r'\}'),
    ('rbracket', r'\]'),
    ('lbracket', r'\['),
    ('or', r'\|\|'),
    ('and', r'&&'),
    ('bitwiseor', r'\|'),
    ('operator', r'&|\bin\b|==|!=|<=|<|>=|>'),
    ('equal', r'='),
    ('argument', r'\barg[0-9]+\b'),
    ('return', r'\breturn\b'),
    ('action', r'\ballow\b|\bkill-process\b|\bkill-thread\b|\bkill\b|\btrap\b|\btrace\b|\blog\b|\buser-notify\b'),
    ('identifier', r'[a-zA-Z_][a-zA-Z_0-9-@]*'),
)
PATTERN = re.compile('|'.join('(?P<%s>%s)' % pair for pair in TABLE))


def tokens(text):
    out = []
    # newline=None: universal newlines, as when Minijail opens a policy file.
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        line = line.rstrip('\r\n')
        end = 0
        for match in PATTERN.finditer(line):
            if match.start() != end:
                out.append(['invalid', line[end:match.start()], number])
            out.append([match.lastgroup.replace('bitwiseor', 'bitwise-or'), match.group(), number])
            end = match.end()
        if end != len(line):
            out.append(['invalid', line[end:], number])
    return out


print(json.dumps([tokens(text) for text in json.load(sys.stdin)]))
