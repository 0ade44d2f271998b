/**
 * Hostile input to the CLI: devices, FIFOs and huge files where a file is expected, a node that never
 * answers, malformed batch.json fields, loose numbers and durations, output paths that cannot be
 * written. Each is refused at once, before any work, with its error code and exit code 2 (or 1 for a
 * node that fails to answer). Commands run in-process where they can (fast); a few through the real
 * binary check the one-line message and the exit code end to end.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkOutputDir, checkOutputFile } from "../../src/io/output-path.ts";
import { parseDuration, parseInteger } from "../../src/cli/args.ts";
import { benchCommand } from "../../src/cli/commands/bench.ts";
import { circuitsCommand } from "../../src/cli/commands/circuits.ts";
import { demoCommand } from "../../src/cli/commands/demo.ts";
import { verifyCommand } from "../../src/cli/commands/verify.ts";
import { walletCommand } from "../../src/cli/commands/wallet.ts";
import { CliError } from "../../src/cli/errors.ts";
import { exitCodeOf } from "../../src/cli/exit-code.ts";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { NodeClient, parseNodeUrl } from "../../src/node/client.ts";
import { REPO_ROOT } from "../../src/paths.ts";
import { BATCH_FILES, batchMetadata, readBatchFolder, writeBatchFolder } from "../../src/prover/batch-folder.ts";
import { buildBatch } from "../../src/state/index.ts";
import { verifyBatchFolder } from "../../src/verify/verify-batch.ts";
import { createKeyFile, readKeyFile } from "../../src/wallet/keyfile.ts";
import { ctx, fundedState, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";

const ZKR = resolve(REPO_ROOT, "bin", "zkr.js");

/** `zkr ...` through the real binary (as tests/cli/cli.test.ts runs it), without blocking this process. */
function zkr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [ZKR, ...args], { cwd: REPO_ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** Bad input end to end: the exit code and exactly one `zkr: ` line on stderr, no stack trace. */
function expectOneLine(r: { code: number; stderr: string }, exit: number): void {
  expect(r.code).toBe(exit);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^zkr: /);
}

/** What a command's failure turns into: the process exit code main.ts gives it, and the error's code if it has one. */
async function failure(run: () => Promise<unknown>): Promise<{ exit: number; type: string; code?: string }> {
  try {
    await run();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { exit: exitCodeOf(err), type: err instanceof Error ? err.name : typeof err, ...(typeof code === "string" ? { code } : {}) };
  }
  throw new Error("expected the command to fail");
}

const root = mkdtempSync(join(tmpdir(), "zkr-hostile-"));
const good = join(root, "good");
const fifo = join(root, "fifo");
const aFile = join(root, "a-file.txt");
const walletFile = join(root, "wallet.json");

beforeAll(() => {
  // A batch folder whose batch.json is a real batch's (built by the reference model, not proven:
  // these tests stop before the proof check).
  const { alice, bob, state } = fundedState();
  const b = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xbeefn, 20n, 0n)], testInstance.ops, ctx);
  const metadata = batchMetadata({ number: 1, instance: testInstance, protocol: "groth16", rollupId: ctx.rollupId, batch: b, insecureKeys: true });
  writeBatchFolder(good, { metadata, proof: { protocol: "groth16" }, publicSignals: [b.inputHash.toString()], vkey: { protocol: "groth16" } });
  expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
  writeFileSync(aFile, "not a directory\n");
  createKeyFile(walletFile);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the good folder with batch.json edited. */
function withMetadata(edit: (j: Record<string, unknown>) => Record<string, unknown>): string {
  const dir = join(root, `m-${Math.random().toString(36).slice(2)}`);
  cpSync(good, dir, { recursive: true });
  const path = join(dir, BATCH_FILES.metadata);
  writeFileSync(path, JSON.stringify(edit(JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>)));
  return dir;
}

/** A server that accepts connections and never answers (or answers headers only, then stalls). */
async function silentServer(mode: "nothing" | "headers-only"): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    if (mode === "headers-only") s.once("data", () => s.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe("item 7: only regular, bounded files are read; the node client times out", () => {
  it("verify --vkey /dev/zero, /dev/urandom or a FIFO is refused at once (NOT_A_FILE, exit 2)", async () => {
    expect(readBatchFolder(good).metadata.rollupId).toBe(ctx.rollupId);
    for (const vkey of ["/dev/zero", "/dev/urandom", fifo, root]) {
      expect(await failure(() => verifyBatchFolder(good, { vkey }))).toEqual({ exit: 2, type: "InputFileError", code: "NOT_A_FILE" });
    }
    expect(await failure(() => verifyBatchFolder(good, { vkey: join(root, "missing.json") }))).toMatchObject({ exit: 2, code: "NOT_FOUND" });
  });

  it("batch folder files and verify --reexecute are read the same way (FIFO, device, too large)", async () => {
    const dir = withMetadata((j) => j);
    rmSync(join(dir, BATCH_FILES.proof));
    expect(spawnSync("mkfifo", [join(dir, BATCH_FILES.proof)]).status).toBe(0);
    expect(await failure(() => verifyBatchFolder(dir))).toMatchObject({ exit: 2, code: "NOT_A_FILE" });

    const big = withMetadata((j) => j);
    writeFileSync(join(big, BATCH_FILES.publicSignals), Buffer.alloc(16 * 2 ** 20 + 1, 0x20));
    expect(await failure(() => verifyBatchFolder(big))).toMatchObject({ exit: 2, code: "TOO_LARGE" });

    for (const reexecute of ["/dev/zero", fifo]) {
      expect(await failure(() => verifyBatchFolder(good, { reexecute }))).toEqual({ exit: 2, type: "InputFileError", code: "NOT_A_FILE" });
    }
    expect(await failure(() => verifyCommand([good, "--vkey", "/dev/urandom"]))).toMatchObject({ exit: 2, code: "NOT_A_FILE" });
  });

  it("a wallet file that is a device, a FIFO or too large is refused (KeyFileError, exit 2)", async () => {
    for (const path of ["/dev/zero", fifo]) {
      expect(await failure(async () => readKeyFile(path))).toEqual({ exit: 2, type: "KeyFileError", code: "NOT_A_FILE" });
      expect(await failure(() => walletCommand(["show", "--wallet", path]))).toMatchObject({ exit: 2, type: "CliError" });
    }
    const huge = join(root, "huge-wallet.json");
    writeFileSync(huge, Buffer.alloc(65 * 1024, 0x20));
    expect(await failure(async () => readKeyFile(huge))).toMatchObject({ exit: 2, code: "NOT_A_WALLET" });
    expect(await failure(async () => readKeyFile(join(root, "nobody.json")))).toMatchObject({ exit: 2, code: "NOT_FOUND" });
  });

  it("a node that never answers, or stalls mid-answer, times out (NodeClientError TIMEOUT, exit 1)", async () => {
    const key = walletFile;
    for (const mode of ["nothing", "headers-only"] as const) {
      const server = await silentServer(mode);
      try {
        const started = Date.now();
        expect(await failure(() => new NodeClient(server.url, { timeoutMs: 300 }).health())).toEqual({ exit: 1, type: "NodeClientError", code: "TIMEOUT" });
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(await failure(() => walletCommand(["show", "--wallet", key, "--node", server.url, "--timeout", "1"]))).toEqual({ exit: 1, type: "NodeClientError", code: "TIMEOUT" });
      } finally {
        await server.close();
      }
    }
    expect(await failure(() => walletCommand(["show", "--wallet", key, "--timeout", "0"]))).toMatchObject({ exit: 2, type: "CliError" });
  });

  it("an answer larger than the bound is refused (RESPONSE_TOO_LARGE)", async () => {
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on("error", () => undefined);
      s.once("data", () => {
        s.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
        const chunk = "x".repeat(4096);
        for (let i = 0; i < 16; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      expect(await failure(() => new NodeClient(`http://127.0.0.1:${port}`, { timeoutMs: 5_000, maxResponseBytes: 10_000 }).health())).toMatchObject({ exit: 1, code: "RESPONSE_TOO_LARGE" });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

describe("item 8: malformed input is one line and exit 2, never a raw error", () => {
  const p = FIELD_MODULUS.toString();
  it.each<[string, (j: Record<string, unknown>) => Record<string, unknown>]>([
    ['rollupId "abc"', (j) => ({ ...j, rollupId: "abc" })],
    ["rollupId -1", (j) => ({ ...j, rollupId: -1 })],
    ["rollupId 2^32", (j) => ({ ...j, rollupId: 2 ** 32 })],
    ["rollupId 1.5", (j) => ({ ...j, rollupId: 1.5 })],
    ["number -1", (j) => ({ ...j, number: -1 })],
    ['protocol "snark"', (j) => ({ ...j, protocol: "snark" })],
    ["oldRoot = p", (j) => ({ ...j, oldRoot: p })],
    ['newRoot "0x1"', (j) => ({ ...j, newRoot: "0x1" })],
    ['inputHash "01"', (j) => ({ ...j, inputHash: "01" })],
    ['oldRoot " 1"', (j) => ({ ...j, oldRoot: " 1" })],
    ["oldRoot a number", (j) => ({ ...j, oldRoot: 1 })],
    ["records odd hex", (j) => ({ ...j, records: `${j["records"] as string}0` })],
    ["records not hex", (j) => ({ ...j, records: "zz".repeat((j["records"] as string).length / 2) })],
    ["records one record short", (j) => ({ ...j, records: (j["records"] as string).slice(12) })],
    ["l1Messages x = p", (j) => ({ ...j, l1Messages: [{ x: p, y: "1" }] })],
    ["l1Messages more than slots", (j) => ({ ...j, l1Messages: [{ x: "1", y: "1" }, { x: "1", y: "1" }, { x: "1", y: "1" }] })],
    ["l1Messages not a list", (j) => ({ ...j, l1Messages: "none" })],
    ["counts negative", (j) => ({ ...j, counts: { transfers: -1, deposits: 0, withdrawals: 1, noops: 2 } })],
    ["counts not adding up to the records", (j) => ({ ...j, counts: { transfers: 5, deposits: 0, withdrawals: 1, noops: 0 } })],
    ["counts missing", (j) => ({ ...j, counts: undefined })],
    ["timings negative", (j) => ({ ...j, timings: { witnessSeconds: -1, proveSeconds: 1 } })],
    ['insecureKeys "yes"', (j) => ({ ...j, insecureKeys: "yes" })],
    ["instance with a slash", (j) => ({ ...j, instance: "../x" })],
  ])("batch.json %s: BatchFolderError MALFORMED, exit 2", async (_name, edit) => {
    const dir = withMetadata(edit);
    expect(await failure(async () => readBatchFolder(dir))).toEqual({ exit: 2, type: "BatchFolderError", code: "MALFORMED" });
    expect(await failure(() => verifyCommand([dir]))).toEqual({ exit: 2, type: "BatchFolderError", code: "MALFORMED" });
  });

  it("public.json: one decimal field element, nothing else", async () => {
    for (const signals of [["abc"], [FIELD_MODULUS.toString()], ["1", "2"], [1], "1"]) {
      const dir = withMetadata((j) => j);
      writeFileSync(join(dir, BATCH_FILES.publicSignals), JSON.stringify(signals));
      expect(await failure(async () => readBatchFolder(dir))).toEqual({ exit: 2, type: "BatchFolderError", code: "MALFORMED" });
    }
  });

  it("demo --window and --deadline: digits and a unit, more than 0 and at most 10 years, checked before the run", async () => {
    for (const [flag, value] of [
      ["--window", "99999999999999999999d"],
      ["--window", "3651d"],
      ["--deadline", "0"],
      ["--deadline", "-1d"],
      ["--window", "1.5d"],
      ["--window", " 7d"],
      ["--deadline", "1w"],
      ["--window", "0x10"],
    ] as const) {
      expect(await failure(() => demoCommand([flag, value]))).toEqual({ exit: 2, type: "CliError" });
    }
    expect(parseDuration("3650d", "--window")).toBe(3650 * 86400);
    expect(parseDuration("7d", "--window")).toBe(604_800);
    expect(parseDuration("3600", "--window")).toBe(3600);
  });

  it("demo --out naming an existing file: OutputPathError NOT_A_DIRECTORY, exit 2", async () => {
    expect(await failure(() => demoCommand(["--out", aFile]))).toEqual({ exit: 2, type: "OutputPathError", code: "NOT_A_DIRECTORY" });
    expect(await failure(() => demoCommand(["--out", join(aFile, "sub")]))).toEqual({ exit: 2, type: "OutputPathError", code: "NOT_A_DIRECTORY" });
  });

  it("wallet --node: an http:// URL only (BAD_URL, exit 2)", async () => {
    for (const url of ["notaurl", "ftp://127.0.0.1:8550", "https://127.0.0.1:8550", "http://user:pw@127.0.0.1:8550", "http://127.0.0.1:8550/?q=1", "http:127.0.0.1", ""]) {
      expect(await failure(async () => parseNodeUrl(url))).toEqual({ exit: 2, type: "NodeClientError", code: "BAD_URL" });
    }
    expect(await failure(() => walletCommand(["show", "--node", "notaurl", "--wallet", "/dev/zero"]))).toEqual({ exit: 2, type: "CliError" });
    expect(parseNodeUrl("http://127.0.0.1:8550/")).toBe("http://127.0.0.1:8550");
    expect(parseNodeUrl("http://[::1]:8550")).toBe("http://[::1]:8550");
    expect(parseNodeUrl("http://node.example:80/api/")).toBe("http://node.example/api");
  });

  it("wallet create --force over a directory or a device is refused before any key is written", async () => {
    const parent = join(root, "create");
    const dir = join(parent, "wallet-dir");
    mkdirSync(dir, { recursive: true });
    expect(await failure(async () => createKeyFile(dir, { force: true }))).toEqual({ exit: 2, type: "KeyFileError", code: "NOT_A_FILE" });
    expect(await failure(() => walletCommand(["create", "--wallet", dir, "--force"]))).toEqual({ exit: 2, type: "CliError" });
    expect(await failure(async () => createKeyFile("/dev/null", { force: true }))).toMatchObject({ exit: 2, code: "NOT_A_FILE" });
    expect(readdirSync(parent)).toEqual(["wallet-dir"]);
    expect(readdirSync(dir)).toEqual([]);

    const file = join(parent, "w.json");
    createKeyFile(file);
    expect(await failure(async () => createKeyFile(file))).toMatchObject({ exit: 2, code: "EXISTS" });
    createKeyFile(file, { force: true });
    expect(readdirSync(parent).sort()).toEqual(["w.json", "wallet-dir"]);
  });
});

describe("item 9: output paths are checked before any work", () => {
  it("demo --report in a missing folder (NO_PARENT) or under a file (NOT_A_DIRECTORY): exit 2, before the run", async () => {
    expect(await failure(() => demoCommand(["--report", "/nonexistent/dir/x.html"]))).toEqual({ exit: 2, type: "OutputPathError", code: "NO_PARENT" });
    expect(await failure(() => demoCommand(["--report", join(aFile, "x.md")]))).toEqual({ exit: 2, type: "OutputPathError", code: "NOT_A_DIRECTORY" });
  });

  it("demo --report naming a directory or a device: NOT_A_FILE, exit 2", async () => {
    const dirNamedHtml = join(root, "report.html");
    mkdirSync(dirNamedHtml, { recursive: true });
    expect(await failure(() => demoCommand(["--report", dirNamedHtml]))).toEqual({ exit: 2, type: "OutputPathError", code: "NOT_A_FILE" });
    const fifoMd = join(root, "fifo.md");
    expect(spawnSync("mkfifo", [fifoMd]).status).toBe(0);
    expect(await failure(() => demoCommand(["--report", fifoMd]))).toEqual({ exit: 2, type: "OutputPathError", code: "NOT_A_FILE" });
  });

  it("bench --out naming a file or under one: NOT_A_DIRECTORY, exit 2, before the run", async () => {
    expect(await failure(() => benchCommand(["--out", aFile]))).toEqual({ exit: 2, type: "OutputPathError", code: "NOT_A_DIRECTORY" });
    expect(await failure(() => benchCommand(["--out", join(aFile, "results")]))).toEqual({ exit: 2, type: "OutputPathError", code: "NOT_A_DIRECTORY" });
  });

  it("a missing output folder is fine (made by the run), and nothing is created by the check", () => {
    const out = join(root, "not", "yet");
    expect(() => checkOutputDir(out, "--out")).not.toThrow();
    expect(existsSync(join(root, "not"))).toBe(false);
    expect(checkOutputFile(join(root, "r.HTML"), "--report", [".html", ".md"])).toBe(".html");
  });
});

describe("item 11: numbers are decimal digits in range; no stray arguments", () => {
  const loose = ["0x10", "1e1", "0b11", "+5", " 3 ", "2.0", "-1", "010", "", "３"];

  it.each(loose)("demo and bench refuse %j as a number (CliError, exit 2)", async (value) => {
    for (const flag of ["--transfers", "--users", "--seed"]) {
      expect(await failure(() => demoCommand([`${flag}=${value}`]))).toEqual({ exit: 2, type: "CliError" });
    }
    for (const flag of ["--reps", "--max-minutes", "--seed"]) {
      expect(await failure(() => benchCommand([`${flag}=${value}`]))).toEqual({ exit: 2, type: "CliError" });
    }
    // A real wallet file and no node: the arguments are refused before any request.
    expect(await failure(() => walletCommand(["transfer", value, "5", "--wallet", walletFile]))).toEqual({ exit: 2, type: "CliError" });
    expect(await failure(() => walletCommand(["faucet", value, "--wallet", walletFile]))).toEqual({ exit: 2, type: "CliError" });
  });

  it("the one parser: digits only, within the range", () => {
    expect(parseInteger("0", "--n", 0, 10)).toBe(0);
    expect(parseInteger("16", "--n", 0, 16)).toBe(16);
    for (const bad of [...loose, "17", "99999999999999999999"]) expect(() => parseInteger(bad, "--n", 0, 16)).toThrow(CliError);
  });

  it("bench --instances nK: K in decimal digits too", async () => {
    expect(await failure(() => benchCommand(["--instances", "n016"]))).toEqual({ exit: 2, type: "CliError" });
    expect(await failure(() => benchCommand(["--instances", "n0x10"]))).toEqual({ exit: 2, type: "CliError" });
  });

  it("stray positionals and single-dash options are usage errors in every command", async () => {
    for (const argv of [["junk"], ["-x"], ["junk", "-x"], ["-"]]) {
      expect(await failure(() => circuitsCommand(argv))).toEqual({ exit: 2, type: "CliError" });
      expect(await failure(() => demoCommand(argv))).toEqual({ exit: 2, type: "CliError" });
      expect(await failure(() => benchCommand(argv))).toEqual({ exit: 2, type: "CliError" });
    }
    expect(await failure(() => verifyCommand([good, "-x"]))).toEqual({ exit: 2, type: "CliError" });
    expect(await failure(() => verifyCommand([good, "extra"]))).toEqual({ exit: 2, type: "CliError" });
    expect(await failure(() => walletCommand(["show", "-x"]))).toEqual({ exit: 2, type: "CliError" });
  });
});

describe("item 12: arities and report extensions", () => {
  it.each<[string, unknown]>([
    ["[]", []],
    ["[0, 4]", [0, 4]],
    ["[1, 4]", [1, 4]],
    ["[3, 4]", [3, 4]],
    ['["4", 4]', ["4", 4]],
    ["33 levels of 2 (more than 2^32 accounts)", new Array(33).fill(2)],
    ["not a list", 16],
  ])("batch.json arities %s: BatchFolderError MALFORMED, exit 2", async (_name, arities) => {
    const dir = withMetadata((j) => ({ ...j, arities }));
    expect(await failure(async () => readBatchFolder(dir))).toEqual({ exit: 2, type: "BatchFolderError", code: "MALFORMED" });
  });

  it("arities of another valid tree than the records' layout: MALFORMED (records are not whole records)", async () => {
    const dir = withMetadata((j) => ({ ...j, arities: [8, 8, 8, 8] }));
    expect(await failure(async () => readBatchFolder(dir))).toEqual({ exit: 2, type: "BatchFolderError", code: "MALFORMED" });
  });

  it("demo --report x.txt (or no extension): BAD_EXTENSION, exit 2, before the run", async () => {
    for (const report of [join(root, "x.txt"), join(root, "x"), join(root, "x.html.txt")]) {
      expect(await failure(() => demoCommand(["--report", report]))).toEqual({ exit: 2, type: "OutputPathError", code: "BAD_EXTENSION" });
    }
  });
});

describe("end to end through bin/zkr.js", () => {
  it("exit code 2 and one line: /dev/zero as vkey and as wallet, stray arguments", async () => {
    const runs = await Promise.all([
      zkr("verify", good, "--vkey", "/dev/zero"),
      zkr("wallet", "show", "--wallet", "/dev/zero"),
      zkr("circuits", "junk", "-x"),
    ]);
    for (const r of runs) expectOneLine(r, 2);
  });
});

