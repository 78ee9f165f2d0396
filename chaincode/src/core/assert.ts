export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/**
 * An invariant the code relies on (see ../shared/CONVENTIONS.md): when it does not hold, the program is wrong,
 * not the input. The transaction fails as an internal error and writes nothing. `what` says which invariant;
 * on a hot path, a function that writes it only when it broke (a message built at every call costs more than
 * the check).
 */
export function assert(condition: boolean, what: string | (() => string)): asserts condition {
  if (!condition) throw new Error(`invariant broken: ${typeof what === 'string' ? what : what()}`);
}
