import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@gatewatch/simulator';

export { freePort };

export const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

export interface Launched {
  child: ChildProcess;
  /** Everything the process wrote to stderr (the human-facing status lines). */
  output(): string;
  /** Resolves when a line matching `pattern` has been printed; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Run `gatewatch <args>` as a child process the way `npm start` does. */
export function launch(args: string[], env: Record<string, string | undefined> = {}): Launched {
  const child = spawn(process.execPath, ['--conditions=gatewatch-source', '--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  child.stderr?.on('data', (d: Buffer) => {
    text += d.toString();
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = text.match(pattern);
          if (m) {
            cleanup();
            resolve(m[0]);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output:\n${text}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        exited.then((code) => {
          if (!waiters.has(check)) return;
          cleanup();
          reject(new Error(`gatewatch exited (${code}) before printing ${pattern}; output:\n${text}`));
        });
        check();
      });
    },
  };
}

/** SIGINT (Ctrl-C) and wait for the exit code. */
export async function interrupt(l: Launched, timeoutMs = 30_000): Promise<number | null> {
  l.child.kill('SIGINT');
  const timer = setTimeout(() => l.child.kill('SIGKILL'), timeoutMs);
  const code = await l.exited;
  clearTimeout(timer);
  return code;
}
