import { Socket } from "node:net";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Why a TCP connection failed, in words (null: it connected). */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => finish(`did not answer within ${timeoutMs / 1000} s`));
    socket.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") finish("refused the connection");
      else if (error.code === "ENOTFOUND" || error.code === "EAI_AGAIN") finish("is not a known host name");
      else finish(`could not be reached (${error.code ?? error.message})`);
    });
    socket.connect(port, host, () => finish(null));
  });
}

/** How the project starts a service on this machine, and the setting that says where it is. */
export interface ServiceStart {
  script: string;
  portVariable: string;
  defaultPort: number;
  setting: string;
}

/** What to do when a service is down: the project's script (on that port) for loopback, a check otherwise. */
export function startHint(host: string, port: number, service: ServiceStart): string {
  if (!LOOPBACK.has(host)) return `check that it runs there and that ${service.setting} is right`;
  const env = port === service.defaultPort ? "" : `${service.portVariable}=${port} `;
  return `start it with \`${env}bash scripts/${service.script} start\``;
}
