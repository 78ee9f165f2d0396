/**
 * The queue's orders, declared once: the read model pages by them (`read/queue.ts`, an index per order), the API
 * takes them (`http/routes/queueShapes.ts`) and the console offers them (`console/src/queueView.ts`). No imports,
 * so that the console's bundle can take this file as it is. amount, currency, valueDate and reference are those of
 * the institution's own leg.
 */
export const QUEUE_SORTS = [
  'age',
  'updated',
  'reason',
  'status',
  'amount',
  'currency',
  'valueDate',
  'counterparty',
  'reference',
] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];
export type SortOrder = 'asc' | 'desc';
