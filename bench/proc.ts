/** Linux /proc readings for the bench: resident memory and CPU time of a server's process tree. */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc CPU times (USER_HZ; 100 on every Linux the bench runs on). */
const TICKS_PER_SECOND = 100;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The fields of /proc/<pid>/stat after the command name (index 0 is field 3, `state`). */
function statFields(pid: number): string[] | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  return text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
}

function statusKiB(pid: number, key: 'VmRSS' | 'VmHWM' | 'RssFile'): number {
  const text = readText(`/proc/${pid}/status`);
  const match = text === undefined ? null : new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** CPU seconds (user + system, all threads) used so far by one process. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / TICKS_PER_SECOND;
}

/** Busy and total CPU seconds of the whole machine so far (summed over cores), from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readText('/proc/stat')?.split('\n', 1)[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.slice(0, 8).reduce((sum, t) => sum + t, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/** `root` and all its descendants that are alive now. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [root];
  }
  for (const entry of entries.slice(0, 100_000)) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1] ?? 0);
    const siblings = parents.get(ppid) ?? [];
    siblings.push(Number(entry));
    parents.set(ppid, siblings);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0 && tree.length < 1000) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue.push(...(parents.get(pid) ?? []));
  }
  return tree;
}

/**
 * Follows one server's process tree: samples the summed resident set every `intervalMs` and keeps the peak of
 * the current measurement window; also reads the kernel's own peak (VmHWM, reset per window through
 * /proc/<pid>/clear_refs) so that a spike between two samples is not missed.
 */
export class TreeMonitor {
  private pids: number[];
  private peakKiB = 0;
  private hwmResettable = true;
  private sampler: NodeJS.Timeout | undefined;
  private refresher: NodeJS.Timeout | undefined;

  constructor(
    private readonly root: number,
    private readonly intervalMs = 100,
  ) {
    this.pids = [root];
  }

  start(): void {
    this.refreshTree();
    this.sampler = setInterval(() => this.sample(), this.intervalMs);
    this.refresher = setInterval(() => this.refreshTree(), 1000);
  }

  stop(): void {
    clearInterval(this.sampler);
    clearInterval(this.refresher);
  }

  /** Starts a measurement window: forgets the previous peak. */
  beginWindow(): void {
    this.refreshTree();
    for (const pid of this.pids) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        this.hwmResettable = false;
      }
    }
    this.peakKiB = 0;
    this.sample();
  }

  /** Peak resident set (KiB) of the tree since beginWindow(). */
  windowPeakKiB(): number {
    this.sample();
    const hwm = this.hwmResettable ? this.pids.reduce((sum, pid) => sum + statusKiB(pid, 'VmHWM'), 0) : 0;
    return Math.max(this.peakKiB, hwm);
  }

  /**
   * File-backed resident pages that the summed RSS counts more than once: a supervisor and its workers run
   * the same node executable and libraries, whose pages are one copy in memory. Taken as the file-backed
   * RSS of every process but the one with the most (each smaller set is, in practice, a subset of it).
   */
  duplicateFileKiB(): number {
    const files = this.pids.map((pid) => statusKiB(pid, 'RssFile'));
    return files.reduce((sum, kib) => sum + kib, 0) - Math.max(0, ...files);
  }

  rssKiB(): number {
    return this.pids.reduce((sum, pid) => sum + statusKiB(pid, 'VmRSS'), 0);
  }

  cpuSeconds(): number {
    return this.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  processCount(): number {
    return this.pids.length;
  }

  private sample(): void {
    this.peakKiB = Math.max(this.peakKiB, this.rssKiB());
  }

  private refreshTree(): void {
    this.pids = processTree(this.root);
  }
}
