/** Splits text into lines at CRLF, CR or LF, as CommonMark does. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Maps an offset in `text` to a 1-based Markdown line, given the line of the text's first line. */
export function lineLocator(text: string, firstLine: number): (offset: number) => number {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return firstLine + low;
  };
}

/** A finding with an optional database, without writing `database: undefined`. */
export function withDatabase<T extends object>(value: T, database: string | undefined): T & { database?: string } {
  return database === undefined ? value : { ...value, database };
}
