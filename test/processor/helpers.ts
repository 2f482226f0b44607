import sharp, { type Metadata } from 'sharp';
import { ImageBlob } from '../../src/blob.js';
import { parse } from '../../src/path/parse.js';
import { createProcessor } from '../../src/processor/process.js';
import type { ProcessorOptions } from '../../src/processor/options.js';
import type { ProcessContext } from '../../src/types.js';
import { readFixture } from '../helpers/fixtures.js';

export const ctx: ProcessContext = {
  signal: new AbortController().signal,
  load: async (key: string) => new ImageBlob(readFixture(key)),
};

const shared = createProcessor();

/** Processes an imagor URL path whose image is a fixture path (e.g. `sharp/Landscape_1.jpg`). */
export async function run(url: string, options?: Partial<ProcessorOptions>): Promise<ImageBlob> {
  const params = parse(url);
  const image = params.image ?? '';
  const blob = /^color:/i.test(image) ? new ImageBlob(Buffer.alloc(0)) : new ImageBlob(readFixture(image));
  const proc = options ? createProcessor(options) : shared;
  return proc.process(blob, params, ctx);
}

export async function runBlob(
  blob: ImageBlob,
  url: string,
  options?: Partial<ProcessorOptions>,
): Promise<ImageBlob> {
  const proc = options ? createProcessor(options) : shared;
  return proc.process(blob, parse(url), ctx);
}

export function meta(buf: Buffer): Promise<Metadata> {
  return sharp(buf, { pages: -1 }).metadata();
}
