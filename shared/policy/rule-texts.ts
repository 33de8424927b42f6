/**
 * The text of each rule as the policy's body defines it, for moderators: the bullet that starts
 * with the rule id (`- **SH1 Graphic content**: …` or `- CH1: …`), with its continuation lines
 * and without Markdown emphasis. A rule the body never describes is left out.
 */
export function ruleTexts(body: string, ruleIds: readonly string[]): Map<string, string> {
  const bullets: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split(/\r?\n/)) {
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    if (bullet) {
      current = [bullet[1]!];
      bullets.push("");
    } else if (current && /^\s+\S/.test(line)) {
      current.push(line.trim());
    } else {
      current = null;
    }
    if (current) bullets[bullets.length - 1] = current.join(" ");
  }
  const plain = bullets.map((b) => b.replace(/\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)/g, "").trim());
  const texts = new Map<string, string>();
  for (const id of ruleIds) {
    const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const found = plain.find((b) => new RegExp(`^${escaped}(?![\\w.-])`).test(b));
    if (found !== undefined) texts.set(id, found);
  }
  return texts;
}
