const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Parses a checksums file into `asset name -> lowercase sha256 hex`, because releases that
 * predate GitHub's per-asset `digest` only publish their hashes this way. Accepts GoReleaser's
 * `<sha256>  <name>` (`picoclaw_0.2.9_checksums.txt`) and `sha256sum` output with its binary
 * marker or a path (`<sha256> *build/picoclaw-linux-arm64`, v0.1.1's `sha256sums.txt`):
 * names are reduced to their base name. Lines that are not a checksum are skipped.
 */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/.exec(raw.trim());
    if (!match) continue;
    const name = match[2]!.split("/").pop()!;
    if (name) sums.set(name, match[1]!.toLowerCase());
  }
  return sums;
}

/**
 * Reads a GitHub asset `digest` (`sha256:<hex>`) into lowercase hex; `undefined` when the
 * digest is absent or uses another algorithm, so the caller falls back to a checksums file.
 */
export function sha256FromDigest(digest: unknown): string | undefined {
  if (typeof digest !== "string") return undefined;
  const [algorithm, hex] = digest.split(":", 2);
  if (algorithm?.toLowerCase() !== "sha256" || !hex) return undefined;
  const lower = hex.toLowerCase();
  return SHA256_HEX.test(lower) ? lower : undefined;
}
