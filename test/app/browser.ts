import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { ROOT } from "../helpers/mcp-json.js";

/** Debian's chromium (test/lab/prerequisites.ts installs it); playwright's own download is not used. */
export const CHROMIUM = "/usr/bin/chromium";

/** Where screenshots from the run are kept for a person to open (gitignored). */
export const SCREENSHOTS = join(ROOT, "test-artifacts", "screenshots");

/** Headless chromium; as root it needs --no-sandbox (Chromium refuses its sandbox to root). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
}

/**
 * Saves a screenshot of the whole page under SCREENSHOTS; returns its path. The viewport is grown to
 * the page's height first: a full-page capture does not repaint a cross-origin frame (the app's
 * sandboxed iframe) below the first screen.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  const width = page.viewportSize()?.width ?? 1000;
  const height = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height });
  await page.waitForTimeout(300);
  await page.screenshot({ path });
  return path;
}

/** Collects the page's script errors, so a test can assert there were none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  return errors;
}

/** The fixture host page (fixtures/mcp-host.ts bundled with ext-apps' AppBridge), as HTML. */
export async function mcpHostPage(): Promise<string> {
  const out = await build({ entryPoints: [join(import.meta.dirname, "fixtures", "mcp-host.ts")], bundle: true, write: false, format: "iife", platform: "browser", logLevel: "warning" });
  const script = out.outputFiles[0]!.text.replace(/<\/script/gi, "<\\/script");
  return `<!doctype html><html><head><meta charset="utf-8"><title>fixture MCP host</title><style>body{margin:0;background:#888}iframe{display:block;width:100%;border:0;height:200px;background:transparent}</style></head><body><script>${script}</script></body></html>`;
}
