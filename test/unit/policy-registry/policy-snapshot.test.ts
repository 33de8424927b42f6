import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { matchVersion } from "@arbiter/shared/policy-registry/policy-registry.js";
import { readSnapshot, writeSnapshot } from "@arbiter/shared/policy-registry/policy-snapshot.js";

describe("policy snapshot file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "arbiter-snapshot-"));

  it("reads back what was written, for the registry it was written for only", async () => {
    const file = path.join(dir, "nested", "snapshot.json");
    const snapshot = { savedAt: 1234, registry: "arbiter:policy:", policies: [{ id: "spam", version: "0123456789abcdef", text: "---\nid: spam\n---\n" }] };
    await writeSnapshot(file, snapshot);
    expect(await readSnapshot(file, "arbiter:policy:")).toEqual(snapshot);
    expect(await readSnapshot(file, "other:policy:")).toEqual({ problem: `${file} is a snapshot of registry "arbiter:policy:", not "other:policy:"` });
  });

  it("says why there is none: missing, not JSON, not a snapshot", async () => {
    expect(await readSnapshot(path.join(dir, "missing.json"), "p:")).toEqual({ problem: `no snapshot at ${path.join(dir, "missing.json")} (ENOENT)` });
    writeFileSync(path.join(dir, "bad.json"), "{");
    expect(await readSnapshot(path.join(dir, "bad.json"), "p:")).toMatchObject({ problem: expect.stringContaining("is not JSON") });
    writeFileSync(path.join(dir, "other.json"), "{}");
    expect(await readSnapshot(path.join(dir, "other.json"), "p:")).toEqual({ problem: `${path.join(dir, "other.json")} is not a policy snapshot` });
  });
});

describe("matchVersion", () => {
  const known = ["f8ccf4637e5afb28", "253db802b5c2a188", "253d0000aaaabbbb"];
  it("takes a full version or a unique prefix of 4+ characters", () => {
    expect(matchVersion(known, "f8ccf4637e5afb28")).toBe("f8ccf4637e5afb28");
    expect(matchVersion(known, "f8cc")).toBe("f8ccf4637e5afb28");
    expect(matchVersion(known, "253db")).toBe("253db802b5c2a188");
  });
  it("refuses short, unknown and ambiguous ones, saying which", () => {
    expect(matchVersion(known, "f8c")).toEqual({ error: 'no version "f8c" (give at least 4 characters of one)' });
    expect(matchVersion(known, "abcd")).toEqual({ error: 'no version "abcd"' });
    expect(matchVersion(known, "253d")).toEqual({ error: '"253d" matches 2 versions: 253db802b5c2a188, 253d0000aaaabbbb' });
  });
});
