// Preloaded into every node child process zkr starts (node --require this file; see child-process.ts):
// ends the child as soon as its parent is gone, even when the parent was killed with SIGKILL and had
// no chance to end it (Linux's prctl(PR_SET_PDEATHSIG) is not reachable from Node).
//
// A worker thread polls the parent pid, so the watch goes on while the main thread is busy in
// synchronous WebAssembly (circom2 compiles inside one long WASI call) or a long proof. The parent
// passes its pid in ZKR_PARENT_PID, so a parent that died before this file ran is noticed too.
"use strict";
const { Worker, isMainThread } = require("node:worker_threads");

// Node runs preloads in every worker thread too (the watchdog's, snarkjs's curve workers): only the
// main thread watches, or each watchdog would start another without end.
if (isMainThread) watch();

function watch() {
  const parent = Number(process.env.ZKR_PARENT_PID ?? process.ppid);
  // Not inherited by this child's own children: each parent names itself.
  delete process.env.ZKR_PARENT_PID;

  if (process.ppid !== parent) process.kill(process.pid, "SIGKILL");

  const watchdog = new Worker(
    `const { workerData } = require("node:worker_threads");
     setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, "SIGKILL"); }, 250);`,
    { eval: true, workerData: parent, execArgv: [] },
  );
  // The watchdog never keeps the child alive by itself.
  watchdog.unref();
}
