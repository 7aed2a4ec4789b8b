import { Worker } from 'node:worker_threads';
import type { Queryable } from '../queryable.ts';
import type { ReplayedResponse, StartRequest, WorkerRequest, WorkerResponse } from './protocol.ts';

/** The shadow's worker thread, seen from Firebreak. */
export interface ShadowWorker {
  /** Builds the shadow and runs the change; rejects when the worker fails or stops. */
  start(request: StartRequest): Promise<ReplayedResponse>;
  /** The shadow's database, for `readPostgresSnapshot`: each query is answered by the worker. */
  readonly db: Queryable;
  /** Stops the worker, whatever it is doing (a statement that never ends included). */
  terminate(): Promise<void>;
}

/**
 * The worker script sits next to this module: `shadow-worker.js` in the compiled `dist/`, where
 * Node runs it as is, and `shadow-worker.ts` when Firebreak runs from its sources (vitest, tsx),
 * where Node 20 cannot load TypeScript by itself: a one-line bootstrap has tsx import it
 * (`tsImport` registers tsx for that import only). tsx is a development dependency, and only
 * the sources need it.
 */
function spawn(): Worker {
  const here = import.meta.url;
  const options = { stdout: true, stderr: true } as const;
  if (!here.endsWith('.ts')) return new Worker(new URL('./shadow-worker.js', here), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./shadow-worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** Starts a worker thread for one shadow. Its output is captured, never printed. */
export function openShadowWorker(): ShadowWorker {
  const worker = spawn();
  let stderr = '';
  worker.stdout.resume();
  worker.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });

  let started: { resolve(value: ReplayedResponse): void; reject(error: Error): void } | undefined;
  const queries = new Map<number, { resolve(rows: unknown[]): void; reject(error: Error): void }>();
  let stopped: Error | undefined;
  const stop = (error: Error) => {
    stopped ??= error;
    started?.reject(stopped);
    started = undefined;
    for (const pending of queries.values()) pending.reject(stopped);
    queries.clear();
  };
  worker.on('error', (error) => stop(new Error(`the sandbox failed: ${error.message}`)));
  worker.on('exit', (code) =>
    stop(new Error(`the sandbox stopped (exit code ${code})${stderr === '' ? '' : `: ${stderr.trim()}`}`)),
  );
  worker.on('message', (message: WorkerResponse) => {
    switch (message.kind) {
      case 'replayed':
        started?.resolve(message);
        started = undefined;
        return;
      case 'failed':
        started?.reject(new Error(message.reason));
        started = undefined;
        return;
      case 'rows':
      case 'query-failed': {
        const pending = queries.get(message.id);
        queries.delete(message.id);
        if (message.kind === 'rows') pending?.resolve([...message.rows]);
        else pending?.reject(new Error(message.message));
        return;
      }
    }
  });

  const post = (request: WorkerRequest) => worker.postMessage(request);
  let nextId = 0;
  return {
    start(request) {
      if (stopped !== undefined) return Promise.reject(stopped);
      return new Promise((resolve, reject) => {
        started = { resolve, reject };
        post(request);
      });
    },
    db: {
      query(text, params) {
        if (stopped !== undefined) return Promise.reject(stopped);
        const id = nextId++;
        return new Promise((resolve, reject) => {
          queries.set(id, { resolve: (rows) => resolve({ rows }), reject });
          post(params === undefined ? { kind: 'query', id, text } : { kind: 'query', id, text, params });
        });
      },
    },
    async terminate() {
      stop(new Error('the sandbox was stopped'));
      await worker.terminate();
    },
  };
}
