/** Settings of the {@link Prefilter}. */
export interface PrefilterOptions {
  /**
   * Longest text (in UTF-16 code units) sent to the model. The prefilter always scans the whole
   * post; only what the model sees is capped, and the result says so (`truncated`).
   * @defaultValue 8000
   */
  maxModelChars?: number;
  /**
   * Most hits reported per policy: enough to show a moderator, bounded against a post that
   * repeats a keyword a million times.
   * @defaultValue 32
   */
  maxHitsPerPolicy?: number;
}

export const DEFAULT_MAX_MODEL_CHARS = 8000;
export const DEFAULT_MAX_HITS_PER_POLICY = 32;

/** Validates options at construction, so a bad value fails at start and names the field. */
export function resolvePrefilterOptions(options: PrefilterOptions = {}): Required<PrefilterOptions> {
  const maxModelChars = options.maxModelChars ?? DEFAULT_MAX_MODEL_CHARS;
  const maxHitsPerPolicy = options.maxHitsPerPolicy ?? DEFAULT_MAX_HITS_PER_POLICY;
  if (!Number.isInteger(maxModelChars) || maxModelChars < 1)
    throw new RangeError(`prefilter option maxModelChars must be a positive integer, got ${maxModelChars}`);
  if (!Number.isInteger(maxHitsPerPolicy) || maxHitsPerPolicy < 1)
    throw new RangeError(`prefilter option maxHitsPerPolicy must be a positive integer, got ${maxHitsPerPolicy}`);
  return { maxModelChars, maxHitsPerPolicy };
}
