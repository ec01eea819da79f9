/**
 * The policy editor: one CodeMirror view whose document is swapped per tab (each file keeps
 * its own editor state, so undo history survives tab switches), with diagnostics shown as
 * underlines and gutter markers through CodeMirror's lint extension.
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic as EditorDiagnostic } from '@codemirror/lint';
import { EditorSelection, EditorState, type Extension } from '@codemirror/state';
import {
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

/** One editor for many files. */
export class PolicyEditor {
  readonly view: EditorView;
  private readonly states = new Map<string, EditorState>();
  private readonly marks = new Map<string, readonly EditorMark[]>();
  private current: string | undefined;
  private readonly extensions: Extension[];

  constructor(parent: HTMLElement, onChange: (path: string, text: string) => void) {
    this.extensions = [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      history(),
      drawSelection(),
      policyLanguage,
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
