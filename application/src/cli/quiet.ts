// Imported first by the command-line entry points: fabric-shim and fabric-contract-api log every transaction
// at info level, and every refused one as an error, which buries a run's own output. Set before they load.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';

// fabric-network's gRPC connections to peers named by IP address set the TLS server name to that address (the
// certificates carry it as an IP SAN, so verification is right); Node warns about it once per process, DEP0123,
// in the middle of a run's output. Every other warning still shows.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
  const code =
    typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
  if (code === 'DEP0123') return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
};
export {};
