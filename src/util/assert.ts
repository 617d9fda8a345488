// Internal invariant checks (programming errors, not bad input: bad input gets typed errors).

export class AssertionFailure extends Error {}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}

export function unreachable(value: never, message = "unreachable"): never {
  throw new AssertionFailure(`${message}: ${String(value)}`);
}
