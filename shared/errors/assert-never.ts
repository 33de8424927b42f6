/**
 * The `default` of a switch that handles every member of a union: there the compiler checks that
 * `value` is `never`, so a member added to the union makes `npm run typecheck` name each such
 * switch until it handles the new member. At run time it is reached only by a value outside the
 * type (a cast, hand-written JSON), and it throws rather than guess.
 */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}: a case is missing`);
}
