/**
 * Draws the dispatch tree as SVG, left to right: number tests as boxes with a "yes" and a "no"
 * edge, leaves coloured by outcome (allowed, denied, argument filters). The path of the last
 * simulated syscall is drawn bold.
 */
import type { DisplayNode } from '../dispatch-view.js';
import { svg } from './dom.js';

const COLUMN = 190;
const ROW = 30;
const NODE_WIDTH = 164;
const NODE_HEIGHT = 22;
const MARGIN = 8;
const MAX_LABEL = 24;

interface Placed {
  readonly node: DisplayNode;
  readonly x: number;
  readonly y: number;
}

function shorten(text: string): string {
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}

function place(root: DisplayNode): { placed: Placed[]; edges: { from: Placed; to: Placed; label: string }[]; depth: number; rows: number } {
  const placed: Placed[] = [];
  const edges: { from: Placed; to: Placed; label: string }[] = [];
  let row = 0;
  let depth = 0;
  const visit = (node: DisplayNode, level: number): Placed => {
    depth = Math.max(depth, level);
    const x = MARGIN + level * COLUMN;
    if (node.kind === 'leaf') {
      const entry = { node, x, y: MARGIN + row++ * ROW };
      placed.push(entry);
      return entry;
    }
    // "yes" above, "no" below.
    const yes = visit(node.yes, level + 1);
    const no = visit(node.no, level + 1);
    const entry = { node, x, y: (yes.y + no.y) / 2 };
    placed.push(entry);
    edges.push({ from: entry, to: yes, label: 'yes' }, { from: entry, to: no, label: 'no' });
    return entry;
  };
  visit(root, 0);
  return { placed, edges, depth, rows: row };
}

/** Options of {@link drawTree}. */
export interface TreeDrawOptions {
  /** Node ids on the highlighted path. */
  readonly path?: ReadonlySet<number>;
  /** Called when a leaf is clicked. */
  readonly onLeaf?: (leaf: Extract<DisplayNode, { kind: 'leaf' }>) => void;
}

/** The tree as an SVG element. */
export function drawTree(root: DisplayNode, options: TreeDrawOptions = {}): SVGSVGElement {
  const { placed, edges, depth, rows } = place(root);
  const onPath = options.path ?? new Set<number>();
  const width = MARGIN * 2 + depth * COLUMN + NODE_WIDTH;
  const height = MARGIN * 2 + Math.max(rows - 1, 0) * ROW + NODE_HEIGHT;
  const image = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': 'Dispatch tree' });
  for (const edge of edges) {
    const x1 = edge.from.x + NODE_WIDTH;
    const y1 = edge.from.y + NODE_HEIGHT / 2;
    const x2 = edge.to.x;
    const y2 = edge.to.y + NODE_HEIGHT / 2;
    const middle = (x1 + x2) / 2;
    const active = onPath.has(edge.from.node.id) && onPath.has(edge.to.node.id);
    image.append(
      svg('path', { class: `edge${active ? ' on-path' : ''}`, d: `M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}` }),
      svg('text', { class: 'edge-label', x: x2 - 20, y: y2 - 3 }, edge.label),
    );
  }
  for (const { node, x, y } of placed) {
    const style = node.kind === 'leaf' ? ` leaf-${node.style}` : '';
    const group = svg(
      'g',
      { class: `node${style}${onPath.has(node.id) ? ' on-path' : ''}`, transform: `translate(${x},${y})`, 'data-node': node.id, 'data-x': x, 'data-y': y },
      svg('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 4 }),
      svg('text', { x: 6, y: 15 }, shorten(node.kind === 'leaf' ? `${node.label}: ${node.outcome}` : node.label)),
      svg('title', {}, node.kind === 'leaf' ? `pc ${node.pc}: ${node.names.join(', ') || 'no syscall'} (${node.numberCount} numbers) → ${node.outcome}` : `pc ${node.pc}: ${node.label}`),
    );
    if (node.kind === 'leaf' && options.onLeaf) {
      const handler = options.onLeaf;
      group.setAttribute('tabindex', '0');
      group.setAttribute('role', 'button');
      group.setAttribute('aria-label', `Try ${node.filteredSyscalls[0] ?? node.names[0] ?? 'this range'}: ${node.outcome}`);
      group.addEventListener('click', () => {
        handler(node);
      });
      group.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          handler(node);
        }
      });
    }
    image.append(group);
  }
  return image;
}

/**
 * Scrolls the tree's container so that node `id` is in view (vertically centred), without
 * scrolling the page around it.
 */
export function scrollTreeTo(container: HTMLElement, id: number): void {
  const node = container.querySelector(`[data-node="${id}"]`);
  if (!node) return;
  const x = Number(node.getAttribute('data-x'));
  const y = Number(node.getAttribute('data-y'));
  container.scrollTo({ left: Math.max(0, x - container.clientWidth + NODE_WIDTH + 2 * MARGIN), top: Math.max(0, y - container.clientHeight / 2) });
}
