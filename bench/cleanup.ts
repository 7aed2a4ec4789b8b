/**
 * What benchmarks that create databases, schemas and files need to leave nothing behind: cleanup
 * that runs once, at the end or on SIGINT/SIGTERM, and a way to recognise leftovers of runs whose
 * process is gone.
 */
export async function withCleanup<T>(
  cleanup: () => Promise<void>,
  onInterrupt: (signal: NodeJS.Signals) => void,
  body: () => Promise<T>,
): Promise<T> {
  let cleaned: Promise<void> | undefined;
  const once = () => {
    cleaned ??= cleanup();
    return cleaned;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    onInterrupt(signal);
    void once().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await once();
  }
}

/** Whether a process with this id runs (one we may not signal still runs). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
