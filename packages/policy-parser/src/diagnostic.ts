/**
 * The one diagnostic type of the whole Syscage toolchain. Every phase (parser, resolver,
 * code generator, runner, CLI) reports problems with it; none of them throws for bad input.
 */

/** How serious a diagnostic is. `error` makes a command fail; `warning` and `info` do not. */
export type Severity = 'error' | 'warning' | 'info';

/** A point in a source text. `line` and `column` are 1-based; `offset` is a 0-based UTF-16 index. */
export interface Position {
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column: UTF-16 code units from the start of the line, plus one. */
  readonly column: number;
  /** 0-based UTF-16 index into the text. */
  readonly offset: number;
}

/** A half-open range `[start, end)` of a source text. */
export interface SourceRange {
  /** First character of the range. */
  readonly start: Position;
  /** Just past the last character of the range. */
  readonly end: Position;
}

/** Another place that explains a diagnostic: the earlier rule it conflicts with, an include site. */
export interface RelatedLocation {
  /** What the location shows, e.g. "previous definition". */
  readonly message: string;
  /** The file the range refers to. */
  readonly file: string;
  /** The place shown. */
  readonly range: SourceRange;
}

/**
 * A problem found in an input, with a stable code.
 *
 * Code ranges: `SC1xxx` parser, `SC2xxx` include resolver, `SC3xxx` tree naming convention,
 * `SC4xxx` lowering and code generation, `SC5xxx` jail runner, `SC6xxx` architecture
 * descriptions (Minijail's `constants.json`), `SC9xxx` command line.
 */
export interface Diagnostic {
  /** Stable identifier, e.g. `SC1001`. Never reused for another meaning. */
  readonly code: string;
  /** How serious it is. */
  readonly severity: Severity;
  /** One sentence, lower-case start, no trailing period. */
  readonly message: string;
  /** The file the range refers to, as the caller named it. */
  readonly file: string;
  /** Where the problem is; an empty range points between two characters (e.g. just past the end of a line). */
  readonly range: SourceRange;
  /** Further places worth showing: previous definitions, the include chain that led here. */
  readonly related?: readonly RelatedLocation[];
  /** A fix to offer, e.g. "did you mean `openat`?". */
  readonly suggestion?: string;
}
