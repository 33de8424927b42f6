import type { Command } from "commander";
import { classifyCommand } from "./classify.js";
import { doctorCommand } from "./doctor.js";
import { dsaCommand } from "./dsa.js";
import { evalCommand } from "./eval.js";
import { policyCommand } from "./policy.js";
import { funnelCommand } from "./funnel.js";
import { produceCommand } from "./produce.js";
import { recordCommand } from "./record.js";
import { replayCommand } from "./replay.js";
import { reportCommand } from "./report.js";
import { shadowCommand } from "./shadow.js";
import { sweepCommand } from "./sweep.js";
import { tailCommand } from "./tail.js";
import { topicsCommand } from "./topics.js";
import { workerCommand } from "./worker.js";

/** Every command of `arbiter`, in help order: a new command is a file in this folder and a line here. */
export const commands: readonly (() => Command)[] = [
  workerCommand,
  topicsCommand,
  produceCommand,
  tailCommand,
  doctorCommand,
  classifyCommand,
  evalCommand,
  policyCommand,
  replayCommand,
  shadowCommand,
  funnelCommand,
  dsaCommand,
  reportCommand,
  sweepCommand,
  recordCommand,
];
