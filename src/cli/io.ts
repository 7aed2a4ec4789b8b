/** Everything a command may touch of the outside world, injected so tests run commands in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Reads standard input to its end, or to just past `limit` characters (the caller refuses more). */
  readonly readStdin: (limit: number) => Promise<string>;
}
