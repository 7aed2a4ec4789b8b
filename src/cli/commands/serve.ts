import { join } from 'node:path';
import { FirebreakError } from '../../core/index.ts';
import {
  locateStore,
  openConfiguredStore,
  openSystemRegistry,
  resolvePolicy,
  seedDemoHistory,
} from '../../runtime/index.ts';
import { startServer } from '../../server/index.ts';
import { defineCommand } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Run the Firebreak server: the HTTP API (approvals, decisions, audit) on one port.',
  description:
    'Listens on 127.0.0.1 unless --host says otherwise. On a store without tokens it creates a first admin\n' +
    'token and prints it once. Logs are JSON lines on stderr. Stops on SIGINT or SIGTERM.',
  positionals: [],
  options: {
    demo: {
      type: 'boolean',
      description: 'Serve the embedded demo warehouse with a short seeded history (its own data directory)',
    },
    host: { type: 'string', value: 'HOST', default: '127.0.0.1', description: 'Address to listen on' },
    port: { type: 'string', value: 'PORT', default: '8420', description: 'Port (0 picks a free one)' },
    data: { type: 'string', value: 'DIR', description: 'Data directory of the embedded store' },
    'token-cache': {
      type: 'string',
      value: 'SECONDS',
      default: '1',
      description: 'How long an API token the store accepted is trusted before asking again (0: every request)',
    },
    config: {
      type: 'string',
      value: 'PATH',
      description: 'Configuration file (default: $FIREBREAK_CONFIG or ./firebreak.yaml)',
    },
  },
  examples: ['firebreak serve', 'firebreak serve --host 0.0.0.0 --port 8420'],
  async run({ options }, io) {
    const port = Number(options.port ?? '8420');
    if (!/^\d{1,5}$/.test(options.port ?? '8420') || port > 65_535)
      throw new FirebreakError('invalid_input', `--port must be a port number, not "${options.port}"`);
    const tokenCache = options['token-cache'] ?? '1';
    if (!/^\d{1,2}(\.\d{1,3})?$/.test(tokenCache) || Number(tokenCache) > 60)
      throw new FirebreakError(
        'invalid_input',
        `--token-cache must be a number of seconds from 0 to 60, not "${tokenCache}"`,
      );
    const context = { env: io.env, cwd: io.cwd };
    const demo = options.demo === true;
    // The demo keeps its history apart from the real one, in demo/ under the data directory.
    const data = options.data ?? (demo ? join((await locateStore({}, context)).directory, 'demo') : undefined);
    const store = await openConfiguredStore(
      {
        ...(data === undefined ? {} : { data }),
        ...(options.config === undefined ? {} : { config: options.config }),
      },
      demo ? { ...context, env: { ...context.env, FIREBREAK_STORE_URL: '' } } : context,
    );
    try {
      const log = (event: Record<string, unknown>) =>
        io.stderr(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
      const context = { env: io.env, cwd: io.cwd };
      const policy = await resolvePolicy(undefined, options.config, context);
      const systems = await openSystemRegistry(
        demo ? { demoOnly: true } : options.config === undefined ? {} : { config: options.config },
        context,
      );
      if (demo) {
        io.stdout('Building the demo warehouse and its history…\n');
        const seeded = await seedDemoHistory({ store, systems, policy, clock: () => new Date() });
        if (seeded > 0)
          io.stdout(`Recorded ${seeded} demo checks: a denial, a change held for approval, two allowed.\n`);
      }
      const server = await startServer({
        store,
        systems,
        policy,
        host: options.host ?? '127.0.0.1',
        port,
        log,
        tokenCacheMs: Math.round(Number(tokenCache) * 1000),
      });
      io.stdout(`Firebreak is listening on ${server.url} (API description: ${server.url}/api/openapi.json)\n`);
      if (demo || (await store.listTokens()).every((t) => t.revokedAt !== undefined)) {
        const first = await store.createToken({ name: demo ? 'demo-admin' : 'admin', role: 'admin', by: 'firebreak' });
        io.stdout(`${demo ? 'Admin token' : 'First admin token'} (shown only now): ${first.token}\n`);
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
      await systems.close();
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
});
