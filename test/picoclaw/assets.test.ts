import { describe, expect, it } from "vitest";
import type { Arch } from "../../src/config/schema.js";
import { archFromUname, assetCandidates } from "../../src/picoclaw/assets.js";

describe("archFromUname", () => {
  it.each([
    ["x86_64", "amd64"],
    ["aarch64", "arm64"],
    ["arm64", "arm64"],
    ["armv7l", "armv7"],
    ["armv6l", "armv6"],
    ["riscv64", "riscv64"],
    ["loongarch64", "loong64"],
    ["s390x", "s390x"],
    ["mipsel", "mipsle"],
    ["aarch64\n", "arm64"],
  ])("maps uname -m %j to %s", (machine, arch) => {
    expect(archFromUname(machine)).toBe(arch);
  });

  it.each(["i686", "mips", "", "mips64", "ppc64le"])("returns undefined for %j", (machine) => {
    expect(archFromUname(machine)).toBeUndefined();
  });
});

describe("assetCandidates", () => {
  it.each<[Arch, string, string]>([
    ["amd64", "picoclaw_Linux_x86_64.tar.gz", "picoclaw-linux-amd64"],
    ["arm64", "picoclaw_Linux_arm64.tar.gz", "picoclaw-linux-arm64"],
    ["riscv64", "picoclaw_Linux_riscv64.tar.gz", "picoclaw-linux-riscv64"],
    ["armv7", "picoclaw_Linux_armv7.tar.gz", "picoclaw-linux-armv7"],
    ["armv6", "picoclaw_Linux_armv6.tar.gz", "picoclaw-linux-armv6"],
    ["loong64", "picoclaw_Linux_loong64.tar.gz", "picoclaw-linux-loong64"],
    ["mipsle", "picoclaw_Linux_mipsle.tar.gz", "picoclaw-linux-mipsle"],
    ["s390x", "picoclaw_Linux_s390x.tar.gz", "picoclaw-linux-s390x"],
  ])("names the GoReleaser archive first, then v0.1.1's raw binary, for %s", (arch, archive, binary) => {
    expect(assetCandidates(arch)).toEqual([archive, binary]);
  });
});
