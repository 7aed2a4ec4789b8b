// biome-ignore format: an escape table reads best packed
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
  '\\': '\\', "'": "'", '"': '"', '?': '?',
};

/** Decodes the body of bash's `$'…'` (https://www.gnu.org/software/bash/manual/bash.html#ANSI_002dC-Quoting). */
export function decodeAnsiC(body: string): string {
  return body.replace(
    /\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})|U([0-9A-Fa-f]{1,8})|c(.)|(.))/gsu,
    (whole, octal?: string, hex?: string, u4?: string, u8?: string, control?: string, simple?: string) => {
      const code = octal ? Number.parseInt(octal, 8) : Number.parseInt(hex ?? u4 ?? u8 ?? '', 16);
      if (!Number.isNaN(code)) return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      if (control !== undefined) return String.fromCharCode((control.codePointAt(0) ?? 0) & 0x1f);
      return SIMPLE_ESCAPES[simple ?? ''] ?? whole;
    },
  );
}
