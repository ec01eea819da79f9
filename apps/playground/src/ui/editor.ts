/**
 * The policy editor: one CodeMirror view whose document is swapped per tab (each file keeps
 * its own editor state, so undo history survives tab switches), with diagnostics shown as
 * underlines and gutter markers through CodeMirror's lint extension.
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic as EditorDiagnostic } from '@codemirror/lint';
import { EditorSelection, EditorState, StateEffect, StateField, type Extension } from '@codemirror/state';
import {
  Decoration,
  type DecorationSet,
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { policyHighlightStyle, policyLanguage } from './highlight.js';

/** A diagnostic to underline, by 0-based offsets into the file's text. */
export interface EditorMark {
  readonly from: number;
  readonly to: number;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  /** Extra text shown under the message, e.g. the diagnostic's code. */
  readonly source?: string;
}

/** A range of a file to mark as the rule that decided the last simulated syscall. */
export interface RuleHighlight {
  readonly file: string;
  readonly from: number;
  readonly to: number;
}

const setRuleHighlight = StateEffect.define<{ from: number; to: number } | null>();
const decidingRuleMark = Decoration.mark({ class: 'cm-deciding-rule', attributes: { title: 'decided the last syscall you tried' } });

/** The deciding-rule mark of one file's state; it follows edits until replaced. */
const ruleHighlightField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, transaction) {
    let next = marks.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (effect.is(setRuleHighlight)) next = effect.value && effect.value.to > effect.value.from ? Decoration.set([decidingRuleMark.range(effect.value.from, effect.value.to)]) : Decoration.none;
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** One editor for many files. */
export class PolicyEditor {
  readonly view: EditorView;
  private readonly states = new Map<string, EditorState>();
  private readonly marks = new Map<string, readonly EditorMark[]>();
  private current: string | undefined;
  private highlight: RuleHighlight | undefined;
  private readonly extensions: Extension[];

  constructor(parent: HTMLElement, onChange: (path: string, text: string) => void) {
    this.extensions = [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      history(),
      drawSelection(),
      policyLanguage,
      ruleHighlightField,
      syntaxHighlighting(policyHighlightStyle),
      lintGutter(),
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': 'Policy file', spellcheck: 'false' }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged && this.current !== undefined) onChange(this.current, update.state.doc.toString());
      }),
    ];
    this.view = new EditorView({ parent, state: EditorState.create({ doc: '', extensions: this.extensions }) });
  }

  /** Shows `path`, creating its editor state from `text` the first time. */
  open(path: string, text: string): void {
    if (this.current !== undefined) this.states.set(this.current, this.view.state);
    let state = this.states.get(path);
    if (!state || state.doc.toString() !== text) state = EditorState.create({ doc: text, extensions: this.extensions });
    this.current = path;
    this.view.setState(state);
    this.applyMarks();
    this.applyHighlight();
  }

  /** Forgets a file (closed tab or renamed file). */
  forget(path: string): void {
    this.states.delete(path);
    this.marks.delete(path);
    if (this.current === path) this.current = undefined;
  }

  /** The path shown now. */
  get currentPath(): string | undefined {
    return this.current;
  }

  /** Replaces the diagnostics of every file; those of the file shown are drawn at once. */
  setMarks(marksByFile: ReadonlyMap<string, readonly EditorMark[]>): void {
    this.marks.clear();
    for (const [path, marks] of marksByFile) this.marks.set(path, marks);
    this.applyMarks();
  }

  /** Marks the rule that decided the last simulation (in whichever file it is), or clears it. */
  highlightRule(highlight: RuleHighlight | undefined): void {
    this.highlight = highlight;
    this.applyHighlight();
  }

  private applyHighlight(): void {
    const highlight = this.highlight;
    const length = this.view.state.doc.length;
    const shown = highlight !== undefined && highlight.file === this.current && highlight.to <= length;
    this.view.dispatch({ effects: setRuleHighlight.of(shown ? { from: highlight.from, to: highlight.to } : null) });
  }

  /** Puts the cursor on a range of the file shown and scrolls it into view. */
  reveal(from: number, to: number): void {
    const length = this.view.state.doc.length;
    const anchor = Math.min(from, length);
    const head = Math.min(Math.max(to, anchor), length);
    this.view.dispatch({
      selection: EditorSelection.single(anchor, head),
      effects: EditorView.scrollIntoView(anchor, { y: 'center' }),
    });
    this.view.focus();
  }

  private applyMarks(): void {
    const length = this.view.state.doc.length;
    const marks = this.current === undefined ? [] : (this.marks.get(this.current) ?? []);
    const diagnostics: EditorDiagnostic[] = marks.map((mark) => {
      const from = Math.min(mark.from, length);
      return {
        from,
        to: Math.min(Math.max(mark.to, from), length),
        severity: mark.severity,
        message: mark.message,
        ...(mark.source === undefined ? {} : { source: mark.source }),
      };
    });
    this.view.dispatch(setDiagnostics(this.view.state, diagnostics));
  }
}
