/**
 * The few Prometheus metrics the server exposes at /metrics, in the text exposition format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Counters and one histogram,
 * kept in memory per process.
 */
export interface ServerMetrics {
  countRequest(status: number): void;
  observeCheck(decision: string, seconds: number): void;
  /** The exposition text; `pending` is read from the store at scrape time. */
  render(pending: number): string;
}

/** Check latency buckets, in seconds: checks take milliseconds, large ones a second or more. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(): ServerMetrics {
  const requests = new Map<string, number>();
  const decisions = new Map<string, number>();
  const bucketCounts = BUCKETS.map(() => 0);
  let checkCount = 0;
  let checkSum = 0;
  return {
    countRequest(status) {
      const key = `${Math.floor(status / 100)}xx`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    },
    observeCheck(decision, seconds) {
      decisions.set(decision, (decisions.get(decision) ?? 0) + 1);
      checkCount++;
      checkSum += seconds;
      BUCKETS.forEach((bound, i) => {
        if (seconds <= bound) bucketCounts[i] = (bucketCounts[i] ?? 0) + 1;
      });
    },
    render(pending) {
      const lines = [
        '# HELP firebreak_decisions_total Checks decided by this process, by outcome.',
        '# TYPE firebreak_decisions_total counter',
        ...['allow', 'review', 'deny'].map(
          (d) => `firebreak_decisions_total{decision="${d}"} ${decisions.get(d) ?? 0}`,
        ),
        '# HELP firebreak_check_duration_seconds Time to check a change, recording included.',
        '# TYPE firebreak_check_duration_seconds histogram',
        ...BUCKETS.map((bound, i) => `firebreak_check_duration_seconds_bucket{le="${bound}"} ${bucketCounts[i] ?? 0}`),
        `firebreak_check_duration_seconds_bucket{le="+Inf"} ${checkCount}`,
        `firebreak_check_duration_seconds_sum ${checkSum}`,
        `firebreak_check_duration_seconds_count ${checkCount}`,
        '# HELP firebreak_approvals_pending Approval requests waiting for a decision.',
        '# TYPE firebreak_approvals_pending gauge',
        `firebreak_approvals_pending ${pending}`,
        '# HELP firebreak_http_requests_total HTTP requests answered, by status class.',
        '# TYPE firebreak_http_requests_total counter',
        ...['2xx', '3xx', '4xx', '5xx'].map(
          (k) => `firebreak_http_requests_total{status="${k}"} ${requests.get(k) ?? 0}`,
        ),
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}
