/**
 * `zkr web`: the demo as a page, served on 127.0.0.1. Routes: `/` (the page), `/assets/*` (its files),
 * `/events` (server-sent: the current run's state each time it changes), `GET /api/state` (the same as
 * JSON) and `POST /api/runs` `{"scenario": NAME}` (starts a run; one at a time: 409 while one computes).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { webAssets } from "./assets.ts";
import { DemoRun, isScenario, SCENARIOS, type DemoWebConfig, type RunState, type ScenarioName } from "./demo-run.ts";
import { EventStream } from "./event-stream.ts";
import { HttpError, listenLoopback, readJson, sendError, sendJson } from "./http.ts";
import { serveAsset } from "./static-files.ts";

const MAX_BODY_BYTES = 1024;
/** State updates are sent at most this often while a run computes. */
const UPDATE_MS = 100;

export interface DemoServerOptions extends DemoWebConfig {
  /** 0: a free port. */
  readonly port: number;
}

export interface RunningDemoServer {
  readonly server: Server;
  readonly url: string;
  /** Starts a run (as POST /api/runs does). */
  start(scenario: ScenarioName): RunState;
  /** The run under way, once it is computed. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** What the page needs before any run: the scenarios and the settings they run with. */
export function demoConfigJson(c: DemoWebConfig) {
  return { scenarios: SCENARIOS, instance: c.instance.name, batchSize: c.instance.ops, windowSeconds: c.windowSeconds, deadlineSeconds: c.deadlineSeconds, users: c.users, transfers: c.transfers, seed: c.seed };
}

export async function startDemoServer(opts: DemoServerOptions): Promise<RunningDemoServer> {
  const stream = new EventStream();
  let current: DemoRun | undefined;
  let running: Promise<void> = Promise.resolve();
  let nextId = 1;
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      stream.send("state", current?.state ?? null);
    }, UPDATE_MS);
  };
  const start = (scenario: ScenarioName): RunState => {
    if (current?.state.status === "running") throw new HttpError(409, "RUN_IN_PROGRESS", `a run (${current.state.scenario}) is still computing`);
    const run = new DemoRun(nextId++, scenario, opts, changed);
    current = run;
    opts.log(`web demo: run ${run.state.id}: ${scenario}`);
    running = run.run().then(() => opts.log(`web demo: run ${run.state.id} ${run.state.status}${run.state.error === null ? "" : `: ${run.state.error}`}`));
    changed();
    return run.state;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const get = req.method === "GET" || req.method === "HEAD";
    if (get && (path === "/" || path.startsWith("/assets/"))) {
      serveAsset(res, await webAssets(), path === "/" ? "demo.html" : path.slice("/assets/".length), req.method === "HEAD");
    } else if (req.method === "GET" && path === "/events") {
      stream.open(req, res, { event: "hello", data: { config: demoConfigJson(opts), state: current?.state ?? null } });
    } else if (get && path === "/api/state") {
      sendJson(res, 200, { config: demoConfigJson(opts), state: current?.state ?? null });
    } else if (req.method === "POST" && path === "/api/runs") {
      const body = await readJson(req, MAX_BODY_BYTES);
      const scenario = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["scenario"] : undefined;
      if (!isScenario(scenario)) throw new HttpError(400, "INVALID_REQUEST", `scenario: must be one of ${Object.keys(SCENARIOS).join(", ")}`);
      const s = start(scenario);
      sendJson(res, 202, { id: s.id, scenario: s.scenario });
    } else if (["/", "/events", "/api/state", "/api/runs"].includes(path)) {
      throw new HttpError(405, "METHOD_NOT_ALLOWED", `${req.method ?? "?"} is not allowed on ${path}`);
    } else {
      throw new HttpError(404, "NOT_FOUND", `no route ${path}`);
    }
  };

  const server = createServer({ requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        if (err.status === 413) res.setHeader("connection", "close");
        sendError(res, err.status, err.code, err.message);
      } else sendError(res, 500, "INTERNAL", err instanceof Error ? err.message : String(err));
    });
  });
  server.maxConnections = 256;
  const port = await listenLoopback(server, opts.port);
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    start,
    settled: () => running,
    close: async () => {
      if (timer !== undefined) clearTimeout(timer);
      stream.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // A run under way finishes its transactions on its own EVM; wait so its prover is closed too.
      await running;
    },
  };
}
