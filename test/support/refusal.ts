import { TallyError } from '../../chaincode/src/core/errors';

/** The core's refusal of `f`: its code and detail. Fails the test if `f` succeeds or throws anything else. */
export function refusal(f: () => unknown): { code: string; detail: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof TallyError) return { code: e.code, detail: e.detail };
    throw e;
  }
  throw new Error('expected a refusal');
}
