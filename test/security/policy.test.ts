import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/load.js";
import { deployHost } from "../../src/operations/deploy.js";
import { dispatch } from "../../src/operations/dispatch.js";
import { fanout } from "../../src/operations/fanout.js";
import { PolicyError } from "../../src/operations/policy.js";
import { teardown } from "../../src/operations/teardown.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";
import { offlineFleet, type OfflineFleet } from "./offline-fleet.js";

let fleet: OfflineFleet;
let h: Harness | undefined;

/** h01 [lab odd], h02 [lab even], h03 [gpu], h04 [none]; every SSH host refuses at once. */
const HOSTS = [
  { name: "h01", labels: ["lab", "odd"] },
  { name: "h02", labels: ["lab", "even"] },
  { name: "h03", labels: ["gpu"] },
  { name: "h04" },
];
const RULES = { dispatch_task: ["odd"], fanout: ["lab"], teardown: ["lab"], deploy_host: ["lab"] };

function config(policy: Record<string, unknown>, hosts: Record<string, unknown>[] = HOSTS) {
  return fleet.config(hosts, { policy });
}

async function harness(policy: Record<string, unknown>, hosts?: Record<string, unknown>[]): Promise<Harness> {
  h = await connect(depsFor(config(policy, hosts)));
  return h;
}

const text = (res: { content?: unknown }) => (res.content as { text: string }[])[0]!.text;

/** Nothing ran: no SSH command was attempted and no task was journalled. */
function expectUntouched(x: Harness) {
  expect(x.deps.fleet.stats().execs).toBe(0);
  expect(x.deps.tasks.list()).toEqual([]);
}

beforeAll(async () => {
  fleet = await offlineFleet();
});

afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("policy in the config", () => {
  it("refuses a misspelt tool name in disabled_tools and allowed_labels, and an empty label list", () => {
    const bad = () => parseConfig(config({ disabled_tools: ["tear_down"], allowed_labels: { dispatch: ["lab"], fanout: [] } }));
    expect(bad).toThrow(ConfigError);
    const problems = (() => {
      try {
        bad();
      } catch (err) {
        return (err as ConfigError).problems.join("\n");
      }
      return "";
    })();
    expect(problems).toMatch(/^policy\.disabled_tools\[0\]: .*"teardown"/m);
    expect(problems).toMatch(/^policy\.allowed_labels\.dispatch: unknown key; did you mean dispatch_task\?$/m);
    expect(problems).toMatch(/^policy\.allowed_labels\.fanout: expected at least one label/m);
  });
});

describe("policy.allowed_labels", () => {
  it("dispatch_task to a host without an allowed label is refused before anything runs, naming the rule", async () => {
    const x = await harness({ allowed_labels: RULES });
    const res = await x.call("dispatch_task", { host: "h03", task: "hello" });
    expect(res.isError).toBe(true);
    expect(text(res)).toMatch(/^policy\.allowed_labels\.dispatch_task allows hosts labelled \[odd\]; h03 has none of them\. Refused before anything ran/);
    expectUntouched(x);
  });

  it("fanout naming one refused host refuses the whole call: no host runs anything", async () => {
    const x = await harness({ allowed_labels: RULES });
    const res = await x.call("fanout", { task: "hello", hosts: ["h01", "h02", "h03", "h04"] });
    expect(res.isError).toBe(true);
    expect(text(res)).toMatch(/^policy\.allowed_labels\.fanout allows hosts labelled \[lab\]; h03 and h04 have none of them/);
    const perHost = await x.call("fanout", { tasks: [{ host: "h01", task: "a" }, { host: "h04", task: "b" }] });
    expect(text(perHost)).toMatch(/^policy\.allowed_labels\.fanout allows hosts labelled \[lab\]; h04 has none of them/);
    expectUntouched(x);
  });

  it("fanout over every host is narrowed to the allowed hosts, each a row", async () => {
    const x = await harness({ allowed_labels: RULES });
    const res = await x.call("fanout", { task: "hello", wait_s: 10 });
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent.results.map((r: { host: string }) => r.host)).toEqual(["h01", "h02"]);
    expect(res.structuredContent.summary).toMatchObject({ total: 2, unreachable: 2 });
  });

  it("fanout by labels that select no allowed host is refused, naming the rule", async () => {
    const x = await harness({ allowed_labels: RULES });
    const res = await x.call("fanout", { task: "hello", labels: ["gpu"] });
    expect(text(res)).toMatch(/^policy\.allowed_labels\.fanout allows hosts labelled \[lab\]; none of the selected hosts \(h03\) carries one of them/);
    expectUntouched(x);
  });

  it('dispatch_task host "auto" chooses only among allowed hosts', async () => {
    const x = await harness({ allowed_labels: RULES });
    const res = await x.call("dispatch_task", { task: "hello" });
    expect(res.isError).toBe(true);
    // Only h01 carries "odd": it alone was probed, and it refuses connections.
    expect(text(res)).toMatch(/^No reachable host to run on \(h01: [^;]*\); see fleet_status$/);
  });

  it("teardown of a refused host is refused whole; an allowed host gets its row", async () => {
    const x = await harness({ allowed_labels: RULES });
    const refused = await x.call("teardown", { hosts: ["h02", "h04"] });
    expect(text(refused)).toMatch(/^policy\.allowed_labels\.teardown allows hosts labelled \[lab\]; h04 has none of them/);
    expectUntouched(x);
    const allowed = await x.call("teardown", { hosts: ["h02"] });
    expect(allowed.structuredContent.results).toMatchObject([{ host: "h02", status: "unreachable" }]);
  });

  it("deploy_host to a refused host is refused before anything runs", async () => {
    const x = await harness({ allowed_labels: RULES });
    const res = await x.call("deploy_host", { host: "h03" });
    expect(text(res)).toMatch(/^policy\.allowed_labels\.deploy_host allows hosts labelled \[lab\]; h03 has none of them/);
    expectUntouched(x);
  });

  it("teardown: true on dispatch_task or fanout answers to teardown's rule too", async () => {
    const x = await harness({ allowed_labels: { ...RULES, teardown: ["odd"] } });
    const res = await x.call("fanout", { task: "hello", hosts: ["h01", "h02"], teardown: true });
    expect(text(res)).toMatch(/^policy\.allowed_labels\.teardown allows hosts labelled \[odd\]; h02 has none of them \(fanout with teardown: true tears down too\)/);
    expectUntouched(x);
  });

  it("an ad-hoc address carries no label, so a rule refuses it", async () => {
    h = await connect(depsFor(fleet.config(HOSTS, { policy: { allowed_labels: RULES }, allow_adhoc_hosts: true })));
    const res = await h.call("dispatch_task", { host: `nobody@127.0.0.1:${fleet.closedPort}`, task: "hello" });
    expect(text(res)).toMatch(/^policy\.allowed_labels\.dispatch_task allows hosts labelled \[odd\]; nobody@127\.0\.0\.1:\d+ has none of them/);
    expectUntouched(h);
  });

  it("deploy-on-dispatch answers to deploy_host's rule: the row says which rule refused it", async () => {
    // `local` may run tasks ("odd") but not be deployed to ("lab"); PicoClaw is missing in this $HOME.
    const x = await harness({ allowed_labels: RULES }, [{ name: "local", transport: "local", labels: ["odd"] }]);
    const res = await x.call("dispatch_task", { host: "local", task: "hello" });
    expect(res.structuredContent).toMatchObject({ host: "local", status: "failed" });
    expect(res.structuredContent.error).toMatch(/^policy\.allowed_labels\.deploy_host allows hosts labelled \[lab\]; local has none of them/);
  });
});

describe("policy.disabled_tools", () => {
  it("hides the tool and refuses what other calls would do in its name", async () => {
    const x = await harness({ disabled_tools: ["teardown", "deploy_host"] });
    const names = (await x.client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain("teardown");
    expect(names).not.toContain("deploy_host");
    const res = await x.call("dispatch_task", { host: "h01", task: "hello", teardown: true });
    expect(text(res)).toBe("policy.disabled_tools lists teardown, so dispatch_task with teardown: true is refused before anything ran; leave teardown out");
    expectUntouched(x);
  });

  it("deploy-on-dispatch is refused when deploy_host is disabled", async () => {
    const x = await harness({ disabled_tools: ["deploy_host"] }, [{ name: "local", transport: "local" }]);
    const res = await x.call("dispatch_task", { host: "local", task: "hello" });
    expect(res.structuredContent).toMatchObject({ status: "failed", error: "policy.disabled_tools lists deploy_host, so deploy_host is refused before anything ran" });
  });
});

describe("the policy binds the operations, so the CLI obeys it as the tools do", () => {
  it("dispatch, fanout, teardown and deployHost throw a PolicyError before touching a host", async () => {
    const deps = depsFor(config({ allowed_labels: RULES, disabled_tools: ["fanout"] }));
    await expect(dispatch(deps, { host: "h02", task: "x" })).rejects.toThrow(/^policy\.allowed_labels\.dispatch_task allows hosts labelled \[odd\]; h02 has none/);
    await expect(fanout(deps, { task: "x" })).rejects.toThrow("policy.disabled_tools lists fanout, so fanout is refused before anything ran");
    await expect(teardown(deps, ["h03"], { purge: false })).rejects.toThrow(PolicyError);
    await expect(deployHost(deps, { host: "h04" })).rejects.toThrow(/^policy\.allowed_labels\.deploy_host allows hosts labelled \[lab\]; h04 has none/);
    expect(deps.fleet.stats().execs).toBe(0);
    await deps.fleet.close();
  });
});
