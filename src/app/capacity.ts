/**
 * How much image work one server process takes on at once, from the cores it has. Every number is
 * measured with `npm run bench` (bench/README.md, "Seventh round"); with one libvips thread per image:
 * - one image per core keeps the cores busy while every image is in libvips; half an image more per
 *   core covers the moments an image spends outside it (reading its source, answering). Two per core
 *   used more threads and memory for the same throughput;
 * - libuv's pool has one thread per image slot (a sharp pipeline holds its pool thread until the
 *   image is written) and one more, so file reads and name lookups never queue behind a whole resize.
 *   Eight threads on two cores cost more CPU per request at low load than four.
 */

/** The cores one of `workers` processes may use (`workers` <= 0: one process per core). */
export function coresPerWorker(workers: number, cores: number): number {
  const processes = workers > 0 ? workers : cores;
  return Math.max(1, Math.ceil(cores / processes));
}

/** Images in libvips at once in a process with `cores` cores. */
export function imageSlots(cores: number): number {
  const c = Math.max(1, Math.floor(cores));
  return c + Math.ceil(c / 2);
}

/** libuv pool threads for a process with `cores` cores: the image slots and one for I/O. */
export function poolThreads(cores: number): number {
  return imageSlots(cores) + 1;
}
