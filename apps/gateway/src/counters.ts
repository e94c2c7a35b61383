/**
 * The gateway's counters, kept exactly: the four counters of the original gateway plus bytes up/down and a
 * per-reason rejection breakdown. Snapshots become CounterSamples and Prometheus text.
 */
import { type CounterSample, REJECTION_REASON_NAMES, type RejectionReason } from '@gatewatch/events';

export interface TunnelBytes {
  /** Client → target. */
  up: number;
  /** Target → client. */
  down: number;
}

export interface CounterSnapshot {
  activeClientConnections: number;
  connectedClients: number;
  errorCount: number;
  rejectionCount: number;
  rejectionsByReason: Partial<Record<RejectionReason, number>>;
  bytesUp: number;
  bytesDown: number;
  telemetryDropped: number;
  tunnelsEstablished: number;
  /** Tunnels whose bytes the kernel moved (splice); the rest went through Node streams. */
  tunnelsZeroCopy: number;
  /** Times a spliced tunnel waited for a pipe (the process was at GATEWATCH_SPLICE_MAX_PIPES). */
  splicePipeWaits: number;
}

export class Counters {
  private readonly clients = new Map<string, number>();
  private active = 0;
  errorCount = 0;
  rejectionCount = 0;
  readonly rejectionsByReason: Partial<Record<RejectionReason, number>> = {};
  /** Bytes of closed tunnels; open tunnels are measured from their sockets when sampled. */
  private closedUp = 0;
  private closedDown = 0;
  private readonly openTunnels = new Set<() => TunnelBytes>();
  telemetryDropped = 0;
  tunnelsEstablished = 0;
  tunnelsZeroCopy = 0;

  /** `pipeWaits` reads the process's splice pipe waits (the gateway passes the addon's; zero by default). */
  constructor(private readonly pipeWaits: () => number = () => 0) {}

  /** A client TCP connection opened; returns its release function (idempotent). */
  open(clientAddress: string): () => void {
    this.active++;
    this.clients.set(clientAddress, (this.clients.get(clientAddress) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const n = (this.clients.get(clientAddress) ?? 1) - 1;
      if (n <= 0) this.clients.delete(clientAddress);
      else this.clients.set(clientAddress, n);
    };
  }

  /**
   * A tunnel starts carrying bytes; `measure` reads its sockets' byte counts. Nothing is counted per chunk
   * on the data path. Returns the close function, which folds the tunnel's final bytes into the totals.
   */
  carry(measure: () => TunnelBytes): () => TunnelBytes {
    this.openTunnels.add(measure);
    return () => {
      const bytes = measure();
      if (this.openTunnels.delete(measure)) {
        this.closedUp += bytes.up;
        this.closedDown += bytes.down;
      }
      return bytes;
    };
  }

  /** Addresses with an open connection (a multi-core node unions its workers' sets for Connected Client). */
  clientAddresses(): string[] {
    return [...this.clients.keys()];
  }

  /** Open connections of one client address (its limit, limits.maxConnectionsPerClient). */
  connectionsOf(clientAddress: string): number {
    return this.clients.get(clientAddress) ?? 0;
  }

  /** Open connections per client address (a multi-core node's workers share them for its limits). */
  connectionsByClient(): [string, number][] {
    return [...this.clients];
  }

  reject(reason: RejectionReason): void {
    this.rejectionCount++;
    this.rejectionsByReason[reason] = (this.rejectionsByReason[reason] ?? 0) + 1;
  }

  snapshot(): CounterSnapshot {
    let bytesUp = this.closedUp;
    let bytesDown = this.closedDown;
    for (const measure of this.openTunnels) {
      const b = measure();
      bytesUp += b.up;
      bytesDown += b.down;
    }
    return {
      activeClientConnections: this.active,
      connectedClients: this.clients.size,
      errorCount: this.errorCount,
      rejectionCount: this.rejectionCount,
      rejectionsByReason: { ...this.rejectionsByReason },
      bytesUp,
      bytesDown,
      telemetryDropped: this.telemetryDropped,
      tunnelsEstablished: this.tunnelsEstablished,
      tunnelsZeroCopy: this.tunnelsZeroCopy,
      splicePipeWaits: this.pipeWaits(),
    };
  }
}

/** One process's share of a multi-core node's counters. */
export interface CounterPart {
  snapshot: CounterSnapshot;
  clientAddresses: readonly string[];
}

/**
 * A node's counters from its processes' parts: everything adds up except Connected Client, which is the number
 * of distinct addresses over all parts (one agent's connections may land on different workers).
 */
export function mergeCounters(parts: readonly CounterPart[]): CounterSnapshot {
  const total = new Counters().snapshot();
  const clients = new Set<string>();
  for (const { snapshot: s, clientAddresses } of parts) {
    total.activeClientConnections += s.activeClientConnections;
    total.errorCount += s.errorCount;
    total.rejectionCount += s.rejectionCount;
    total.bytesUp += s.bytesUp;
    total.bytesDown += s.bytesDown;
    total.telemetryDropped += s.telemetryDropped;
    total.tunnelsEstablished += s.tunnelsEstablished;
    total.tunnelsZeroCopy += s.tunnelsZeroCopy;
    total.splicePipeWaits += s.splicePipeWaits;
    for (const [reason, n] of Object.entries(s.rejectionsByReason) as [RejectionReason, number][]) {
      total.rejectionsByReason[reason] = (total.rejectionsByReason[reason] ?? 0) + n;
    }
    for (const a of clientAddresses) clients.add(a);
  }
  total.connectedClients = clients.size;
  return total;
}

export function toCounterSample(
  s: CounterSnapshot,
  meta: {
    nodeId: string;
    startedAt: number;
    version: string;
    configVersion: string;
    configPath?: string;
    ts?: number;
  },
): CounterSample {
  return {
    nodeId: meta.nodeId,
    ts: meta.ts ?? Date.now(),
    startedAt: meta.startedAt,
    version: meta.version,
    configVersion: meta.configVersion,
    configPath: meta.configPath ?? '',
    activeClientConnections: s.activeClientConnections,
    connectedClients: s.connectedClients,
    errorCount: s.errorCount,
    rejectionCount: s.rejectionCount,
    rejectionsByReason: { ...s.rejectionsByReason },
    bytesUp: s.bytesUp,
    bytesDown: s.bytesDown,
    telemetryDropped: s.telemetryDropped,
  };
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The `node="…"` label of every series of a node. */
export const nodeLabel = (nodeId: string) => `node="${esc(nodeId)}"`;

/** Prometheus text exposition (version 0.0.4). */
export function prometheusText(
  s: CounterSnapshot,
  labels: { nodeId: string; configVersion: string },
): string {
  const node = nodeLabel(labels.nodeId);
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number, extra = '') => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}{${node}${extra}} ${value}`);
  };
  metric(
    'gatewatch_active_client_connections',
    'gauge',
    'Active Client Connection: open client TCP connections.',
    s.activeClientConnections,
  );
  metric(
    'gatewatch_connected_clients',
    'gauge',
    'Connected Client: distinct client addresses with an open connection.',
    s.connectedClients,
  );
  metric('gatewatch_errors_total', 'counter', 'Error Count: error-level events since start.', s.errorCount);
  metric(
    'gatewatch_rejections_total',
    'counter',
    'Rejection Count: refused connections since start.',
    s.rejectionCount,
  );
  lines.push(
    '# HELP gatewatch_rejections_by_reason_total Refused connections by reason.',
    '# TYPE gatewatch_rejections_by_reason_total counter',
  );
  for (const r of REJECTION_REASON_NAMES) {
    lines.push(`gatewatch_rejections_by_reason_total{${node},reason="${r}"} ${s.rejectionsByReason[r] ?? 0}`);
  }
  metric('gatewatch_bytes_up_total', 'counter', 'Bytes from clients to targets.', s.bytesUp);
  metric('gatewatch_bytes_down_total', 'counter', 'Bytes from targets to clients.', s.bytesDown);
  metric(
    'gatewatch_tunnels_established_total',
    'counter',
    'Tunnels whose ClientHello was accepted.',
    s.tunnelsEstablished,
  );
  metric(
    'gatewatch_tunnels_zero_copy_total',
    'counter',
    'Established tunnels whose bytes the kernel moved (splice); the others went through Node streams.',
    s.tunnelsZeroCopy,
  );
  metric(
    'gatewatch_splice_pipe_waits_total',
    'counter',
    'Times a tunnel waited for a pipe: the process was at its pipe limit (GATEWATCH_SPLICE_MAX_PIPES).',
    s.splicePipeWaits,
  );
  metric(
    'gatewatch_telemetry_dropped_total',
    'counter',
    'Telemetry records the sink could not take.',
    s.telemetryDropped,
  );
  metric(
    'gatewatch_config_info',
    'gauge',
    'Effective configuration version.',
    1,
    `,config_version="${esc(labels.configVersion)}"`,
  );
  return `${lines.join('\n')}\n`;
}
