import { createHash } from "node:crypto";
import { ConfigError } from "../settings/config-error.js";
import { hashPassword, isPasswordHash, verifyPassword } from "./password-hash.js";

/** A hash nobody's password matches, so an unknown name costs the same time as a wrong password. */
const DECOY = hashPassword("decoy password that no moderator has");

/** What a moderator may do: an admin acts on every forum, a moderator on the forums listed. */
export type ModeratorRole = "moderator" | "admin";

export interface Moderator {
  name: string;
  role: ModeratorRole;
  /** The forums a moderator acts on (an admin: every forum, and this is empty). */
  forums: ReadonlySet<string>;
}

const ENTRY_FORMAT = "name:hash:admin or name:hash:moderator:forum|forum…";

/**
 * Who may log in to the console and where they may act: `console.moderators`, one entry per line
 * or comma, `name:scrypt-hash:admin` or `name:scrypt-hash:moderator:forumA|forumB`.
 */
export class ModeratorDirectory {
  private readonly hashes = new Map<string, string>();
  private readonly moderators = new Map<string, Moderator>();

  constructor(setting: string | undefined) {
    for (const entry of (setting ?? "")
      .split(/[\n,]/)
      .map((e) => e.trim())
      .filter((e) => e !== "")) {
      const [name = "", hash = "", role, forumList, ...rest] = entry.split(":");
      // The entry itself never goes into the message: it holds a password hash.
      if (hash === "" || !/^[A-Za-z0-9._@-]{1,64}$/.test(name))
        throw new ConfigError("console.moderators", `entry ${this.hashes.size + 1} must be ${ENTRY_FORMAT} with a name of letters, digits, . _ @ -`);
      if (!isPasswordHash(hash)) throw new ConfigError("console.moderators", `${name}: not an scrypt hash (make one with \`npm run console:password\`)`);
      if (this.hashes.has(name)) throw new ConfigError("console.moderators", `${name} is listed twice`);
      const forums = new Set((forumList ?? "").split("|").filter((f) => f !== ""));
      if (rest.length > 0 || (role !== "admin" && role !== "moderator"))
        throw new ConfigError("console.moderators", `${name}: needs a role, as ${ENTRY_FORMAT}`);
      if (role === "admin" && forums.size > 0) throw new ConfigError("console.moderators", `${name}: an admin acts on every forum; list no forums`);
      if (role === "moderator" && forums.size === 0) throw new ConfigError("console.moderators", `${name}: a moderator needs at least one forum`);
      this.hashes.set(name, hash);
      this.moderators.set(name, { name, role, forums: role === "admin" ? new Set() : forums });
    }
    if (this.hashes.size === 0) throw new ConfigError("console.moderators", "names nobody: the console needs at least one moderator");
  }

  get size(): number {
    return this.hashes.size;
  }

  get(name: string): Moderator | undefined {
    return this.moderators.get(name);
  }

  /** Whether the moderator may read and answer a ticket of this forum. */
  mayActOn(name: string, forumId: string): boolean {
    const moderator = this.moderators.get(name);
    return moderator !== undefined && (moderator.role === "admin" || moderator.forums.has(forumId));
  }

  /**
   * What a session holds to stay valid: a digest of the moderator's entry now. Removing the
   * moderator, or giving them a new password, role or forums, changes it, and their sessions end.
   */
  credential(name: string): string | null {
    const hash = this.hashes.get(name);
    const moderator = this.moderators.get(name);
    if (hash === undefined || moderator === undefined) return null;
    const grant = `${moderator.role}:${[...moderator.forums].sort().join("|")}`;
    return createHash("sha256").update(`${name}:${hash}:${grant}`).digest("base64url").slice(0, 22);
  }

  /** The moderator's name when the password is theirs, else null (in about the same time either way). */
  async authenticate(name: string, password: string): Promise<string | null> {
    const hash = this.hashes.get(name);
    const ok = await verifyPassword(password, hash ?? (await DECOY));
    return ok && hash !== undefined ? name : null;
  }
}
