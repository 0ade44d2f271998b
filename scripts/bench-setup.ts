// Times the development setup against snarkjs's own path on this machine and writes
// build/reports/setup.{json,md}. Every number here is measured in this run.
// Usage: npx tsx scripts/bench-setup.ts [INSTANCE] [--snarkjs-power P]
//   INSTANCE defaults to batch_n8_d6_a4x2-8x4 (a 2^17 domain); --snarkjs-power (default 12) sizes the
//   stock `powersoftau new + contribute + prepare phase2` run used as the reference.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { compileCircuit } from "../src/artifacts/compile.ts";
import { writeDevGroth16Zkey } from "../src/artifacts/dev-groth16.ts";
import { writeDevPtau } from "../src/artifacts/dev-ptau.ts";
import { groth16Power } from "../src/artifacts/ptau.ts";
import { findInstance } from "../src/circuit/instances.ts";
import { BUILD_DIR } from "../src/paths.ts";
import { shutdownProver } from "../src/prover/prove.ts";
import { machineInfo, machineLine } from "../src/report/machine.ts";
import { snarkjsCli } from "../src/artifacts/snarkjs-cli.ts";

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith("--")) ?? "batch_n8_d6_a4x2-8x4";
const powerFlag = args.indexOf("--snarkjs-power");
const snarkPower = powerFlag === -1 ? 12 : Number(args[powerFlag + 1]);
const instance = findInstance(name);
const scratch = mkdtempSync(join(tmpdir(), "zkr-bench-setup-"));
const log = (m: string) => console.error(m);
const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await f();
  return [r, (performance.now() - t) / 1000];
};

console.error(`machine: ${machineLine()}`);
const [circuit, compileS] = await time(() => compileCircuit(instance, { force: true, log }));
const power = groth16Power(circuit.constraints, 1);
const [dev, devZkeyS] = await time(() => writeDevGroth16Zkey({ r1csPath: circuit.r1cs, zkeyPath: join(scratch, "dev.zkey"), log }));
const devVkey = await snarkjs.zKey.exportVerificationKey(join(scratch, "dev.zkey"));

// snarkjs's Groth16 key generation (zkey new) given a prepared ptau of the right size (ours, dev).
const ptau = join(scratch, `dev-${power}.ptau`);
const [, devPtauS] = await time(() => writeDevPtau({ power, ptauPath: ptau, log }));
const [, zkeyNewS] = await time(async () => snarkjs.zKey.newZKey(circuit.r1cs, ptau, join(scratch, "snarkjs.zkey")));

// snarkjs's own ceremony path at a small power, for reference (it does not finish in useful time at 2^17).
const t0 = performance.now();
const raw = join(scratch, "s0.ptau");
snarkjsCli(["powersoftau", "new", "bn128", String(snarkPower), raw]);
snarkjsCli(["powersoftau", "contribute", raw, join(scratch, "s1.ptau"), "--name=bench", "-e=bench entropy"]);
const tNew = (performance.now() - t0) / 1000;
snarkjsCli(["powersoftau", "prepare", "phase2", join(scratch, "s1.ptau"), join(scratch, "s2.ptau")]);
const tPrepared = (performance.now() - t0) / 1000;
await shutdownProver();

const result = {
  machine: machineInfo(),
  instance: instance.name,
  constraints: circuit.constraints,
  domainPower: power,
  seconds: {
    compile: compileS,
    devGroth16Zkey: devZkeyS,
    fromNothingToGroth16Keys: compileS + devZkeyS,
    devPreparedPtau: devPtauS,
    snarkjsZkeyNewFromPreparedPtau: zkeyNewS,
    [`snarkjsPtauNewContribute_2^${snarkPower}`]: tNew,
    [`snarkjsPtauNewContributePrepare_2^${snarkPower}`]: tPrepared,
  },
  devGroth16Breakdown: dev.timings,
  devVkeyProtocol: devVkey["protocol"],
};
const rows = Object.entries(result.seconds).map(([k, v]) => `| ${k} | ${v.toFixed(1)} |`);
const md = [
  `# Setup times (measured by scripts/bench-setup.ts ${args.join(" ")})`.trimEnd(),
  "",
  `Machine: ${machineLine()}`,
  `Instance: ${instance.name}, ${circuit.constraints} constraints, Groth16 domain 2^${power}`,
  "",
  "| step | seconds |",
  "|---|---:|",
  ...rows,
  "",
  `Development zkey breakdown (ms): ${Object.entries(dev.timings).map(([k, v]) => `${k} ${typeof v === "number" ? Math.round(v) : v}`).join(", ")}`,
  "",
].join("\n");
const dir = join(BUILD_DIR, "reports");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "setup.json"), JSON.stringify(result, null, 2));
writeFileSync(join(dir, "setup.md"), md);
rmSync(scratch, { recursive: true, force: true });
console.log(md);
