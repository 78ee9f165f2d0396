/**
 * Moved to `../readModel/read/auditBreaks.ts` (every SQL statement of the index lives in `../readModel/`). This
 * re-export stays only while `http/createApp.ts` imports it from here; import from the read model.
 */
export { AUDIT_PAGE_SIZE_MAX, listAuditBreaks } from '../readModel/read/auditBreaks';
