/**
 * Where events and counter samples go: one pino JSON line on stdout per event, plus a TelemetrySink the
 * pipeline connects to its bus. The sink must not block; a throwing sink is counted, never propagated.
 */
import { randomUUID } from 'node:crypto';
import {
  type CounterSample,
  catalogEntry,
  type EventId,
  type EventRecord,
  type RejectionReason,
  type UsageRecord,
} from '@gatewatch/events';
import { isSpanContextValid, type Span, SpanStatusCode } from '@opentelemetry/api';
import { destination, type Logger, pino } from 'pino';
import type { Counters } from './counters.ts';

export interface TelemetrySink {
  event(record: EventRecord): void;
  counters(sample: CounterSample): void;
  /** Per-tunnel usage records (usage.ts); a sink without it does not keep them. */
  usage?(record: UsageRecord): void;
}

/** Fields of an event besides id/ts/node; all optional. */
export interface EventFields {
  workspaceId?: string;
  clientAddress?: string;
  targetHost?: string;
  targetPort?: number;
  tlsVersion?: string;
  sni?: string;
  reason?: RejectionReason | '';
  message?: string;
  span?: Span;
}

const cut = (s: string | undefined, max: number) => (s ?? '').slice(0, max);

/** Lines buffered at most while stdout is slow; beyond that they are dropped (and counted), never blocking. */
const MAX_LOG_BUFFER = 16 * 1024 * 1024;

/** Lines are written together once this many bytes wait, or LOG_LINGER_MS after the first one. */
const LOG_BATCH_BYTES = 8 * 1024;
const LOG_LINGER_MS = 100;

/**
 * JSON lines on stdout, written asynchronously so a slow reader never stalls a tunnel, and in batches (one
 * write per 8 KiB or 100 ms instead of one per line: two info lines per tunnel were a write each). Lines
 * still buffered when the process exits are written by pino's exit hook; flush() writes them at once.
 */
export function createLogger(level = 'info', onDrop?: () => void, file?: string): Logger {
  const dest = destination({
    dest: file ?? 1,
    sync: false,
    minLength: LOG_BATCH_BYTES,
    maxLength: MAX_LOG_BUFFER,
    mkdir: true,
  });
  if (onDrop) dest.on('drop', onDrop);
  // Bytes handed over vs written or dropped: sonic-boom reports 'drain' while a short tail is still buffered.
  let given = 0;
  let done = 0;
  dest.on('write', (n: number) => {
    done += n;
  });
  dest.on('drop', (line: string) => {
    done += Buffer.byteLength(line);
  });
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(flushSoon, LOG_LINGER_MS);
    timer.unref(); // the exit hook writes what is left
  };
  let seen = 0; // `done` at the last look, and looks since it moved: a dead destination is not retried forever
  let stalls = 0;
  const flushSoon = () => {
    timer = undefined;
    if (done >= given) return;
    stalls = done === seen ? stalls + 1 : 0;
    seen = done;
    if (stalls > 50) return; // ~5 s without a byte written (stdout gone): the next line looks again
    try {
      dest.flush();
    } catch {
      return; // closed (the process is ending)
    }
    arm(); // a write in flight ignores flush(): look again
  };
  const stream = {
    write(line: string) {
      given += Buffer.byteLength(line);
      const r = dest.write(line);
      if (!timer) arm();
      return r;
    },
    flush(cb: (err?: Error) => void = () => {}) {
      let before = -1;
      const again = (err?: Error) => {
        if (err || done >= given || done === before) return cb(err); // written, failed, or no progress
        before = done;
        dest.flush(again);
      };
      again();
    },
  };
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

export class Emitter {
  constructor(
    private readonly logger: Logger,
    private readonly sink: TelemetrySink | undefined,
    private readonly counters: Counters,
    private nodeId: string,
  ) {}

  setNodeId(nodeId: string): void {
    this.nodeId = nodeId;
  }

  emit(eventId: EventId, f: EventFields = {}): EventRecord {
    const entry = catalogEntry(eventId);
    const ctx = f.span?.spanContext();
    const valid = ctx && isSpanContextValid(ctx);
    const record: EventRecord = {
      recordId: randomUUID(),
      ts: Date.now(),
      nodeId: this.nodeId,
      eventId,
      workspaceId: cut(f.workspaceId, 36),
      clientAddress: cut(f.clientAddress, 64),
      targetHost: cut(f.targetHost, 255),
      targetPort: f.targetPort ?? 0,
      tlsVersion: cut(f.tlsVersion, 16),
      sni: cut(f.sni, 255),
      reason: f.reason ?? '',
      message: cut(f.message || entry.description, 2048),
      traceId: valid ? ctx.traceId : '',
      spanId: valid ? ctx.spanId : '',
    };
    if (entry.level === 'error') this.counters.errorCount++;
    f.span?.addEvent('gatewatch.event', {
      'event.id': eventId,
      'event.name': entry.name,
      ...(record.reason ? { 'gatewatch.reason': record.reason } : {}),
      'event.message': record.message,
    });
    this.forward(record);
    return record;
  }

  /** Log and hand on a record built elsewhere (a worker process of this node); counted where it was built. */
  forward(record: EventRecord): void {
    const entry = catalogEntry(record.eventId);
    const level = entry.level === 'error' ? 'error' : entry.level === 'warning' ? 'warn' : 'info';
    // A worker's log is off (the primary logs its records): no line object for nothing.
    if (this.logger.isLevelEnabled(level)) {
      const { message, ...rest } = record;
      try {
        this.logger[level]({ ...rest, event: entry.name }, message);
      } catch {
        this.counters.telemetryDropped++; // e.g. stdout closed: the data plane carries on
      }
    }
    if (!this.sink) return;
    try {
      this.sink.event(record);
    } catch {
      this.counters.telemetryDropped++;
    }
  }

  /** Resolves once buffered log lines are written (bounded wait), e.g. before the process exits. */
  flush(timeoutMs = 2000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      try {
        this.logger.flush(done);
      } catch {
        done();
      }
    });
  }

  counterSample(sample: CounterSample): void {
    this.toSink(() => this.sink?.counters(sample));
  }

  /** A usage record goes to the sink only: a log line per tunnel and interval would drown the events. */
  usage(record: UsageRecord): void {
    this.toSink(() => this.sink?.usage?.(record));
  }

  private toSink(fn: () => void): void {
    if (!this.sink) return;
    try {
      fn();
    } catch {
      this.counters.telemetryDropped++;
    }
  }
}

export { SpanStatusCode };
