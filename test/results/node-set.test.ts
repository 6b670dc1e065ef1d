import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { foldHosts } from "../../src/results/node-set.js";

/** The names a folded string stands for, expanded again (digits keep the width they are written with). */
function expand(folded: string): string[] {
  const out: string[] = [];
  for (const part of folded.match(/[^,[]*(\[[^\]]*\])?[^,]*/g)!.filter(Boolean)) {
    const m = /^(.*)\[(.*)\](.*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    for (const range of m[2]!.split(",")) {
      const [a, b = a] = range.split("-") as [string, string?];
      if (/^[a-z]$/.test(a)) for (let c = a.charCodeAt(0); c <= b!.charCodeAt(0); c++) out.push(`${m[1]}${String.fromCharCode(c)}${m[3]}`);
      else for (let n = Number(a); n <= Number(b); n++) out.push(`${m[1]}${String(n).padStart(a.length === b!.length ? a.length : 0, "0")}${m[3]}`);
    }
  }
  return out;
}

describe("foldHosts", () => {
  it("folds numbered names into ranges, keeping zero padding", () => {
    expect(foldHosts(["host01", "host02", "host03", "host07"])).toBe("host[01-03,07]");
    expect(foldHosts(["host09", "host10", "host11"])).toBe("host[09-11]");
    expect(foldHosts(["h9", "h10", "h11"])).toBe("h[9-11]");
    expect(foldHosts(["h9", "h09"])).toBe("h[9,09]");
  });

  it("folds trailing letters, leaves other names alone, sorts and drops duplicates", () => {
    expect(foldHosts(["pi-c", "pi-a", "pi-b", "gw", "host02", "host01", "gw"])).toBe("gw,host[01-02],pi-[a-c]");
    expect(foldHosts(["local"])).toBe("local");
    expect(foldHosts(["rack1-node3", "rack1-node4", "rack2-node3"])).toBe("rack1-node[3-4],rack2-node3");
  });

  it("keeps a suffix after the number", () => {
    expect(foldHosts(["n1.lan", "n2.lan", "n3.lan"])).toBe("n[1-3].lan");
  });

  it("stands for exactly the names it was given (200 hosts and random names)", () => {
    const many = Array.from({ length: 200 }, (_, i) => `h${String(i + 1).padStart(3, "0")}`);
    expect(foldHosts(many)).toBe("h[001-200]");
    const name = fc.oneof(fc.stringMatching(/^[a-z]{1,4}[0-9]{1,3}$/), fc.stringMatching(/^[a-z]{1,3}-[a-z]$/), fc.constantFrom("gw", "local"));
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 40 }), (names) => {
        expect(expand(foldHosts(names)).sort()).toEqual([...names].sort());
      }),
    );
  });
});
