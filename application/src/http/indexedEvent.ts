import type { Shape } from './routes/schema';
import type { IndexedEvent as IndexedEventShape } from './routes/shapes';

/**
 * What one committed batch of the index means for one institution: only the breaks it is a party to. The
 * `indexed` event of the node's change stream (live.ts) carries it; the console reads it (console/src/api.ts).
 * Its shape is declared with the routes (routes/shapes.ts `IndexedEvent`; a test holds the stream's events to it).
 */
export type IndexedEvent = Shape<typeof IndexedEventShape>;
