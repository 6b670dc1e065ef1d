import { describe, expect, it } from "vitest";
import { parseChecksums, sha256FromDigest } from "../../src/picoclaw/checksums.js";

const A = "a".repeat(64);
const B = "0123456789abcdef".repeat(4);

describe("parseChecksums", () => {
  it("reads GoReleaser's checksums.txt (<sha256>  <name>)", () => {
    const text = `${A}  picoclaw_Linux_arm64.tar.gz\n${B}  picoclaw_Linux_x86_64.tar.gz\n`;
    expect(parseChecksums(text)).toEqual(
      new Map([
        ["picoclaw_Linux_arm64.tar.gz", A],
        ["picoclaw_Linux_x86_64.tar.gz", B],
      ]),
    );
  });

  it("reads sha256sum output with binary markers, paths, CRLF and upper case", () => {
    const text = `${A.toUpperCase()} *build/picoclaw-linux-arm64\r\n${B}  ./picoclaw-linux-riscv64\r\n`;
    expect(parseChecksums(text).get("picoclaw-linux-arm64")).toBe(A);
    expect(parseChecksums(text).get("picoclaw-linux-riscv64")).toBe(B);
  });

  it("skips lines that are not checksums", () => {
    const text = `# sums\n\nnot-a-hash  file\n${"f".repeat(63)}  short\n${A}  ok.tar.gz\n`;
    expect([...parseChecksums(text).keys()]).toEqual(["ok.tar.gz"]);
  });
});

describe("sha256FromDigest", () => {
  it("reads a GitHub asset digest", () => {
    expect(sha256FromDigest(`sha256:${A.toUpperCase()}`)).toBe(A);
  });

  it.each([null, undefined, "", `sha512:${A}`, "sha256:xyz", 42])("gives undefined for %j", (digest) => {
    expect(sha256FromDigest(digest)).toBeUndefined();
  });
});
