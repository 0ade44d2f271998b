/**
 * The pages' files, built on demand into build/web/<hash>/: the client TypeScript bundled by esbuild
 * (one ES module per page), the HTML and CSS from static/, and vega's and vega-lite's own browser builds
 * copied from node_modules (nothing is fetched at run time). The folder is named by a hash of every input,
 * built in a temp folder and renamed into place, so a build is reused until a source changes and two
 * processes building at once never see half a folder.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR, REPO_ROOT } from "../paths.ts";

const HERE = import.meta.dirname;
const CLIENT_DIR = join(HERE, "client");
const STATIC_DIR = join(HERE, "static");
/** The browser builds served as /assets/vendor/<name>. */
const VENDOR: Readonly<Record<string, string>> = {
  "vega.min.js": join(REPO_ROOT, "node_modules", "vega", "build", "vega.min.js"),
  "vega-lite.min.js": join(REPO_ROOT, "node_modules", "vega-lite", "build", "vega-lite.min.js"),
};
/** The pages' entry points: client/<name>-page.ts becomes <name>.js. */
const PAGES = ["node", "demo"] as const;

export class WebAssetError extends Error {
  override readonly name = "WebAssetError";
}

let building: Promise<string> | undefined;

/** The asset folder (built once per process, or reused from an earlier build of the same sources). */
export function webAssets(): Promise<string> {
  building ??= build().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}

function inputsHash(): string {
  const h = createHash("sha256");
  for (const dir of [CLIENT_DIR, STATIC_DIR]) {
    for (const f of readdirSync(dir).sort()) {
      h.update(f);
      h.update(readFileSync(join(dir, f)));
    }
  }
  for (const [name, path] of Object.entries(VENDOR)) h.update(`${name}:${statSync(path).size}`);
  return h.digest("hex").slice(0, 16);
}

async function build(): Promise<string> {
  for (const path of Object.values(VENDOR)) if (!existsSync(path)) throw new WebAssetError(`${path} is missing: run npm ci`);
  const out = join(BUILD_DIR, "web", inputsHash());
  if (existsSync(join(out, "manifest.json"))) return out;
  // esbuild is a devDependency: only loaded when a page is first asked for.
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch (err) {
    throw new WebAssetError("esbuild is not installed (npm ci with dev dependencies): the web pages cannot be built", { cause: err });
  }
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(join(tmp, "vendor"), { recursive: true });
  try {
    await esbuild.build({
      entryPoints: Object.fromEntries(PAGES.map((p) => [p, join(CLIENT_DIR, `${p}-page.ts`)])),
      outdir: tmp,
      bundle: true,
      format: "esm",
      target: "es2022",
      platform: "browser",
      minify: true,
      legalComments: "none",
      logLevel: "silent",
    });
    for (const f of readdirSync(STATIC_DIR)) copyFileSync(join(STATIC_DIR, f), join(tmp, f));
    for (const [name, path] of Object.entries(VENDOR)) copyFileSync(path, join(tmp, "vendor", name));
    writeFileSync(join(tmp, "manifest.json"), JSON.stringify({ pages: PAGES, builtAt: new Date().toISOString() }));
    try {
      renameSync(tmp, out);
    } catch (err) {
      // Another process finished the same build first: use its folder.
      if (!existsSync(join(out, "manifest.json"))) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}
