import { TOPICS, type TopicKey } from '@gatewatch/events';

/** One message to produce. The key (node id) keeps one node's records in order on one partition. */
export interface BusMessage {
  key?: string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

/** Messages for one topic, as one of the parts of Bus.produceMany. */
export interface TopicMessages {
  topic: string;
  messages: BusMessage[];
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are int64: decimal strings. */
  offset: string;
  key: Buffer | null;
  value: Buffer;
  headers: Record<string, string>;
  /** Broker/produce time, ms since epoch. */
  timestamp: number;
}

/**
 * Messages of one partition handed to a subscriber. The bus commits `commit(offset)` durably; nothing
 * else is committed. When the handler throws, the bus redelivers from the first uncommitted offset.
 */
export interface PartitionBatch<P = unknown> {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
  /** `prepare(message)` of each message, in the same order (empty when the subscriber has no prepare). */
  prepared: P[];
  /**
   * Set when a previous owner of this partition announced (via `begin`) a unit of work that starts at
   * this batch's first offset and ends here, but may have crashed before committing it: process
   * exactly that range as one unit again so an idempotent sink recognises it.
   */
  pendingEnd?: string;
  /**
   * Records the intent to process [first, last] as one unit (write-ahead, for `pendingEnd`). KafkaBus rejects
   * when the partition may have another owner now (rebalance) or the subscription stops: process nothing then.
   */
  begin(first: string, last: string): Promise<void>;
  /** Durably marks everything up to and including `last` as processed (rejects like `begin`, not on stop). */
  commit(last: string): Promise<void>;
  /** Keeps group membership alive during long work. */
  heartbeat(): Promise<void>;
  /** Messages after this batch that were already in the partition when it was fetched. */
  lag(): number;
}

export interface SubscribeOptions<P = unknown> {
  groupId: string;
  /** Full topic names (use `bus.topic(key)`). */
  topics: string[];
  /** Read from the earliest offset when the group has no committed offset (default true). */
  fromBeginning?: boolean;
  /**
   * CPU work per message (decoding), done as soon as a batch is fetched — while the partition's previous
   * batch is still in `handler` — so the two overlap. Must not throw.
   */
  prepare?(message: ConsumedMessage): P;
  /** Called for one partition's batches strictly one after the other, in offset order. */
  handler(batch: PartitionBatch<P>): Promise<void>;
  /** Delay before a failed batch is redelivered (default 500 ms, doubled up to 10 s). */
  retryBackoffMs?: number;
  /** Called when a handler throws (the batch will be redelivered). */
  onError?(err: unknown, batch: { topic: string; partition: number }): void;
  /**
   * Called when the consumer as a whole failed (KafkaBus: the broker went away); it is run again after
   * `restartInMs`, and so on until stop(). Uncommitted batches are then read again from the last commit.
   */
  onCrash?(err: unknown, restartInMs: number): void;
}

export interface Subscription {
  /**
   * Stops consuming once the handler in progress returns (KafkaBus: `begin` is refused from now on, so that
   * is after its current unit); uncommitted work is redelivered to the next owner.
   */
  stop(): Promise<void>;
  /** Per topic/partition lag (end offset minus committed position) as last observed. */
  lag(): Map<string, number>;
}

export interface Bus {
  readonly kind: 'kafka' | 'in-process';
  /** Full topic name for a logical topic (with the bus's prefix, for isolated test runs). */
  topic(key: TopicKey): string;
  /** Connects and creates the topics. Idempotent. */
  start(): Promise<void>;
  /**
   * Produces messages in order. Resolves once the bus has durably accepted all of them (Kafka: acks=-1);
   * rejects with BusUnavailableError when they could not be delivered: every message is then still the
   * caller's (nothing was taken over), and a retry may duplicate ones the broker did accept.
   */
  produce(topic: string, messages: BusMessage[]): Promise<void>;
  /**
   * Produces to several topics in one go (Kafka: one request per broker instead of one per topic), in order
   * within each topic, with produce()'s contract: on rejection every message is still the caller's.
   */
  produceMany(batches: TopicMessages[]): Promise<void>;
  subscribe<P>(opts: SubscribeOptions<P>): Promise<Subscription>;
  close(): Promise<void>;
}

/** The bus could not take messages now (broker down, retries exhausted); the caller keeps them. */
export class BusUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}

export const TOPIC_KEYS = Object.keys(TOPICS) as TopicKey[];

export function prefixedTopic(prefix: string, key: TopicKey): string {
  return `${prefix}${TOPICS[key]}`;
}

/** Offsets are int64 decimal strings; BigInt keeps them exact. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
