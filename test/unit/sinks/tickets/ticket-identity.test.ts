import { ticketIdentity } from "@arbiter/shared/sinks/tickets/ticket-identity.js";
import { ticketLink, ticketPayload } from "@arbiter/shared/sinks/tickets/ticket-payload.js";
import { ticketFor, verdict } from "../../../support/decisions.js";

describe("ticketIdentity: one ticket per post and policy version", () => {
  const base = ticketFor("p1");

  it("is the same for a redelivered or re-raised ticket of the same post under the same policy versions", () => {
    expect(ticketIdentity({ ...base, verdicts: [...base.verdicts].reverse() })).toBe(ticketIdentity(base));
    expect(ticketIdentity(ticketFor("p1", { reasoning: "other words", createdAt: 5 }))).toBe(ticketIdentity(base));
    expect(ticketIdentity({ ...base, verdicts: [...base.verdicts, ...base.verdicts] })).toBe(ticketIdentity(base));
  });

  it("differs for another post, another policy version, another policy, an appeal", () => {
    const ids = [
      ticketIdentity(base),
      ticketIdentity(ticketFor("p2")),
      ticketIdentity(ticketFor("p1", { verdicts: [verdict("cheats", "violate", { policyVersion: "v2" })] })),
      ticketIdentity(ticketFor("p1", { verdicts: [verdict("cheats", "violate"), verdict("spam", "allow")] })),
      ticketIdentity(ticketFor("p1", { appealId: "a1" })),
      ticketIdentity(ticketFor("p1", { appealId: "a2" })),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    // Readable in Redis: the post id leads.
    expect(ids[0]!.startsWith("p1:")).toBe(true);
  });
});

describe("ticketPayload", () => {
  it("links to the console's ticket page, the id URL-encoded, whatever the base URL's trailing slash", () => {
    expect(ticketLink("https://mod.example/console/", "escalation:s:p/1:ab:ticket")).toBe(
      "https://mod.example/console/tickets/escalation%3As%3Ap%2F1%3Aab%3Aticket",
    );
    expect(ticketPayload(ticketFor("p1"), "https://mod.example").links).toEqual({ console: ticketLink("https://mod.example", ticketFor("p1").ticketId) });
  });

  it("lists each rule id once and each rationale with its policy", () => {
    const ticket = ticketFor("p1", {
      verdicts: [
        verdict("cheats", "violate", { ruleIds: ["CH1", "CH2"], rationale: "Sells cheats." }),
        verdict("spam", "violate", { ruleIds: ["CH1"], rationale: "" }),
      ],
    });
    const payload = ticketPayload(ticket, "https://mod.example");
    expect(payload.ruleIds).toEqual(["CH1", "CH2"]);
    expect(payload.rationale).toBe("cheats: Sells cheats.");
    expect(payload.policyVersions).toEqual({ cheats: "v1", spam: "v1" });
  });
});
