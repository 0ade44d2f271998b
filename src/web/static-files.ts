/**
 * Serves regular files from one asset folder and nothing else. The URL path is decoded once; a segment
 * that is empty, "." or "..", or holds a backslash, NUL or another control character, is refused; the
 * file's real path (symlinks resolved) must lie inside the folder's real path; only regular files of at
 * most MAX_ASSET_BYTES are read.
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join, sep } from "node:path";
import { send, sendError } from "./http.ts";

export const MAX_ASSET_BYTES = 4 * 1024 * 1024;

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json; charset=utf-8",
};

export type AssetLookup = { readonly ok: true; readonly path: string; readonly type: string } | { readonly ok: false; readonly status: 400 | 404 };

/** Where `relative` (the URL path below the asset prefix, still percent-encoded) lies in `root`, if it may be served. */
export function resolveAsset(root: string, relative: string): AssetLookup {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return { ok: false, status: 400 };
  }
  const segments = decoded.split("/");
  if (decoded.length > 200 || segments.some((s) => s === "" || s === "." || s === ".." || /[\\\x00-\x1f\x7f]/.test(s))) return { ok: false, status: 404 };
  const type = TYPES[extname(decoded).toLowerCase()];
  if (type === undefined) return { ok: false, status: 404 };
  let real: string;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(join(realRoot, ...segments));
  } catch {
    return { ok: false, status: 404 };
  }
  if (!real.startsWith(realRoot + sep)) return { ok: false, status: 404 };
  const st = statSync(real, { throwIfNoEntry: false });
  if (st === undefined || !st.isFile() || st.size > MAX_ASSET_BYTES) return { ok: false, status: 404 };
  return { ok: true, path: real, type };
}

/** Answers with the file `relative` names in `root`, or a JSON 400/404. */
export function serveAsset(res: ServerResponse, root: string, relative: string, headOnly = false): void {
  const found = resolveAsset(root, relative);
  if (!found.ok) {
    sendError(res, found.status, found.status === 400 ? "BAD_PATH" : "NOT_FOUND", "no such file");
    return;
  }
  send(res, 200, readFileSync(found.path), found.type, {}, headOnly);
}
