import { fleetStatusTool } from "./fleet-status.js";

/** Every tool the server offers, one file each; this list only registers them. */
export const allTools = [fleetStatusTool];
