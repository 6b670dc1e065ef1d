/** Most bytes one tool result carries, its text and its structuredContent together (issue 16): far below the 10 MiB a client's transport accepts. */
export const RESULT_BUDGET_BYTES = 1024 * 1024;

/** The most a result may ever take, however large the output cap: well below the client's 10 MiB. */
const CEILING_BYTES = 8 * 1024 * 1024;

/**
 * The budget of a tool that returns one task's whole row (task_status, task_kill, task_logs): room
 * for both capped streams (`tasks.output_cap_bytes` each), so that "the whole (capped) output stays
 * reachable" holds, within a ceiling still well below what a client accepts.
 */
export function wholeTaskBudget(outputCapBytes: number): number {
  return Math.min(Math.max(RESULT_BUDGET_BYTES, 2 * outputCapBytes + 64 * 1024), CEILING_BYTES);
}

/** Bytes a string takes in the JSON-RPC message (escapes included). */
function wireBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text));
}

interface Leaf {
  get(): string;
  set(value: string): void;
}

/** Every string of a JSON value, as leaves that can be rewritten in place (the value is a fresh copy). */
function leaves(value: unknown, out: Leaf[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => (typeof v === "string" ? out.push({ get: () => value[i], set: (s) => (value[i] = s) }) : leaves(v, out)));
  } else if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === "string") out.push({ get: () => obj[k] as string, set: (s) => (obj[k] = s) });
      else leaves(v, out);
    }
  }
}

/** The largest per-string size such that the strings, each cut to it, add up to at most `room`. */
function waterLevel(sizes: number[], room: number): number {
  const sorted = [...sizes].sort((a, b) => a - b);
  let used = 0;
  for (let i = 0; i < sorted.length; i++) {
    const level = Math.floor((room - used) / (sorted.length - i));
    if (sorted[i]! > level) return Math.max(level, 0);
    used += sorted[i]!;
  }
  return Number.MAX_SAFE_INTEGER;
}

/** Head and tail of `text` in about `keepBytes` bytes, with a marker saying how much was cut between them. */
function cut(text: string, keepBytes: number, size: number): { text: string; cutBytes: number } {
  const keep = Math.max(0, Math.floor((text.length * keepBytes) / size));
  const head = text.slice(0, Math.ceil(keep / 2));
  const tail = text.slice(text.length - Math.floor(keep / 2));
  const cutBytes = Buffer.byteLength(text) - Buffer.byteLength(head) - Buffer.byteLength(tail);
  return { text: `${head}\n[… ${cutBytes} bytes cut to keep this result within its byte budget; the whole output: task_status / task_logs …]\n${tail}`, cutBytes };
}

/**
 * A result cut to `budget` bytes, text and structuredContent together: the longest strings (task
 * output, mostly) are cut first, each to the same size, head and tail kept around a marker; and a
 * line saying what was cut, and where the rest is, is added to the text. A result within the
 * budget comes back as it was.
 */
export function fitBudget<T extends object>(structured: T, text: string, budget = RESULT_BUDGET_BYTES): { structured: T; text: string; cutBytes: number } {
  const total = () => Buffer.byteLength(JSON.stringify(structured)) + wireBytes(text);
  if (total() <= budget) return { structured, text, cutBytes: 0 };
  const copy = structuredClone(structured);
  let body = text;
  const all: Leaf[] = [{ get: () => body, set: (s) => (body = s) }];
  leaves(copy, all);
  const measure = () => Buffer.byteLength(JSON.stringify(copy)) + wireBytes(body);
  let cutBytes = 0;
  // Room for the markers and the note: 200 bytes a cut string, 1 KiB for the rest; a second pass mops up rounding.
  for (let pass = 0; pass < 4 && measure() > budget - 1024; pass++) {
    const sizes = all.map((l) => wireBytes(l.get()));
    const fixed = measure() - sizes.reduce((a, b) => a + b, 0);
    const room = budget - 1024 - fixed;
    const first = waterLevel(sizes, room);
    const level = waterLevel(sizes, room - 200 * sizes.filter((n) => n > first).length);
    all.forEach((leaf, i) => {
      if (sizes[i]! <= level) return;
      const c = cut(leaf.get(), level, sizes[i]!);
      leaf.set(c.text);
      cutBytes += c.cutBytes;
    });
  }
  const note = `\nCut: ${cutBytes} bytes of output left out (marked […]) to keep this result under ${budget} bytes; the whole (capped) output of any task is in task_status <task_id>, its last lines in task_logs <task_id>.`;
  return { structured: copy, text: body + note, cutBytes };
}
