/**
 * The Python driver the `ssh` backend uploads to claw.host (as a string, so the build ships it).
 * It reads a StripPatch as JSON on stdin (never argv), merges it into the state kept on the host,
 * bit-bangs the APA102 frame through libgpiod (v2 `request_lines`, or v1 `Chip`), and prints the
 * whole state as JSON. It simulates (state file only) with `--sim`, `PICOCLAW_LED_SIM=1`, or when
 * the GPIO chip does not exist on the host; its frame encoding mirrors src/claw/apa102.ts.
 */
export const BLINKT_DRIVER = String.raw`#!/usr/bin/env python3
"""picoclaw-fleet Blinkt! driver: patch on stdin, state kept in a file, APA102 via libgpiod."""
import argparse
import fcntl
import json
import os
import sys
import time

COUNT = 8
PULSE = [1 - i / 10 for i in range(11)] + [i / 10 for i in range(11)]


def fail(code, message):
    sys.stderr.write(message + "\n")
    sys.exit(code)


def number(value, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number, got %r" % (value,))
    return min(high, max(low, value))


def pixel(p):
    return {
        "index": int(number(p["index"], 0, COUNT - 1)),
        "r": int(number(p["r"], 0, 255)),
        "g": int(number(p["g"], 0, 255)),
        "b": int(number(p["b"], 0, 255)),
        "brightness": number(p["brightness"], 0, 1),
    }


def load(path):
    try:
        with open(path) as f:
            pixels = json.load(f)["pixels"]
        if len(pixels) == COUNT:
            return [pixel(p) for p in pixels]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return [{"index": i, "r": 0, "g": 0, "b": 0, "brightness": 0} for i in range(COUNT)]


def save(path, pixels):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        json.dump({"pixels": pixels, "frame": encode(pixels).hex(), "updated_at": stamp}, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def encode(pixels, scale=1.0):
    out = bytearray(4)
    for p in pixels:
        level = int(min(1.0, max(0.0, p["brightness"] * scale)) * 31 + 0.5)
        out += bytes([0xE0 | level, p["b"], p["g"], p["r"]])
    out += b"\xff" * 4
    return bytes(out)


class Strip:
    """Two output lines, data and clock; libgpiod v2 or v1 Python bindings."""

    def __init__(self, chip, data, clock):
        import gpiod
        if hasattr(gpiod, "request_lines"):
            from gpiod.line import Direction, Value
            settings = gpiod.LineSettings(direction=Direction.OUTPUT, output_value=Value.INACTIVE)
            req = gpiod.request_lines(chip, consumer="picoclaw-fleet", config={(data, clock): settings})
            levels = (Value.INACTIVE, Value.ACTIVE)
            self.put = lambda d, c: req.set_values({data: levels[d], clock: levels[c]})
            self.close = req.release
        else:
            try:
                handle = gpiod.Chip(chip)
            except (OSError, ValueError, TypeError):
                handle = gpiod.Chip(os.path.basename(chip))
            lines = handle.get_lines([data, clock])
            lines.request(consumer="picoclaw-fleet", type=gpiod.LINE_REQ_DIR_OUT, default_vals=[0, 0])
            self.put = lambda d, c: lines.set_values([d, c])
            self.close = lines.release

    def show(self, frame):
        for byte in frame:
            for bit in range(7, -1, -1):
                d = (byte >> bit) & 1
                self.put(d, 0)
                self.put(d, 1)
        self.put(0, 0)


def main():
    ap = argparse.ArgumentParser(description="Drive a Blinkt! (8 x APA102) from a JSON patch on stdin.")
    ap.add_argument("--state", required=True)
    ap.add_argument("--chip", default="/dev/gpiochip0")
    ap.add_argument("--data", type=int, default=23)
    ap.add_argument("--clock", type=int, default=24)
    ap.add_argument("--sim", action="store_true")
    args = ap.parse_args()
    try:
        request = json.load(sys.stdin)
        patch = [pixel(p) for p in request.get("pixels", [])]
        pulse = bool(request.get("pulse", False))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        fail(2, "Refused the LED request on stdin: %s" % (err,))
    state = os.path.expanduser(args.state)
    os.makedirs(os.path.dirname(state) or ".", exist_ok=True)
    sim = args.sim or os.environ.get("PICOCLAW_LED_SIM") == "1" or not os.path.exists(args.chip)
    with open(state + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pixels = load(state)
        for p in patch:
            pixels[p["index"]] = p
        if (patch or pulse) and not sim:
            try:
                strip = Strip(args.chip, args.data, args.clock)
            except ImportError:
                fail(3, "No libgpiod Python bindings on this host: install python3-libgpiod (or set PICOCLAW_LED_SIM=1 to simulate)")
            except OSError as err:
                fail(3, "Cannot drive GPIO %d/%d on %s: %s" % (args.data, args.clock, args.chip, err))
            try:
                for step in PULSE if pulse else []:
                    strip.show(encode(pixels, step))
                    time.sleep(0.02)
                strip.show(encode(pixels))
            finally:
                strip.close()
        if patch:
            save(state, pixels)
    print(json.dumps({"pixels": pixels, "frame": encode(pixels).hex(), "mode": "sim" if sim else "gpio"}))


if __name__ == "__main__":
    main()
`;
