/**
 * Preloaded into every gateway process of a soak (`node --import ./probe.js`; cluster workers inherit it; plain JS,
 * so the compiled gateway runs without a TypeScript loader):
 * every GATEWATCH_SOAK_PROBE_MS it writes the process's heap and event-loop delay over that window to
 * GATEWATCH_SOAK_PROBE_DIR/<pid>.json for the soak driver. RSS and open descriptors come from /proc instead.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dir = process.env.GATEWATCH_SOAK_PROBE_DIR;
const windowMs = Number(process.env.GATEWATCH_SOAK_PROBE_MS ?? 60_000);

if (dir) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // Heap floor: the lowest heapUsed seen each second of the window, i.e. after the collections — a leak
  // raises the floor, ordinary garbage only the peaks.
  let heapFloor = Number.POSITIVE_INFINITY;
  const tick = setInterval(() => {
    heapFloor = Math.min(heapFloor, process.memoryUsage().heapUsed);
  }, 1000);
  tick.unref();
  const flush = setInterval(() => {
    const record = {
      pid: process.pid,
      at: Date.now(),
      heapUsedFloor: Number.isFinite(heapFloor) ? heapFloor : process.memoryUsage().heapUsed,
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
    };
    delay.reset();
    heapFloor = Number.POSITIVE_INFINITY;
    try {
      writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(record));
    } catch {
      // the driver removed the directory: it is gone, nothing to report to
    }
  }, windowMs);
  flush.unref();
}
