import type { Effort } from "../policy/effort.js";
import { mergeSegments, segmentsToText, type PromptSegment } from "./prompt-segments.js";

/** The conversation to render in OpenAI's harmony format. */
export interface HarmonyConversation {
  /** System message; omit to render no system message at all (as in multi-turn references). */
  readonly system?: {
    /** @defaultValue "You are ChatGPT, a large language model trained by OpenAI." */
    readonly identity?: string;
    /** @defaultValue "2024-06" */
    readonly knowledgeCutoff?: string;
    /** `YYYY-MM-DD`; omitted from the message when absent. */
    readonly currentDate?: string;
    /** @defaultValue "medium" */
    readonly reasoningEffort?: Effort;
    /**
     * Channels the model may use. OpenAI's renderer writes `analysis, commentary, final` by
     * default and `analysis, final` when only those are required.
     * @defaultValue ["analysis", "commentary", "final"]
     */
    readonly channels?: readonly string[];
  };
  /** Developer instructions (the policy); rendered under `# Instructions` when present. */
  readonly instructions?: string;
  /** Earlier turns and the current user message, in order. */
  readonly messages: readonly HarmonyMessage[];
}

/** One message after the system and developer messages. */
export type HarmonyMessage =
  { readonly role: "user"; readonly content: string } | { readonly role: "assistant"; readonly channel: "analysis" | "final"; readonly content: string };

export const HARMONY_DEFAULT_IDENTITY = "You are ChatGPT, a large language model trained by OpenAI.";
export const HARMONY_DEFAULT_KNOWLEDGE_CUTOFF = "2024-06";

/** The control tokens of the harmony format (gpt-oss vocabulary). */
export const HARMONY_CONTROL_TOKENS = [
  "<|start|>",
  "<|end|>",
  "<|message|>",
  "<|channel|>",
  "<|return|>",
  "<|constrain|>",
  "<|call|>",
  "<|startoftext|>",
  "<|endoftext|>",
  "<|endofprompt|>",
] as const;

/**
 * Renders a conversation as harmony prompt pieces, ending where the assistant's turn begins
 * (`<|start|>assistant`). Matches OpenAI's reference renderer (openai/harmony) byte for byte;
 * unlike node-llama-cpp's HarmonyChatWrapper the developer heading is `# Instructions`.
 * Earlier assistant analysis is dropped unless it follows the last user message
 * (`preserveAnalysis` keeps it, as OpenAI's renderer does on request).
 */
export function renderHarmonySegments(conversation: HarmonyConversation, options: { preserveAnalysis?: boolean } = {}): PromptSegment[] {
  const segments: PromptSegment[] = [];
  const template = (text: string): void => void segments.push({ kind: "template", text });
  const user = (text: string): void => void segments.push({ kind: "user", text });

  if (conversation.system !== undefined) {
    const system = conversation.system;
    const lines = [system.identity ?? HARMONY_DEFAULT_IDENTITY, `Knowledge cutoff: ${system.knowledgeCutoff ?? HARMONY_DEFAULT_KNOWLEDGE_CUTOFF}`];
    if (system.currentDate !== undefined) lines.push(`Current date: ${system.currentDate}`);
    const channels = system.channels ?? ["analysis", "commentary", "final"];
    const body = `${lines.join("\n")}\n\nReasoning: ${system.reasoningEffort ?? "medium"}\n\n# Valid channels: ${channels.join(", ")}. Channel must be included for every message.`;
    // The identity and dates are operator configuration, not user input, so they are template text.
    template(`<|start|>system<|message|>${body}<|end|>`);
  }
  if (conversation.instructions !== undefined) {
    template("<|start|>developer<|message|># Instructions\n\n");
    user(conversation.instructions);
    template("<|end|>");
  }
  const lastUserIndex = findLastIndex(conversation.messages, (message) => message.role === "user");
  conversation.messages.forEach((message, index) => {
    if (message.role === "user") {
      template("<|start|>user<|message|>");
      user(message.content);
      template("<|end|>");
      return;
    }
    // The reference renderer drops chain of thought of turns that are already answered.
    if (message.channel === "analysis" && index < lastUserIndex && options.preserveAnalysis !== true) return;
    template(`<|start|>assistant<|channel|>${message.channel}<|message|>`);
    user(message.content);
    template("<|end|>");
  });
  template("<|start|>assistant");
  return mergeSegments(segments);
}

/** The harmony prompt as one string (what OpenAI's reference renderings hold). */
export function renderHarmony(conversation: HarmonyConversation, options: { preserveAnalysis?: boolean } = {}): string {
  return segmentsToText(renderHarmonySegments(conversation, options));
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index -= 1) if (predicate(items[index] as T)) return index;
  return -1;
}
