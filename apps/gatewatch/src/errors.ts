/** An error the user can fix: printed as one line, no stack trace, exit code 1 (2: an invalid gateway config). */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Turn a listen failure into a one-line error naming the port and the flag that changes it. */
export function describeListenError(err: unknown, what: string, port: number, flag: string): Error {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE')
    return new UsageError(
      `port ${port} (${what}) is already in use: stop what uses it or pass ${flag} <port>`,
    );
  if (code === 'EACCES')
    return new UsageError(
      `port ${port} (${what}) needs privileges: pick a port above 1023 with ${flag} <port>`,
    );
  return err instanceof Error ? err : new Error(String(err));
}
