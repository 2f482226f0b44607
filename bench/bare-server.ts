/**
 * The baseline for `npm run bench`: the same two jobs our server is measured on, written directly on node:http
 * and sharp the way a competent developer would, with sharp's defaults and no tricks.
 *
 *   /unsafe/512x512/filters:quality(N)/photo.jpg               → cover-crop to 512x512, same format, quality N
 *   /unsafe/fit-in/720x588/filters:quality(80):format(jpeg)/x  → fit inside 720x588, JPEG quality 80
 *
 * Usage: node dist/bench/bare-server.js <base-dir> <port>   (listens on 127.0.0.1)
 *
 * The only setting it takes from the environment is VIPS_CONCURRENCY (libvips threads per image), so that the
 * tuning study can compare like with like; unset, sharp's own default applies.
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

type OutputFormat = 'jpeg' | 'png' | 'webp' | 'avif';

const EXTENSION_FORMATS: Record<string, OutputFormat> = {
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.png': 'png',
  '.webp': 'webp',
  '.avif': 'avif',
};

const URL_SHAPE = /^\/unsafe\/(fit-in\/)?(\d+)x(\d+)\/(?:filters:([^/]*)\/)?(.+)$/;

interface Job {
  fitIn: boolean;
  width: number;
  height: number;
  quality: number | undefined;
  format: OutputFormat;
  file: string;
}

function parseJob(baseDir: string, url: string): Job | undefined {
  const match = URL_SHAPE.exec(url.split('?', 1)[0] ?? '');
  if (!match) return undefined;
  const [, fitIn, width, height, filters = '', image = ''] = match;
  const file = path.resolve(baseDir, decodeURIComponent(image));
  if (!file.startsWith(baseDir + path.sep)) return undefined;
  let format = EXTENSION_FORMATS[path.extname(file).toLowerCase()];
  let quality: number | undefined;
  for (const [, name, arg = ''] of filters.matchAll(/(\w+)\(([^)]*)\)/g)) {
    if (name === 'quality') quality = Number(arg);
    if (name === 'format') format = EXTENSION_FORMATS[`.${arg.toLowerCase()}`];
  }
  if (format === undefined) return undefined;
  return { fitIn: fitIn !== undefined, width: Number(width), height: Number(height), quality, format, file };
}

async function render(job: Job): Promise<Buffer> {
  const input = await readFile(job.file);
  const image = sharp(input)
    .autoOrient()
    .resize(job.width, job.height, job.fitIn ? { fit: 'inside', withoutEnlargement: true } : {});
  const quality = job.quality === undefined ? {} : { quality: job.quality };
  switch (job.format) {
    case 'jpeg':
      return image.jpeg(quality).toBuffer();
    case 'webp':
      return image.webp(quality).toBuffer();
    case 'avif':
      // the same encoder effort as the server's default (-vips-avif-speed 8 → effort 1), so both do the same work
      return image.avif({ ...quality, effort: 1 }).toBuffer();
    case 'png':
      // libvips (and so imagor) ignores Q for PNG unless palette output is asked for; sharp's png({ quality })
      // would switch to palette output, which is not what the URL asks for.
      return image.png().toBuffer();
  }
}

function main(): void {
  const [dirArg, portArg] = process.argv.slice(2);
  if (dirArg === undefined || portArg === undefined) {
    process.stderr.write('usage: bare-server <base-dir> <port>\n');
    process.exit(2);
  }
  const baseDir = path.resolve(dirArg);
  const threads = Number(process.env['VIPS_CONCURRENCY']);
  if (Number.isInteger(threads) && threads > 0) sharp.concurrency(threads);

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/healthcheck') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const job = parseJob(baseDir, url);
    if (!job) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request');
      return;
    }
    render(job).then(
      (body) => {
        res
          .writeHead(200, { 'Content-Type': `image/${job.format}`, 'Content-Length': body.length })
          .end(body);
      },
      (err: unknown) => {
        const notFound = (err as NodeJS.ErrnoException).code === 'ENOENT';
        res.writeHead(notFound ? 404 : 500, { 'Content-Type': 'text/plain' }).end(String(err));
      },
    );
  });
  server.listen(Number(portArg), '127.0.0.1', () => {
    process.stdout.write(
      `bare server listening on 127.0.0.1:${portArg} (libvips threads ${sharp.concurrency()})\n`,
    );
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
