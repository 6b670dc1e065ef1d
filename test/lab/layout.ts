import { join } from "node:path";

/** The lab-wide facts a host's name, address and account are derived from. */
export interface Layout {
  prefix: string;
  /** Where homes appear in /etc/passwd: a stable symlink to the lab dir's `homes`. */
  homesLink: string;
}

/** `h01`, `h02`, ...: two digits, more when the lab has more than 99 hosts. */
export function hostName(index: number, total: number): string {
  return `h${String(index + 1).padStart(Math.max(2, String(total).length), "0")}`;
}

/** The Unix user that plays host `name` in the lab with `prefix`. */
export function userName(layout: Layout, name: string): string {
  return `${layout.prefix}-${name}`;
}

/** The user's home as /etc/passwd records it. */
export function homeOf(layout: Layout, name: string): string {
  return join(layout.homesLink, userName(layout, name));
}

/**
 * The loopback address of the lab's `index`-th host: `pl<N>` gets 127.(100+N).*.*, any other prefix a hashed
 * second octet from 200, so concurrent labs rarely share an address (and a shared one only costs a port retry).
 */
export function loopback(prefix: string, index: number): string {
  const slot = /^pl(\d+)$/.exec(prefix);
  const hash = [...prefix].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const octet = slot && Number(slot[1]) < 100 ? 100 + Number(slot[1]) : 200 + (hash % 55);
  return `127.${octet}.${Math.floor(index / 200)}.${10 + (index % 200)}`;
}
