import { resolve } from "node:path";
import { ApiError, DEFAULT_REQUEST_TIMEOUT_MS, NodeClientError, parseNodeUrl } from "../../node/client.ts";
import { MAX_BALANCE } from "../../tx/amount.ts";
import { createKeyFile, KeyFileError, readKeyFile } from "../../wallet/keyfile.ts";
import { Wallet, WalletError } from "../../wallet/wallet.ts";
import { intFlag, parseArgs, parseBigInteger, parseInteger, stringFlag, type ParsedArgs } from "../args.ts";
import { CliError } from "../errors.ts";
import { DEFAULT_NODE_PORT } from "./node.ts";

export const WALLET_HELP = `zkr wallet COMMAND [--wallet FILE] [--node URL] [--timeout S] [--json]
  A key in a local file and the whole flow against a running \`zkr node\`:
    create [--force]                  new key (EdDSA on Baby Jubjub) in --wallet (default ./zkr-wallet.json)
    show                              L1 address and balance, L2 index, final and pending balance and nonce
    faucet AMOUNT                     add L1 funds on the simulated L1 (a development faucet)
    deposit AMOUNT                    lock AMOUNT on L1 for this key's L2 account (created by the deposit)
    transfer TO_INDEX AMOUNT          sign and send an L2 transfer
    withdraw AMOUNT [--recipient 0x]  sign and send an L2 withdrawal to L1 (default: this wallet's address)
    claim                             claim on L1 every final withdrawal paid to this wallet
    status [OP_ID] [--watch]          an operation's status with its L1 times (--watch: until final)
    force-withdraw AMOUNT [--recipient 0x]  queue a forced withdrawal on L1 (censorship resistance; carries a bond)
    release-bond REQUEST_ID           pay a served request's bond (or a pending one's, in exit mode) to its recipient
    exit-mode REQUEST_ID              put the rollup in exit mode once a forced withdrawal's deadline passed
    exit-claim [--recipient 0x]       in exit mode: rebuild the state from L1 data, prove and claim the balance
  --node URL (http://HOST:PORT) defaults to $ZKR_NODE or http://127.0.0.1:${DEFAULT_NODE_PORT}; --wallet to $ZKR_WALLET or
  ./zkr-wallet.json; --timeout the seconds a request to the node may take, 1-3600 (default ${DEFAULT_REQUEST_TIMEOUT_MS / 1000}).
  transfer, withdraw and deposit take --wait to wait until final. Amounts are whole units (decimal integers).`;

export async function walletCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { valued: ["wallet", "node", "recipient", "timeout"], boolean: ["json", "force", "watch", "wait"] });
  const [sub, ...rest] = args.positional;
  const file = resolve(stringFlag(args, "wallet") ?? process.env["ZKR_WALLET"] ?? "zkr-wallet.json");
  let url: string;
  try {
    url = parseNodeUrl(stringFlag(args, "node") ?? process.env["ZKR_NODE"] ?? `http://127.0.0.1:${DEFAULT_NODE_PORT}`);
  } catch (err) {
    if (err instanceof NodeClientError) throw new CliError(`--node: ${err.message}`);
    throw err;
  }
  const timeoutMs = 1000 * intFlag(args, "timeout", 1, 3600, DEFAULT_REQUEST_TIMEOUT_MS / 1000);
  const json = args.flags.has("json");
  const print = (human: string, data: unknown) => console.log(json ? JSON.stringify(data, null, 2) : human);
  try {
    if (sub === "create") {
      expectArgs(rest, 0, "create");
      const key = createKeyFile(file, { force: args.flags.has("force") });
      print(`wallet written to ${file}\n  L1 address  0x${key.l1Address.toString(16).padStart(40, "0")}\n  public key  ${key.publicKey.x}\n              ${key.publicKey.y}`, {
        file,
        l1Address: `0x${key.l1Address.toString(16).padStart(40, "0")}`,
        publicKey: { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() },
      });
      return 0;
    }
    const wallet = new Wallet(readKeyFile(file), url, { timeoutMs });
    switch (sub) {
      case "show": {
        expectArgs(rest, 0, "show");
        const s = await wallet.show();
        print(
          [
            `L1 ${s.l1Address}: ${s.l1Balance}`,
            s.index === null ? "L2: no account yet (deposit first)" : `L2 account ${s.index}`,
            ...(s.final === null ? [] : [`  final (batch ${s.final.batch}): balance ${s.final.balance}, nonce ${s.final.nonce}`]),
            ...(s.pending === null ? [] : [`  after pending operations: balance ${s.pending.balance}, nonce ${s.pending.nonce}`]),
          ].join("\n"),
          s,
        );
        return 0;
      }
      case "faucet": {
        const [amount] = expectArgs(rest, 1, "faucet AMOUNT");
        const balance = await wallet.faucet(parseAmount(amount));
        print(`L1 balance now ${balance}`, { balance });
        return 0;
      }
      case "deposit": {
        const [amount] = expectArgs(rest, 1, "deposit AMOUNT");
        const r = await wallet.deposit(parseAmount(amount));
        print(`deposit queued on L1 (queue index ${r.result?.queueIndex ?? "?"}, block ${r.block}, ${r.gasUsed} gas); the next batch credits it`, r);
        if (args.flags.has("wait")) await waitForAccount(wallet);
        return 0;
      }
      case "transfer": {
        const [to, amount] = expectArgs(rest, 2, "transfer TO_INDEX AMOUNT");
        const r = await wallet.transfer(parseIndex(to, "TO_INDEX"), parseAmount(amount));
        print(`accepted: ${r.id} (${r.status}${r.duplicate ? ", already known" : ""})`, r);
        if (args.flags.has("wait")) await watch(wallet, r.id, json);
        return 0;
      }
      case "withdraw": {
        const [amount] = expectArgs(rest, 1, "withdraw AMOUNT");
        const recipient = optionalAddress(args);
        const r = await wallet.withdraw(parseAmount(amount), ...(recipient === undefined ? [] : [recipient]));
        print(`accepted: ${r.id} (${r.status}); once final, \`zkr wallet claim\` pays it on L1`, r);
        if (args.flags.has("wait")) await watch(wallet, r.id, json);
        return 0;
      }
      case "claim": {
        expectArgs(rest, 0, "claim");
        const paid = await wallet.claimWithdrawals();
        print(paid.length === 0 ? "nothing to claim (no final, unclaimed withdrawal to this address)" : paid.map((p) => `paid ${p.amount} (batch ${p.batch}, withdrawal ${p.index})`).join("\n"), paid);
        return 0;
      }
      case "status": {
        if (rest.length === 0) return (await walletCommand(["show", ...argv.filter((a) => a !== "status")])) ?? 0;
        const id = expectArgs(rest, 1, "status [OP_ID]")[0] ?? "";
        if (!/^[0-9a-f]{16}$/.test(id)) throw new CliError("an operation id is 16 hex digits");
        if (args.flags.has("watch")) await watch(wallet, id, json);
        else {
          const v = await wallet.client.operation(id);
          print(describe(v), v);
        }
        return 0;
      }
      case "force-withdraw": {
        const [amount] = expectArgs(rest, 1, "force-withdraw AMOUNT");
        const recipient = optionalAddress(args);
        const r = await wallet.forceWithdraw(parseAmount(amount), ...(recipient === undefined ? [] : [recipient]));
        print(`forced withdrawal ${r.result?.requestId ?? "?"} queued on L1 at t=${r.timestamp} s; the sequencer must include it by t=${r.result?.deadline ?? "?"} s`, r);
        return 0;
      }
      case "release-bond": {
        const [id] = expectArgs(rest, 1, "release-bond REQUEST_ID");
        const r = await wallet.releaseBond(parseIndex(id, "REQUEST_ID"));
        print(`bond of forced withdrawal ${id}: ${r.result?.amount ?? "?"} wei paid to its recipient (block ${r.block})`, r);
        return 0;
      }
      case "exit-mode": {
        const [id] = expectArgs(rest, 1, "exit-mode REQUEST_ID");
        const r = await wallet.activateExitMode(parseIndex(id, "REQUEST_ID"));
        print(`exit mode active from t=${r.timestamp} s; exit root = batch ${r.result?.batchNumber ?? "?"}`, r);
        return 0;
      }
      case "exit-claim": {
        expectArgs(rest, 0, "exit-claim");
        const recipient = optionalAddress(args);
        const r = await wallet.exitClaim(...(recipient === undefined ? [] : [recipient]));
        print(`exited account ${r.index}: ${r.amount} paid on L1 (block ${r.receipt.block}, ${r.receipt.gasUsed} gas)`, r);
        return 0;
      }
      default:
        throw new CliError(sub === undefined ? "usage: zkr wallet COMMAND (zkr wallet --help)" : `unknown wallet command "${sub}"`);
    }
  } catch (err) {
    if (err instanceof ApiError) throw new CliError(`node: ${err.code}: ${err.message}`);
    if (err instanceof WalletError) throw new CliError(`${err.code}: ${err.message}`);
    if (err instanceof KeyFileError) throw new CliError(err.message);
    // No answer in time, or an answer too large: the node failed, not the input (exit 1, one line).
    if (err instanceof NodeClientError) throw err;
    if (err instanceof TypeError && /fetch failed/.test(err.message)) throw new CliError(`no node answers at ${url} (start one with zkr node)`);
    throw err;
  }
}

function describe(v: { id: string; status: string; batch: number | null; l1Times: Record<string, number | undefined> }): string {
  const times = Object.entries(v.l1Times).map(([k, t]) => `${k} t=${t ?? "?"} s`).join(", ");
  return `${v.id}: ${v.status}${v.batch === null ? "" : ` (batch ${v.batch})`}  [L1 ${times}]`;
}

async function watch(wallet: Wallet, id: string, json: boolean): Promise<void> {
  const v = await wallet.watch(id, { onChange: (x) => (json ? undefined : console.log(describe(x))) });
  if (json) console.log(JSON.stringify(v, null, 2));
}

async function waitForAccount(wallet: Wallet): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const index = await wallet.index();
    if (index !== undefined) {
      console.log(`L2 account ${index} credited (pending until its batch is final)`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new CliError("the deposit was not credited within 5 minutes");
}

function expectArgs(rest: readonly string[], n: number, usage: string): string[] {
  if (rest.length !== n) throw new CliError(`usage: zkr wallet ${usage}`);
  return [...rest];
}

function parseAmount(s: string | undefined): bigint {
  return parseBigInteger(s ?? "", "AMOUNT", 1n, MAX_BALANCE);
}

function parseIndex(s: string | undefined, what: string): number {
  return parseInteger(s ?? "", what, 0, 2 ** 32 - 1);
}

function optionalAddress(args: ParsedArgs): bigint | undefined {
  const r = stringFlag(args, "recipient");
  if (r === undefined) return undefined;
  if (!/^0x[0-9a-fA-F]{1,40}$/.test(r)) throw new CliError("--recipient must be an L1 address (0x and up to 40 hex digits)");
  return BigInt(r);
}
