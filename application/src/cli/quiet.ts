// Imported first by the command-line entry points: fabric-shim and fabric-contract-api log every transaction
// at info level, and every refused one as an error, which buries a run's own output. Set before they load.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
export {};
