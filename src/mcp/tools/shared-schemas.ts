import { z } from "zod";

/** A host name as the config spells it (validated against the config by the fleet). */
export const hostName = z
  .string()
  .min(1)
  .max(255)
  .describe("A host name from the fleet config (see fleet_status)");

/** Host names for tools that act on many hosts. */
export const hostNames = z.array(hostName).min(1).max(1000);

/** Labels select hosts that carry all of them. */
export const labelList = z.array(z.string().min(1).max(64)).min(1).max(32);
