/** Messages between the bench driver (bench/gateway.ts) and its load-generator processes (bench/load.ts). */
export interface LoadJob {
  /** reconnect: like agents, but every upload opens a new tunnel + TLS session and closes it after. */
  mode: 'agents' | 'reconnect' | 'throughput';
  /** CONNECT through this proxy, or (absent) connect straight to `direct`. */
  proxy?: { host: string; port: number };
  direct: { host: string; port: number };
  /** Name and port in CONNECT (default TLS SNI too). */
  host: string;
  port: number;
  /** TLS SNI / certificate name when CONNECT names an address. */
  servername: string;
  ca: string;
  /** Agents (or tunnels) in this process. */
  count: number;
  /** Index of this generator's first agent. */
  first: number;
  bodyBytes: number;
  /** agents: one upload every intervalMs per agent. */
  intervalMs: number;
  durationMs: number;
}

export interface LoadProgress {
  type: 'progress';
  ok: number;
  failed: number;
  bytes: number;
  connections: number;
}

export interface LoadResult {
  type: 'done';
  ok: number;
  failed: number;
  bytes: number;
  connections: number;
  /** Upload latencies (ms) on an already-open tunnel. */
  latencies: number[];
  /** First upload of each agent (every upload in reconnect mode): tunnel + TLS handshake + upload (ms). */
  setup: number[];
  /** throughput: bytes uploaded in the timed window and its length. */
  windowBytes: number;
  windowMs: number;
  /** `stage: error` → count, for the report. */
  errors: Record<string, number>;
  /** CPU seconds this generator used. */
  cpuSeconds: number;
}
