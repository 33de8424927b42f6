/** The exit codes of every `arbiter` command: one list, so `--help`, the docs and the code agree. */
export const EXIT_CODES = {
  /** The command did what it was asked. */
  ok: 0,
  /** The command ran and failed: bad input data, a model that did not load, a check that did not pass. */
  failure: 1,
  /** The command line or the settings are wrong: an unknown command or option, a bad value, a missing file, a setting the schema rejects. */
  usage: 2,
  /** A service the command needs (Kafka, Redis) cannot be reached; running it again once the service is up may succeed. */
  unreachable: 3,
  /** Stopped by Ctrl-C (SIGINT) before it finished; what was done is kept (eval resumes). */
  interrupted: 130,
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;

/** The exit codes as `--help` and the docs print them. */
export function exitCodesHelp(): string {
  const lines = [
    ["0", "ok"],
    ["1", "failure: the command ran and something is wrong (bad input data, a failed check or model load)"],
    ["2", "usage: unknown command or option, bad value, missing file, invalid setting"],
    ["3", "a service it needs (Kafka, Redis) is unreachable"],
    ["130", "interrupted (Ctrl-C); work done so far is kept"],
  ];
  return `Exit codes:\n${lines.map(([code, text]) => `  ${code!.padEnd(4)} ${text}`).join("\n")}\n`;
}
