import { parentPort } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import { messageOf, type StartRequest, type WorkerRequest, type WorkerResponse } from './protocol.ts';
import { replayChange } from './replay.ts';
import { buildShadow, openShadow, prepareImage } from './shadow-database.ts';
import { searchPathSetting } from './shadow-plan.ts';

/**
 * The worker thread that holds the shadow: it builds it, runs the change, then answers the
 * read-back queries of `readPostgresSnapshot` until Firebreak terminates it. Everything it
 * touches is PGlite's in-memory file system; a runaway statement blocks only this thread.
 */
const port = parentPort;
if (port === null) throw new Error('shadow-worker.ts runs only as a worker thread');
let shadow: PGlite | undefined;

const send = (message: WorkerResponse, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', (request: WorkerRequest) => {
  if (request.kind === 'start') void start(request);
  else void query(request.id, request.text, request.params);
});

async function start(request: StartRequest): Promise<void> {
  try {
    const image = request.image ?? (await prepareImage(request.plan.database));
    shadow = await openShadow(image, request.plan.database);
    const warnings = await buildShadow(shadow, request.plan);
    const replay = await replayChange(shadow, request.statements, request.role, request.roleIsSuperuser);
    if (!replay.ok) {
      send({ kind: 'failed', reason: replay.reason });
      return;
    }
    // Read back with names printed as they were for the role that read the snapshot.
    await shadow.exec(searchPathSetting(request.plan.reader));
    const response: WorkerResponse = {
      kind: 'replayed',
      statements: replay.statements,
      warnings: [...warnings, ...replay.warnings],
      ...(request.image === undefined ? { image } : {}),
    };
    // The image (about 50 MB) moves to Firebreak's thread rather than being copied.
    send(response, request.image === undefined ? [image] : []);
  } catch (error) {
    send({ kind: 'failed', reason: messageOf(error) });
  }
}

async function query(id: number, text: string, params: readonly unknown[] | undefined): Promise<void> {
  try {
    if (shadow === undefined) throw new Error('the shadow is not built');
    const result = await shadow.query(text, params === undefined ? undefined : [...params]);
    send({ kind: 'rows', id, rows: result.rows });
  } catch (error) {
    send({ kind: 'query-failed', id, message: messageOf(error) });
  }
}
