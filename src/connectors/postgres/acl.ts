/**
 * PostgreSQL ACL items in their text form, `grantee=privileges/grantor`: an empty grantee is
 * PUBLIC; names that are not plain alphanumerics are double-quoted with quotes doubled; a `*`
 * after a privilege letter marks the grant option. See `aclitemout` in src/backend/utils/adt/acl.c
 * and https://www.postgresql.org/docs/current/ddl-priv.html#PRIVILEGE-ABBREVS-TABLE.
 */
export const PRIVILEGE_BY_LETTER: Readonly<Record<string, string>> = {
  r: 'SELECT',
  w: 'UPDATE',
  a: 'INSERT',
  d: 'DELETE',
  D: 'TRUNCATE',
  x: 'REFERENCES',
  t: 'TRIGGER',
  X: 'EXECUTE',
  U: 'USAGE',
  C: 'CREATE',
  c: 'CONNECT',
  T: 'TEMPORARY',
  m: 'MAINTAIN',
  s: 'SET',
  A: 'ALTER SYSTEM',
};

export interface AclEntry {
  /** Role name, or null for PUBLIC. */
  readonly grantee: string | null;
  readonly grantor: string;
  readonly privilege: string;
  readonly grantable: boolean;
}

/** Parses one ACL item; returns an error message when the text is not an ACL item. */
export function parseAclItem(text: string): AclEntry[] | string {
  let pos = 0;
  const readName = (stop: string): string | undefined => {
    if (text[pos] !== '"') {
      const end = text.indexOf(stop, pos);
      const name = text.slice(pos, end < 0 ? text.length : end);
      pos = end < 0 ? text.length : end;
      return name;
    }
    let name = '';
    pos++;
    while (pos < text.length) {
      const c = text[pos++];
      if (c === '"') {
        if (text[pos] !== '"') return name;
        pos++;
      }
      name += c;
    }
    return undefined;
  };

  const grantee = readName('=');
  if (grantee === undefined || text[pos] !== '=') return `malformed ACL item "${text}"`;
  pos++;
  const slash = text.indexOf('/', pos);
  if (slash < 0) return `malformed ACL item "${text}"`;
  const letters = text.slice(pos, slash);
  pos = slash + 1;
  const grantor = readName('\u0000');
  if (grantor === undefined || grantor === '' || pos !== text.length) return `malformed ACL item "${text}"`;

  const entries: AclEntry[] = [];
  for (let i = 0; i < letters.length; i++) {
    const privilege = PRIVILEGE_BY_LETTER[letters[i] as string];
    if (privilege === undefined) return `unknown privilege "${letters[i]}" in ACL item "${text}"`;
    const grantable = letters[i + 1] === '*';
    if (grantable) i++;
    entries.push({ grantee: grantee === '' ? null : grantee, grantor, privilege, grantable });
  }
  return entries;
}
