const URI = /^postgres(?:ql)?:\/\/[^/?#]*(?:\/([^?#]*))?(?:\?([^#]*))?/i;

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The `dbname` of a `key=value` connection string (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-KEYWORD-VALUE). */
function conninfoDatabase(text: string): string | undefined {
  let database: string | undefined;
  const pair = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/gy;
  for (let match = pair.exec(text); match !== null; match = pair.exec(text)) {
    if (match[1] === 'dbname') database = match[2]?.replace(/\\(.)/g, '$1') ?? match[3];
  }
  return database || undefined;
}

/**
 * The database a psql target names: a plain name, a `postgresql://` URI (path or `?dbname=`) or a
 * `key=value` connection string. `-` and empty text name none.
 */
export function databaseFrom(target: string): string | undefined {
  const text = target.trim();
  if (text === '' || text === '-') return undefined;
  const uri = URI.exec(text);
  if (uri) {
    const query = uri[2]?.split('&').find((p) => p.startsWith('dbname='));
    if (query !== undefined) return decode(query.slice('dbname='.length)) || undefined;
    return uri[1] ? decode(uri[1]) : undefined;
  }
  return text.includes('=') ? conninfoDatabase(text) : text;
}
