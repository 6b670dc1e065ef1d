import type { Deps } from "../deps.js";
import { doctorCommand } from "./doctor.js";
import { statusCommand } from "./status.js";

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
  { name: "doctor", usage: "doctor", summary: "validate the config, probe each host, say what to fix", run: (deps, p) => doctorCommand(deps, { json: p.json }) },
];
