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

/** The error a promise rejects with (of any kind); fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}
