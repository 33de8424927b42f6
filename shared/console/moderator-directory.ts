import { createHash } from "node:crypto";
import { ConfigError } from "../settings/config-error.js";
import { hashPassword, isPasswordHash, verifyPassword } from "./password-hash.js";

/** A hash nobody's password matches, so an unknown name costs the same time as a wrong password. */
const DECOY = hashPassword("decoy password that no moderator has");

/** Who may log in to the console: `console.moderators`, one `name:scrypt-hash` per line or comma. */
export class ModeratorDirectory {
  private readonly hashes = new Map<string, string>();

  constructor(setting: string | undefined) {
    for (const entry of (setting ?? "")
      .split(/[\n,]/)
      .map((e) => e.trim())
      .filter((e) => e !== "")) {
      const colon = entry.indexOf(":");
      const name = entry.slice(0, colon);
      const hash = entry.slice(colon + 1);
      // The entry itself never goes into the message: it holds a password hash.
      if (colon <= 0 || !/^[A-Za-z0-9._@-]{1,64}$/.test(name))
        throw new ConfigError("console.moderators", `entry ${this.hashes.size + 1} must be name:hash with a name of letters, digits, . _ @ -`);
      if (!isPasswordHash(hash)) throw new ConfigError("console.moderators", `${name}: not an scrypt hash (make one with \`npm run console:password\`)`);
      if (this.hashes.has(name)) throw new ConfigError("console.moderators", `${name} is listed twice`);
      this.hashes.set(name, hash);
    }
    if (this.hashes.size === 0) throw new ConfigError("console.moderators", "names nobody: the console needs at least one moderator");
  }

  get size(): number {
    return this.hashes.size;
  }

  /**
   * What a session holds to stay valid: a digest of the moderator's entry now. Removing the
   * moderator, or giving them a new password, changes it, and their sessions end.
   */
  credential(name: string): string | null {
    const hash = this.hashes.get(name);
    return hash === undefined ? null : createHash("sha256").update(`${name}:${hash}`).digest("base64url").slice(0, 22);
  }

  /** The moderator's name when the password is theirs, else null (in about the same time either way). */
  async authenticate(name: string, password: string): Promise<string | null> {
    const hash = this.hashes.get(name);
    const ok = await verifyPassword(password, hash ?? (await DECOY));
    return ok && hash !== undefined ? name : null;
  }
}
