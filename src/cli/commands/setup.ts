import { inspectPtau } from "../../artifacts/ptau.ts";
import { PROTOCOLS, setupInstance, type Protocol } from "../../artifacts/setup.ts";
import { findInstance, instanceByRole, type CircuitInstance } from "../../circuit/instances.ts";
import { buildCppWitness, cppToolchain } from "../../circuit/witness-cpp.ts";
import { shutdownProver } from "../../prover/prove.ts";
import { parseArgs, stringFlag } from "../args.ts";
import { CliError } from "../errors.ts";

export const SETUP_HELP = `zkr setup [INSTANCE...] [--protocol groth16|plonk|fflonk] [--ptau FILE] [--force] [--cpp-witness]
  Compiles the instances (default: the test and demo ones) and makes their proving and
  verification keys under build/, cached by a hash of their inputs.
  Without --ptau the keys come from a DEVELOPMENT setup whose toxic waste this process knew:
  fine for benchmarks and demos, INSECURE for anything of value.
  --ptau FILE uses a powers-of-tau file from a real ceremony (prepared for phase 2) through
  snarkjs's standard path (zkey new, then one local phase-2 contribution for Groth16).
  New keys must prove and verify a batch before they are kept (a corrupt ptau: exit 2, nothing kept).
  Each setup writes a new key version under build/<instance>/keys/; --force never replaces the keys
  a node's data directory pinned, so a running node keeps proving.
  --cpp-witness also builds circom's C++ witness generator for each instance (circom --c, then g++:
  minutes for a large circuit; cached; needs g++, make, nasm, libgmp-dev, nlohmann-json3-dev). Nodes,
  demos and benches then compute witnesses with it (several times faster than the wasm calculator).`;

export async function setupCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, { valued: ["protocol", "ptau"], boolean: ["force", "cpp-witness"] });
  const protocol = (stringFlag(args, "protocol") ?? "groth16") as Protocol;
  if (!PROTOCOLS.includes(protocol)) throw new CliError(`--protocol must be one of ${PROTOCOLS.join(", ")}`);
  const ptau = stringFlag(args, "ptau");
  // A missing file, a FIFO, a directory or a malformed ptau: one line, exit 2, before any compile.
  if (ptau !== undefined) inspectPtau(ptau);
  const cpp = args.flags.has("cpp-witness");
  const toolchain = cppToolchain();
  if (cpp && !toolchain.ok) throw new CliError(`--cpp-witness needs ${toolchain.missing.join(", ")} (apt-get install ${toolchain.install.join(" ")})`);
  const instances: CircuitInstance[] =
    args.positional.length > 0 ? args.positional.map(findInstance) : [instanceByRole("test"), instanceByRole("demo")];
  try {
    for (const instance of instances) {
      const s = await setupInstance(instance, {
        protocol,
        ...(ptau === undefined ? {} : { ptau }),
        ...(args.flags.has("force") ? { force: true } : {}),
        log: (m) => console.log(m),
      });
      console.log(`${instance.name}: ${protocol} ${s.cached ? "(cached)" : ""}`.trimEnd());
      console.log(`  zkey  ${s.zkey}`);
      console.log(`  vkey  ${s.vkey}`);
      console.log(`  version  ${s.version}`);
      if (cpp) {
        const gen = await buildCppWitness(instance, s.circuit, (m) => console.log(m));
        console.log(`  C++ witness  ${gen.binary}${gen.cached ? " (cached)" : ""}`);
      }
      if (s.manifest.insecure) console.log(`  WARNING: ${s.manifest.warning ?? "insecure keys"}`);
    }
  } finally {
    await shutdownProver();
  }
}
