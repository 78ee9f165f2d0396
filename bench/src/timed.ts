import { percentile } from '../../application/src/simulation/runBusinessDay';

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Runs `work(i)` for i in [0, n), `concurrency` at once, and measures it: the rate over the whole run and each
 * call's latency (ms, p50 and p99).
 */
export async function timed(
  n: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<{ count: number; perSecond: number; latencyMsP50: number; latencyMsP99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await work(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    count: n,
    perSecond: round(n / seconds),
    latencyMsP50: round(percentile(latencies, 50)),
    latencyMsP99: round(percentile(latencies, 99)),
  };
}
