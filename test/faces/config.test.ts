import { it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { faceDetectorFromConfig } from '../../src/faces/config.js';

function load(args: string[], env: Record<string, string> = {}) {
  const r = loadConfig(args, env, { readFile: () => undefined });
  if (r.kind !== 'config') throw new Error(JSON.stringify(r));
  return r.config;
}

it('has imagorface defaults and no detector unless -face-detector is set', () => {
  const c = load([]);
  assert.equal(c['face-detector'], false);
  assert.equal(c['face-detector-min-size'], 20);
  assert.equal(c['face-detector-max-size'], 400);
  assert.equal(c['face-detector-min-quality'], 5);
  assert.equal(c['face-detector-iou-threshold'], 0.2);
  assert.equal(c['face-detector-cache-size'], 0);
  assert.equal(c['face-detector-cache-ttl'], 0);
  assert.equal(c['vips-detector-probe-size'], 400);
  assert.equal(faceDetectorFromConfig(c), undefined);
});

it('parses every face flag from the command line and the environment', () => {
  const c = load([
    '-face-detector',
    '-face-detector-min-size',
    '30',
    '-face-detector-max-size',
    '300',
    '-face-detector-min-quality',
    '8.5',
    '-face-detector-iou-threshold',
    '0.35',
    '-face-detector-cache-size',
    '500',
    '-face-detector-cache-ttl',
    '1h',
    '-vips-detector-probe-size',
    '600',
  ]);
  assert.deepEqual(
    [
      c['face-detector'],
      c['face-detector-min-size'],
      c['face-detector-max-size'],
      c['face-detector-min-quality'],
      c['face-detector-iou-threshold'],
      c['face-detector-cache-size'],
      c['face-detector-cache-ttl'],
      c['vips-detector-probe-size'],
    ],
    [true, 30, 300, 8.5, 0.35, 500, 3_600_000, 600],
  );
  const e = load([], {
    FACE_DETECTOR: '1',
    FACE_DETECTOR_MIN_SIZE: '25',
    FACE_DETECTOR_CACHE_SIZE: '50',
    FACE_DETECTOR_CACHE_TTL: '10m',
  });
  assert.equal(e['face-detector'], true);
  assert.equal(e['face-detector-min-size'], 25);
  assert.equal(e['face-detector-cache-size'], 50);
  assert.equal(e['face-detector-cache-ttl'], 600_000);
  const d = faceDetectorFromConfig(e);
  assert.ok(d);
  assert.deepEqual(d.stats, { detections: 0, cacheHits: 0 });
});
