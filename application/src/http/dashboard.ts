import type pg from 'pg';

import { dashboardFigures, type DashboardFigures } from '../readModel/read/dashboard';

export type { DashboardFigures };

/** The dashboard's figures for the institution `mspId` (readModel/read/dashboard.ts says what each one is). */
export async function dashboard(pool: pg.Pool, mspId: string): Promise<DashboardFigures> {
  return dashboardFigures(pool, mspId);
}
