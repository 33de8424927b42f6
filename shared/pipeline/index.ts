// The pipeline's public face: what eval, replay and the CLI build on. Everything else in this
// folder is a stage's internals, which only the classifier's wiring (workers/classifier) composes.
export { loadEnginePort, type SafeguardEnginePort } from "./engine-port.js";
export { PolicyPrefilter } from "./policy-prefilter.js";
export type { ClassifyRequest, EnginePort, ModelVerdict, PipelinePolicy, PrefilterPort, ScreenedPost } from "./ports.js";
export { PostProcessor } from "./post-processor.js";
export { VerdictCache } from "./verdict-cache.js";
export { IdleGate, SecondLookProcessor, type SecondLookDeps } from "./second-look.js";
export { secondLookSchema, type SecondLookSettings } from "./pipeline-settings.js";
