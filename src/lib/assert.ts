// Assertions guard our own invariants: a failed assertion is a taxiway bug, so it crashes loudly
// instead of being mapped to an HTTP status. Input from the world is validated with typed errors
// (errors.ts), never with assert().

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Marks the end of an exhaustive switch: the compiler proves it unreachable, the runtime checks. */
export function unreachable(value: never, message = 'unreachable case'): never {
  throw new AssertionError(`${message}: ${JSON.stringify(value)}`);
}
