// Types for the fabric-shim modules the embedded peer drives directly. fabric-shim ships typings only
// for its public entry point; these describe the parts of its internals we call, nothing more.

declare module 'fabric-shim/lib/stub.js' {
  class ChaincodeStub {
    constructor(
      handler: unknown,
      channelId: string,
      txId: string,
      chaincodeInput: unknown,
      signedProposal: unknown,
    );
    getMspID(): string;
    getTxID(): string;
    putState(key: string, value: Uint8Array | string): Promise<void>;
    putPrivateData(collection: string, key: string, value: Uint8Array | string): Promise<void>;
    chaincodeEvent?: { getEventName(): string; getPayload_asU8(): Uint8Array };
  }
  export = ChaincodeStub;
}

declare module 'fabric-shim/lib/contract-spi/chaincodefromcontract.js' {
  class ChaincodeFromContract {
    constructor(
      contractClasses: (new () => unknown)[],
      serializers: { transaction: string; serializers: Record<string, unknown> },
      metadata?: object,
      title?: string,
      version?: string,
    );
    Invoke(stub: unknown): Promise<{ status: number; message?: string; payload?: Uint8Array }>;
  }
  export = ChaincodeFromContract;
}

declare module 'fabric-shim/lib/iterators.js' {
  export class StateQueryIterator {
    constructor(handler: unknown, channelId: string, txId: string, response: unknown);
  }
  export class HistoryQueryIterator {
    constructor(handler: unknown, channelId: string, txId: string, response: unknown);
  }
}

// google-protobuf ships no typings; @hyperledger/fabric-protos builds its messages on this copy.
declare module 'google-protobuf/google/protobuf/timestamp_pb.js' {
  export class Timestamp {
    getSeconds(): number;
    setSeconds(value: number): void;
    getNanos(): number;
    setNanos(value: number): void;
    toDate(): Date;
    static fromDate(date: Date): Timestamp;
  }
}
