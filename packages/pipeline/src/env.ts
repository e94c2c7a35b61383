import type { Bus } from './bus.ts';
import { InProcessBus } from './in-process-bus.ts';
import { brokersFromEnv, KafkaBus } from './kafka-bus.ts';

/**
 * KAFKA_BROKERS set → Kafka (scale-out mode); unset → the in-process bus (embedded all-in-one mode).
 * KAFKA_TOPIC_PREFIX and KAFKA_PARTITIONS tune the Kafka side.
 */
export function busFromEnv(env: NodeJS.ProcessEnv = process.env, clientId = 'gatewatch'): Bus {
  if (!env.KAFKA_BROKERS) return new InProcessBus();
  const partitions = Number(env.KAFKA_PARTITIONS ?? '3');
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(
      `KAFKA_PARTITIONS must be a positive integer, got "${env.KAFKA_PARTITIONS}"; unset it for 3`,
    );
  }
  return new KafkaBus({
    brokers: brokersFromEnv(env),
    clientId,
    prefix: env.KAFKA_TOPIC_PREFIX ?? '',
    partitions,
  });
}
