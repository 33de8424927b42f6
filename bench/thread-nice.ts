// The threads llama.cpp computes on, and their scheduling priority (Linux only).
// node-llama-cpp runs each evaluation as a native async job on libuv's thread pool (with
// `threads: 1`, llama.cpp computes on that pool thread itself), so the model's work sits on
// threads other than the main thread; Linux keeps a nice value per thread, so lowering theirs
// lets the main thread (kafkajs, the runner) win a contended core.
import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";

/** CPU ticks (user + system) of each thread of this process. */
function threadTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // Fields after the command name's closing parenthesis; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ticks;
}

/**
 * Runs `work` (model calls and nothing else) and returns the threads other than the main
 * thread that did a tenth or more of the busiest one's CPU time meanwhile: the model's.
 */
export async function modelThreads(work: () => Promise<void>): Promise<number[]> {
  const before = threadTicks();
  await work();
  const grown = [...threadTicks()]
    .filter(([tid]) => tid !== process.pid)
    .map(([tid, t]) => [tid, t - (before.get(tid) ?? 0)] as const)
    .filter(([, d]) => d > 0);
  const most = Math.max(0, ...grown.map(([, d]) => d));
  return grown.filter(([, d]) => d >= Math.max(2, most / 10)).map(([tid]) => tid);
}

/** Sets the nice value of each thread (raising it needs no privilege; lowering it again does, so this only warns then). */
export function setNice(threads: readonly number[], nice: number): void {
  for (const tid of threads) {
    try {
      setPriority(tid, nice);
    } catch (error) {
      process.stderr.write(`could not set thread ${tid} to nice ${nice}: ${(error as Error).message}\n`);
    }
  }
}

/**
 * The main thread's scheduler accounting (Linux `schedstat`): time on a CPU and time runnable
 * but waiting for one, in ms. The wait is what the machine's other work (the model's threads,
 * the broker, other processes) costs the thread that publishes decisions.
 */
export function mainThreadSchedule(): { runMs: number; waitMs: number } {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").trim().split(" ").map(Number);
    return { runMs: (run ?? 0) / 1e6, waitMs: (wait ?? 0) / 1e6 };
  } catch {
    return { runMs: Number.NaN, waitMs: Number.NaN };
  }
}
