// `npm run console:password -- <name> <admin|moderator:forum|forum…>`: reads a password (the first
// line of stdin) and prints the `name:scrypt-hash:grant` line for `console.moderators`.
// Unechoed: `read -rs pw; echo "$pw" | npm run -s console:password -- alice moderator:games`.
import { createInterface } from "node:readline";
import { hashPassword } from "@arbiter/shared/console/password-hash.js";

const name = process.argv[2];
const grant = process.argv[3] ?? "";
if (!name || !/^[A-Za-z0-9._@-]{1,64}$/.test(name) || !/^(admin|moderator:[^:,\s|]+(\|[^:,\s|]+)*)$/.test(grant)) {
  process.stderr.write("usage: npm run console:password -- <name> <admin|moderator:forum|forum…>   (name: letters, digits, . _ @ -)\n");
  process.exit(2);
}
if (process.stdin.isTTY) process.stderr.write(`password for ${name}: `);
const lines = createInterface({ input: process.stdin, terminal: false });
const password = await new Promise<string>((resolve) => lines.once("line", resolve).once("close", () => resolve("")));
lines.close();
if (password.length < 12) {
  process.stderr.write("\na password of at least 12 characters, please\n");
  process.exit(2);
}
process.stdout.write(`${name}:${await hashPassword(password)}:${grant}\n`);
