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

const failure = async (p: Promise<unknown>): Promise<{ status: number; message: string } | 'ok'> =>
  p.then(
    () => 'ok' as const,
    (e: unknown) => {
      assert.ok(e instanceof ImagorError, String(e));
      return { status: e.status, message: e.message };
    },
  );

describe('RequestBytes: the source bytes one request holds', () => {
  it('a declared length waits for room while the request holds nothing, and all of it comes back on release', async () => {
    const b = new ByteBudget(100, 10);
    const other = b.hold();
    await other.reserve(70, never);
    const mine = b.hold();
    const waiting = mine.reserve(50, never);
    assert.equal(await statusOf(waiting), 'pending');
    assert.equal(b.queued, 1);
    other.release();
    assert.equal(await statusOf(waiting), 200);
    assert.equal(b.held, 50);
    assert.equal(mine.held, 50);
    mine.release();
    mine.release();
    assert.equal(b.held, 0);
  });

  it('a declared length larger than the whole budget is 400 at once; a first chunk is cut to the budget', async () => {
    const b = new ByteBudget(100, 10);
    const h = b.hold();
    assert.deepEqual(await failure(h.reserve(101, never)), { status: 400, message: 'maximum size exceeded' });
    assert.equal(b.held, 0);
    const first = await h.reserve(1_000, never, 'first-chunk');
    assert.equal(first.reserved, 100);
    assert.equal(b.held, 100);
    h.release();
    assert.equal(b.held, 0);
  });

  it('a request that already holds bytes never waits: it takes room ahead of the line, or gets 503', async () => {
    const b = new ByteBudget(100, 10);
    const a = b.hold();
    await a.reserve(60, never);
    const c = b.hold();
    await c.reserve(30, never);
    // a third request waits for 50
    const waiter = b.hold();
    const waiting = waiter.reserve(50, never);
    assert.equal(await statusOf(waiting), 'pending');
    // the holder of 60 fits 10 more at once, though someone waits
    assert.equal(await failure(a.reserve(10, never)), 'ok');
    // and is refused at once when nothing is left: no request holds bytes while it waits
    assert.deepEqual(await failure(a.reserve(1, never)), {
      status: 503,
      message: 'too many source bytes in flight',
    });
    assert.deepEqual(await failure(c.reserve(1, never)), {
      status: 503,
      message: 'too many source bytes in flight',
    });
    assert.equal(b.held, 100);
    a.release();
    assert.equal(await statusOf(waiting), 200);
    c.release();
    waiter.release();
    assert.equal(b.held, 0);
  });

  it('a body of unknown length grows at once (in doubling steps), 400 beyond the budget, 503 when no room is left', async () => {
    const b = new ByteBudget(1_000, 10);
    const h = b.hold();
    const body = await h.reserve(100, never, 'first-chunk');
    body.grow(80);
    assert.equal(b.held, 100);
    body.grow(150);
    assert.equal(body.reserved, 200);
    assert.equal(b.held, 200);
    body.settle(150);
    assert.equal(b.held, 150);
    assert.throws(
      () => body.grow(1_001),
      (e: unknown) => e instanceof ImagorError && e.status === 400 && e.message === 'maximum size exceeded',
    );
    const other = b.hold();
    await other.reserve(800, never);
    // 50 left: doubling to 300 does not fit, the exact 200 does
    body.grow(200);
    assert.equal(b.held, 1_000);
    assert.throws(
      () => body.grow(201),
      (e: unknown) => e instanceof ImagorError && e.status === 503,
    );
    body.release();
    assert.equal(b.held, 800);
    other.release();
    h.release();
    assert.equal(b.held, 0);
  });

  it('no deadlock: two requests each holding part of the budget both fail their second load at once', async () => {
    const b = new ByteBudget(100, 10);
    const a = b.hold();
    const c = b.hold();
    await a.reserve(60, never);
    await c.reserve(40, never);
    const [x, y] = await Promise.all([failure(a.reserve(10, never)), failure(c.reserve(10, never))]);
    assert.deepEqual(
      [x, y].map((r) => (r === 'ok' ? 200 : r.status)),
      [503, 503],
    );
    a.release();
    c.release();
    assert.equal(b.held, 0);
    assert.equal(b.queued, 0);
  });

  it("one request's reservations are made one after another: the second never waits while the first holds", async () => {
    const b = new ByteBudget(100, 10);
    const other = b.hold();
    await other.reserve(100, never);
    const h = b.hold();
    const first = h.reserve(60, never);
    const second = h.reserve(60, never);
    await new Promise((r) => setImmediate(r));
    assert.equal(b.queued, 1);
    other.release();
    assert.equal(await failure(first), 'ok');
    assert.deepEqual(await failure(second), { status: 503, message: 'too many source bytes in flight' });
    h.release();
    assert.equal(b.held, 0);
  });

  it('waiting loads time out with 408, beyond the line 429; room granted after the request gave up goes back', async () => {
    const b = new ByteBudget(100, 1);
    const full = b.hold();
    await full.reserve(100, never);
    const ac = new AbortController();
    const late = b.hold();
    const waiting = late.reserve(10, ac.signal);
    assert.equal(await statusOf(b.hold().reserve(10, never)), 429);
    ac.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    assert.equal(await statusOf(waiting), 408);

    const gaveUp = b.hold();
    const granted = gaveUp.reserve(10, never);
    assert.equal(await statusOf(granted), 'pending');
    gaveUp.release();
    full.release();
    assert.equal(await statusOf(granted), 503);
    assert.equal(b.held, 0);
  });

  it('a budget of 0 counts nothing', async () => {
    const b = new ByteBudget(0, 0);
    const h = b.hold();
    const body = await h.reserve(1e12, never);
    body.grow(2e12);
    assert.equal(body.reserved, Infinity);
    assert.equal(b.held, 0);
  });
});
