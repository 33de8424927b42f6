import { createHash } from "node:crypto";
import type { Ticket } from "../../codec/records.js";

/**
 * What makes two tickets the same: the post, the versions of the policies that judged it and,
 * for an appeal, the appeal (each appeal asks for a human look of its own). Stable across
 * redeliveries and re-escalations of the same post under the same policies.
 */
export function ticketIdentity(ticket: Pick<Ticket, "post" | "verdicts" | "appealId">): string {
  const versions = [...new Set(ticket.verdicts.map((v) => `${v.policyId}@${v.policyVersion}`))].sort().join(",");
  const digest = createHash("sha256")
    .update(`${ticket.post.id}\n${versions}\n${ticket.appealId ?? ""}`)
    .digest("hex")
    .slice(0, 32);
  return `${ticket.post.id}:${digest}`;
}
