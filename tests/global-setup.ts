import { setupInstance } from "../src/artifacts/setup.ts";
import { instanceByRole } from "../src/circuit/instances.ts";
import { shutdownProver } from "../src/prover/prove.ts";

export default async function setup(): Promise<void> {
  await setupInstance(instanceByRole("test"), { log: (m) => console.log(`[global-setup] ${m}`) });
  await shutdownProver();
}
