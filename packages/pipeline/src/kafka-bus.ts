import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { TopicKey } from '@gatewatch/events';
import {
  type Admin,
  CompressionTypes,
  type Consumer,
  type EachBatchPayload,
  Kafka,
  type KafkaMessage,
  logLevel,
  type Producer,
} from 'kafkajs';
import {
  type Bus,
  type BusMessage,
  BusUnavailableError,
  type ConsumedMessage,
  errorMessage,
  nextOffset,
  type PartitionBatch,
  prefixedTopic,
  type SubscribeOptions,
  type Subscription,
  sleep,
  TOPIC_KEYS,
  type TopicMessages,
} from './bus.ts';

// kafkajs 2.2.4 re-arms a 1 ms timer forever once a connection has no pending request (negative delay:
// tulios/kafkajs#1556, fix not released): ~1,000 wake-ups a second per broker connection, idle or not
// (3-4 % of a core per gateway node here). With nothing pending there is nothing to check: skip it.
const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
  prototype: { pending: unknown[]; throttledUntil: number; scheduleCheckPendingRequests(): void };
};
const scheduleCheck = RequestQueue.prototype.scheduleCheckPendingRequests;
RequestQueue.prototype.scheduleCheckPendingRequests = function (this: typeof RequestQueue.prototype) {
  if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
  scheduleCheck.call(this);
};

// kafkajs gzips each request through zlib's async stream API: ~160 µs of fixed cost per call, most of the
// node primary's CPU per tunnel in the gateway bench. One synchronous level-1 deflate of the request's records
// (one telemetry linger window, tens of kB: ~50 µs) gives the same format and nearly the same size for JSON
// and OTLP. Decompression (the ingester) stays kafkajs' own.
// (CompressionCodecs is not among the named exports Node finds in kafkajs' CommonJS: required instead.)
const { CompressionCodecs } = require('kafkajs') as typeof import('kafkajs');
const gzipCodec = CompressionCodecs[CompressionTypes.GZIP]();
CompressionCodecs[CompressionTypes.GZIP] = () => ({
  compress: async (encoder: { buffer: Buffer }) => gzipSync(encoder.buffer, { level: 1 }),
  decompress: (buffer: Buffer) => gzipCodec.decompress(buffer),
});

export interface KafkaBusOptions {
  /** host:port list (KAFKA_BROKERS, comma separated). */
  brokers: string[];
  clientId?: string;
  /** Prepended to every topic name (tests use a unique prefix so runs never collide). */
  prefix?: string;
  /** Partitions for topics created on start (default 3). */
  partitions?: number;
  /** gzip (default) or none. */
  compression?: 'gzip' | 'none';
  /** Produce attempts before BusUnavailableError (default 3: a dead broker is noticed in a few seconds). */
  produceRetries?: number;
  /** Fetch sizing for consumers: the size/time bounds of a batch. */
  fetch?: { minBytes?: number; maxBytes?: number; maxBytesPerPartition?: number; maxWaitMs?: number };
  /** Consumer group session timeout (default 10 s; the broker's minimum is 6 s). */
  sessionTimeoutMs?: number;
  /** kafkajs log level (default: nothing; failures surface as errors and metrics). */
  logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
}

const LEVELS = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/** KAFKA_BROKERS=host:port,host:port (default 127.0.0.1:9092). */
export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;

/** Backoff between consumer restarts after a crash (doubling; reset by a successful join). */
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 5000;

/** A batch's partition may have another owner now (rebalance) or this consumer stopped: commit nothing. */
class NotOwnedError extends Error {}

/** The committed offset, or (nothing committed yet: -1) the failed batch's first offset. */
const redeliverFrom = (committedOffset: string | undefined, first: string) =>
  committedOffset !== undefined && BigInt(committedOffset) >= 0n ? committedOffset : first;

function toConsumed(topic: string, partition: number, m: KafkaMessage): ConsumedMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value ?? Buffer.alloc(0),
    headers,
    timestamp: Number(m.timestamp),
  };
}

/** The bus on Apache Kafka through kafkajs: acks=-1, gzip, keyed by node id, manual commits. */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly opts: KafkaBusOptions;
  private readonly prefix: string;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private started: Promise<void> | undefined;
  private readonly consumers = new Set<Consumer>();

  constructor(opts: KafkaBusOptions) {
    this.opts = opts;
    this.prefix = opts.prefix ?? '';
    this.kafka = new Kafka({
      clientId: opts.clientId ?? 'gatewatch',
      brokers: opts.brokers,
      logLevel: LEVELS[opts.logLevel ?? 'nothing'],
      connectionTimeout: 3000,
      requestTimeout: 15000,
      retry: { retries: opts.produceRetries ?? 3, initialRetryTime: 200, maxRetryTime: 2000 },
    });
  }

  topic(key: TopicKey): string {
    return prefixedTopic(this.prefix, key);
  }

  start(): Promise<void> {
    this.started ??= this.doStart().catch((err) => {
      this.started = undefined;
      throw new BusUnavailableError(
        `cannot reach Kafka at ${this.opts.brokers.join(',')}: ${errorMessage(err)}; start it (infra/kafka/kafka.sh start) or fix KAFKA_BROKERS`,
        { cause: err },
      );
    });
    return this.started;
  }

  private async doStart(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    this.admin = admin;
    const existing = new Set(await admin.listTopics());
    const missing = TOPIC_KEYS.map((k) => this.topic(k)).filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: this.opts.partitions ?? 3 })),
      });
    }
    const producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      // kafkajs' idempotent producer is experimental; replays are deduplicated at ingest instead.
      idempotent: false,
    });
    await producer.connect();
    this.producer = producer;
  }

  produce(topic: string, messages: BusMessage[]): Promise<void> {
    return this.produceMany([{ topic, messages }]);
  }

  async produceMany(batches: TopicMessages[]): Promise<void> {
    const topicMessages = batches
      .filter((b) => b.messages.length > 0)
      .map((b) => ({
        topic: b.topic,
        messages: b.messages.map((m) => ({ key: m.key ?? null, value: m.value, headers: m.headers })),
      }));
    if (topicMessages.length === 0) return;
    try {
      await this.start();
      await (this.producer as Producer).sendBatch({
        acks: -1,
        compression: this.opts.compression === 'none' ? CompressionTypes.None : CompressionTypes.GZIP,
        topicMessages,
      });
    } catch (err) {
      if (err instanceof BusUnavailableError) throw err;
      // KafkaJSNumberOfRetriesExceeded and friends: the messages stay the caller's.
      const count = topicMessages.reduce((n, t) => n + t.messages.length, 0);
      throw new BusUnavailableError(
        `Kafka at ${this.opts.brokers.join(',')} did not accept ${count} message(s) for ${topicMessages.map((t) => t.topic).join(', ')}: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  }

  async subscribe<P>(opts: SubscribeOptions<P>): Promise<Subscription> {
    await this.start();
    const f = this.opts.fetch ?? {};
    const consumer = this.kafka.consumer({
      groupId: opts.groupId,
      minBytes: f.minBytes ?? 1,
      maxBytes: f.maxBytes ?? 32 * 1024 * 1024,
      maxBytesPerPartition: f.maxBytesPerPartition ?? 16 * 1024 * 1024,
      maxWaitTimeInMs: f.maxWaitMs ?? 500,
      // Short session: after a broker restart or a crash the group waits this long for the dead member.
      sessionTimeout: this.opts.sessionTimeoutMs ?? 10_000,
      rebalanceTimeout: 15_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
      // A dead broker makes the consumer crash. kafkajs restarts it only after a retriable error, and a
      // group-coordinator lookup that fails as the broker goes down is not one (tulios/kafkajs#1445, #1630):
      // it would stay stopped for good. So every crash is restarted below, one path for both kinds.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3000, restartOnFailure: async () => false },
    });
    const admin = this.admin as Admin;
    const lags = new Map<string, number>();
    // Committed offset + metadata per partition, loaded after each (re)assignment.
    const committed = new Map<string, { offset: string; metadata: string | null }>();
    /**
     * Per partition, the batches handed over but not yet handled. kafkajs fetches again only when
     * eachBatch returns, so eachBatch queues the batch here and returns: the next fetch and its `prepare`
     * overlap the handler. A failure or a rebalance bumps `epoch`, which drops what is still queued and
     * fences the batch in the handler (see `owned` in `handle`).
     */
    type Lane = { tail: Promise<void>; queued: Promise<void>[]; epoch: number };
    const lanes = new Map<string, Lane>();
    // REBALANCING comes before this consumer rejoins (and so gives its partitions up), GROUP_JOIN after; a
    // crashed consumer owns nothing either.
    const revoke = () => {
      committed.clear();
      for (const lane of lanes.values()) lane.epoch++;
    };
    /** Set by stop(): no unit begins any more; one already inserted still commits. */
    let stopping = false;
    // The ingester is a daemon: after a crash (kafkajs has disconnected the consumer by then) run it again,
    // forever, with a backoff that a successful join resets. `run` reconnects; failing there is another crash.
    let restartTimer: NodeJS.Timeout | undefined;
    let restartDelay = RESTART_MIN_MS;
    const restartAfter = (err: unknown) => {
      revoke();
      if (stopping) return;
      opts.onCrash?.(err, restartDelay);
      clearTimeout(restartTimer);
      restartTimer = setTimeout(() => {
        if (!stopping) consumer.run(runConfig).catch(restartAfter);
      }, restartDelay);
      restartDelay = Math.min(restartDelay * 2, RESTART_MAX_MS);
    };
    consumer.on(consumer.events.REBALANCING, revoke);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      restartDelay = RESTART_MIN_MS;
      revoke();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => restartAfter(payload.error));
    const baseBackoff = opts.retryBackoffMs ?? 500;
    const backoff = new Map<string, number>();

    const loadCommitted = async (topic: string, partition: number) => {
      const key = tpKey(topic, partition);
      if (committed.has(key)) return committed.get(key);
      const res = await admin.fetchOffsets({ groupId: opts.groupId, topics: [topic] });
      for (const t of res) {
        for (const p of t.partitions) {
          committed.set(tpKey(t.topic, p.partition), { offset: p.offset, metadata: p.metadata ?? null });
        }
      }
      return committed.get(key);
    };

    const handle = async (
      payload: EachBatchPayload,
      fetched: ConsumedMessage[],
      fetchedPrepared: P[],
      high: bigint,
      lane: Lane,
      epoch: number,
    ) => {
      const { heartbeat, isRunning } = payload;
      const { topic, partition } = payload.batch;
      const key = tpKey(topic, partition);
      // The broker takes a commit from any member of the current generation, for any partition, and kafkajs
      // commits with the generation of the moment (or, once its runner stopped, resolves without committing).
      // So a handler still busy after a rebalance (or a stop) would commit — and begin and insert further
      // units — for a partition that a new owner is already reading from the last commit with other unit
      // bounds (other dedup tokens): duplicates. From the rebalance on, this batch begins and commits
      // nothing; the new owner replays its `pending:` unit. Checked again after each commit call: a rebalance
      // or stop during it means it may not have landed.
      const owned = (what: 'begin' | 'commit') => {
        if (lane.epoch === epoch && isRunning() && !(what === 'begin' && stopping)) return;
        throw new NotOwnedError(
          `${what} refused: ${key} was reassigned (rebalance) or this consumer stopped; its next owner resumes from the last commit`,
        );
      };
      // Everything up to the commit is inside: a failure anywhere seeks back, nothing is skipped.
      let first: string | undefined;
      try {
        const c = await loadCommitted(topic, partition);
        // A batch fetched before a rebalance may start below what was committed since: skip that part.
        let skip = 0;
        if (c && BigInt(c.offset) >= 0n) {
          while (
            skip < fetched.length &&
            BigInt((fetched[skip] as ConsumedMessage).offset) < BigInt(c.offset)
          )
            skip++;
        }
        const messages = fetched.slice(skip);
        if (messages.length === 0) return;
        first = (messages[0] as ConsumedMessage).offset;
        const last = (messages[messages.length - 1] as ConsumedMessage).offset;
        const pendingEnd =
          c && c.offset === first && c.metadata?.startsWith('pending:')
            ? c.metadata.slice('pending:'.length)
            : undefined;
        const pb: PartitionBatch<P> = {
          topic,
          partition,
          messages,
          prepared: fetchedPrepared.slice(skip),
          ...(pendingEnd !== undefined ? { pendingEnd } : {}),
          begin: async (from, to) => {
            const metadata = `pending:${to}`;
            owned('begin');
            await consumer.commitOffsets([{ topic, partition, offset: from, metadata }]);
            owned('begin');
            committed.set(key, { offset: from, metadata });
          },
          commit: async (upTo) => {
            const offset = nextOffset(upTo);
            owned('commit');
            await consumer.commitOffsets([{ topic, partition, offset }]);
            owned('commit');
            committed.set(key, { offset, metadata: null });
            lags.set(key, Number(high - BigInt(offset)));
          },
          heartbeat,
          lag: () => Number(high - BigInt(last) - 1n),
        };
        await opts.handler(pb);
        backoff.delete(key);
      } catch (err) {
        opts.onError?.(err, { topic, partition });
        // Rejoining restarts each partition this consumer still owns at its committed offset; stopped: done.
        if (err instanceof NotOwnedError) return;
        lane.epoch++;
        // Redeliver from the first uncommitted message (autoCommit is off: seek only moves our position).
        consumer.seek({
          topic,
          partition,
          offset: redeliverFrom(committed.get(key)?.offset, first ?? (fetched[0] as ConsumedMessage).offset),
        });
        const wait = Math.min(backoff.get(key) ?? baseBackoff, 10_000);
        backoff.set(key, wait * 2);
        const until = Date.now() + wait;
        while (Date.now() < until && isRunning() && !stopping) {
          await sleep(Math.min(500, until - Date.now()));
          await heartbeat().catch(() => {});
        }
      }
    };

    const eachBatch = async (payload: EachBatchPayload) => {
      const { batch, resolveOffset, isRunning, isStale } = payload;
      const { topic, partition } = batch;
      const key = tpKey(topic, partition);
      let lane = lanes.get(key);
      if (!lane) {
        lane = { tail: Promise.resolve(), queued: [], epoch: 0 };
        lanes.set(key, lane);
      }
      // At most the batch being handled and one fetched behind it.
      while (lane.queued.length >= 2) await lane.queued[0];
      if (batch.messages.length === 0 || !isRunning() || isStale()) return;
      const messages = batch.messages.map((m) => toConsumed(topic, partition, m));
      const { prepare } = opts;
      const prepared = prepare ? messages.map((m) => prepare(m)) : [];
      const high = BigInt(batch.highWatermark);
      lags.set(key, Number(high - BigInt((messages[0] as ConsumedMessage).offset)));
      // The next fetch starts after this batch; a failure seeks back to the first uncommitted offset.
      resolveOffset((messages[messages.length - 1] as ConsumedMessage).offset);
      const epoch = lane.epoch;
      const current = lane;
      const run = current.tail.then(() =>
        current.epoch === epoch && isRunning() && !stopping
          ? handle(payload, messages, prepared, high, current, epoch)
          : undefined,
      );
      const settled = run.catch(() => {});
      current.tail = settled;
      current.queued.push(settled);
      void settled.then(() => current.queued.splice(current.queued.indexOf(settled), 1));
    };

    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: opts.fromBeginning ?? true });
    const runConfig = { autoCommit: false, eachBatchAutoResolve: false, eachBatch };
    await consumer.run(runConfig);
    this.consumers.add(consumer);
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        // Each handler finishes the unit it is in (queued batches are skipped) while this consumer still owns
        // its partitions, so that unit commits; then stop fetching and leave.
        stopping = true;
        clearTimeout(restartTimer);
        await Promise.all([...lanes.values()].map((l) => l.tail));
        await consumer.stop();
        await Promise.all([...lanes.values()].map((l) => l.tail));
        await consumer.disconnect();
      },
      lag: () => new Map(lags),
    };
  }

  async close(): Promise<void> {
    for (const c of this.consumers) await c.disconnect().catch(() => {});
    this.consumers.clear();
    await this.producer?.disconnect().catch(() => {});
    await this.admin?.disconnect().catch(() => {});
    this.producer = undefined;
    this.admin = undefined;
    this.started = undefined;
  }
}
