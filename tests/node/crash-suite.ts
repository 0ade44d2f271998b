/**
 * Nothing accepted is lost, nothing is done twice: the node runs as its own process under a steady load
 * of signed transfers and is killed with SIGKILL at every crash point (ZKR_CRASH_AT: while admitting,
 * cutting, proving, submitting to the L1, ticking the clock) and a few more times from outside at
 * arbitrary moments. Clients retry the same signed operation until the API acknowledges it. At the end
 * every acknowledged operation is in exactly one batch, every batch is final, nonces and balances are
 * exactly what the acknowledged operations make them, and the roots agree with a reconstruction from L1
 * data (over the API) and with an offline replay of the logged L1 inputs that verifies every proof again.
 *
 * Each restart costs a node start and a replay: npm test kills at the points where work is acknowledged,
 * proven and sent to the L1 (tests/node/crash.test.ts); npm run test:long at every point
 * (tests/node/crash.long.test.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { labelAddress } from "../../src/l1/address.ts";
import { reconstructState } from "../../src/l1/reconstruct.ts";
import { auditDataDir } from "../../src/node/audit.ts";
import { ApiError, NodeClient, rollupDataFromJson } from "../../src/node/client.ts";
import type { CrashPoint } from "../../src/node/crash-points.ts";
import { ROLLUP_ID, newUser, testArtifacts, testInstance, transfer, type User } from "../helpers/fixtures.ts";
import { freePort, retrying, sleep, spawnNode, until, type NodeProcess } from "./helpers.ts";

const DEPOSIT = 1_000_000n;

/** The crash test killing at `points`, then from outside after each of `outsideKills` ms of running. */
export function crashSuite(points: readonly CrashPoint[], outsideKills: readonly number[]): void {
  const t0 = Date.now();
  const trace = (m: string) => {
    if (process.env["ZKR_TEST_TRACE"] !== undefined) console.log(`[crash ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
  };
  const dir = mkdtempSync(join(tmpdir(), "zkr-crash-"));
  let running: NodeProcess | undefined;

  afterAll(async () => {
    if (running !== undefined && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill("SIGKILL");
      await running.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  describe("the node under kill -9", () => {
    it(`keeps every acknowledged operation exactly once across crashes at ${points.length} points and ${outsideKills.length + 1} moments`, async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const client = new NodeClient(url);
      const args = [
        "--data", dir, "--port", String(port), "--instance", testInstance.name, "--slot-ms", "250",
        "--max-wait", "24", "--finality-slots", "1", "--rollup-id", String(ROLLUP_ID),
      ];
      const start = async (env: Record<string, string> = {}): Promise<NodeProcess> => {
        running = spawnNode(args, env);
        const p = running;
        trace(`start ${JSON.stringify(env)}`);
        void p.exited.then((e) => trace(`exit ${e.code ?? e.signal}: ${p.output.slice(-2).join(" | ")}`));
        await running.ready;
        trace("listening");
        return running;
      };

      // Two users, funded by deposits through the API.
      let node = await start();
      const users: User[] = [newUser(), newUser()];
      for (const [i, u] of users.entries()) {
        const l1 = labelAddress(`crash user ${i}`);
        await client.faucet(l1, DEPOSIT);
        expect((await client.deposit(l1, u.publicKey, DEPOSIT)).status).toBe("success");
      }
      const indices: number[] = [];
      await until(async () => {
        indices.length = 0;
        for (const u of users) indices.push(...(await client.findAccounts(u.publicKey)));
        return indices.length === users.length;
      }, 30_000, "the deposits' batch");

      // Clients: each sends transfers to the other, one at a time, retrying the same signed operation
      // until acknowledged; the next one goes once the previous is in a batch (the load follows the prover).
      const acked: { id: string; user: number; amount: bigint }[] = [];
      const failures: string[] = [];
      let stop = false;
      const clientLoop = async (u: number) => {
        const user = users[u]!;
        for (let nonce = 0n; !stop; nonce++) {
          const op = transfer(user, indices[u]!, indices[1 - u]!, 1n + (nonce % 3n), nonce);
          let id: string;
          try {
            id = (await retrying(() => client.submit(op))).id;
          } catch (err) {
            failures.push(`client ${u} nonce ${nonce}: ${err instanceof ApiError ? err.code : String(err)}`);
            return;
          }
          acked.push({ id, user: u, amount: op.amount });
          trace(`client ${u}: ${id} acked (nonce ${nonce})`);
          await until(async () => {
            try {
              return stop || (await client.operation(id)).status !== "pending";
            } catch {
              return false;
            }
          }, 120_000, `operation ${id} to be batched`, 250);
        }
      };
      const clients = [clientLoop(0), clientLoop(1)];
      await sleep(1_000);
      node.child.kill("SIGKILL");

      // Crash at each point, then at arbitrary moments (the first kill above was one more).
      const reached: string[] = [];
      for (const point of points) {
        await node.exited;
        node = await start({ ZKR_CRASH_AT: point });
        const result = await Promise.race([node.exited, sleep(40_000).then(() => undefined)]);
        if (result === undefined) {
          node.child.kill("SIGKILL");
          await node.exited;
        } else if (result.signal === "SIGKILL") reached.push(point);
        else failures.push(`node exited with ${result.code ?? result.signal} at ${point}: ${node.output.slice(-3).join(" | ")}`);
      }
      for (const delay of outsideKills) {
        await node.exited;
        node = await start();
        await sleep(delay);
        node.child.kill("SIGKILL");
      }
      await node.exited;

      // Restart, stop the load and drain: everything acknowledged must become final.
      node = await start();
      stop = true;
      await Promise.all(clients);
      await until(async () => {
        const h = await client.health();
        return h.mempool.pending === 0 && h.batches.cut === h.batches.final;
      }, 120_000, "every batch to be final", 500);

      expect(failures).toEqual([]);
      expect(reached).toEqual([...points]);

      // Exactly once: every acknowledged id in exactly one batch, nothing else in any batch.
      const health = await client.health();
      const seen = new Map<string, number>();
      for (let n = 1; n <= health.batches.cut; n++) {
        const b = await client.batch(n);
        expect(b.status).toBe("final");
        for (const id of b.opIds) seen.set(id, (seen.get(id) ?? 0) + 1);
      }
      const ids = acked.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...seen.values()].every((c) => c === 1)).toBe(true);
      expect([...seen.keys()].sort()).toEqual([...ids].sort());

      // Nonces and balances are what the acknowledged operations make them.
      for (const [u, index] of indices.entries()) {
        const mine = acked.filter((a) => a.user === u);
        const theirs = acked.filter((a) => a.user !== u);
        const acc = await client.account(index);
        expect(acc.finalBatch).toBe(health.batches.cut);
        expect(acc.account?.nonce).toBe(String(mine.length));
        const expected = DEPOSIT - mine.reduce((s, a) => s + a.amount, 0n) + theirs.reduce((s, a) => s + a.amount, 0n);
        expect(acc.account?.balance).toBe(expected.toString());
      }

      // The roots agree with a reconstruction from L1 data.
      const data = await client.rollupData();
      const rebuilt = reconstructState(rollupDataFromJson(data), data.arities);
      expect(rebuilt.root.toString()).toBe(health.batches.finalRoot);
      expect(data.currentRoot).toBe(health.batches.finalRoot);

      // A clean stop, then an offline replay of the L1 log (proofs verified again) agrees too.
      node.child.kill("SIGTERM");
      expect((await node.exited).code).toBe(0);
      const audit = await auditDataDir(dir, testInstance, testArtifacts().keys.zkey);
      expect(audit.batchesOnL1).toBe(health.batches.cut);
      expect(audit.reconstructedRoot.toString()).toBe(health.batches.finalRoot);
      expect(audit.storedRoot).toBe(audit.reconstructedRoot);
      expect(audit.l1Root).toBe(audit.reconstructedRoot);
      console.log(
        `crash test: ${points.length + outsideKills.length + 1} kills (${reached.length} at crash points), ${acked.length} acknowledged transfers, ` +
          `${health.batches.cut} batches, all final; roots agree with the L1 reconstruction`,
      );
    }, 300_000);
  });
}
