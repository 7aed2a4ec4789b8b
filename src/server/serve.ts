import { serve } from '@hono/node-server';
import { createApp, type ServerDeps } from './app.ts';

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0 picks a free one) until closed. */
export function startServer(
  options: ServerDeps & { readonly host: string; readonly port: number },
): Promise<RunningServer> {
  const app = createApp(options);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, (info) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error === undefined ? done() : fail(error)));
          }),
      });
    });
    server.once('error', reject);
  });
}
