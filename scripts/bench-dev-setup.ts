// Benchmark of the development (known toxic waste) setups on a toy circuit.
//
//   npx tsx scripts/bench-dev-setup.ts [--constraints 110000] [--ptau-power 17] [--quick]
//
// Builds (once, cached in the OS temp dir) a circuit of N chained
// multiplications, times writeDevGroth16Zkey with its breakdown, proves and
// verifies with the key, then times writeDevPtau and snarkjs's own
// zKey.newZKey from that ptau for comparison (skipped with --quick).
// Timings are wall clock; other processes on the machine skew them, so the
// load average and the process CPU time are printed too.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as snarkjs from "snarkjs";
import { writeDevGroth16Zkey, type DevSetupTimings } from "../src/artifacts/dev-groth16.ts";
import { writeDevPtau } from "../src/artifacts/dev-ptau.ts";

const { values } = parseArgs({
  options: {
    constraints: { type: "string", default: "110000" },
    "ptau-power": { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
const nMul = Number(values.constraints);
const repo = fileURLToPath(new URL("..", import.meta.url));
const dir = join(tmpdir(), `zkr-bench-dev-setup-${nMul}`);
const r1cs = join(dir, "toy.r1cs");
const wasm = join(dir, "toy_js", "toy.wasm");

const secs = (ms: number): string => `${(ms / 1000).toFixed(2).padStart(7)} s`;
const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function compile(): void {
  if (existsSync(r1cs) && existsSync(wasm)) {
    console.log(`circuit: cached in ${dir}`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "toy.circom"),
    `pragma circom 2.0.0;
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
component main {public [a, c]} = Toy(${nMul});
`,
  );
  const t = performance.now();
  execFileSync(
    process.execPath,
    [join(repo, "node_modules/circom2/cli.js"), join(dir, "toy.circom"), "--r1cs", "--wasm", "--O2", "-o", dir],
    { stdio: "pipe" },
  );
  console.log(`circuit: compiled with circom2 in ${secs(performance.now() - t)}`);
}

function printTimings(t: DevSetupTimings): void {
  console.log(`  read input     ${secs(t.readMs)}`);
  console.log(`  scalars (Fr)   ${secs(t.scalarsMs)}   main thread, overlaps the curve work`);
  console.log(`  comb tables    ${secs(t.tablesMs)}   per worker (${t.threads} workers)`);
  console.log(`  G1 muls        ${secs(t.g1MulMs)}   ${t.g1Points} points, per worker`);
  console.log(`  G2 muls        ${secs(t.g2MulMs)}   ${t.g2Points} points, per worker`);
  console.log(`  file writes    ${secs(t.writeMs)}`);
  console.log(`  total (wall)   ${secs(t.totalMs)}`);
}

async function main(): Promise<void> {
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  compile();

  const zkey = join(dir, "dev.zkey");
  let cpu = cpuSeconds();
  const res = await writeDevGroth16Zkey({ r1csPath: r1cs, zkeyPath: zkey });
  console.log(
    `\nwriteDevGroth16Zkey: ${res.nConstraints} constraints, ${res.nVars} wires, ${res.nPublic} public, domain 2^${Math.log2(res.domainSize)}`,
  );
  printTimings(res.timings);
  console.log(`  process CPU    ${secs((cpuSeconds() - cpu) * 1000)}`);

  let t = performance.now();
  const vk = await snarkjs.zKey.exportVerificationKey(zkey);
  const { proof, publicSignals } = await snarkjs.groth16.fullProve({ a: 3, b: 5, c: 7 }, wasm, zkey);
  const ok = await snarkjs.groth16.verify(vk, publicSignals, proof);
  const bad = await snarkjs.groth16.verify(vk, [...publicSignals.slice(0, 2), "4", "7"], proof);
  console.log(`\ngroth16 fullProve + verify: ${ok ? "OK" : "FAILED"}, tampered: ${bad ? "ACCEPTED (bug!)" : "rejected"} (${secs(performance.now() - t)})`);
  if (!ok || bad) process.exitCode = 1;

  if (!values.quick) {
    const power = Number(values["ptau-power"] ?? Math.log2(res.domainSize));
    const ptau = join(dir, `dev-${power}.ptau`);
    cpu = cpuSeconds();
    const p = await writeDevPtau({ power, ptauPath: ptau });
    console.log(`\nwriteDevPtau: power ${power}`);
    printTimings(p.timings);
    console.log(`  process CPU    ${secs((cpuSeconds() - cpu) * 1000)}`);

    t = performance.now();
    await snarkjs.zKey.newZKey(r1cs, ptau, join(dir, "snarkjs.zkey"));
    console.log(`\nsnarkjs zKey.newZKey from that ptau (for comparison): ${secs(performance.now() - t)}`);
  }

  const curve = await snarkjs.curves.getCurveFromName("bn128");
  await curve.terminate();
}

await main();
