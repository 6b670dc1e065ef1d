import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeFrame } from "../../src/claw/apa102.js";
import { BLINKT_DRIVER } from "../../src/claw/blinkt-driver.js";
import { blankStrip, mergePatch, planAction } from "../../src/claw/strip.js";

// Fake libgpiod Python bindings that log every (data, clock) level pair, so the bit-banged frame can be read back.
const FAKE_V2 = {
  "gpiod/__init__.py": `import json, os
from . import line
class LineSettings:
    def __init__(self, direction=None, output_value=None): pass
class _Request:
    def __init__(self, chip, config):
        (self.data, self.clock), = config.keys()
        self.log = open(os.environ["FAKE_GPIO_LOG"], "a")
    def set_values(self, values):
        self.log.write(json.dumps([values[self.data].value, values[self.clock].value]) + "\\n")
    def release(self): self.log.close()
def request_lines(chip, consumer=None, config=None): return _Request(chip, config)
`,
  "gpiod/line.py": `import enum
class Direction(enum.Enum):
    INPUT = 1
    OUTPUT = 2
class Value(enum.Enum):
    INACTIVE = 0
    ACTIVE = 1
`,
};
const FAKE_V1 = {
  "gpiod.py": `import json, os
LINE_REQ_DIR_OUT = 3
class _Bulk:
    def request(self, consumer=None, type=None, default_vals=None):
        self.log = open(os.environ["FAKE_GPIO_LOG"], "a")
    def set_values(self, values): self.log.write(json.dumps(values) + "\\n")
    def release(self): self.log.close()
class Chip:
    def __init__(self, name): pass
    def get_lines(self, offsets): return _Bulk()
`,
};

const dir = mkdtempSync(join(tmpdir(), "blinkt-driver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const driver = join(dir, "driver.py");
writeFileSync(driver, BLINKT_DRIVER);
const chip = join(dir, "gpiochip0");
writeFileSync(chip, "");

function run(name: string, fake: Record<string, string> | undefined, patch: object, extraArgs: string[] = []) {
  const lib = join(dir, name, "lib");
  for (const [file, text] of Object.entries(fake ?? {})) {
    mkdirSync(join(lib, file, ".."), { recursive: true });
    writeFileSync(join(lib, file), text);
  }
  const log = join(dir, name, "gpio.log");
  const state = join(dir, name, "state.json");
  const res = spawnSync("python3", [driver, "--state", state, "--chip", chip, ...extraArgs], {
    input: JSON.stringify(patch),
    env: { PATH: process.env.PATH, PYTHONPATH: lib, FAKE_GPIO_LOG: log },
    encoding: "utf8",
  });
  let levels: number[][] = [];
  try {
    levels = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as number[]);
  } catch {
    levels = [];
  }
  return { ...res, out: res.stdout ? JSON.parse(res.stdout) : undefined, levels, state };
}

// Samples the data line at each rising clock edge, MSB first, as an APA102 does.
function framesFrom(levels: number[][]): Buffer {
  const bits: number[] = [];
  let clock = 0;
  for (const [d, c] of levels) {
    if (c === 1 && clock === 0) bits.push(d!);
    clock = c!;
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
  return Buffer.from(bytes);
}

const patch = planAction({ action: "set", pixels: [{ index: 3, color: "#ff8800", brightness: 1 }, { index: 0, color: "blue" }] });
const expected = encodeFrame(mergePatch(blankStrip(), patch));

describe("the uploaded Blinkt! driver", () => {
  for (const [name, fake] of [["libgpiod v2", FAKE_V2], ["libgpiod v1", FAKE_V1]] as const) {
    it(`bit-bangs the same APA102 frame as encodeFrame through ${name}`, () => {
      const res = run(name.replace(/\W/g, ""), fake, patch);
      expect(res.stderr).toBe("");
      expect(res.status).toBe(0);
      expect(res.out.mode).toBe("gpio");
      expect(framesFrom(res.levels).toString("hex")).toBe(expected.toString("hex"));
      expect(res.out.frame).toBe(expected.toString("hex"));
      expect(JSON.parse(readFileSync(res.state, "utf8")).pixels[3]).toEqual({ index: 3, r: 255, g: 136, b: 0, brightness: 1 });
    });
  }

  it("fades a pulse before holding the colour, and leaves the strip alone on get", () => {
    const pulse = run("pulse", FAKE_V2, planAction({ action: "pulse" }));
    const frames = framesFrom(pulse.levels);
    expect(frames.length / expected.length).toBe(23);
    expect(frames.subarray(-expected.length).toString("hex")).toBe(pulse.out.frame);
    const before = pulse.levels.length;
    const get = run("pulse", FAKE_V2, { pixels: [], pulse: false });
    expect(get.levels.length).toBe(before);
    expect(get.out.pixels[0]).toMatchObject({ r: 0, g: 255, b: 0 });
  });

  it("says how to get the bindings when the chip exists but libgpiod does not", () => {
    const res = run("nolib", undefined, patch);
    expect(res.status).toBe(3);
    expect(res.stderr).toMatch(/^No libgpiod Python bindings on this host: install python3-libgpiod/);
  });

  it("simulates with --sim, keeping the state without touching GPIO", () => {
    const res = run("sim", FAKE_V2, patch, ["--sim"]);
    expect(res.status).toBe(0);
    expect(res.out).toMatchObject({ mode: "sim", frame: expected.toString("hex") });
    expect(res.levels).toEqual([]);
  });

  it("refuses a request that is not a patch", () => {
    const res = run("bad", FAKE_V2, { pixels: [{ index: "3; rm -rf ~" }] });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^Refused the LED request on stdin/);
  });
});
