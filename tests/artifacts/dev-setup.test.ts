// Development (known toxic waste) trusted setups: the zkey / ptau writers must
// produce files snarkjs accepts, whose proofs verify, and which are byte-for-byte
// what snarkjs itself computes from the same secrets.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binSection, parseBinFile } from "../../src/artifacts/binfile.ts";
import {
  DEV_ZKEY_CONTRIBUTION_NAME,
  writeDevGroth16Zkey,
  writeGroth16ZkeyFromSecrets,
} from "../../src/artifacts/dev-groth16.ts";
import { DEV_PTAU_CONTRIBUTION_NAME, writeDevPtau, writePtauFromSecrets } from "../../src/artifacts/dev-ptau.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "zkr-dev-setup-"));
const r1cs = join(dir, "toy.r1cs");
const wasm = join(dir, "toy_js", "toy.wasm");
// 53 constraints + 4 public signals: a 2^6 domain.
const CIRCUIT = `pragma circom 2.0.0;
template Toy(N) {
    signal input a;
    signal input b;
    signal input c;
    signal output out;
    signal output out2;
    signal x[N+1];
    x[0] <== a * b;
    for (var i = 0; i < N; i++) {
        x[i+1] <== x[i] * x[i] + c;
    }
    out <== x[N] * a;
    out2 <== x[N] * c;
}
component main {public [a, c]} = Toy(50);
`;
const input = { a: 3, b: 5, c: 7 };

type Prover = typeof snarkjs.groth16;

async function proveAndCheck(system: Prover, zkey: string): Promise<void> {
  const vk = await snarkjs.zKey.exportVerificationKey(zkey);
  const { proof, publicSignals } = await system.fullProve(input, wasm, zkey);
  // Public signals: out, out2, a, c.
  expect(publicSignals.slice(2)).toEqual(["3", "7"]);
  expect(await system.verify(vk, publicSignals, proof)).toBe(true);
  const tampered = [...publicSignals];
  tampered[2] = "4";
  expect(await system.verify(vk, tampered, proof)).toBe(false);
}

function sectionBytes(bytes: Buffer, magic: string): Map<number, Buffer> {
  const file = parseBinFile(bytes, magic);
  return new Map([...file.sections.keys()].map((id) => {
    const s = binSection(file, id);
    return [id, Buffer.from(s.buffer, s.byteOffset, s.byteLength)];
  }));
}

beforeAll(() => {
  writeFileSync(join(dir, "toy.circom"), CIRCUIT);
  execFileSync(
    process.execPath,
    [join(repo, "node_modules/circom2/cli.js"), join(dir, "toy.circom"), "--r1cs", "--wasm", "--O2", "-o", dir],
    { stdio: "pipe" },
  );
});

afterAll(async () => {
  // snarkjs keeps a multi-threaded curve alive; terminate it so the fork exits.
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  await curve.terminate();
});

describe("development groth16 zkey", () => {
  it("is accepted by snarkjs: proofs verify and a tampered public signal does not", async () => {
    const zkey = join(dir, "dev.zkey");
    const logs: string[] = [];
    const res = await writeDevGroth16Zkey({ r1csPath: r1cs, zkeyPath: zkey, log: (m) => logs.push(m) });
    expect(res).toMatchObject({ domainSize: 64, nVars: 57, nPublic: 4, nConstraints: 53 });
    expect(logs.some((m) => m.includes("100%"))).toBe(true);
    expect(readFileSync(zkey).includes(Buffer.from(DEV_ZKEY_CONTRIBUTION_NAME))).toBe(true);
    await proveAndCheck(snarkjs.groth16, zkey);
  });

  it("is deterministic for given entropy and random without it", async () => {
    const entropy = new TextEncoder().encode("fixed test entropy");
    const paths = ["e1", "e2", "r1"].map((n) => join(dir, `${n}.zkey`));
    await writeDevGroth16Zkey({ r1csPath: r1cs, zkeyPath: paths[0] as string, entropy });
    await writeDevGroth16Zkey({ r1csPath: r1cs, zkeyPath: paths[1] as string, entropy });
    await writeDevGroth16Zkey({ r1csPath: r1cs, zkeyPath: paths[2] as string });
    const [e1, e2, r1] = paths.map((p) => readFileSync(p));
    expect(e1?.equals(e2 as Buffer)).toBe(true);
    expect(e1?.equals(r1 as Buffer)).toBe(false);
  });
});

describe("development powers of tau", () => {
  it("equals snarkjs's own preparePhase2 output, and our zkey equals snarkjs's newZKey", async () => {
    // Same secrets on both sides; gamma = delta = 1 is what newZKey leaves before phase-2 contributions.
    const secrets = { tau: 0x1234567890abcdefn, alpha: 987654321n, beta: 55555555555n };
    const ptau = join(dir, "fixed.ptau");
    await writePtauFromSecrets({ power: 7, ptauPath: ptau, secrets });
    await snarkjs.powersOfTau.preparePhase2(ptau, join(dir, "reprepared.ptau"));
    expect(readFileSync(ptau).equals(readFileSync(join(dir, "reprepared.ptau")))).toBe(true);

    await snarkjs.zKey.newZKey(r1cs, ptau, join(dir, "snarkjs.zkey"));
    await writeGroth16ZkeyFromSecrets({
      r1csPath: r1cs,
      zkeyPath: join(dir, "ours.zkey"),
      secrets: { ...secrets, gamma: 1n, delta: 1n },
    });
    const theirs = sectionBytes(readFileSync(join(dir, "snarkjs.zkey")), "zkey");
    const ours = sectionBytes(readFileSync(join(dir, "ours.zkey")), "zkey");
    // Sections 1-9 (header, points, coefficients) identical; 10 holds our contribution record.
    for (let id = 1; id <= 9; id++) expect(ours.get(id)?.equals(theirs.get(id) as Buffer), `section ${id}`).toBe(true);
  });

  it("gives plonk, fflonk and groth16 keys whose proofs verify", async () => {
    const ptau = join(dir, "dev.ptau");
    const res = await writeDevPtau({ power: 10, ptauPath: ptau, entropy: new Uint8Array([1, 2, 3]) });
    expect(res.power).toBe(10);
    expect(readFileSync(ptau).includes(Buffer.from(DEV_PTAU_CONTRIBUTION_NAME))).toBe(true);

    await snarkjs.plonk.setup(r1cs, ptau, join(dir, "plonk.zkey"));
    await proveAndCheck(snarkjs.plonk, join(dir, "plonk.zkey"));
    await snarkjs.fflonk.setup(r1cs, ptau, join(dir, "fflonk.zkey"));
    await proveAndCheck(snarkjs.fflonk, join(dir, "fflonk.zkey"));
    await snarkjs.zKey.newZKey(r1cs, ptau, join(dir, "g16.zkey"));
    await proveAndCheck(snarkjs.groth16, join(dir, "g16.zkey"));
  });
});
