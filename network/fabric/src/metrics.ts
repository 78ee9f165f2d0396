/** Parses Prometheus text for `ledger_blockchain_height{channel="..."} N`. */
export function blockHeights(metrics: string): Record<string, number> {
  const heights: Record<string, number> = {};
  for (const match of metrics.matchAll(
    /^ledger_blockchain_height\{channel="([^"]+)"\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/gm,
  )) {
    const [, channel, value] = match;
    if (channel !== undefined && value !== undefined) heights[channel] = Number(value);
  }
  return heights;
}
