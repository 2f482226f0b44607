export { CascadeError, DEFAULT_CASCADE_FILE, loadCascade, readCascade, type Cascade } from './cascade.js';
export { clusterDetections, iou } from './cluster.js';
export {
  createFaceDetector,
  FACE_DEFAULTS,
  FACE_DETECTOR_TOTALS,
  type DetectedRegion,
  type DetectOptions,
  type FaceDetector,
  type FaceDetectorOptions,
  type FaceDetectorStats,
  type Probe,
  type RegionDetector,
} from './detector.js';
export { focalRectsOf, pixelBox } from './focal.js';
export { classifyWindow, runCascade, scales, toGrey, type Detection, type ScanParams } from './pico.js';
export { DEFAULT_PROBE_SIZE, probeOfImage, probeOfPipeline } from './probe.js';
export { faceDetectorFromConfig } from './config.js';
export { DETECTION_FILTER_NAMES, faceDecodeSize, wantsDetection } from './pipeline.js';
