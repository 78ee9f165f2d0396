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

/** The code of the core's refusal of `f`, or 'NONE' when it succeeds: for tables where success is one outcome. */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TallyError) return e.code;
    throw e;
  }
  return 'NONE';
}
