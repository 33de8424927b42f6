// dependency-cruiser: `npm run arch`. The architecture as rules (docs/design.md, "The floors"):
// floors, no cycles, and the few walls between rooms. Node built-ins and npm packages are only ever
// checked by the engine's "no kafkajs" rule.

/** The floors of shared/, lowest first: a room may import rooms of its own floor or lower, never higher. */
const floors = [
  ["errors", "settings"],
  ["retry", "html", "stats", "text", "net", "observability"],
  ["policy", "prefilter", "engine", "codec", "kafka", "redis"],
  ["policy-registry", "record"],
  ["pipeline", "sinks", "ingest", "console", "config", "worker"],
  ["eval", "replay", "funnel", "dsa", "sweep"],
  ["cli"],
];

/** Each room's settings schema (`<room>-settings.ts`, the engine's `options.ts`): leaves that config/ composes, so any floor may read them. */
const settingsFiles = "^shared/.+/([^/]+-settings|options)\\.ts$";

/** `^shared/(a|b|...)/`: a path under any of the given rooms. */
const rooms = (names) => `^shared/(${names.join("|")})/`;

/** One rule per floor below the top: its rooms import nothing from the floors above it. */
const floorRules = floors.slice(0, -1).map((here, floor) => ({
  name: `floor-${floor}-imports-no-higher-floor`,
  comment: `${here.join(", ")} (floor ${floor}) may import only floors 0-${floor}, not ${floors
    .slice(floor + 1)
    .flat()
    .join(", ")}`,
  severity: "error",
  from: { path: rooms(here) },
  to: { path: rooms(floors.slice(floor + 1).flat()), pathNot: settingsFiles },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No cycles between files (type-only imports count: a cycle of types is still a knot in the layout).",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "shared-room-unknown",
      comment: "Every file of shared/ lives in a room of the floors table; a new room gets a floor here first.",
      severity: "error",
      from: {},
      to: { path: "^shared/", pathNot: [rooms(floors.flat()), "^shared/package\\.json$", "/node_modules/"] },
    },
    ...floorRules,
    {
      name: "engine-knows-no-stream",
      comment: "The engine knows no stream, no Kafka and no records: no kafkajs, shared/kafka, shared/pipeline or shared/codec.",
      severity: "error",
      from: { path: "^shared/engine/" },
      to: { path: ["(^|/)node_modules/kafkajs/", "^shared/(kafka|pipeline|codec)/"] },
    },
    {
      name: "records-know-no-stages",
      comment: "shared/codec (the record facts) imports nothing from the stages: pipeline, sinks, console, eval, replay.",
      severity: "error",
      from: { path: "^shared/codec/" },
      to: { path: "^shared/(pipeline|sinks|console|eval|replay)/" },
    },
    {
      name: "no-pipeline-internals",
      comment: "Sinks, console, eval, replay, funnel and the console worker import the pipeline only through shared/pipeline/index.ts.",
      severity: "error",
      from: { path: ["^shared/(sinks|console|eval|replay|funnel)/", "^workers/console/"] },
      to: { path: "^shared/pipeline/", pathNot: ["^shared/pipeline/index\\.ts$", settingsFiles] },
    },
    {
      name: "shared-imports-no-worker",
      comment: "shared/ is the library; the deployables in workers/ use it, never the other way round.",
      severity: "error",
      from: { path: "^shared/" },
      to: { path: "^workers/" },
    },
    {
      name: "only-tests-import-test",
      comment: "test/ (support, fixtures' helpers) is for the tests; code, benches and scripts ship without it.",
      severity: "error",
      from: { pathNot: "^test/" },
      to: { path: "^test/" },
    },
    {
      name: "nothing-in-shared-imports-cli",
      comment: "shared/cli is what the commands do; it sits on top and nothing else in shared/ imports it.",
      severity: "error",
      from: { path: "^shared/", pathNot: "^shared/cli/" },
      to: { path: "^shared/cli/" },
    },
    {
      name: "settings-import-only-errors",
      comment: "shared/settings (the zod primitives every room's settings use) imports nothing from shared/ but shared/errors.",
      severity: "error",
      from: { path: "^shared/settings/" },
      to: { path: "^shared/", pathNot: "^shared/(settings|errors)/" },
    },
    {
      name: "settings-files-are-leaves",
      comment:
        "A room's settings schema imports only shared/settings, shared/errors, other settings schemas, the effort and its room's errors: config composes them without pulling in a room.",
      severity: "error",
      from: { path: settingsFiles },
      to: { path: "^shared/", pathNot: ["^shared/(settings|errors)/", settingsFiles, "^shared/policy/effort\\.ts$", "^shared/[^/]+/errors/"] },
    },
    {
      name: "config-composes-settings-only",
      comment: "shared/config composes the rooms' settings: it imports shared/settings, shared/errors and <room>-settings.ts / options.ts files only.",
      severity: "error",
      from: { path: "^shared/config/" },
      to: { path: "^shared/", pathNot: ["^shared/(config|settings|errors)/", settingsFiles] },
    },
  ],
  options: {
    // Follow imports into npm packages no further than the package itself; they are leaves here.
    doNotFollow: { path: "(^|/)node_modules/" },
    // Type-only imports are dependencies too: the layout is about what a file knows, not what it runs.
    tsPreCompilationDeps: true,
    // The `@arbiter/shared/*` path alias and the `.js` specifiers of NodeNext resolve as tsc resolves them.
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
