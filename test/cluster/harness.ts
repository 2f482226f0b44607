/** Test harness: a supervised fixture as a child process, and a client that never hangs. */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface LogLine {
  time: number;
  msg?: string;
  workerPid?: number;
  exit?: { pid?: number; code: number | null; signal: string | null; restart: boolean };
  url?: string;
}

/** The fixture's primary as a child process; collects its (and its workers') pino lines. */
export class Supervised {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];

  constructor(script: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const stdout = this.child.stdout;
    if (!stdout) throw new Error('no stdout');
    createInterface({ input: stdout }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as LogLine);
      } catch {
        return;
      }
      for (const w of this.waiters) w();
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** First line (in arrival order) matching `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.lines.find(pred);
        if (!hit) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(hit);
        return true;
      };
      const waiter = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`timed out waiting for a log line; got:\n${this.lines.map((l) => l.msg).join('\n')}`),
        );
      }, timeoutMs);
      if (!check()) this.waiters.push(waiter);
    });
  }

  readyPids(): number[] {
    return this.lines
      .filter((l) => l.msg === 'worker ready' && l.workerPid !== undefined)
      .map((l) => l.workerPid ?? 0);
  }

  async waitReady(n: number, timeoutMs = 30_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.readyPids().length < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.readyPids().length} workers became ready`);
      await sleep(20);
    }
    return this.readyPids();
  }

  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return withTimeout(this.exited, 15_000, 'primary did not exit');
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

export type Result =
  | { kind: 'ok'; status: number; pid: number; sentAt: number; doneAt: number }
  | { kind: 'error'; code: string; sentAt: number; doneAt: number }
  | { kind: 'timeout'; sentAt: number; doneAt: number };

/** One request on a fresh connection with a client-side timeout; never rejects. */
export function request(port: number, path = '/', timeoutMs = 3_000): Promise<Result> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: Result): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        settle({
          kind: 'ok',
          status: res.statusCode ?? 0,
          pid: Number(Buffer.concat(chunks).toString()),
          sentAt,
          doneAt: Date.now(),
        }),
      );
      res.on('error', (err: NodeJS.ErrnoException) =>
        settle({ kind: 'error', code: err.code ?? err.message, sentAt, doneAt: Date.now() }),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      settle({ kind: 'error', code: err.code ?? err.message, sentAt, doneAt: Date.now() }),
    );
    const timer = setTimeout(() => {
      settle({ kind: 'timeout', sentAt, doneAt: Date.now() });
      req.destroy();
    }, timeoutMs);
  });
}
