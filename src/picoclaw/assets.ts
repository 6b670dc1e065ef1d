import type { Arch } from "../config/schema.js";

// `uname -m` spellings -> PicoClaw's architecture names. Both arm64 spellings occur:
// Linux says aarch64, macOS and some BSDs say arm64.
const UNAME_TO_ARCH: Readonly<Record<string, Arch>> = {
  x86_64: "amd64",
  amd64: "amd64",
  aarch64: "arm64",
  arm64: "arm64",
  armv7l: "armv7",
  armv6l: "armv6",
  riscv64: "riscv64",
  loongarch64: "loong64",
  s390x: "s390x",
  // Linux says "mips" for both byte orders; the probe appends "el" when /bin/sh is little-endian.
  mipsel: "mipsle",
};

// GoReleaser's archive name_template (sipeed/picoclaw .goreleaser.yaml) spells amd64 as
// x86_64 so the name matches `uname -m`; arm builds get their GOARM suffix (armv6, armv7); the
// mipsle build is softfloat, and its name carries no GOMIPS suffix.
const GORELEASER_ARCH: Readonly<Record<Arch, string>> = {
  amd64: "x86_64",
  arm64: "arm64",
  riscv64: "riscv64",
  armv7: "armv7",
  armv6: "armv6",
  loong64: "loong64",
  mipsle: "mipsle",
  s390x: "s390x",
};

/**
 * Maps the output of `uname -m` on a host to the PicoClaw architecture to download,
 * so hosts without an `arch` in the config are detected. Unknown machines give `undefined`.
 */
export function archFromUname(machine: string): Arch | undefined {
  return UNAME_TO_ARCH[machine.trim()];
}

/**
 * Release asset names for one architecture, most preferred first: the GoReleaser
 * `picoclaw_Linux_<arch>.tar.gz` archives of every release since v0.1.2, then the raw
 * `picoclaw-linux-<arch>` binaries that v0.1.1 alone shipped.
 */
export function assetCandidates(arch: Arch): string[] {
  return [`picoclaw_Linux_${GORELEASER_ARCH[arch]}.tar.gz`, `picoclaw-linux-${arch}`];
}
