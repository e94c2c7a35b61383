/** An idle Kafka producer leaves the event loop alone (kafkajs 2.2.4 alone re-arms a 1 ms timer forever). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaBus } from '../src/index.ts';
import { BROKERS, kafkaSkipReason, uniquePrefix } from './support/helpers.ts';

const skip = await kafkaSkipReason();

test('kafka bus: an idle connection does not wake the process every millisecond', { skip }, async () => {
  const bus = new KafkaBus({
    brokers: BROKERS,
    clientId: 'test-idle',
    prefix: uniquePrefix('idle'),
    partitions: 1,
  });
  await bus.start();
  try {
    await bus.produce(bus.topic('events'), [{ key: 'n', value: Buffer.from('{}') }]);
    await new Promise((r) => setTimeout(r, 200)); // the request's own wake-ups are over
    const before = process.resourceUsage().voluntaryContextSwitches;
    await new Promise((r) => setTimeout(r, 1000));
    const wakeUps = process.resourceUsage().voluntaryContextSwitches - before;
    // Unpatched: ~800 in a second (a 1 ms timer per connection); idle Node: a few dozen.
    assert.ok(wakeUps < 200, `${wakeUps} wake-ups in an idle second`);
  } finally {
    await bus.close();
  }
});
