/**
 * Per-tunnel usage records (`usage.v1`): what each accepted tunnel carried, per counter interval while it is
 * open and at its close. Nothing runs per chunk or per tunnel timer: one sweep per interval reads every open
 * tunnel's byte counts (the same reads the counters make) and writes a record for each that moved bytes or
 * opened since the last sweep; a closing tunnel writes its last record itself.
 */
import { randomUUID } from 'node:crypto';
import type { UsageRecord } from '@gatewatch/events';
import type { TunnelBytes } from './counters.ts';

/** What identifies a tunnel in its records. */
export interface TunnelMeta {
  traceId: string;
  spanId: string;
  workspaceId: string;
  clientAddress: string;
  clientSubject: string;
  targetHost: string;
}

interface Open {
  meta: TunnelMeta;
  measure: () => TunnelBytes;
  /** Bytes and time up to the tunnel's previous record. */
  up: number;
  down: number;
  since: number;
  reported: boolean;
}

const cut = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

export class UsageMeter {
  private readonly open = new Set<Open>();

  constructor(
    private readonly emit: (record: UsageRecord) => void,
    private readonly nodeId: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A tunnel's bytes start to flow; returns its close function, to call once with its final bytes. */
  start(meta: TunnelMeta, measure: () => TunnelBytes): (final: TunnelBytes) => void {
    const t: Open = { meta, measure, up: 0, down: 0, since: this.now(), reported: false };
    this.open.add(t);
    return (final) => {
      if (this.open.delete(t)) this.record(t, final, true);
    };
  }

  /** One record per open tunnel that opened or moved bytes since its previous record (every counter interval). */
  sweep(): void {
    for (const t of this.open) {
      const b = t.measure();
      if (!t.reported || b.up !== t.up || b.down !== t.down) this.record(t, b, false);
    }
  }

  /** Open tunnels now (tests, metrics). */
  get size(): number {
    return this.open.size;
  }

  private record(t: Open, b: TunnelBytes, closed: boolean): void {
    const ts = Math.max(this.now(), t.since);
    const { meta } = t;
    this.emit({
      recordId: randomUUID(),
      ts,
      nodeId: this.nodeId(),
      traceId: meta.traceId,
      spanId: meta.spanId,
      workspaceId: cut(meta.workspaceId, 36),
      clientAddress: cut(meta.clientAddress, 64),
      clientSubject: cut(meta.clientSubject, 1024),
      targetHost: cut(meta.targetHost, 255),
      bytesUp: b.up - t.up,
      bytesDown: b.down - t.down,
      durationMs: ts - t.since,
      opened: !t.reported,
      closed,
    });
    t.up = b.up;
    t.down = b.down;
    t.since = ts;
    t.reported = true;
  }
}
