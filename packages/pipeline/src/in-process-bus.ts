import type { TopicKey } from '@gatewatch/events';
import {
  type Bus,
  type BusMessage,
  BusUnavailableError,
  type ConsumedMessage,
  type PartitionBatch,
  prefixedTopic,
  type SubscribeOptions,
  type Subscription,
  sleep,
  TOPIC_KEYS,
  type TopicMessages,
} from './bus.ts';

export interface InProcessBusOptions {
  prefix?: string;
  partitions?: number;
  /** Max messages handed to one handler call (default 20,000). */
  maxBatchMessages?: number;
  /** Produce is refused (BusUnavailableError) above this many unconsumed messages per partition. */
  maxBufferedPerPartition?: number;
}

interface Partition {
  /** Offset of log[0]; committed messages are trimmed away. */
  base: number;
  log: ConsumedMessage[];
}

interface Commit {
  offset: number;
  metadata: string | null;
}

interface Group {
  members: Member[];
  committed: Map<string, Commit>;
  /** Partitions a member is working on right now, so a rebalance never runs two handlers on one. */
  busy: Set<string>;
}

interface Member {
  topics: string[];
  running: boolean;
}

const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;

/** FNV-1a: stable key → partition, like Kafka's keyed partitioning (not the same hash). */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The bus for the embedded all-in-one mode: the same semantics as Kafka (partitions, offsets, consumer
 * groups, commit after success, redelivery after a failure) in memory. Committed messages are trimmed.
 */
export class InProcessBus implements Bus {
  readonly kind = 'in-process' as const;
  private readonly prefix: string;
  private readonly partitions: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  private readonly topics = new Map<string, Partition[]>();
  private readonly groups = new Map<string, Group>();
  private waiters: (() => void)[] = [];
  private closed = false;
  private rr = 0;

  constructor(opts: InProcessBusOptions = {}) {
    this.prefix = opts.prefix ?? '';
    this.partitions = opts.partitions ?? 3;
    this.maxBatch = opts.maxBatchMessages ?? 20_000;
    this.maxBuffered = opts.maxBufferedPerPartition ?? 1_000_000;
  }

  topic(key: TopicKey): string {
    return prefixedTopic(this.prefix, key);
  }

  async start(): Promise<void> {
    for (const key of TOPIC_KEYS) this.ensureTopic(this.topic(key));
  }

  private ensureTopic(name: string): Partition[] {
    let parts = this.topics.get(name);
    if (!parts) {
      parts = Array.from({ length: this.partitions }, () => ({ base: 0, log: [] }));
      this.topics.set(name, parts);
    }
    return parts;
  }

  async produceMany(batches: TopicMessages[]): Promise<void> {
    for (const b of batches) await this.produce(b.topic, b.messages);
  }

  async produce(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('in-process bus is closed; produce before shutdown');
    const parts = this.ensureTopic(topic);
    const now = Date.now();
    const targets = messages.map((m) =>
      m.key != null ? hashKey(m.key) % parts.length : this.rr++ % parts.length,
    );
    // All or nothing, so the caller can keep the whole batch on refusal.
    for (const p of new Set(targets)) {
      const part = parts[p] as Partition;
      if (part.log.length >= this.maxBuffered) {
        throw new BusUnavailableError(
          `in-process bus partition ${topic}/${p} holds ${part.log.length} unconsumed messages; is the ingester running?`,
        );
      }
    }
    messages.forEach((m, i) => {
      const p = targets[i] as number;
      const part = parts[p] as Partition;
      part.log.push({
        topic,
        partition: p,
        offset: String(part.base + part.log.length),
        key: m.key != null ? Buffer.from(m.key) : null,
        value: m.value,
        headers: { ...m.headers },
        timestamp: now,
      });
    });
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async subscribe<P>(opts: SubscribeOptions<P>): Promise<Subscription> {
    for (const t of opts.topics) this.ensureTopic(t);
    let group = this.groups.get(opts.groupId);
    if (!group) {
      group = { members: [], committed: new Map(), busy: new Set() };
      this.groups.set(opts.groupId, group);
    }
    const member: Member = { topics: opts.topics, running: true };
    group.members.push(member);
    const lags = new Map<string, number>();
    const loop = this.consume(group, member, opts, lags);
    return {
      stop: async () => {
        member.running = false;
        this.wake();
        await loop;
        const g = this.groups.get(opts.groupId);
        if (g) g.members = g.members.filter((m) => m !== member);
      },
      lag: () => new Map(lags),
    };
  }

  /** Round-robin assignment over the group's live members, recomputed every pass (= rebalance). */
  private assigned(group: Group, member: Member): [string, number][] {
    const all: [string, number][] = [];
    const topics = [...new Set(group.members.flatMap((m) => m.topics))].sort();
    for (const t of topics) {
      const n = this.topics.get(t)?.length ?? 0;
      for (let p = 0; p < n; p++) all.push([t, p]);
    }
    const live = group.members.filter((m) => m.running);
    const idx = live.indexOf(member);
    return all.filter(([t], i) => idx >= 0 && member.topics.includes(t) && i % live.length === idx);
  }

  private async consume<P>(
    group: Group,
    member: Member,
    opts: SubscribeOptions<P>,
    lags: Map<string, number>,
  ): Promise<void> {
    const fromBeginning = opts.fromBeginning ?? true;
    const baseBackoff = opts.retryBackoffMs ?? 500;
    const backoff = new Map<string, number>();
    while (member.running && !this.closed) {
      let worked = false;
      for (const [topic, p] of this.assigned(group, member)) {
        if (!member.running) break;
        const key = tpKey(topic, p);
        const part = this.topics.get(topic)?.[p];
        if (!part || group.busy.has(key)) continue;
        if (!group.committed.has(key)) {
          group.committed.set(key, {
            offset: fromBeginning ? part.base : part.base + part.log.length,
            metadata: null,
          });
        }
        const committed = group.committed.get(key) as Commit;
        const end = part.base + part.log.length;
        lags.set(key, end - committed.offset);
        if (committed.offset >= end) continue;
        const start = committed.offset - part.base;
        const messages = part.log.slice(start, start + this.maxBatch);
        if (messages.length === 0) continue;
        worked = true;
        group.busy.add(key);
        try {
          const { prepare } = opts;
          const prepared = prepare ? messages.map((m) => prepare(m)) : [];
          await opts.handler(this.batch(group, topic, p, messages, prepared, committed, end));
          backoff.delete(key);
        } catch (err) {
          // Not committed → the next pass starts again at the committed offset.
          opts.onError?.(err, { topic, partition: p });
          const wait = Math.min(backoff.get(key) ?? baseBackoff, 10_000);
          backoff.set(key, wait * 2);
          group.busy.delete(key);
          await this.waitForStop(member, wait);
          continue;
        } finally {
          group.busy.delete(key);
        }
        this.trim(topic, p);
      }
      if (!worked) await this.waitForChange(200);
    }
  }

  private async waitForStop(member: Member, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (member.running && Date.now() < until) await sleep(Math.min(50, until - Date.now()));
  }

  private batch<P>(
    group: Group,
    topic: string,
    partition: number,
    messages: ConsumedMessage[],
    prepared: P[],
    committed: Commit,
    end: number,
  ): PartitionBatch<P> {
    const key = tpKey(topic, partition);
    const first = (messages[0] as ConsumedMessage).offset;
    const pending =
      committed.metadata?.startsWith('pending:') && String(committed.offset) === first
        ? committed.metadata.slice('pending:'.length)
        : undefined;
    return {
      topic,
      partition,
      messages,
      prepared,
      ...(pending !== undefined ? { pendingEnd: pending } : {}),
      begin: async (from, last) => {
        group.committed.set(key, { offset: Number(from), metadata: `pending:${last}` });
      },
      commit: async (last) => {
        group.committed.set(key, { offset: Number(last) + 1, metadata: null });
      },
      heartbeat: async () => {},
      lag: () => end - (Number((messages[messages.length - 1] as ConsumedMessage).offset) + 1),
    };
  }

  /** Drops messages every group that reads this topic has committed. */
  private trim(topic: string, p: number): void {
    const part = this.topics.get(topic)?.[p];
    if (!part) return;
    let min = Number.POSITIVE_INFINITY;
    for (const g of this.groups.values()) {
      if (!g.members.some((m) => m.topics.includes(topic))) continue;
      min = Math.min(min, g.committed.get(tpKey(topic, p))?.offset ?? part.base);
    }
    if (!Number.isFinite(min) || min <= part.base) return;
    part.log.splice(0, min - part.base);
    part.base = min;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const g of this.groups.values()) for (const m of g.members) m.running = false;
    this.wake();
  }
}
