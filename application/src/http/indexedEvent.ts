/**
 * What one committed batch of the index means for one institution: only the breaks it is a party to. The
 * `indexed` event of the node's change stream (live.ts) carries it; the console reads it (console/src/api.ts).
 * No Node imports here: the browser code takes this type too.
 */
export interface IndexedEvent {
  readonly block: string;
  readonly txIndex: number;
  readonly transactions: number;
  readonly breaks: readonly {
    readonly breakId: string;
    readonly caseId: string;
    readonly reason: string;
    readonly status: string;
    readonly action: string;
  }[];
}
