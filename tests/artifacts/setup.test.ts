// Keys are only kept once they can prove: a ptau with one wrong point is refused (BAD_PTAU) and
// leaves nothing behind; a key that cannot prove fails the setup's check; a ptau path that is not
// a regular file is a one-line error with exit code 2 instead of a hang.

import { spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { JsonObject } from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBinFile } from "../../src/artifacts/binfile.ts";
import { writeDevPtau } from "../../src/artifacts/dev-ptau.ts";
import { ArtifactError } from "../../src/artifacts/errors.ts";
import { checkKeysProve } from "../../src/artifacts/key-check.ts";
import { groth16Power, inspectPtau } from "../../src/artifacts/ptau.ts";
import { checkGroth16PtauPoints } from "../../src/artifacts/ptau-points.ts";
import { setupInstance } from "../../src/artifacts/setup.ts";
import { InputFileError } from "../../src/io/input-file.ts";
import { REPO_ROOT } from "../../src/paths.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import { thrownCode } from "../helpers/errors.ts";
import { testArtifacts, testInstance } from "../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "zkr-setup-"));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await shutdownProver();
});

/** Offset of section `id`'s data in an iden3 container. */
function sectionOffset(bytes: Buffer, id: number): number {
  let at = 12;
  for (;;) {
    const type = bytes.readUInt32LE(at);
    const size = Number(bytes.readBigUInt64LE(at + 4));
    if (type === id) return at + 12;
    at += 12 + size;
  }
}

/**
 * A copy of `ptau` with one point of a Lagrange section overwritten by its neighbour (a valid curve
 * point: nothing but the math notices): point `index` of the 2^domain basis.
 */
function withOneWrongPoint(ptau: string, section: number, domain: number, index: number): string {
  const bytes = Buffer.from(readFileSync(ptau));
  const size = section === 13 ? 128 : 64;
  const at = sectionOffset(bytes, section) + (2 ** domain - 1 + index) * size;
  bytes.copy(bytes, at, at + size, at + 2 * size);
  const out = join(dir, `bad-${section}-${domain}-${index}-${Math.random().toString(36).slice(2)}.ptau`);
  writeFileSync(out, bytes);
  return out;
}

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (err) {
    if (err instanceof ArtifactError) return err.code;
    throw err;
  }
  return undefined;
}

describe("a ptau's points are checked before keys are made from it", () => {
  const small = join(dir, "small.ptau");
  beforeAll(async () => {
    await writeDevPtau({ power: 5, ptauPath: small });
  });

  it("a valid ptau passes, for a domain below its power and for its full power (truncated H domain)", async () => {
    await checkGroth16PtauPoints(small, 4);
    await checkGroth16PtauPoints(small, 5);
  });

  it("one wrong point in any section a Groth16 key uses is BAD_PTAU", async () => {
    // [section, domain]: the circuit's domain (12-15) and the doubled one for H (12, truncated at 6).
    const cases: [number, number, number][] = [
      [12, 4, 4], [12, 5, 7], [13, 4, 3], [14, 4, 9], [15, 4, 0], [12, 6, 20],
    ];
    for (const [section, domain, index] of cases) {
      const bad = withOneWrongPoint(small, section, domain, index);
      const power = section === 12 && domain === 6 ? 5 : 4;
      expect(await codeOf(() => checkGroth16PtauPoints(bad, power)), `section ${section} 2^${domain} #${index}`).toBe("BAD_PTAU");
    }
  });
});

describe("zkr setup INSTANCE --ptau FILE with one corrupt Lagrange point", () => {
  it("fails with BAD_PTAU and keeps no keys", async () => {
    const { circuit } = testArtifacts();
    const power = groth16Power(circuit.constraints, 1);
    const good = join(dir, `dev-${power}.ptau`);
    await writeDevPtau({ power, ptauPath: good });
    // Header, sizes and generator intact: only the point of one constraint of the circuit's domain.
    const bad = withOneWrongPoint(good, 12, power, circuit.constraints);
    const keysDir = join(dirname(circuit.dir), "keys");
    const before = existsSync(keysDir) ? readdirSync(keysDir) : [];

    expect(await codeOf(() => setupInstance(testInstance, { ptau: bad }))).toBe("BAD_PTAU");

    const after = existsSync(keysDir) ? readdirSync(keysDir) : [];
    const added = after.filter((e) => !before.includes(e));
    // Neither a key version nor a pointer for this ptau, nor a temp folder of this process.
    expect(added.filter((e) => e.includes("-ptau-") || e.includes(`.zkr-${process.pid}-`))).toEqual([]);
  });
});

describe("new keys prove and verify a batch before they are kept", () => {
  // (Every setup in the suite runs this check on good keys: the global setup's included.)
  it("keys with one wrong point fail it", async () => {
    const { keys } = testArtifacts();
    expect(keys.manifest.check?.proofVerified).toBe(true);
    const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
    const args = { instance: testInstance, protocol: "groth16" as const, wasm: keys.wasm, vkey };

    // The A point of wire 0 (the constant one: in every witness) replaced by another point.
    const bytes = Buffer.from(readFileSync(keys.zkey));
    const zkey = parseBinFile(bytes, "zkey");
    const a = zkey.sections.get(5)?.[0];
    const h = zkey.sections.get(9)?.[0];
    if (a === undefined || h === undefined) throw new Error("zkey without sections 5 and 9");
    bytes.copy(bytes, a.offset, h.offset, h.offset + 64);
    const corrupt = join(dir, "corrupt.zkey");
    writeFileSync(corrupt, bytes);
    const result = await checkKeysProve({ ...args, zkey: corrupt });
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.stage).toBe("verify");
  });
});

describe("zkr setup --ptau with a path that is not a regular file", () => {
  const zkr = (...args: string[]) => {
    const r = spawnSync(process.execPath, [resolve(REPO_ROOT, "bin", "zkr.js"), ...args], { encoding: "utf8", cwd: REPO_ROOT, timeout: 60_000 });
    return { code: r.status, stderr: r.stderr };
  };

  it("a FIFO: exit 2 with one line, at once (not a hang); a FIFO, a directory, /dev/zero: NOT_A_FILE", () => {
    const fifo = join(dir, "ptau.fifo");
    execFileSync("mkfifo", [fifo]);
    const folder = join(dir, "ptau-folder");
    mkdirSync(folder);
    const r = zkr("setup", testInstance.name, "--ptau", fifo);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    for (const path of [fifo, folder, "/dev/zero"]) expect(thrownCode(InputFileError, () => inspectPtau(path)), path).toBe("NOT_A_FILE");
  });
});
