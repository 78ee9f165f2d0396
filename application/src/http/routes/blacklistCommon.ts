import { BLACKLIST_ACCESS, type BlacklistOperation } from '../../../../chaincode/src/core/blacklist/access';
import type { NodeBlacklist } from '../../blacklist/nodeBlacklist';
import { ApiError } from '../errors';
import type { RouteContext } from './route';

/** What the blacklist's route modules share. */

/** Who may, in words, from the core's table (the chaincode enforces it). */
export const who = (op: BlacklistOperation): string => {
  const rule = BLACKLIST_ACCESS[op];
  return `Needs the role ${rule.roles.join(' or ')}${rule.member ? ', of an institution that has joined the blacklist' : ''} (refused by the chaincode: ROLE_REQUIRED${rule.member ? ', NOT_A_MEMBER' : ''}).`;
};

export const blacklistOf = (ctx: RouteContext): NodeBlacklist => {
  const bl = ctx.deps.blacklist;
  if (bl === undefined)
    throw new ApiError(
      'BLACKLIST_UNAVAILABLE',
      'this node holds no blacklist key (TALLYSTICK_BLACKLIST_KEY_FILES, docs/BLACKLIST.md)',
    );
  return bl;
};
