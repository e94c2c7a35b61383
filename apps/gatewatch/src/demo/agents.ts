import { type UploadResult, type UploadTarget, uploadThroughGateway } from '@gatewatch/simulator';
import { DEMO_REGION, DEMO_WORKSPACES } from './environment.ts';

export interface DemoAgentsOptions {
  proxy: { host: string; port: number };
  ca: string;
  /** When the new agent fleet (unconfigured workspace) starts its burst of 105s, ms after start. */
  burstAfterMs?: number;
  burstDurationMs?: number;
  /** The agents that stop: they upload this long, go silent for silentForMs, and so on (ms). */
  silentAfterMs?: number;
  silentForMs?: number;
}

export interface DemoStats {
  ok: number;
  refused: number;
  byKind: Record<string, { ok: number; refused: number }>;
}

interface Behaviour {
  kind: string;
  count: number;
  everyMs: number;
  bytes: number;
  host: (i: number) => string;
  port?: number;
  tls?: UploadTarget['tls'];
  /** Keep the tunnel open after an upload (persistent agent connections). */
  holdMs?: number;
  active?: (elapsedMs: number) => boolean;
}

const ods = (id: string) => `${id}.ods.opinsights.azure.com`;

/**
 * Simulated agents: a steady fleet uploading through the gateway, plus the classic failure modes an operator
 * should see on the dashboard — an unconfigured workspace (105), agents on TLS 1.0 (106), a host that is not
 * allowed (105), a wrong port (105), a new fleet that appears later and fires the rejection-spike alert, and
 * two agents that go silent now and then (AgentStoppedReporting fires, and resolves when they come back).
 */
export function startDemoAgents(o: DemoAgentsOptions): { stats: DemoStats; stop(): Promise<void> } {
  const burstAfter = o.burstAfterMs ?? 90_000;
  const burstFor = o.burstDurationMs ?? 6 * 60_000;
  const sending = o.silentAfterMs ?? 3 * 60_000;
  const cycle = sending + (o.silentForMs ?? 20 * 60_000);
  const behaviours: Behaviour[] = [
    {
      kind: 'upload',
      count: 8,
      everyMs: 6000,
      bytes: 200_000,
      holdMs: 20_000,
      host: (i) => ods(i % 2 ? DEMO_WORKSPACES.contoso : DEMO_WORKSPACES.fabrikam),
    },
    {
      kind: 'heartbeat',
      count: 2,
      everyMs: 15_000,
      bytes: 2_000,
      host: (i) =>
        i ? `${DEMO_REGION}.handler.control.monitor.azure.com` : 'global.handler.control.monitor.azure.com',
    },
    {
      kind: 'unconfigured-workspace',
      count: 2,
      everyMs: 12_000,
      bytes: 1_000,
      host: () => ods(DEMO_WORKSPACES.unconfigured),
    },
    {
      kind: 'old-tls',
      count: 1,
      everyMs: 20_000,
      bytes: 1_000,
      host: () => ods(DEMO_WORKSPACES.contoso),
      tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' },
    },
    {
      kind: 'host-not-allowed',
      count: 1,
      everyMs: 30_000,
      bytes: 1_000,
      host: () => 'telemetry.contoso.example',
    },
    {
      kind: 'wrong-port',
      count: 1,
      everyMs: 45_000,
      bytes: 1_000,
      host: () => ods(DEMO_WORKSPACES.fabrikam),
      port: 80,
    },
    {
      kind: 'stops-and-resumes',
      count: 2,
      everyMs: 5000,
      bytes: 50_000,
      host: (i) => ods(i ? DEMO_WORKSPACES.contoso : DEMO_WORKSPACES.fabrikam),
      active: (t) => t % cycle < sending,
    },
    {
      kind: 'new-fleet-burst',
      count: 4,
      everyMs: 1500,
      bytes: 1_000,
      host: () => ods(DEMO_WORKSPACES.newFleet),
      active: (t) => t >= burstAfter && t < burstAfter + burstFor,
    },
  ];
  const stats: DemoStats = { ok: 0, refused: 0, byKind: {} };
  const started = Date.now();
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<UploadResult>>();
  let stopped = false;

  const schedule = (b: Behaviour, i: number, localAddress: string, delay: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped) return;
      const next = () => schedule(b, i, localAddress, b.everyMs * (0.8 + Math.random() * 0.4));
      if (b.active && !b.active(Date.now() - started)) return next();
      const p = uploadThroughGateway(
        {
          proxy: o.proxy,
          host: b.host(i),
          port: b.port ?? 443,
          ca: o.ca,
          tls: b.tls,
          localAddress,
          holdMs: b.holdMs,
        },
        b.bytes,
      );
      inFlight.add(p);
      p.then((r) => {
        inFlight.delete(p);
        const k = stats.byKind[b.kind] ?? { ok: 0, refused: 0 };
        stats.byKind[b.kind] = k;
        if (r.ok) {
          stats.ok++;
          k.ok++;
        } else {
          stats.refused++;
          k.refused++;
        }
        next();
      });
    }, delay);
    timers.add(timer);
  };
  // Each simulated agent has its own loopback source address, so the gateway sees distinct clients.
  let agentNo = 10;
  for (const b of behaviours)
    for (let i = 0; i < b.count; i++)
      schedule(b, i, `127.0.${1 + (agentNo >> 8)}.${agentNo++ & 255}`, Math.random() * b.everyMs);

  return {
    stats,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...inFlight]);
    },
  };
}
