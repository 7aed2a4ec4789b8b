import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One HTTP exchange: the status and the body, as text. */
export interface Exchange {
  readonly status: number;
  readonly body: string;
}

/**
 * A keep-alive HTTP/1.1 client on node:http, with at most `sockets` connections: the lightest
 * client Node has, so that as little as possible of the measured time is the client's.
 */
export interface HttpClient {
  request(method: 'GET' | 'POST', path: string, options?: { token?: string; json?: string }): Promise<Exchange>;
  close(): void;
}

export function httpClient(baseUrl: string, sockets: number): HttpClient {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  return {
    request(method, path, options = {}) {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string | number> = {};
        if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
        if (options.json !== undefined) {
          headers['content-type'] = 'application/json';
          headers['content-length'] = Buffer.byteLength(options.json);
        }
        const request = http.request(
          { agent, host: url.hostname, port: url.port, path, method, headers },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
            );
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(options.json);
      });
    },
    close: () => agent.destroy(),
  };
}

/**
 * A plain node:http server that reads the request body and answers with `response`: the floor
 * any HTTP layer on Node pays, with the same client, for comparison with Firebreak's.
 */
export function startBareServer(response: string): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server = http.createServer((request, reply) => {
    request.resume();
    request.on('end', () => {
      reply.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(response) });
      reply.end(response);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.closeAllConnections();
            server.close((error) => (error === undefined ? done() : fail(error)));
          }),
      });
    });
  });
}

/** What one request or call came to: ok, or why not. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface LoadResult {
  readonly completed: number;
  readonly errors: number;
  /** Up to five distinct error messages, with their counts. */
  readonly errorSamples: readonly { readonly error: string; readonly count: number }[];
  readonly seconds: number;
  readonly perSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly mean: number; readonly max: number };
  /** This process (server and clients alike): CPU per request, share of one core, event loop busy. */
  readonly node: { readonly cpuPerRequestMs: number; readonly cpuShare: number; readonly eventLoopBusy: number };
}

/** One stretch of load, before it is summarised (stretches of the same kind are added up). */
export interface LoadStretch {
  readonly latencies: readonly number[];
  readonly errors: ReadonlyMap<string, number>;
  readonly seconds: number;
  /** CPU time of this process during the stretch (user + system). */
  readonly cpuMs: number;
  /** Event loop time spent running code, and idle, during the stretch. */
  readonly loopActiveMs: number;
  readonly loopIdleMs: number;
}

/**
 * `workers` loops, each sending one request at a time, until `limit` requests were started or
 * `seconds` passed. `send(i)` sends the i-th request overall.
 */
export async function runLoad(
  send: (i: number) => Promise<Outcome>,
  options: { readonly workers: number; readonly limit: number; readonly seconds: number },
): Promise<LoadStretch> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let started = 0;
  const loop = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const begin = performance.now();
  const deadline = begin + options.seconds * 1000;
  const worker = async () => {
    while (started < options.limit && performance.now() < deadline) {
      const i = started++;
      const t0 = performance.now();
      let outcome: Outcome;
      try {
        outcome = await send(i);
      } catch (error) {
        outcome = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      latencies.push(performance.now() - t0);
      if (!outcome.ok) errors.set(outcome.error, (errors.get(outcome.error) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  const seconds = (performance.now() - begin) / 1000;
  const used = process.cpuUsage(cpu);
  const looped = performance.eventLoopUtilization(loop);
  return {
    latencies,
    errors,
    seconds,
    cpuMs: (used.user + used.system) / 1000,
    loopActiveMs: looped.active,
    loopIdleMs: looped.idle,
  };
}

/** Throughput over the stretches' total time, latency over all their requests. */
export function summariseLoad(stretches: readonly LoadStretch[]): LoadResult {
  const latencies = stretches.flatMap((s) => s.latencies);
  const errors = new Map<string, number>();
  for (const stretch of stretches)
    for (const [error, count] of stretch.errors) errors.set(error, (errors.get(error) ?? 0) + count);
  const sum = (of: (stretch: LoadStretch) => number) => stretches.reduce((total, s) => total + of(s), 0);
  const seconds = sum((s) => s.seconds);
  return {
    completed: latencies.length,
    errors: [...errors.values()].reduce((a, b) => a + b, 0),
    errorSamples: [...errors].slice(0, 5).map(([error, count]) => ({ error, count })),
    seconds,
    perSecond: latencies.length / seconds,
    latencyMs: statsOf(latencies),
    node: {
      cpuPerRequestMs: sum((s) => s.cpuMs) / latencies.length,
      cpuShare: sum((s) => s.cpuMs) / (seconds * 1000),
      eventLoopBusy: sum((s) => s.loopActiveMs) / sum((s) => s.loopActiveMs + s.loopIdleMs),
    },
  };
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function statsOf(samples: readonly number[]): {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
} {
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    max: Math.max(...samples),
  };
}
