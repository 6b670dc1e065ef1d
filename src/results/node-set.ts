/**
 * Host names folded into node-range form, as ClusterShell's NodeSet and pdsh's `dshbak -c` print
 * them: `host01,host02,host03,pi-a,pi-b,pi-c,gw` -> `gw,host[01-03],pi-[a-c]`.
 *
 * A name's variable part is its last run of digits (zero padding kept: `host[09-10]` folds, `h9`
 * and `h09` do not share a range), or else a single trailing lowercase letter after a non-letter
 * (`pi-a`). Names that share the rest are folded into one bracket; any other name stays as it is.
 */

interface Member {
  /** What the name was split at: the digits or the letter. */
  text: string;
  /** Its value, for ordering and for telling consecutive members. */
  value: number;
}

/** `prefix` + variable + `suffix`; `kind` keeps digit and letter members apart. */
function split(name: string): { key: string; prefix: string; suffix: string; member: Member } | null {
  const digits = /^(.*?)(\d+)(\D*)$/.exec(name);
  if (digits) {
    const [, prefix, text, suffix] = digits as unknown as [string, string, string, string];
    return { key: `d\u0000${prefix}\u0000${suffix}`, prefix, suffix, member: { text, value: Number(text) } };
  }
  const letter = /^(.*[^a-z])([a-z])$/.exec(name);
  if (letter) {
    const [, prefix, text] = letter as unknown as [string, string, string];
    return { key: `l\u0000${prefix}`, prefix, suffix: "", member: { text, value: text.charCodeAt(0) } };
  }
  return null;
}

/** Two members are one range's neighbours when consecutive and of one width (or neither zero-padded). */
function follows(prev: Member, next: Member): boolean {
  if (next.value !== prev.value + 1) return false;
  const padded = (m: Member) => m.text.length > 1 && m.text.startsWith("0");
  return next.text.length === prev.text.length || (!padded(prev) && !padded(next));
}

/** `01-03,07`: sorted members, consecutive runs joined. */
function ranges(members: Member[]): string {
  const sorted = [...members].sort((a, b) => a.value - b.value || a.text.length - b.text.length);
  const out: string[] = [];
  let start = sorted[0]!;
  let prev = start;
  for (const m of [...sorted.slice(1), null]) {
    if (m && follows(prev, m)) {
      prev = m;
      continue;
    }
    out.push(start === prev ? start.text : `${start.text}-${prev.text}`);
    if (m) start = prev = m;
  }
  return out.join(",");
}

/** Host names in node-range form, comma-separated and sorted; duplicates are shown once. */
export function foldHosts(names: readonly string[]): string {
  const folds = new Map<string, { prefix: string; suffix: string; members: Member[] }>();
  const plain: string[] = [];
  for (const name of new Set(names)) {
    const s = split(name);
    if (!s) {
      plain.push(name);
      continue;
    }
    const fold = folds.get(s.key) ?? { prefix: s.prefix, suffix: s.suffix, members: [] };
    fold.members.push(s.member);
    folds.set(s.key, fold);
  }
  const parts = [...folds.values()].map((f) =>
    f.members.length === 1 ? { sort: f.prefix, text: `${f.prefix}${f.members[0]!.text}${f.suffix}` } : { sort: f.prefix, text: `${f.prefix}[${ranges(f.members)}]${f.suffix}` },
  );
  for (const name of plain) parts.push({ sort: name, text: name });
  return parts
    .sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : a.text < b.text ? -1 : 1))
    .map((p) => p.text)
    .join(",");
}
