/** The error `fn` throws, checked to be a `type`; fails the test when nothing (or another kind) is thrown. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function thrown<E extends Error>(fn: () => unknown, type: abstract new (...args: any[]) => E): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name} to be thrown`);
}
