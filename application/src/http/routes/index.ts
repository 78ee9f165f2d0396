import { attachmentRoutes } from './attachments';
import { auditRoutes } from './audit';
import { blacklistRoutes } from './blacklist';
import { blacklistWatchRoutes } from './blacklistWatch';
import { breakRoutes } from './breaks';
import { legRoutes } from './legs';
import { metaRoutes } from './meta';
import { provenanceRoutes } from './provenance';
import { queueRoutes } from './queue';
import { receivablesRoutes } from './receivables';
import type { AnyRoute } from './route';
import { sessionRoutes } from './sessions';
import { statementRoutes } from './statements';

/**
 * Every route of the node, by area. The order is the mounting order: `public` routes are mounted before the
 * authentication, the rest after it. To add a route, add it to its area's module (or a new module here).
 */
export const ROUTES: readonly AnyRoute[] = [
  ...metaRoutes,
  ...sessionRoutes,
  ...legRoutes,
  ...breakRoutes,
  ...attachmentRoutes,
  ...queueRoutes,
  ...statementRoutes,
  ...auditRoutes,
  ...provenanceRoutes,
  ...blacklistRoutes,
  ...blacklistWatchRoutes,
  ...receivablesRoutes,
];
