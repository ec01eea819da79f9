/**
 * The disassembly listing: one row per instruction with the rules it comes from. Clicking a
 * rule opens it in the editor; the last simulated syscall's path is highlighted.
 */
import type { CompiledView } from '../compiled.js';
import type { RuleLink } from '../program-map.js';
import { h } from './dom.js';

/** Options of {@link drawDisassembly}. */
export interface DisassemblyOptions {
  readonly onLink: (link: RuleLink) => void;
}

/** The listing as a table; rows carry `data-pc`. */
export function drawDisassembly(compiled: CompiledView, options: DisassemblyOptions): HTMLTableElement {
  const rows = compiled.instructions.map((line, pc) => {
    const origin = compiled.origins[pc];
    const links = origin?.links ?? [];
    const first = links[0];
    const syscalls = origin?.syscalls ?? [];
    const title = [
      links.length > 0 ? `From:\n${links.map((link) => `  ${link.label}`).join('\n')}` : '',
      syscalls.length > 0 ? `Reached by: ${syscalls.length === compiled.lowered.syscalls.length ? 'every listed syscall' : syscalls.join(', ')}` : 'Reached by no listed syscall',
    ]
      .filter((part) => part !== '')
      .join('\n');
    const originCell = first
      ? h('td', { class: 'origin', title, onClick: () => { options.onLink(first); } }, links.length > 1 ? `${first.label} +${links.length - 1}` : first.label)
      : h('td', { class: 'origin none', title }, '');
    return h(
      'tr',
      { dataset: { pc: String(pc) } },
      h('td', { class: 'pc' }, String(pc)),
      h('td', { class: 'insn' }, line.text.replace(/^\s*\d+:\s/, '')),
      originCell,
    );
  });
  return h('table', {}, h('tbody', {}, ...rows));
}

/** Marks the rows of `path` (and its last row as the deciding one); clears marks when empty. */
export function highlightPath(table: HTMLTableElement, path: readonly number[]): void {
  const onPath = new Set(path);
  const decider = path[path.length - 1];
  for (const row of Array.from(table.rows)) {
    const pc = Number(row.dataset['pc']);
    row.classList.toggle('on-path', onPath.has(pc));
    row.classList.toggle('decider', pc === decider);
  }
  // Scroll only the listing's own container, never the page around it.
  const deciding = decider === undefined ? undefined : table.querySelector<HTMLElement>(`tr[data-pc="${decider}"]`);
  const container = table.parentElement;
  if (deciding && container) {
    const offset = deciding.getBoundingClientRect().top - container.getBoundingClientRect().top;
    container.scrollTop = Math.max(0, container.scrollTop + offset - container.clientHeight / 2);
  }
}
