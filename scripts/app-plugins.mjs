// esbuild plugins that keep the fleet page small: they change what esbuild can see of zod and of the
// schemas the MCP SDK and ext-apps build with it, never what runs. Each fails the build if the code
// it expects is no longer there (an upgrade of zod, the SDK or ext-apps), rather than let the page
// grow or break quietly.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import ts from "typescript";

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

/**
 * zod's JSON Schema generator (`z.toJSONSchema`, a schema's `.toJSONSchema()` and
 * `~standard.jsonSchema`) is wired into every classic schema, so esbuild keeps all of it. The page
 * never asks for JSON Schema (its App registers no tools of its own), so inside zod both modules
 * become stubs with the same exports that throw when called; `aggregateChecks`, which zod's
 * introspection getters (`minLength`, `isInt`...) also use, stays the real one.
 */
export const noJsonSchema = {
  name: "no-json-schema",
  setup(b) {
    const generator = /^\.{1,2}\/(?:core\/)?(?:json-schema-processors|to-json-schema)\.js$/;
    b.onResolve({ filter: generator }, (args) =>
      args.namespace === "file" && /[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), args.path), namespace: "no-json-schema" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "no-json-schema" }, async (args) => {
      const names = exportedNames(await readFile(args.path, "utf8"), args.path);
      if (!names.includes(args.path.endsWith("processors.js") ? "aggregateChecks" : "createStandardJSONSchemaMethod")) throw new Error(`build-app: ${args.path} changed; revisit scripts/app-plugins.mjs`);
      const stub = names.map((name) =>
        name === "aggregateChecks" ? `export { aggregateChecks } from ${JSON.stringify(args.path)};` : `export const ${name} = ${/^create\w+Method$/.test(name) ? "() => unavailable" : "unavailable"};`,
      );
      return { contents: [`const unavailable = () => { throw new Error("zod's JSON Schema generation is left out of the fleet page"); };`, ...stub].join("\n"), loader: "js", resolveDir: dirname(args.path) };
    });
  },
};

/** The names a module exports, as written in it (`export function f`, `export const x`, `export { a as b }`). */
function exportedNames(src, file) {
  const sf = ts.createSourceFile(file, src, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  return sf.statements.flatMap((st) => {
    const exported = ts.getModifiers?.(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && ts.isFunctionDeclaration(st)) return [st.name.text];
    if (exported && ts.isVariableStatement(st)) return st.declarationList.declarations.map((d) => d.name.text);
    if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) return st.exportClause.elements.map((e) => e.name.text);
    return [];
  });
}

const extApps = /[\\/]@modelcontextprotocol[\\/]ext-apps[\\/]dist[\\/]src[\\/]app\.js$/;
const sdkTypes = /[\\/]@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]esm[\\/]types\.js$/;

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

/**
 * The SDK's types.js and ext-apps' app.js build every schema of their protocols at the top level
 * (`const XSchema = z.object({...})`); esbuild keeps a top-level call it cannot prove free of side
 * effects, so the page carried every MCP schema. Each declaration whose value is a call chain rooted
 * in the zod namespace or in a schema already seen is wrapped as `/* @__PURE__ *\/ (() => value)()`:
 * evaluated at the same moment to the same value, but dropped when nothing reaches it. Building a
 * zod schema touches nothing outside it (descriptions aside, which are gone: see dropDescriptions),
 * so a schema nothing reaches can go unbuilt.
 */
function pureSchemas(src, file) {
  const sf = ts.createSourceFile(file, src, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const roots = new Set();
  for (const st of sf.statements) {
    const ns = ts.isImportDeclaration(st) && st.importClause?.namedBindings;
    if (ns && ts.isNamespaceImport(ns) && /^zod(\/|$)/.test(st.moduleSpecifier.text)) roots.add(ns.name.text);
  }
  const edits = [];
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      let root = d.initializer;
      while (root && (ts.isCallExpression(root) || ts.isPropertyAccessExpression(root))) root = root.expression;
      if (!root || root === d.initializer || !ts.isIdentifier(root) || !roots.has(root.text) || !ts.isIdentifier(d.name)) continue;
      roots.add(d.name.text);
      edits.push([d.initializer.getStart(sf), "/* @__PURE__ */ (() => ("], [d.initializer.end, "))()"]);
    }
  }
  if (edits.length === 0) throw new Error(`build-app: no zod schemas found in ${file}; revisit scripts/app-plugins.mjs`);
  return edits.sort((a, b) => b[0] - a[0]).reduce((out, [at, text]) => out.slice(0, at) + text + out.slice(at), src);
}

/**
 * The same schemas carry their documentation (`.describe("...")`, some 6 KB in the page). zod keeps
 * a description in its registry for JSON Schema alone, which the page leaves out (see noJsonSchema);
 * parsing never reads it, and neither does the SDK or ext-apps. So each `.describe(literal)` in a
 * top-level declaration is cut, leaving the schema it was called on.
 */
function dropDescriptions(src, file) {
  const sf = ts.createSourceFile(file, src, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const cuts = [];
  const visit = (node) => {
    const { expression: callee, arguments: args = [] } = ts.isCallExpression(node) ? node : {};
    if (callee && ts.isPropertyAccessExpression(callee) && callee.name.text === "describe" && args.length === 1 && ts.isStringLiteralLike(args[0])) cuts.push([callee.expression.end, node.end]);
    ts.forEachChild(node, visit);
  };
  for (const st of sf.statements) if (ts.isVariableStatement(st)) visit(st);
  if (cuts.length === 0) throw new Error(`build-app: no schema descriptions found in ${file}; revisit scripts/app-plugins.mjs`);
  return cuts.sort((a, b) => b[0] - a[0]).reduce((out, [from, to]) => out.slice(0, from) + out.slice(to), src);
}

/** Lets esbuild prune zod and the protocol schemas the page's App never uses (see above). */
export const shakeSchemas = {
  name: "shake-schemas",
  setup(b) {
    b.onLoad({ filter: extApps }, async (args) => ({ contents: pureSchemas(dropDescriptions(staticZod(await readFile(args.path, "utf8")), args.path), args.path), loader: "js" }));
    b.onLoad({ filter: sdkTypes }, async (args) => ({ contents: pureSchemas(dropDescriptions(await readFile(args.path, "utf8"), args.path), args.path), loader: "js" }));
  },
};
