/** What `h` takes as children: nodes, text, nested lists; null, undefined and false are left out. */
export type Child = Node | string | number | null | undefined | false | Child[];

/**
 * Builds an element: attributes by name (`class`, `title`, `aria-*`, `data-*`) and children. Text goes
 * in as text nodes, never as HTML, so whatever a host printed cannot become markup on the page.
 */
export function h(tag: string, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el: HTMLElement, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Every outcome the page shows, with the symbol and word that say it without colour. */
const STATUS: Record<string, [symbol: string, word: string]> = {
  succeeded: ["✓", "succeeded"],
  failed: ["✗", "failed"],
  timed_out: ["⏱", "timed out"],
  unreachable: ["⊘", "unreachable"],
  cancelled: ["⊖", "cancelled"],
  running: ["◌", "running"],
  skipped: ["↷", "skipped"],
  up: ["✓", "up"],
  down: ["✗", "down"],
};

/** A status badge: symbol, word and a colour class (`st-failed`), so colour is never the only signal. */
export function badge(status: string, count?: number): HTMLElement {
  const [symbol, word] = STATUS[status] ?? ["•", status];
  return h("span", { class: `badge st-${status}` }, `${symbol} ${count === undefined ? word : `${count} ${word}`}`);
}

/** Megabytes as a person reads them: 950M, 12.4G. */
export function megabytes(mb: number | null): string | null {
  if (mb === null) return null;
  return mb >= 1024 ? `${(mb / 1024).toFixed(mb >= 10_240 ? 0 : 1)}G` : `${Math.round(mb)}M`;
}

/** Milliseconds as seconds (`4.2 s`) or minutes (`3 min 10 s`). */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A clock time (`14:03:27`) for an ISO date or epoch milliseconds. */
export function clock(at: string | number): string {
  return new Date(at).toLocaleTimeString([], { hour12: false });
}
