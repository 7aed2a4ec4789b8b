import { parseTokenRole, TOKEN_ROLES } from '../../app/index.ts';
import { FirebreakError } from '../../core/index.ts';
import { openConfiguredStore } from '../../runtime/index.ts';
import { defineCommand } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const ACTIONS = ['create', 'list', 'revoke'] as const;

export const tokenCommand = defineCommand({
  name: 'token',
  summary: "Create, list or revoke the server's API tokens (admin, approver, agent, viewer).",
  description:
    'create  prints a new token once (only its SHA-256 is stored): --name NAME --role ROLE.\n' +
    'list    lists tokens (never their secrets).\n' +
    'revoke  revokes the token with the given id.\n' +
    'Roles: admin (everything), approver (approve and deny, read, check), agent (check only), viewer (read).',
  positionals: [
    { name: 'ACTION', description: `One of ${ACTIONS.join(', ')}`, required: true },
    { name: 'ID', description: 'revoke: the token id', required: false },
  ],
  options: {
    name: { type: 'string', value: 'NAME', description: 'create: who the token is for (letters, digits, . _ @ -)' },
    role: { type: 'string', value: 'ROLE', description: `create: ${TOKEN_ROLES.join(', ')}` },
    data: { type: 'string', value: 'DIR', description: 'Data directory of the embedded store' },
    config: {
      type: 'string',
      value: 'PATH',
      description: 'Configuration file (default: $FIREBREAK_CONFIG or ./firebreak.yaml)',
    },
  },
  examples: [
    'firebreak token create --name alice --role approver',
    'firebreak token create --name forum-helper --role agent',
  ],
  async run({ positionals, options }, io) {
    const action = positionals[0] as string;
    if (!(ACTIONS as readonly string[]).includes(action))
      throw new FirebreakError('invalid_input', `unknown token action "${action}" (actions: ${ACTIONS.join(', ')})`);
    const by = `user:${io.env.USER ?? io.env.USERNAME ?? 'unknown'}`;
    let role: (typeof TOKEN_ROLES)[number] | undefined;
    if (action === 'create') {
      if (options.name === undefined || options.role === undefined)
        throw new FirebreakError('invalid_input', 'token create needs --name NAME and --role ROLE');
      const parsed = parseTokenRole(options.role);
      if (!parsed.ok) throw new FirebreakError('invalid_input', parsed.error);
      role = parsed.value;
    }
    if (action === 'revoke' && positionals[1] === undefined)
      throw new FirebreakError('invalid_input', 'token revoke needs the token id (see firebreak token list)');
    const store = await openConfiguredStore(
      {
        ...(options.data === undefined ? {} : { data: options.data }),
        ...(options.config === undefined ? {} : { config: options.config }),
      },
      { env: io.env, cwd: io.cwd },
    );
    try {
      if (action === 'create') {
        const created = await store.createToken({
          name: options.name as string,
          role: role as (typeof TOKEN_ROLES)[number],
          by,
        });
        io.stdout(`${created.token}\n`);
        io.stderr(
          `Token ${created.record.id} for ${created.record.name} (${created.record.role}). It is shown only now.\n`,
        );
      } else if (action === 'list') {
        for (const token of await store.listTokens())
          io.stdout(
            `${token.id}  ${token.role.padEnd(8)} ${token.name}${token.revokedAt === undefined ? '' : `  (revoked ${token.revokedAt})`}\n`,
          );
      } else {
        const revoked = await store.revokeToken(positionals[1] as string, by);
        io.stdout(`Revoked ${revoked.id} (${revoked.name}, ${revoked.role}).\n`);
      }
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
});
