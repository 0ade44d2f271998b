/**
 * The node's page: one snapshot of the node per server-sent event (/events), drawn as tables; the Merkle
 * proof of an account comes from the JSON API (GET /accounts/N) on request.
 */
import type { NodeSnapshot } from "../node-web.ts";
import { byId, el, fillTable } from "./dom.ts";
import { int, l1Time } from "./format.ts";

const STATUS_TEXT: Readonly<Record<string, string>> = { pending: "pending", in_batch: "in batch", proven: "proven", accepted: "accepted", final: "final", cut: "in batch" };

function render(s: NodeSnapshot): void {
  byId("summary").textContent =
    `instance ${s.instance} (${s.capacity} operations per batch), rollup id ${s.rollupId}` +
    (s.insecureKeys ? " · development keys (INSECURE setup): never use for value" : "") +
    (s.halted === null ? "" : ` · HALTED: ${s.halted}`);
  const clock = byId("clock");
  const kv: [string, string][] = [
    ["L1 time", l1Time(s.l1.now)],
    ["L1 block", int(s.l1.block)],
    ["slot", `${s.l1.slotSeconds} s of L1 time${s.l1.slotMs > 0 ? `, every ${int(s.l1.slotMs)} ms of wall time` : " (moved by hand)"}`],
    ["finality", `${s.l1.finalitySlots} slot${s.l1.finalitySlots === 1 ? "" : "s"} after acceptance (${s.l1.finalitySlots * s.l1.slotSeconds} s)`],
    ["mempool", `${int(s.mempool.pending)} pending operations`],
    ["batches", `${s.counts.cut} cut, ${s.counts.proven} proven, ${s.counts.accepted} accepted, ${s.counts.final} final`],
    ["prover", s.prover.busy ? `proving batch ${s.prover.batch ?? "?"} for ${((s.prover.sinceMs ?? 0) / 1000).toFixed(1)} s` : "idle"],
  ];
  clock.replaceChildren(...kv.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));

  fillTable(
    byId<HTMLTableElement>("ops"),
    ["operation", "kind", "from account", "status", "batch", "admitted", "cut", "proven", "accepted", "final"],
    s.operations.map((o) => [
      el("code", {}, o.id),
      o.kind,
      String(o.from),
      el("span", { class: `status status-${o.status}` }, STATUS_TEXT[o.status] ?? o.status),
      o.batch === null ? "–" : String(o.batch),
      l1Time(o.l1Times.admitted),
      l1Time(o.l1Times.cut),
      l1Time(o.l1Times.proven),
      l1Time(o.l1Times.accepted),
      l1Time(o.l1Times.final),
    ]),
    (i) => ({ "data-op": s.operations[i]?.id ?? "" }),
    new Set([0, 1, 3]),
  );
  if (s.operations.length === 0) byId<HTMLTableElement>("ops").append(el("caption", {}, "no operations yet"));

  fillTable(
    byId<HTMLTableElement>("batches"),
    ["batch", "status", "transfers/deposits/withdrawals", "cut", "proven", "proof time", "accepted", "final", "L1 gas", "calldata", "proof files"],
    s.batches.map((b) => [
      String(b.number),
      el("span", { class: `status status-${b.status}` }, STATUS_TEXT[b.status] ?? b.status),
      `${b.counts.transfers}/${b.counts.deposits}/${b.counts.withdrawals}`,
      l1Time(b.cutAt),
      l1Time(b.provedAt),
      b.proveSeconds === null ? "–" : `${b.proveSeconds.toFixed(1)} s (measured)`,
      l1Time(b.acceptedAt),
      l1Time(b.finalAt),
      b.gas === null ? "–" : `${int(b.gas)} gas`,
      b.calldataBytes === null ? "–" : `${int(b.calldataBytes)} B`,
      b.proven
        ? el("span", {}, el("a", { href: `/batches/${b.number}/proof.json`, download: "" }, "proof.json"), " ", el("a", { href: `/batches/${b.number}/public.json`, download: "" }, "public.json"))
        : "not proven yet",
    ]),
    (i) => ({ "data-batch": String(s.batches[i]?.number ?? "") }),
    new Set([1, 10]),
  );

  byId("root").textContent = `final batch ${s.accounts.finalBatch}, root ${s.accounts.root}`;
  fillTable(
    byId<HTMLTableElement>("accounts"),
    ["account", "balance", "nonce"],
    s.accounts.list.map((a) => [String(a.index), `${int(a.balance)} wei`, a.nonce]),
  );

  const exit = s.exitMode;
  byId("exit-mode").textContent =
    exit === null
      ? `Exit mode: off. A forced withdrawal must be included within ${l1Time(s.forced.deadlineSeconds)} of L1 time${s.forced.censoring ? "; this sequencer censors them (--censor-forced)" : ""}.`
      : `Exit mode: ON since L1 t = ${l1Time(exit.activatedAt)} (request ${exit.requestId}); users exit from batch ${exit.batchNumber}'s root with a Merkle proof.`;
  byId("exit-mode").className = exit === null ? "" : "warn";
  fillTable(
    byId<HTMLTableElement>("forced"),
    ["request", "from account", "recipient", "amount", "requested", "deadline", "status"],
    s.forced.requests.map((r) => [String(r.id), String(r.from), el("code", {}, r.recipient), `${int(r.amount)} wei`, l1Time(r.requestedAt), l1Time(r.deadline), r.status]),
    () => ({}),
    new Set([0, 2, 6]),
  );
  if (s.forced.requests.length === 0) byId<HTMLTableElement>("forced").append(el("caption", {}, "no forced withdrawals"));
}

function connect(): void {
  const status = byId("connection");
  const source = new EventSource("/events");
  source.addEventListener("snapshot", (e) => {
    status.textContent = "live";
    render(JSON.parse((e as MessageEvent<string>).data) as NodeSnapshot);
  });
  source.addEventListener("error", () => {
    status.textContent = "disconnected: retrying…";
  });
}

function proofForm(): void {
  const form = byId<HTMLFormElement>("proof-form");
  const input = byId<HTMLInputElement>("account-index");
  const out = byId<HTMLPreElement>("proof");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const index = input.value.trim();
    if (!/^[0-9]{1,9}$/.test(index)) {
      out.hidden = false;
      out.textContent = "an account index is a non-negative integer";
      return;
    }
    void fetch(`/accounts/${index}`)
      .then(async (r) => {
        const body = (await r.json()) as { error?: { message: string }; path?: string[]; root?: string; finalBatch?: number; account?: unknown; arities?: number[] };
        out.hidden = false;
        out.textContent =
          body.error !== undefined
            ? body.error.message
            : `Merkle proof of account ${index} against the root of final batch ${body.finalBatch ?? "?"}\nroot: ${body.root ?? "?"}\ntree arities (bottom-up): ${(body.arities ?? []).join(", ")}\naccount: ${JSON.stringify(body.account, null, 1)}\nsiblings (${body.path?.length ?? 0}, bottom-up):\n${(body.path ?? []).join("\n")}`;
      })
      .catch((err: unknown) => {
        out.hidden = false;
        out.textContent = `the node did not answer: ${String(err)}`;
      });
  });
}

connect();
proofForm();
