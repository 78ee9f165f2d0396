import 'reflect-metadata';

import { ReconciliationContract } from './contract/reconciliationContract';

/** What fabric-chaincode-node (and the embedded network) loads: the package's contracts. */
export const contracts = [ReconciliationContract];
export { ReconciliationContract };
