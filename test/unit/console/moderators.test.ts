import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { ModeratorDirectory } from "@arbiter/shared/console/moderator-directory.js";
import { hashPassword, verifyPassword } from "@arbiter/shared/console/password-hash.js";
import { thrown } from "../../support/thrown.js";

const cheap = { N: 1024, r: 8, p: 1 };

test("scrypt hashes verify their password only, and two hashes of one password differ (salted)", async () => {
  const hash = await hashPassword("correct horse", cheap);
  expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
  expect(await verifyPassword("correct horse", hash)).toBe(true);
  expect(await verifyPassword("correct horsf", hash)).toBe(false);
  expect(await verifyPassword("correct horse", "plain-text")).toBe(false);
  expect(await hashPassword("correct horse", cheap)).not.toBe(hash);
});

test("the directory takes name:hash:role lines or commas and lets in exactly the right name and password", async () => {
  const directory = new ModeratorDirectory(
    `alice:${await hashPassword("pw-alice-123", cheap)}:admin,\n bob:${await hashPassword("pw-bob-456", cheap)}:moderator:games|market\n`,
  );
  expect(directory.size).toBe(2);
  expect(await directory.authenticate("alice", "pw-alice-123")).toBe("alice");
  expect(await directory.authenticate("alice", "pw-bob-456")).toBeNull();
  expect(await directory.authenticate("mallory", "pw-alice-123")).toBeNull();
});

test("an admin acts on every forum, a moderator on their forums only; a change of grant changes the session credential", async () => {
  const hash = await hashPassword("pw-bob-456", cheap);
  const directory = new ModeratorDirectory(`alice:${hash}:admin\nbob:${hash}:moderator:games|market`);
  expect(directory.get("bob")).toEqual({ name: "bob", role: "moderator", forums: new Set(["games", "market"]) });
  expect(["games", "market", "cooking"].map((f) => directory.mayActOn("bob", f))).toEqual([true, true, false]);
  expect(["games", "cooking"].map((f) => directory.mayActOn("alice", f))).toEqual([true, true]);
  expect(directory.mayActOn("mallory", "games")).toBe(false);
  const narrowed = new ModeratorDirectory(`bob:${hash}:moderator:games`);
  expect(narrowed.credential("bob")).not.toBe(directory.credential("bob"));
  expect(new ModeratorDirectory(`bob:${hash}:moderator:market|games`).credential("bob")).toBe(directory.credential("bob"));
  expect(narrowed.credential("alice")).toBeNull();
});

test("a bad setting stops the start, naming the setting and never showing the hash", async () => {
  const hash = await hashPassword("x-long-password", cheap);
  const cases: [string | undefined, RegExp][] = [
    [undefined, /names nobody/],
    ["alice", /entry 1 must be name:hash/],
    ["alice:plaintext-password", /alice: not an scrypt hash/],
    [`alice:${hash}:admin,alice:${hash}:admin`, /alice is listed twice/],
    [`alice:${hash}`, /alice: needs a role/],
    [`alice:${hash}:owner`, /alice: needs a role/],
    [`alice:${hash}:admin:games`, /list no forums/],
    [`alice:${hash}:moderator`, /needs at least one forum/],
    [`alice:${hash}:moderator:games:extra`, /alice: needs a role/],
  ];
  for (const [setting, message] of cases) {
    const error = thrown(() => new ModeratorDirectory(setting), ConfigError);
    expect(error.field).toBe("console.moderators");
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("plaintext-password");
    expect(error.message).not.toContain(hash.slice(-20));
  }
});
