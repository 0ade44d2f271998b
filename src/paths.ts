import { resolve } from "node:path";

/** The repository root: circuits/, node_modules/ and build/ are found from here. */
export const REPO_ROOT = resolve(import.meta.dirname, "..");
export const CIRCUITS_DIR = resolve(REPO_ROOT, "circuits");
/** Generated artifacts (git-ignored); ZKR_BUILD_DIR moves them, e.g. for tests. */
export const BUILD_DIR = resolve(process.env["ZKR_BUILD_DIR"] ?? resolve(REPO_ROOT, "build"));
