export { Mempool, OperationQueue, operationId, type PendingOperation } from "./mempool.ts";
export { Sequencer, type QueuedDeposit, type SequencedBatch, type SequencerOptions } from "./sequencer.ts";
