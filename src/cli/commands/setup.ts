import { existsSync } from "node:fs";
import { PROTOCOLS, setupInstance, type Protocol } from "../../artifacts/setup.ts";
import { findInstance, instanceByRole, type CircuitInstance } from "../../circuit/instances.ts";
import { shutdownProver } from "../../prover/prove.ts";
import { parseArgs, stringFlag } from "../args.ts";
import { CliError } from "../errors.ts";

export const SETUP_HELP = `zkr setup [INSTANCE...] [--protocol groth16|plonk|fflonk] [--ptau FILE] [--force]
  Compiles the instances (default: the test and demo ones) and makes their proving and
  verification keys under build/, cached by a hash of their inputs.
  Without --ptau the keys come from a DEVELOPMENT setup whose toxic waste this process knew:
  fine for benchmarks and demos, INSECURE for anything of value.
  --ptau FILE uses a powers-of-tau file from a real ceremony (prepared for phase 2) through
  snarkjs's standard path (zkey new, then one local phase-2 contribution for Groth16).`;

export async function setupCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, { valued: ["protocol", "ptau"], boolean: ["force"] });
  const protocol = (stringFlag(args, "protocol") ?? "groth16") as Protocol;
  if (!PROTOCOLS.includes(protocol)) throw new CliError(`--protocol must be one of ${PROTOCOLS.join(", ")}`);
  const ptau = stringFlag(args, "ptau");
  if (ptau !== undefined && !existsSync(ptau)) throw new CliError(`ptau file not found: ${ptau}`);
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
      if (s.manifest.insecure) console.log(`  WARNING: ${s.manifest.warning ?? "insecure keys"}`);
    }
  } finally {
    await shutdownProver();
  }
}
