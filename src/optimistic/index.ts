export { Party, type ReceiptOf, type SentTransaction, type TxMethod } from "./party.ts";
export { Proposer, MaliciousProposer, operationsOf, type Tamper } from "./proposer.ts";
export { Watcher, type Verdict } from "./watcher.ts";
export { DishonestChallenger } from "./challenger.ts";
export { depositKeysOf, oneStepWitnesses, reexecute, stateBefore, type Reexecution } from "./reexecute.ts";
export { disputeCosts, disputeReport, type DisputeCosts, type MoveCost } from "./report.ts";
