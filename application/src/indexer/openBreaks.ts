/**
 * Moved to `../readModel/read/queue.ts` (every SQL statement of the index lives in `../readModel/`). This
 * re-export stays only while `http/openapi.ts` imports it from here; import from the read model.
 */
export { OPEN_BREAKS_PAGE_SIZE_MAX, QUEUE_SORTS, REFERENCE_PREFIX_MIN } from '../readModel/read/queue';
