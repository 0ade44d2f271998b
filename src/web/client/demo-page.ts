/**
 * The demo page: the run's timelines (computed by the server, streamed as server-sent events) played back
 * on one L1 clock the viewer pauses, speeds up or skips. The clock never passes what is computed: while
 * a lane still computes, it waits at that lane's latest known event.
 */
import type { TopLevelSpec } from "vega-lite";
import type { RunState } from "../demo-run.ts";
import type { Lane, TimelineEvent } from "../demo-timeline.ts";
import { clearChart, drawChart } from "./charts.ts";
import { byId, el, fillTable } from "./dom.ts";
import { human, int, l1Time } from "./format.ts";

interface Config {
  readonly scenarios: Readonly<Record<string, string>>;
  readonly instance: string;
  readonly batchSize: number;
  readonly windowSeconds: number;
  readonly deadlineSeconds: number;
  readonly users: number;
  readonly transfers: number;
  readonly seed: number;
}

const LANES: readonly Lane[] = ["zk", "optimistic"];
const SPEEDS = [60, 600, 3600, 21600, 86400, 604800];
const COLORS = { zk: "#1f4f99", optimistic: "#8a4200" };

let config: Config | undefined;
let state: RunState | null = null;
let clock = 0;
let playing = true;
let lastTick = performance.now();
let drawnKey = "";
let chartsKey = "";
let chartsBusy = false;

const speedSelect = byId<HTMLSelectElement>("speed");
const playButton = byId<HTMLButtonElement>("play");
const speed = () => Number(speedSelect.value);

/** How far the clock may go: the last event once every lane is computed, else the slowest lane's latest event. */
function horizon(): number {
  if (state === null) return 0;
  const last = (events: readonly TimelineEvent[]) => events.reduce((m, e) => Math.max(m, e.at), 0);
  const all = last(state.events);
  if (state.status !== "running") return all;
  let h = all;
  for (const lane of LANES) {
    const s = state.lanes[lane].status;
    if (s === "computing" || s === "waiting") h = Math.min(h, last(state.events.filter((e) => e.lane === lane)));
  }
  return h;
}

function tick(): void {
  const now = performance.now();
  const dt = (now - lastTick) / 1000;
  lastTick = now;
  if (playing && state !== null) clock = Math.min(horizon(), clock + dt * speed());
  draw();
}

function setPlaying(p: boolean): void {
  playing = p;
  playButton.textContent = p ? "Pause" : "Play";
  playButton.setAttribute("aria-pressed", String(!p));
}

function draw(): void {
  const h = horizon();
  const visible = state === null ? [] : state.events.filter((e) => e.at <= clock);
  byId("clock").textContent = `L1 time: ${l1Time(Math.floor(clock))}` + (state?.status === "running" && clock >= h ? " · waiting for the run to be computed" : "") + (state !== null && state.status !== "running" && clock >= h ? " · end of the run" : "");
  const key = `${state?.id ?? 0}:${visible.length}:${state?.status ?? ""}:${state === null ? "" : LANES.map((l) => state?.lanes[l].status).join()}:${state?.progress ?? ""}:${state?.scaling === null ? 0 : 1}`;
  if (key === drawnKey) return;
  drawnKey = key;
  const status = byId("status");
  if (state === null) {
    status.textContent = "Choose a scenario and press Run.";
    return;
  }
  status.textContent =
    `Run ${state.id}: ${state.title} · instance ${state.instance} (${state.batchSize} operations per batch), challenge window ${human(state.windowSeconds)}` +
    (state.scenario === "censoring" ? `, forced-withdrawal deadline ${human(state.deadlineSeconds)}` : "") +
    ` · ${state.status === "running" ? `computing${state.progress === null ? "" : `: ${state.progress}`}` : state.status === "failed" ? `failed: ${state.error ?? "?"}` : "computed"}`;
  for (const lane of LANES) drawLane(lane, visible);
  drawBatches();
  drawScaling();
  void drawCharts(visible);
}

function drawLane(lane: Lane, visible: readonly TimelineEvent[]): void {
  if (state === null) return;
  const box = byId(`lane-${lane}`);
  const s = state.lanes[lane];
  const mine = visible.filter((e) => e.lane === lane);
  const laneEnd = state.events.filter((e) => e.lane === lane).reduce((m, e) => Math.max(m, e.at), 0);
  box.querySelector(".lane-status")!.textContent = s.status === "computing" ? "computing on its own L1…" : s.status === "waiting" ? "waiting" : s.status === "not applicable" ? "not applicable" : s.status === "failed" ? "failed" : clock >= laneEnd ? "done" : "playing";
  // The outcome shows once the clock reaches the lane's last event: results appear as they happen.
  box.querySelector(".outcome")!.textContent = s.summary !== null && (s.status !== "done" || clock >= laneEnd) ? s.summary : "";
  box.querySelector(".events")!.replaceChildren(
    ...[...mine].reverse().map((e) =>
      el("li", { "data-kind": e.kind }, el("span", { class: "t" }, `t = ${l1Time(e.at)}`), e.text, e.gas === undefined ? "" : ` (${int(e.gas)} gas)`),
    ),
  );
}

function drawBatches(): void {
  const section = byId("batches-section");
  const rows = state?.batches.filter((b) => b.cutAt <= clock) ?? [];
  section.hidden = rows.length === 0;
  if (rows.length === 0 || state === null) return;
  fillTable(
    byId<HTMLTableElement>("batches"),
    ["lane", "batch", "cut", "proof time", "on L1", "final", "cut → final", "L1 gas"],
    rows.map((b) => [
      b.lane,
      String(b.number),
      l1Time(b.cutAt),
      b.proveSeconds === null ? "–" : `${b.proveSeconds.toFixed(1)} s (measured)`,
      b.submittedAt <= clock ? l1Time(b.submittedAt) : "pending",
      b.finalAt !== null && b.finalAt <= clock ? l1Time(b.finalAt) : b.submittedAt <= clock && b.lane === "optimistic" ? `in its window (${human(b.submittedAt + (state?.windowSeconds ?? 0) - clock)} left)` : "pending",
      b.finalAt !== null && b.finalAt <= clock ? human(b.finalAt - b.cutAt) : "–",
      b.submittedAt <= clock ? `${int(b.gas)} gas` : "–",
    ]),
    (i) => ({ "data-lane": rows[i]?.lane ?? "" }),
  );
}

function drawScaling(): void {
  const s = state?.scaling ?? null;
  const section = byId("scaling-section");
  section.hidden = s === null;
  if (s === null) return;
  fillTable(byId<HTMLTableElement>("scaling"), s.header, s.rows);
  byId("scaling-notes").replaceChildren(...s.notes.map((n) => el("li", {}, n)));
}

async function drawCharts(visible: readonly TimelineEvent[]): Promise<void> {
  if (state === null || chartsBusy) return;
  const batches = state.batches.filter((b) => b.finalAt !== null && b.finalAt <= clock);
  const moves = state.moves.filter((m) => m.at <= clock);
  const key = `${state.id}:${visible.length}:${batches.length}:${moves.length}`;
  if (key === chartsKey) return;
  chartsKey = key;
  chartsBusy = true;
  try {
    // The time axis in the unit that fits the run: seconds, hours or days.
    const end = visible.reduce((m, e) => Math.max(m, e.at), 0);
    const [unit, per] = end < 2 * 3600 ? ["seconds", 1] : end < 4 * 86400 ? ["hours", 3600] : ["days", 86400];
    await chart("timeline", visible.length > 0, {
      width: 900,
      height: 110,
      data: { values: visible.map((e) => ({ lane: e.lane, t: e.at / per, kind: e.kind, text: e.text, at: l1Time(e.at) })) },
      mark: { type: "point", filled: true, size: 90 },
      encoding: {
        x: { field: "t", type: "quantitative", title: `L1 time (${unit})` },
        y: { field: "lane", type: "nominal", title: null, sort: [...LANES] },
        color: { field: "kind", type: "nominal", title: "event" },
        shape: { field: "kind", type: "nominal" },
        tooltip: [{ field: "at", title: "L1 time" }, { field: "text", title: "what" }],
      },
    }, `Events of both lanes plotted against L1 time in ${unit}`);
    await chart("finality", batches.length > 0, {
      width: 900,
      height: 200,
      data: { values: batches.map((b) => ({ batch: `${b.lane} · batch ${b.number}`, lane: b.lane, seconds: Math.max(1, (b.finalAt ?? 0) - b.cutAt) })) },
      mark: "bar",
      encoding: {
        x: { field: "batch", type: "nominal", sort: null, title: null },
        // Bars start at 1 s: a log scale cannot place the default base of 0.
        y: { field: "seconds", type: "quantitative", scale: { type: "log", domainMin: 1 }, title: "seconds from cut to final (log scale)" },
        y2: { datum: 1 },
        color: { field: "lane", type: "nominal", scale: { domain: [...LANES], range: [COLORS.zk, COLORS.optimistic] }, title: "mode" },
        tooltip: [{ field: "batch" }, { field: "seconds", title: "seconds" }],
      },
    }, "Seconds from cut to finality for each batch, log scale");
    await chart("moves", moves.length > 0, {
      width: 600,
      height: 200,
      data: { values: moves.map((m, i) => ({ move: `${i + 1}. ${m.move}`, party: m.party, gas: m.gas })) },
      mark: "bar",
      encoding: {
        x: { field: "move", type: "nominal", sort: null, title: null, axis: { labelAngle: -20 } },
        y: { field: "gas", type: "quantitative", title: "L1 gas (receipt)" },
        color: { field: "party", type: "nominal", title: "party" },
        tooltip: [{ field: "move" }, { field: "party" }, { field: "gas", format: "," }],
      },
    }, "L1 gas of each dispute move");
  } finally {
    chartsBusy = false;
  }
}

async function chart(name: string, show: boolean, spec: TopLevelSpec, label: string): Promise<void> {
  const fig = byId(`fig-${name}`);
  const box = byId(`chart-${name}`);
  fig.hidden = !show;
  if (!show) {
    clearChart(box);
    return;
  }
  await drawChart(box, spec, label);
}

function nextEvent(): void {
  const next = state?.events.find((e) => e.at > clock);
  if (next !== undefined) clock = Math.min(horizon(), next.at);
  draw();
}

function startRun(): void {
  const scenario = byId<HTMLSelectElement>("scenario").value;
  void fetch("/api/runs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ scenario }) }).then(async (r) => {
    if (!r.ok) byId("status").textContent = `not started: ${((await r.json()) as { error?: { message?: string } }).error?.message ?? r.status}`;
  });
}

function onState(next: RunState | null): void {
  if (next !== null && next.id !== state?.id) {
    clock = 0;
    chartsKey = "";
    setPlaying(true);
  }
  state = next;
  drawnKey = "";
  draw();
}

function setup(): void {
  const source = new EventSource("/events");
  source.addEventListener("hello", (e) => {
    const hello = JSON.parse((e as MessageEvent<string>).data) as { config: Config; state: RunState | null };
    if (config === undefined) {
      config = hello.config;
      const select = byId<HTMLSelectElement>("scenario");
      select.replaceChildren(...Object.entries(config.scenarios).map(([value, text]) => el("option", { value }, text)));
      byId("about").textContent =
        `The same traffic in both modes (${config.users} users, ${config.transfers} transfers, seed ${config.seed}, instance ${config.instance}: ${config.batchSize} operations per batch) ` +
        `on the Solidity contracts in an in-process EVM, each mode on its own L1 from the same genesis, replayed on one simulated L1 clock (12 s slots). ` +
        `Challenge window ${human(config.windowSeconds)}; forced-withdrawal deadline ${human(config.deadlineSeconds)}.`;
    }
    if (hello.state !== null) byId<HTMLSelectElement>("scenario").value = hello.state.scenario;
    onState(hello.state);
  });
  source.addEventListener("state", (e) => onState(JSON.parse((e as MessageEvent<string>).data) as RunState | null));
  source.addEventListener("error", () => {
    byId("status").textContent = "disconnected from zkr web: retrying…";
  });

  byId("run").addEventListener("click", startRun);
  playButton.addEventListener("click", () => setPlaying(!playing));
  byId("next").addEventListener("click", nextEvent);
  byId("end").addEventListener("click", () => {
    clock = horizon();
    draw();
  });
  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target as HTMLElement | null;
    const inControl = t !== null && ["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(t.tagName);
    const i = SPEEDS.indexOf(speed());
    if (e.key === " " && !inControl) setPlaying(!playing);
    else if (e.key === "+" || e.key === "=") speedSelect.value = String(SPEEDS[Math.min(SPEEDS.length - 1, i + 1)]);
    else if (e.key === "-" || e.key === "_") speedSelect.value = String(SPEEDS[Math.max(0, i - 1)]);
    else if (e.key === "n" || e.key === "N") nextEvent();
    else if (e.key === "e" || e.key === "E") byId("end").click();
    else if ((e.key === "r" || e.key === "R") && !inControl) startRun();
    else return;
    e.preventDefault();
  });
  setInterval(tick, 100);
  draw();
}

setup();
