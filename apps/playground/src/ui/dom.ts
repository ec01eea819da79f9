/** A tiny element builder: the playground has no UI framework, only the DOM. */

type Child = Node | string | false | null | undefined;

/** Properties settable on a new element; `class`, `dataset` keys and `on*` listeners included. */
export interface ElementProps {
  readonly class?: string;
  readonly title?: string;
  readonly id?: string;
  readonly dataset?: Readonly<Record<string, string>>;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly onClick?: (event: MouseEvent) => void;
}

/** Creates an HTML element with properties and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class !== undefined) element.className = props.class;
  if (props.title !== undefined) element.title = props.title;
  if (props.id !== undefined) element.id = props.id;
  for (const [key, value] of Object.entries(props.dataset ?? {})) element.dataset[key] = value;
  for (const [key, value] of Object.entries(props.attrs ?? {})) element.setAttribute(key, value);
  if (props.onClick) (element as HTMLElement).addEventListener('click', props.onClick);
  for (const child of children) if (child !== false && child !== null && child !== undefined) element.append(child);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string | number>> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  element.append(...children);
  return element;
}
