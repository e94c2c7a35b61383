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
} from '@gatewatch/events';
import { isSpanContextValid, type Span, SpanStatusCode } from '@opentelemetry/api';
import { type Logger, pino } from 'pino';
import type { Counters } from './counters.ts';

export interface TelemetrySink {
  event(record: EventRecord): void;
  counters(sample: CounterSample): void;
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

export function createLogger(level = 'info'): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
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
    const { message, ...rest } = record;
    const line = { ...rest, event: entry.name };
    try {
      if (entry.level === 'error') this.logger.error(line, message);
      else if (entry.level === 'warning') this.logger.warn(line, message);
      else this.logger.info(line, message);
    } catch {
      this.counters.telemetryDropped++; // e.g. stdout closed: the data plane carries on
    }
    this.toSink(() => this.sink?.event(record));
    return record;
  }

  counterSample(sample: CounterSample): void {
    this.toSink(() => this.sink?.counters(sample));
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
