// esbuild plugins that keep the fleet page small: they change what esbuild can see of zod, never what
// runs. Each fails the build if the code it expects is no longer there (an upgrade of zod, the SDK or
// ext-apps), rather than let the page grow or break quietly.
import { readFile } from "node:fs/promises";

/**
 * zod ships error messages in 50 languages and a JSON-Schema importer; the page uses neither, and
 * they would be most of its weight.
 */
export const slimZod = {
  name: "slim-zod",
  setup(b) {
    const unused = /^\.\.\/locales\/index\.js$|^\.\/from-json-schema\.js$/;
    b.onResolve({ filter: unused }, (args) => (/[\\/]zod[\\/]/.test(args.importer) ? { path: args.path, namespace: "slim-zod" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "slim-zod" }, (args) => ({ contents: args.path.includes("from-json-schema") ? "export const fromJSONSchema = undefined;" : "export {};" }));
  },
};

const extApps = /[\\/]@modelcontextprotocol[\\/]ext-apps[\\/]dist[\\/]src[\\/]app\.js$/;

/**
 * ext-apps' bundled app.js reaches zod as a value (`import { z } from "zod/v4"`, and once as
 * `await import("zod/v4")` to call `toJSONSchema`). esbuild cannot see through a namespace held as a
 * value, so it keeps every export of zod, used or not. The same names reached as
 * `import * as z from "zod/v4"`, and `toJSONSchema` imported by name, are the same bindings, which
 * esbuild can follow and prune.
 */
function staticZod(src) {
  const dynamic = 'import("zod/v4")';
  const named = /import\{z as ([\w$]+)\}from"zod\/v4"/g;
  if (src.split(dynamic).length !== 2 || !named.test(src)) throw new Error("build-app: ext-apps no longer imports zod as expected; revisit scripts/app-plugins.mjs");
  return `import { toJSONSchema as __zodToJSONSchema } from "zod/v4";\n${src
    .replace(dynamic, "Promise.resolve({ z: { toJSONSchema: __zodToJSONSchema } })")
    .replace(named, (_, id) => `import*as ${id} from"zod/v4"`)}`;
}

/** Lets esbuild prune what the page's App never uses of zod (see above). */
export const shakeSchemas = {
  name: "shake-schemas",
  setup(b) {
    b.onLoad({ filter: extApps }, async (args) => ({ contents: staticZod(await readFile(args.path, "utf8")), loader: "js" }));
  },
};
