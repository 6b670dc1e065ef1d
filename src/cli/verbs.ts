import type { Deps } from "../deps.js";
import { deployCommand } from "./deploy.js";
import { dispatchCommand, fanoutCommand } from "./dispatch.js";
import { doctorCommand } from "./doctor.js";
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
  [option: string]: unknown;
}

/** One command of the CLI: a thin translation to an operation, like a tool file. */
export interface Verb {
  name: string;
  usage: string;
  summary: string;
  run(deps: Deps, parsed: Parsed): Promise<number>;
}

/** Every verb, in the order --help shows them. */
export const verbs: Verb[] = [
  {
    name: "status",
    usage: "status [--hosts a,b] [--labels x]",
    summary: "probe every host: SSH, PicoClaw, load",
    run: (deps, p) => statusCommand(deps, { json: p.json, ...(p.hostsList ? { hosts: p.hostsList } : {}), ...(p.labelsList ? { labels: p.labelsList } : {}) }),
  },
  { name: "deploy", usage: "deploy <host…> [--version v] [--force]", summary: "install or upgrade PicoClaw on hosts (checksum verified)", run: deployCommand },
  { name: "dispatch", usage: 'dispatch <host|auto> "<task>" [--timeout S] [--teardown]', summary: "run one PicoClaw task, print its reply", run: dispatchCommand },
  { name: "fanout", usage: 'fanout "<task>" [--hosts a,b | --labels x]', summary: "run a task on many hosts at once", run: fanoutCommand },
  { name: "teardown", usage: "teardown <host…> [--purge [--force]]", summary: "remove PicoClaw and its key files (--purge: ~/.picoclaw too; --force: kill running tasks first)", run: teardownCommand },
  { name: "tasks", usage: "tasks [--status s] [--hosts h] [--limit N] [--before id]", summary: "tasks started so far (kept across restarts)", run: tasksCommand },
  { name: "logs", usage: "logs <task_id> [--lines N]", summary: "the last lines a task printed", run: logsCommand },
  { name: "kill", usage: "kill <task_id>", summary: "kill a running task and everything it started", run: killCommand },
  { name: "doctor", usage: "doctor", summary: "validate the config, probe each host, say what to fix", run: (deps, p) => doctorCommand(deps, { json: p.json }) },
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
