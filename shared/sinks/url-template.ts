/** Fills `{name}` placeholders with URL-encoded values; an unknown placeholder is an error at start, not a wrong URL later. */
export function fillUrlTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`URL template ${template}: unknown placeholder {${name}}`);
    return encodeURIComponent(value);
  });
}

/** Checks a template's placeholders against those a sink fills in, so a typo fails at start. */
export function templateProblem(template: string, known: readonly string[]): string | undefined {
  try {
    new URL(fillUrlTemplate(template, Object.fromEntries(known.map((k) => [k, "x"]))));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A URL for logs and dead letters: no userinfo, no query string (either may hold a credential). */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}
