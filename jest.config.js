// jest + ESM + TypeScript: ts-jest transpiles each file on its own (isolatedModules) and
// jest runs under --experimental-vm-modules (set by scripts/jest.mjs), because
// node-llama-cpp is ESM-only. Type checking is `npm run typecheck`, not jest's job.
const common = {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: {
    "^@arbiter/shared/(.*)\\.js$": "<rootDir>/shared/$1",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "<rootDir>/tsconfig.json" }],
  },
};

export default {
  // Used when jest runs with --coverage (scripts/test-all.sh --ci); the summary is the figure CI prints.
  // Babel's instrumentation of our own files only: under --experimental-vm-modules the V8 provider
  // converts the coverage of every loaded module and cost 2.4x the unit tests' CPU time (babel: 1.4x).
  collectCoverageFrom: ["shared/**/*.ts", "workers/**/*.ts", "!**/*.d.ts", "!**/node_modules/**"],
  coverageProvider: "babel",
  coverageReporters: ["text-summary"],
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
      globalSetup: "<rootDir>/test/integration/global-setup.mjs",
      slowTestThreshold: 30,
    },
  ],
};
