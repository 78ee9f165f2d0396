import type { VerifyReport } from '../../http/apiTypes';
import { parseCommand } from '../cliArgs';
import type { CommandContext, Outcome } from '../cliContext';
import { EXIT_CODES, usageError } from '../cliErrors';
import { request } from '../cliSession';

/** The node's index compared with the ledger; differences found exit 1 (a finding, listed). */
export async function verify(ctx: CommandContext, argv: readonly string[]): Promise<Outcome> {
  const { positionals } = parseCommand('verify', argv, {});
  if (positionals.length > 0) throw usageError(`verify takes no argument, got ${positionals.join(' ')}`);
  const s = await ctx.session();
  const r = await request<VerifyReport>(s, 'GET', '/v1/index/verify');
  return {
    json: r,
    lines: [
      `${String(r.casesChecked)} cases, ${String(r.breaksChecked)} breaks, ${String(r.ownLegsChecked)} own legs and ${String(r.receivablesChecked)} receivables records checked: ${String(r.differences.length)} differences`,
      ...r.differences.map((d) => `  ${JSON.stringify(d)}`),
    ],
    exitCode: r.differences.length === 0 ? EXIT_CODES.ok : EXIT_CODES.refused,
  };
}
