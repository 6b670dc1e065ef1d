import type { Deps } from "../deps.js";
import { dashboardCommand } from "./dashboard.js";
import { deployCommand } from "./deploy.js";
import { auditCommand } from "./audit.js";
import { dispatchCommand } from "./dispatch.js";
import { fanoutCommand, retryCommand } from "./fanout.js";
import { doctorCommand } from "./doctor.js";
import { runVerb } from "./run.js";
import { killCommand, logsCommand, tasksCommand } from "./tasks.js";
import { inferCommand } from "./infer.js";
import { ledCommand } from "./led.js";
import { statusCommand } from "./status.js";
import { teardownCommand } from "./teardown.js";

/** The parsed command line every verb gets. */
export interface Parsed {
  json: boolean;
  hostsList: string[] | undefined;
  labelsList: string[] | undefined;
  args: string[];
  /** Hands the verb's result to the audit trail (set by the CLI for verbs that touch hosts). */
  report?: (value: unknown) => void;
  [option: string]: unknown;
}

/** One command of the CLI: a thin translation to an operation, like a tool file. */
export interface Verb {
  name: string;
  usage: string;
  summary: string;
  run(deps: Deps, parsed: Parsed): Promise<number>;
  /** Reaches hosts: each run is recorded in the audit trail. */
  touchesHosts?: true;
}

/** Every verb, in the order --help shows them. */
export const verbs: Verb[] = [
  {
    name: "status",
    usage: "status [--hosts a,b] [--labels x]",
    summary: "probe every host: SSH, PicoClaw, load",
    touchesHosts: true,
    run: (deps, p) => statusCommand(deps, { json: p.json, report: p.report, ...(p.hostsList ? { hosts: p.hostsList } : {}), ...(p.labelsList ? { labels: p.labelsList } : {}) }),
  },
  { name: "deploy", usage: "deploy <host…> [--version v] [--force] [--plan]", summary: "install or upgrade PicoClaw on hosts (checksum verified)", touchesHosts: true, run: deployCommand },
  { name: "dispatch", usage: 'dispatch <host|auto> "<task>" [--timeout S] [--teardown] [--plan]', summary: "run one PicoClaw task, print its reply", touchesHosts: true, run: dispatchCommand },
  {
    name: "fanout",
    usage: 'fanout "<task>" [--hosts a,b | --labels x] [--batch N|N%] [--max-failures N|N%] [--canary N] [--plan] [--yes]',
    summary: "run a task on many hosts, in batches with a failure budget if asked",
    touchesHosts: true,
    run: fanoutCommand,
  },
  { name: "run", usage: 'run "<command>" [--hosts a,b | --labels x] [--timeout S] [--batch N|N%] [--plan]', summary: "run a shell command on many hosts (no PicoClaw, no model)", touchesHosts: true, run: runVerb },
  { name: "retry", usage: "retry <fanout_id> [--batch N|N%] [--max-failures N|N%] [--plan]", summary: "rerun a fan-out's failed, timed-out and unreachable hosts", touchesHosts: true, run: retryCommand },
  { name: "teardown", usage: "teardown <host…> [--purge [--force]] [--plan]", summary: "remove PicoClaw and its key files (--purge: ~/.picoclaw too; --force: kill running tasks first)", touchesHosts: true, run: teardownCommand },
  { name: "tasks", usage: "tasks [--status s] [--hosts h] [--limit N] [--before id] [--watch [--jsonl]]", summary: "tasks started so far (kept across restarts); --watch: live", run: tasksCommand },
  { name: "logs", usage: "logs <task_id> [--lines N] [--follow [--jsonl]]", summary: "the last lines a task printed; --follow: as it prints them", touchesHosts: true, run: logsCommand },
  { name: "kill", usage: "kill <task_id>", summary: "kill a running task and everything it started", touchesHosts: true, run: killCommand },
  { name: "dashboard", usage: "dashboard [--port N] [--interval S]", summary: "the fleet live in a browser, on 127.0.0.1 (prints the URL)", run: dashboardCommand },
  { name: "audit", usage: "audit [verify] [--since 2h] [--hosts h]", summary: "what was done to the fleet, by whom; verify checks the hash chain", run: auditCommand },
  { name: "doctor", usage: "doctor", summary: "validate the config, probe each host, say what to fix", touchesHosts: true, run: (deps, p) => doctorCommand(deps, { json: p.json }) },
  {
    name: "led",
    usage: "led <action> [args] [--brightness 0-1]",
    summary: "set, fill, progress, pulse, clear or get ClusterClaw's 8 LEDs",
    run: (deps, p) => ledCommand(deps, { json: p.json, args: p.args, ...(typeof p.brightness === "string" ? { brightness: p.brightness } : {}) }),
  },
  {
    name: "infer",
    usage: 'infer "<prompt>" [--model m] [--timeout s]',
    summary: "stream an answer from ClusterCrush (crush.base_url) to the terminal",
    run: (deps, p) =>
      inferCommand(deps, {
        json: p.json,
        args: p.args,
        ...(typeof p.model === "string" ? { model: p.model } : {}),
        ...(typeof p.timeout === "string" ? { timeout: p.timeout } : {}),
      }),
  },
];
