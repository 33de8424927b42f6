// The PRNG lives with the eval's sampling; tests and benches keep importing it from here.
export { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";
