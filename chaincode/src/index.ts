import 'reflect-metadata';

import { BlacklistContract } from './contract/blacklistContract';
import { ReceivablesContract } from './contract/receivablesContract';
import { ReconciliationContract } from './contract/reconciliationContract';

/**
 * What fabric-chaincode-node (and the embedded network) loads: the package's contracts. The first is the
 * default: a function named without its contract (`postLegs`) goes to reconciliation.
 */
export const contracts = [ReconciliationContract, BlacklistContract, ReceivablesContract];
export { BlacklistContract, ReceivablesContract, ReconciliationContract };
