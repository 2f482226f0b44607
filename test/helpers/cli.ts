import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { ROOT } from './fixtures.js';

export interface LogLine {
  msg?: string;
  url?: string;
  pid?: number;
  [k: string]: unknown;
}

export interface Cli {
  child: ChildProcess;
  lines: LogLine[];
  url: string;
  port: number;
  /** pids of the supervisor and every process below it */
  tree(): number[];
  /** sum of VmRSS over the tree, bytes */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Starts the built CLI (dist/src/main.js) on 127.0.0.1:0 and waits until a worker listens; `env` is
 * its whole environment (by default only PATH).
 */
export async function startCli(
  args: string[],
  timeoutMs = 30_000,
  port = 0,
  env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' },
): Promise<Cli> {
  const child = spawn(process.execPath, ['dist/src/main.js', '-bind', `127.0.0.1:${port}`, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: LogLine[] = [];
  const first = await new Promise<LogLine>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start')), timeoutMs);
    child.once('exit', (code) => reject(new Error(`server exited with ${String(code)}`)));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let rec: LogLine;
      try {
        rec = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      lines.push(rec);
      if (rec.msg === 'imagor listening' && rec.url) {
        clearTimeout(t);
        resolve(rec);
      }
    });
  });
  const url = String(first.url).replace(/\/+$/, '');
  const listening = Number(new URL(url).port);
  const tree = (): number[] => processTree(child.pid ?? 0);
  return {
    child,
    lines,
    url,
    port: listening,
    tree,
    rss: () => tree().reduce((sum, pid) => sum + rssOf(pid), 0),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The pid and all its descendants, from /proc/<pid>/stat's parent field. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // the process went away while we looked
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === out[i]) out.push(pid);
  }
  return out;
}

/** VmRSS of one process in bytes (0 when it is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Writes raw bytes to 127.0.0.1:port and collects the whole answer until the peer closes or `ms` pass. */
export function rawRequest(
  port: number,
  write: (socket: net.Socket) => void | Promise<void>,
  ms = 30_000,
): Promise<{ status: number; body: string; elapsedMs: number; text: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const sep = text.indexOf('\r\n\r\n');
      resolve({ status, body: sep >= 0 ? text.slice(sep + 4) : '', elapsedMs: Date.now() - started, text });
    };
    const timer = setTimeout(finish, ms);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      const sep = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, sep));
      if (sep >= 0 && len && text.length - sep - 4 >= Number(len[1])) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (err) => {
      if (chunks.length > 0) finish();
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('connect', () => {
      void Promise.resolve(write(socket)).catch(() => undefined);
    });
  });
}
