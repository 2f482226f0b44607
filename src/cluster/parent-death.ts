/**
 * Linux: ask the kernel to SIGKILL this process when its parent (the supervisor) dies, whatever the
 * process is doing — a blocked event loop, a long libvips operation or a stopped process cannot delay
 * it. prctl(PR_SET_PDEATHSIG) is called through koffi (already used for malloc_trim); where it is not
 * available the worker relies on its IPC 'disconnect' handler.
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';

/** env var with the primary's pid, set for every worker */
export const SUPERVISOR_PID_ENV = 'IMAGOR_SUPERVISOR_PID';

const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

/** Returns true when the kernel will kill this process with its parent. */
export function dieWithParent(logger: Logger): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const prctl = koffi.load('libc.so.6').func('int prctl(int option, ...)');
    const rc = prctl(PR_SET_PDEATHSIG, 'unsigned long', SIGKILL) as number;
    if (rc !== 0) return false;
  } catch (err) {
    logger.debug({ err }, 'prctl(PR_SET_PDEATHSIG) unavailable');
    return false;
  }
  // the parent may have died before the call: then it would never fire
  const parent = Number(process.env[SUPERVISOR_PID_ENV]);
  if (parent > 0 && process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  return true;
}
