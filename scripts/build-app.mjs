#!/usr/bin/env node
// After tsc: the fleet page, dist/fleet-app.html, one self-contained file the MCP server serves as its
// ui:// resource and `picoclaw-fleet dashboard` serves over HTTP. src/app/main.ts is bundled (ext-apps'
// App and all, less what it never uses of zod and the MCP schemas: scripts/app-plugins.mjs) and
// src/app/page.css minified, both inlined into src/app/page.html, under a CSP that allows exactly those
// two blocks (by hash), connections to the page's own origin (the dashboard's event stream) and nothing
// else: no network, no CDN, no inline style attributes, no eval.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, transform } from "esbuild";
import { noJsonSchema, shakeSchemas, slimZod } from "./app-plugins.mjs";

const root = join(import.meta.dirname, "..");
const app = join(root, "src", "app");
const out = join(root, "dist", "fleet-app.html");

const bundled = await build({
  entryPoints: [join(app, "main.ts")],
  bundle: true,
  write: false,
  format: "iife",
  platform: "browser",
  target: ["chrome111", "firefox113", "safari16.4"],
  minify: true,
  legalComments: "none",
  plugins: [slimZod, noJsonSchema, shakeSchemas],
  logLevel: "warning",
});
const css = await transform(readFileSync(join(app, "page.css"), "utf8"), { loader: "css", minify: true });

// Inline text may not close its own element early.
const script = bundled.outputFiles[0].text.replace(/<\/(script)/gi, "<\\/$1");
const style = css.code.replace(/<\/(style)/gi, "<\\/$1");
const hash = (text) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
const csp = [`default-src 'none'`, `script-src ${hash(script)}`, `style-src ${hash(style)}`, `connect-src 'self'`, `img-src data:`, `base-uri 'none'`, `form-action 'none'`].join("; ");

const page = readFileSync(join(app, "page.html"), "utf8")
  .replace("%CSP%", () => csp)
  .replace("%STYLE%", () => style)
  .replace("%SCRIPT%", () => script);
mkdirSync(join(root, "dist"), { recursive: true });
writeFileSync(out, page);
process.stderr.write(`build-app: dist/fleet-app.html ${page.length} bytes\n`);
