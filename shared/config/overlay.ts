type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * One settings layer over another: objects merge key by key, anything else (arrays too) replaces,
 * `undefined` keeps what is below. `onKey` hears every dotted key the layer sets.
 */
export function overlay(base: unknown, layer: unknown, onKey?: (dotted: string) => void, at = ""): unknown {
  if (!isPlain(layer)) return layer;
  const out: Plain = isPlain(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const dotted = at === "" ? key : `${at}.${key}`;
    onKey?.(dotted);
    // defineProperty, so a key named __proto__ stays a key (and the schema rejects it) instead of replacing the prototype.
    Object.defineProperty(out, key, {
      value: overlay(Object.hasOwn(out, key) ? out[key] : undefined, value, onKey, dotted),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
