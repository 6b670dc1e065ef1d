import { clusterLedTool } from "./cluster-led.js";
import { crushInferTool } from "./crush-infer.js";
import { crushModelsTool } from "./crush-models.js";
import { deployHostTool } from "./deploy-host.js";
import { dispatchTaskTool } from "./dispatch-task.js";
import { fanoutTool } from "./fanout.js";
import { fleetStatusTool } from "./fleet-status.js";
import { runCommandTool } from "./run-command.js";
import { taskKillTool, taskListTool, taskLogsTool, taskStatusTool } from "./tasks.js";
import { teardownTool } from "./teardown.js";

/** Every tool the server offers, one file each; this list only registers them. */
export const allTools = [
  fleetStatusTool,
  deployHostTool,
  dispatchTaskTool,
  fanoutTool,
  runCommandTool,
  teardownTool,
  clusterLedTool,
  crushInferTool,
  crushModelsTool,
  taskStatusTool,
  taskLogsTool,
  taskListTool,
  taskKillTool,
];
