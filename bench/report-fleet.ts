import type { CrushPace, StreamRun } from "./crush.js";
import type { FleetResult } from "./fleet200.js";
import { med, mibToMb, ms, ratio, spread, table } from "./format.js";
import { median } from "./helpers.js";
import type { Section } from "./report.js";
import type { StartupResult } from "./startup.js";

/** fleet_status and a fan-out over the whole lab fleet: wall time, peak RSS, correctness. */
export function fleetSection(f: FleetResult, idleRssMib: number): Section {
  const statusPeak = mibToMb(Math.max(...f.statusRssMib));
  const fanoutPeak = mibToMb(Math.max(...f.fanoutRssMib));
  const idle = mibToMb(idleRssMib);
  const rows = [
    ["`fleet_status`, cold (first call: connects every host)", med(f.statusCold), spread(f.statusCold), ms(median(f.statusCold) / f.hosts)],
    ["`fleet_status`, warm (second call)", med(f.statusWarm), spread(f.statusWarm), ms(median(f.statusWarm) / f.hosts)],
    ["`fanout` of a short task, cold", med(f.fanoutCold), spread(f.fanoutCold), ms(median(f.fanoutCold) / f.hosts)],
    ["`fanout` of a short task, warm", med(f.fanoutWarm), spread(f.fanoutWarm), ms(median(f.fanoutWarm) / f.hosts)],
  ];
  const mem = [
    ["server process after two `fleet_status` calls", `${mibToMb(median(f.statusRssMib)).toFixed(0)} MB`, `${statusPeak.toFixed(0)} MB`],
    ["server process after two whole-fleet `fanout` calls", `${mibToMb(median(f.fanoutRssMib)).toFixed(0)} MB`, `${fanoutPeak.toFixed(0)} MB`],
    ["server process right after `initialize` (no host touched)", `${idle.toFixed(0)} MB`, ""],
  ];
  const checks = f.failures.length
    ? `**Correctness checks FAILED:**\n\n${f.failures.map((x) => `- ${x}`).join("\n")}`
    : `Correctness, every call of every run: \`fleet_status\` returned ${f.hosts} rows, all reachable, each with the machine's arch from \`uname -m\` and PicoClaw installed at the deployed version; each \`fanout\` returned ${f.hosts} rows, all \`succeeded\`, each reply equal to the task sent (a new task per call, so no reply is stale).`;
  const text = `## The ${f.hosts}-host fleet: \`fleet_status\` and a fan-out over all of it

${f.hosts} lab hosts: one Unix user, home and loopback address each, served by ${Math.ceil(f.hosts / 16)} real sshd
processes (16 addresses each, the most one sshd listens on). Each run spawns the built server twice
(one process for \`fleet_status\` twice, one for \`fanout\` twice) and reads its peak resident set
(VmHWM in /proc/<pid>/status) before closing it. Default concurrency (32).

${table(["call", "median", "runs", "per host"], rows)}

${table(["peak RSS (VmHWM, 1 MB = 10^6 bytes)", "median", "worst run"], mem)}

${checks}

What bounds these figures: a cold \`fleet_status\` is ${f.hosts} SSH handshakes, 32 at a time, plus one
probe script per host (\`uname\`, \`picoclaw version\`, load, memory, disk: about 12 short processes);
a warm one is the probe scripts alone, all CPU on the same cores. The fan-out is the runner and the
stand-in per host, as in the fan-out section. Memory: the Node runtime, the MCP SDK and zod make up
the idle figure; ${f.hosts} open ssh2 connections and their results add
${(statusPeak - idle).toFixed(0)} MB for status (${(((statusPeak - idle) * 1000) / f.hosts).toFixed(0)} kB a host) and
${(fanoutPeak - idle).toFixed(0)} MB for the fan-out (each row carries the task's whole stdout).
`;
  return { text, targets: [{ goal: `\`fleet_status\` over ${f.hosts} hosts: peak RSS under 150 MB`, measured: `${statusPeak.toFixed(0)} MB worst run (${med(f.statusCold)} cold)`, met: statusPeak < 150 }] };
}

/** Spawn to the answer of `initialize`, against a bare node start and a node that only loads the MCP SDK. */
export function startupSection(s: StartupResult): Section {
  const [srv, bare, sdk] = [s.server, s.bareNode, s.sdkOnly].map(median) as [number, number, number];
  // Runs from before mcp.json started the snapshot have no `cli` side: their server was node dist/cli.js serve.
  const command = s.command ?? "node dist/cli.js serve";
  const rows = [
    ["`node -e ''` (spawn to exit)", med(s.bareNode), spread(s.bareNode), "1.00"],
    ["node importing the MCP SDK's server and stdio modules only (spawn to exit)", med(s.sdkOnly), spread(s.sdkOnly), ratio(sdk / bare)],
    ...(s.cli ? [["`node dist/cli.js serve`, no snapshot (spawn to the `initialize` answer)", med(s.cli), spread(s.cli), ratio(median(s.cli) / bare)]] : []),
    [`\`${command}\`, what mcp.json runs (spawn to the \`initialize\` answer)`, med(s.server), spread(s.server), ratio(srv / bare)],
  ];
  const bounds = s.cli
    ? `What bounds it: a bare node start is V8 and Node's own bootstrap. Loading the MCP SDK's server
modules (with zod, ajv and the JSON-schema code they pull in) alone costs ${ms(sdk - bare)}, making it
${ratio(sdk / bare)} times a bare start; \`node dist/cli.js serve\` pays that and its own modules on every
start. mcp.json runs the start-up snapshot instead (\`dist/serve.blob\`, built by \`npm run build\`): the
heap with every module loaded and the tool registration already run once, so a start deserializes
that heap, then reads its config, registers the tools and answers. ssh2 is required on the first
connection, not at start-up. A blob loads only in the Node.js that built it; see "What would move the figures".`
    : `What bounds it: a bare node start is V8 and Node's own bootstrap. Loading the MCP SDK's server
modules (with zod, ajv and the JSON-schema code they pull in) alone costs ${ms(sdk - bare)}, making it
${ratio(sdk / bare)} times a bare start before this server runs a line; the server's own modules, its
config and the tool registrations add ${ms(srv - sdk)}. ssh2 is imported on the first connection, not at
start-up. ${sdk / bare > 2 ? "The 2x target cannot be met while the SDK loads before the answer to `initialize`; " : ""}see "What would move the figures".`;
  const text = `## Start-up

${s.server.length} runs of each, interleaved; the server with the lab config of the fleet section.

${table(["process", "median", "runs", "ratio to bare node"], rows)}

${bounds}
`;
  return { text, targets: [{ goal: "Start-up to `initialize`: at most 2 times a bare node start", measured: `${ratio(srv / bare)} (${ms(srv)} vs ${ms(bare)}, \`${command}\`)`, met: srv / bare <= 2 }] };
}

const rate = (runs: StreamRun[], pick: (r: StreamRun) => number) => median(runs.map(pick));

/** crush_infer's tokens/s against reading the same stream directly, at each pace. */
export function crushSection(paces: CrushPace[]): Section {
  const rows = paces.flatMap((p) =>
    (["direct", "tool", "toolProgress"] as const).map((side) => {
      const inner = rate(p[side], (r) => r.tokensPerS);
      const whole = rate(p[side], (r) => r.endToEndTokensPerS);
      const label = { direct: "read directly (fetch + SSE)", tool: "`crush_infer`", toolProgress: "`crush_infer` with a progress notification per token" }[side];
      return [`${p.msPerToken} ms`, label, inner.toFixed(1), ratio(inner / rate(p.direct, (r) => r.tokensPerS)), whole.toFixed(1), ratio(whole / rate(p.direct, (r) => r.endToEndTokensPerS))];
    }),
  );
  // The target is about overhead: the tool must not be slower than the direct read by more than 5 %.
  const lowest = (p: CrushPace) =>
    Math.min(
      ...(["tool", "toolProgress"] as const).flatMap((side) => [
        rate(p[side], (r) => r.tokensPerS) / rate(p.direct, (r) => r.tokensPerS),
        rate(p[side], (r) => r.endToEndTokensPerS) / rate(p.direct, (r) => r.endToEndTokensPerS),
      ]),
    );
  const worst = Math.min(...paces.map(lowest));
  const perPace = paces.map((p) => `${ratio(lowest(p))} at ${p.msPerToken} ms a token (${Math.round(1000 / p.msPerToken)} tokens/s at most)`).join(", ");
  const text = `## \`crush_infer\`

The lab's OpenAI-compatible stand-in streams ${paces[0]!.tokens} tokens, one word per SSE chunk, at a fixed pace. The
same stream is read directly (fetch, SSE split, JSON parse per chunk) and through \`crush_infer\` on the
real server process over stdio. "first token to end" is the tool's own \`tokens_per_s\` definition;
"end to end" is tokens over the whole call as the caller sees it (the tool's includes the MCP round trip).

${table(["pace", "side", "tokens/s, first token to end", "ratio", "tokens/s, end to end", "ratio"], rows)}

What bounds it: the endpoint's pace. Per chunk the tool parses one SSE event (eventsource-parser)
and checks it with zod, and with progress requested it writes one JSON-RPC notification to stdout.
Those costs are invisible at ${Math.round(1000 / paces[0]!.msPerToken)} tokens/s and start to show only near
${Math.round(1000 / (paces.at(-1)!.msPerToken || 1))} tokens/s. The lowest ratio to the direct read, over both measures and both ways of
calling: ${perPace}. Ratios above 1 are run-to-run noise, not a tool faster than its source.
`;
  return { text, targets: [{ goal: "`crush_infer`: tokens/s within 5 % of reading the stream directly", measured: `lowest ratio to the direct read ${ratio(worst)} (${paces.map((p) => `${p.msPerToken}`).join(" and ")} ms/token, with and without progress, both measures)`, met: worst >= 0.95 }] };
}
