import type { Config } from '../config/options.js';
import { DEFAULT_CASCADE_FILE, loadCascade } from './cascade.js';
import { createFaceDetector, type FaceDetector } from './detector.js';

/** The detector -face-detector asks for, or undefined; a bad cascade throws CascadeError (a start-up error). */
export function faceDetectorFromConfig(config: Config): FaceDetector | undefined {
  if (!config['face-detector']) return undefined;
  return createFaceDetector({
    cascade: loadCascade(config['face-detector-cascade'] || DEFAULT_CASCADE_FILE),
    minSize: config['face-detector-min-size'],
    maxSize: config['face-detector-max-size'],
    minQuality: config['face-detector-min-quality'],
    iouThreshold: config['face-detector-iou-threshold'],
    cacheSize: config['face-detector-cache-size'],
    cacheTtlMs: config['face-detector-cache-ttl'],
  });
}
