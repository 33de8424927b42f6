import { Worker } from "node:worker_threads";
import type { Logger } from "../observability/logger.js";
import type { InboundRecord } from "./inbound-record.js";
import type { ScreenResult } from "./post-screen.js";
import type { ScreenReady, ScreenRequest, ScreenResponse, ScreenWorkerInit } from "./screen-messages.js";
import { packRecords, unpackResults, type PackedResults } from "./screen-wire.js";

interface Pending {
  resolve: (results: PackedResults) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  alive: boolean;
  pending: Map<number, Pending>;
  load: number;
}

/**
 * Worker threads that run the pure first stage of the primary role, so that the main thread
 * keeps to kafkajs and the model stage. Each chunk goes to the least-loaded thread.
 */
export class ScreenPool {
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly threads: Thread[],
    private readonly logger: Logger,
  ) {}

  static async start(size: number, init: ScreenWorkerInit, logger: Logger): Promise<ScreenPool> {
    const threads = await Promise.all(
      Array.from({ length: size }, async (): Promise<Thread> => {
        // The thread runs TypeScript through tsx, as the worker does; nothing is compiled ahead.
        const worker = new Worker(new URL("./screen-thread.mjs", import.meta.url), { workerData: init });
        await new Promise<void>((resolve, reject) => {
          worker.once("error", reject);
          worker.once("message", (message: ScreenReady) => (message.ready ? resolve() : reject(new Error(`screen thread failed to start: ${message.error}`))));
        });
        return { worker, alive: true, pending: new Map(), load: 0 };
      }),
    );
    const pool = new ScreenPool(threads, logger);
    for (const thread of threads) pool.listen(thread);
    return pool;
  }

  get size(): number {
    return this.threads.length;
  }

  screen(records: readonly InboundRecord[]): Promise<ScreenResult[]> {
    if (this.closed) return Promise.reject(new Error("screen pool closed"));
    const live = this.threads.filter((t) => t.alive);
    if (live.length === 0) return Promise.reject(new Error("no screen thread is running"));
    const thread = live.reduce((a, b) => (b.load < a.load ? b : a));
    let request: ScreenRequest;
    let transfer: ArrayBuffer[];
    try {
      const [packed, buffers] = packRecords(records);
      request = { id: this.nextId++, records: packed };
      transfer = buffers;
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const { id } = request;
    thread.load += records.length;
    return new Promise<ScreenResult[]>((resolve, reject) => {
      thread.pending.set(id, {
        resolve: (packed) => {
          thread.load -= records.length;
          try {
            resolve(unpackResults(packed, records));
          } catch (error) {
            reject(error as Error);
          }
        },
        reject: (error) => {
          thread.load -= records.length;
          reject(error);
        },
      });
      thread.worker.postMessage(request, transfer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private listen(thread: Thread): void {
    thread.worker.on("message", (message: ScreenResponse) => {
      const pending = thread.pending.get(message.id);
      if (!pending) return;
      thread.pending.delete(message.id);
      if ("error" in message) pending.reject(new Error(`screen thread: ${message.error}`));
      else pending.resolve(message.results);
    });
    const failAll = (error: Error) => {
      for (const p of thread.pending.values()) p.reject(error);
      thread.pending.clear();
    };
    thread.worker.on("error", (error) => {
      this.logger.error({ err: error.message }, "screen thread crashed");
      failAll(error);
    });
    thread.worker.on("exit", (code) => {
      thread.alive = false;
      // A chunk still in the thread when the pool closes is rejected too: nobody waits forever.
      failAll(new Error(this.closed ? "screen pool closed" : `screen thread exited with code ${code}`));
    });
  }
}
