import { createHmac, timingSafeEqual } from "node:crypto";

/** Why a signature did not verify, or `ok`. */
export type SignatureCheck = "ok" | "missing" | "malformed" | "mismatch";

/** `sha256=` + the lowercase hex HMAC-SHA256 of `body` under `secret`: the form Discourse and Arbiter's generic form send. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

const FORM = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Checks a `sha256=<hex>` signature header against the raw body, in constant time: the bytes
 * compared are the 32-byte digests, so neither the length nor the content of a wrong guess
 * shows in the time taken.
 */
export function verifySignature(secret: string, body: Buffer, header: string | string[] | undefined): SignatureCheck {
  if (header === undefined || header === "") return "missing";
  // Node joins repeated headers only for some names; two signatures are one too many.
  if (Array.isArray(header)) return "malformed";
  const match = FORM.exec(header.trim());
  if (!match) return "malformed";
  const given = Buffer.from(match[1]!, "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(given, expected) ? "ok" : "mismatch";
}
