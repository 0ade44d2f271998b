import { shutdownProver } from "../../prover/prove.ts";
import { verifyBatchFolder } from "../../verify/verify-batch.ts";
import { parseArgs, stringFlag } from "../args.ts";
import { CliError } from "../errors.ts";

export const VERIFY_HELP = `zkr verify BATCH_DIR [--reexecute STATE.json] [--vkey FILE] [--json]
  Checks a batch folder (proof.json, public.json, batch.json, verification_key.json): the proof
  against the verification key (the folder's own, or --vkey), the public signal against the posted
  records, L1 messages and roots, and with --reexecute the transition itself from a pre-state file.
  Every field of batch.json is checked first; the files read must be regular files (at most 16 MiB,
  the --reexecute state 256 MiB). Exit 0 valid, 1 invalid (with the reason), 2 bad input.`;

export async function verifyCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { valued: ["reexecute", "vkey"], boolean: ["json"] });
  const [dir, ...extra] = args.positional;
  if (dir === undefined || extra.length > 0) throw new CliError("usage: zkr verify BATCH_DIR [--reexecute STATE.json] [--vkey FILE]");
  const reexecute = stringFlag(args, "reexecute");
  const vkey = stringFlag(args, "vkey");
  try {
    const result = await verifyBatchFolder(dir, { ...(reexecute === undefined ? {} : { reexecute }), ...(vkey === undefined ? {} : { vkey }) });
    if (args.flags.has("json")) console.log(JSON.stringify(result, null, 2));
    else {
      for (const c of result.checks) console.log(`${c.ok ? "ok     " : "FAILED "} ${c.name}${c.detail === undefined ? "" : `: ${c.detail}`}`);
      console.log(result.valid ? "batch is valid" : `batch is INVALID: ${result.reason ?? ""}`);
    }
    return result.valid ? 0 : 1;
  } finally {
    await shutdownProver();
  }
}
