import { EngineBusyError } from "@arbiter/shared/engine/errors/engine-busy-error.js";
import { engineIdleFor, type ClassifyRequest } from "@arbiter/shared/pipeline/ports.js";
import { SimulatedEngine } from "../../../bench/simulated-engine.js";

const request = (priority: ClassifyRequest["priority"], onlyIfIdle = false): ClassifyRequest => ({
  postText: "x",
  policies: [{ id: "cheats", version: "1", text: "", effort: "low", ruleIds: [] }],
  priority,
  onlyIfIdle,
});

describe("SimulatedEngine", () => {
  it("queues as the production pool: primary before second look, onlyIfIdle refused when busy", async () => {
    const engine = new SimulatedEngine(40, 1);
    const order: string[] = [];
    const first = engine.classify(request("primary")).then(() => order.push("first"));
    expect(engine.hasIdleSequence()).toBe(false);
    expect(engineIdleFor(engine.queue())).toBe(false);
    await expect(engine.classify(request("second-look", true))).rejects.toBeInstanceOf(EngineBusyError);
    const look = engine.classify(request("second-look")).then(() => order.push("second-look"));
    const post = engine.classify(request("primary")).then(() => order.push("primary"));
    expect(engine.queue()).toMatchObject({ depth: 2, inFlight: 1, sequences: 1, queuedByClass: { primary: 1, "second-look": 1 } });
    await Promise.all([first, look, post]);
    // The later primary call overtook the waiting second-look call.
    expect(order).toEqual(["first", "primary", "second-look"]);
    expect(engine.queue()).toMatchObject({ depth: 0, inFlight: 0, sequences: 1 });
    expect(engineIdleFor(engine.queue())).toBe(true);
    expect(engine.calls).toBe(3);
    // Three calls of 40 ms on one sequence.
    expect(engine.busySlotMs()).toBeGreaterThanOrEqual(110);
    await engine.dispose();
  });
});
