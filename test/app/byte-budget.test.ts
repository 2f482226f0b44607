import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteBudget } from '../../src/app/byte-budget.js';
import { ImagorError } from '../../src/errors.js';

const never = new AbortController().signal;
const statusOf = async (p: Promise<unknown>): Promise<number | 'pending'> =>
  Promise.race([
    p.then(
      () => 200,
      (e: unknown) => (e instanceof ImagorError ? e.status : 500),
    ),
    new Promise<'pending'>((r) => setTimeout(() => r('pending'), 20)),
  ]);

describe('ByteBudget: request bytes held at once', () => {
  it('grants while it fits, then queues in order and admits as bytes come back', async () => {
    const b = new ByteBudget(100, 10);
    const a = await b.acquire(60, never);
    const c = b.acquire(50, never);
    const d = b.acquire(10, never);
    assert.equal(await statusOf(c), 'pending');
    // first come, first served: the small one does not overtake
    assert.equal(await statusOf(d), 'pending');
    assert.equal(b.queued, 2);
    a();
    assert.equal(await statusOf(c), 200);
    assert.equal(await statusOf(d), 200);
    assert.equal(b.held, 60);
  });

  it('refuses with 429 beyond the waiting line and 408 when the deadline fires while waiting', async () => {
    const b = new ByteBudget(100, 1);
    const held = await b.acquire(100, never);
    const ac = new AbortController();
    const waiting = b.acquire(10, ac.signal);
    assert.equal(await statusOf(b.acquire(10, never)), 429);
    ac.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    assert.equal(await statusOf(waiting), 408);
    assert.equal(b.queued, 0);
    held();
    held();
    assert.equal(b.held, 0);
  });

  it('a reservation larger than the whole budget waits for all of it; capacity 0 = no cap', async () => {
    const b = new ByteBudget(100, 5);
    const r = await b.acquire(1_000, never);
    assert.equal(b.held, 100);
    r();
    const off = new ByteBudget(0, 0);
    await off.acquire(1e12, never);
    assert.equal(off.held, 0);
  });
});
