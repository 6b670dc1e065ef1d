import type { z } from "zod";

/** A zod schema seen through its definition, as far as walking to an object's keys needs. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
  keyType?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The keys the object (or enum-keyed record) schema at `path` inside `schema` accepts (array indexes and wrappers stepped through). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let def = defOf(schema);
  const rest = [...path];
  for (;;) {
    if (def.innerType) def = defOf(def.innerType);
    else if (def.type === "pipe" && def.in) def = defOf(def.in);
    else if (def.type === "array" && def.element && typeof rest[0] === "number") {
      rest.shift();
      def = defOf(def.element);
    } else if (def.type === "object" && def.shape && rest.length > 0) {
      const next = def.shape[String(rest.shift())];
      if (!next) return [];
      def = defOf(next);
    } else break;
  }
  if (def.type === "record" && def.keyType) return [...((def.keyType as unknown as { _zod: { values?: Set<string> } })._zod.values ?? [])];
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** Levenshtein distance: how many one-letter edits turn `a` into `b`. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * What to say about a key nobody reads: the nearest known key when it is a plausible misspelling
 * (`did you mean policy?`), else the list of keys that would be read there.
 */
export function unknownKeyHint(key: string, known: readonly string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const ranked = known.map((k) => ({ k, d: Math.min(distance(key, k), distance(norm(key), norm(k))) })).sort((x, y) => x.d - y.d);
  const best = ranked[0];
  if (best && best.d <= Math.max(2, Math.floor(best.k.length / 3))) return `unknown key; did you mean ${best.k}?`;
  return known.length ? `unknown key; the keys read here are ${known.join(", ")}` : "unknown key";
}
