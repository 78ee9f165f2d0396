import 'reflect-metadata';

import { skipDisabledShimLogging } from '../../../chaincode/src/shimLogging';
import { FloorContract } from './floorContract';

/**
 * What the floor chaincode's server (`fabric-chaincode-node server --module-path bench/src/floor`, started by
 * `npm run network:deploy -- --chaincode floor --module bench/src/floor`) loads. The shim's loggers are guarded as
 * for the product's server (chaincode/src/shimLogging.ts), so the two servers are measured alike.
 */
skipDisabledShimLogging();

export const contracts = [FloorContract];
