import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { Secret, TlsSettings } from "./fields.js";
import { ConfigError } from "./config-error.js";

/**
 * A credential's value, read when a client is made (not when the config loads, so a config that
 * names `{env}` or `{file}` validates anywhere). `field` names the setting in errors.
 */
export function resolveSecret(secret: Secret, field: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof secret === "string") return secret;
  if ("env" in secret) {
    const value = env[secret.env];
    if (value === undefined || value === "") throw new ConfigError(field, `environment variable ${secret.env} is not set`);
    return value;
  }
  let text: string;
  try {
    text = readFileSync(secret.file, "utf8");
  } catch (error) {
    throw new ConfigError(field, `cannot read ${secret.file}: ${(error as Error).message}`);
  }
  // A Secret file written with `echo` ends in a newline that is no part of the password.
  const value = text.replace(/\r?\n$/, "");
  if (value === "") throw new ConfigError(field, `${secret.file} is empty`);
  return value;
}

/** PEM text given inline, or read from the path given. */
function pemText(value: string, field: string): string {
  if (value.trimStart().startsWith("-----BEGIN")) return value;
  try {
    return readFileSync(value, "utf8");
  } catch (error) {
    throw new ConfigError(field, `cannot read ${value}: ${(error as Error).message}`);
  }
}

/** Node's TLS client options from a TLS section (`section` names it in errors, e.g. `kafka.ssl`). */
export function tlsOptions(settings: TlsSettings, section: string): ConnectionOptions {
  return {
    rejectUnauthorized: settings.rejectUnauthorized,
    ...(settings.ca === undefined ? {} : { ca: pemText(settings.ca, `${section}.ca`) }),
    ...(settings.cert === undefined ? {} : { cert: pemText(settings.cert, `${section}.cert`) }),
    ...(settings.key === undefined ? {} : { key: pemText(settings.key, `${section}.key`) }),
    ...(settings.servername === undefined ? {} : { servername: settings.servername }),
  };
}

// Node's codes for a server certificate that no trusted CA signed.
const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);

/** The error and its causes, outermost first (kafkajs wraps a socket's error in a retry error). */
export function errorChain(error: unknown): Array<Error & { code?: unknown }> {
  const chain: Array<Error & { code?: unknown }> = [];
  // Duck-typed, not instanceof: Node's own errors come from another realm under jest's VM sandbox.
  const isError = (e: unknown): e is Error => typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string";
  for (let e: unknown = error; isError(e) && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/** A TLS verification failure as the setting to fix and what is wrong, or undefined for any other error. */
export function certificateProblem(error: unknown, section: string): ConfigError | undefined {
  const problem = (field: string, text: string) => Object.assign(new ConfigError(`${section}.${field}`, text), { cause: error });
  for (const e of errorChain(error)) {
    const code = typeof e.code === "string" ? e.code : "";
    if (UNTRUSTED.has(code)) return problem("ca", `the server's certificate is not signed by a CA this client trusts (${code}: ${e.message})`);
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return problem("servername", `the server's certificate does not carry the name connected to (${e.message})`);
    if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return problem("ca", `the server's certificate is outside its validity dates (${code})`);
  }
  return undefined;
}
