/**
 * The "try a syscall" form: a syscall name (or number), six arguments written as in a policy
 * (`O_RDONLY|O_CLOEXEC`, `0x10`, `~0`), and the verdict: the action, why, and whether the
 * emulated program and the reference semantics agree.
 */
import type { RuleLink } from '../program-map.js';
import type { SimulationResult, SyscallRequest } from '../simulate.js';
import { h } from './dom.js';

/** The form and its result area. */
export class SimulatorPanel {
  readonly element: HTMLElement;
  private readonly syscallInput = h('input', { id: 'try-syscall', attrs: { type: 'text', placeholder: 'openat', autocomplete: 'off', spellcheck: 'false', list: 'syscall-names', 'aria-label': 'Syscall' } });
  private readonly argInputs = Array.from({ length: 6 }, (_, index) =>
    h('input', { id: `try-arg${index}`, attrs: { type: 'text', placeholder: `arg${index}`, autocomplete: 'off', spellcheck: 'false', 'aria-label': `arg${index}` } }),
  );
  private readonly names = h('datalist', { id: 'syscall-names' });
  private readonly verdict = h('div', { class: 'verdict', id: 'verdict', attrs: { 'aria-live': 'polite' } });

  constructor(
    private readonly onRun: (request: SyscallRequest) => void,
    private readonly onLink: (link: RuleLink) => void,
  ) {
    const form = h(
      'form',
      { class: 'try' },
      h('label', { attrs: { for: 'try-syscall' } }, 'syscall'),
      this.syscallInput,
      h('label', {}, 'args'),
      h('div', { class: 'args' }, ...this.argInputs),
      h('button', { attrs: { type: 'submit' } }, 'Run'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.onRun(this.request);
    });
    this.verdict.hidden = true;
    this.element = h('div', {}, form, this.names, this.verdict);
  }

  /** What the form holds now. */
  get request(): SyscallRequest {
    return { syscall: this.syscallInput.value, args: this.argInputs.map((input) => input.value) };
  }

  /** Fills the form (e.g. from a click on a tree leaf) and runs it. */
  fill(request: SyscallRequest): void {
    this.syscallInput.value = request.syscall;
    this.argInputs.forEach((input, index) => {
      input.value = request.args[index] ?? '';
    });
    this.onRun(this.request);
  }

  /** Offers the architecture's syscall names for completion. */
  setSyscallNames(names: readonly string[]): void {
    this.names.replaceChildren(...names.map((name) => h('option', { attrs: { value: name } })));
  }

  /** Shows a result, or hides the verdict for `undefined`. */
  show(result: SimulationResult | undefined, unavailable?: string): void {
    this.verdict.hidden = result === undefined && unavailable === undefined;
    if (result === undefined) {
      this.verdict.className = 'verdict';
      this.verdict.replaceChildren(unavailable ?? '');
      return;
    }
    if (!result.ok) {
      this.verdict.className = 'verdict error';
      this.verdict.replaceChildren(h('span', { class: 'problem' }, result.message));
      return;
    }
    const who = `${result.name ?? `syscall ${result.nr}`} (nr ${result.nr})`;
    const action = result.errnoName === undefined ? result.actionText : `${result.actionText} ${result.errnoName}`;
    const link = result.link;
    this.verdict.className = `verdict ${result.allowed ? 'allow' : 'deny'}`;
    this.verdict.replaceChildren(
      h('span', {}, `${who} → `),
      h('span', { class: 'action', id: 'verdict-action' }, action),
      h(
        'span',
        { class: 'why' },
        `Decided by ${result.reason}`,
        link ? ': ' : '',
        link ? h('a', { class: 'rule-link', title: 'Show the rule in the editor', onClick: () => { this.onLink(link); } }, link.label) : '',
        `. ${result.path.length} instructions executed.`,
      ),
      h(
        'span',
        { class: `why agreement${result.agrees ? '' : ' disagree'}` },
        result.agrees
          ? `The reference interpreter agrees (${result.referenceText}).`
          : `The reference interpreter says ${result.referenceText}: the compiled program and the policy disagree (a compiler bug).`,
      ),
    );
  }
}
