/**
 * psql meta-commands that make psql run SQL or a program that the answer does not show
 * (https://www.postgresql.org/docs/current/app-psql.html#APP-PSQL-META-COMMANDS). Extraction turns
 * each into an opaque piece: the reader's psql would run more than the extracted SQL says.
 */

/** Meta-commands that read a script file: its content is not in the answer. */
const INCLUDES = new Set(['i', 'include', 'ir', 'include_relative']);
/** Meta-commands that send what the reader writes in an editor. */
const EDITORS = new Set(['e', 'edit', 'ef', 'ev']);
/** Meta-commands whose argument can be `|command`: the shell runs the command. */
const PIPES = new Set(['o', 'out', 'w', 'write', 'g', 'gx']);
/** Environment variables that name a program psql runs (pager, editor, shell). */
const PROGRAM_VARIABLES = /^(?:PSQL_)?(?:PAGER|WATCH_PAGER|EDITOR|EDITOR_LINENUMBER_ARG)$|^(?:VISUAL|SHELL)$/;

/** Why `\gexec` cannot be analysed: it runs the output of the query in the buffer, or of the previous one when the buffer is empty. */
export function gexecReason(previous: boolean): string {
  return `psql \\gexec runs the output of the ${previous ? 'previous ' : ''}query as SQL; not analysed`;
}

/** The reason a meta-command makes psql run something unseen, or undefined when it does not. */
export function hiddenExecution(name: string, args: string): string | undefined {
  const words = args.trim().split(/\s+/);
  // Outside single quotes, backquoted text in any meta-command's argument is a shell command.
  if (args.replace(/'(?:[^'\\]|\\.)*'?/g, '').includes('`'))
    return `psql runs the backquoted shell command in \\${name}; not analysed`;
  if (name === 'gexec') return gexecReason(false);
  if (name === '!') return 'psql \\! runs a shell command; not analysed';
  if (INCLUDES.has(name))
    return `psql \\${name} runs the file ${words[0] || '(none named)'}, whose content is not in the answer; not analysed`;
  if (EDITORS.has(name)) return `psql \\${name} sends the SQL written in an editor; not analysed`;
  if (PIPES.has(name) && /^\s*(?:\([^)]*\)\s*)?\|/.test(args))
    return `psql \\${name} |… pipes output to a shell command; not analysed`;
  if (name === 'copy' && /\bprogram\b/i.test(args)) return 'psql \\copy … program runs a shell command; not analysed';
  if (name === 'setenv' && PROGRAM_VARIABLES.test(words[0] ?? ''))
    return `psql \\setenv ${words[0]} sets a program that psql runs; not analysed`;
  return undefined;
}
