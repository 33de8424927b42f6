export * from "./prompt-segments.js";
export * from "./harmony-renderer.js";
