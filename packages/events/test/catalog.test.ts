import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  catalogEntry,
  EVENT,
  EVENT_CATALOG,
  EVENT_IDS,
  isEventId,
  REASONS_105,
  REJECTION_REASONS,
} from '../src/index.ts';

const ORIGINAL_DESCRIPTIONS: Record<number, RegExp> = {
  100: /^General information\.$/,
  101: /^Service has started\.$/,
  102: /^Service has stopped\.$/,
  103: /^An HTTP CONNECT command was received from client\.$/,
  104: /^Not an HTTP CONNECT command\.$/,
  105: /^Destination server isn't in allowed list, or destination port isn't secure port \(443\)\./,
  106: /^Unsupported TLS\/SSL protocol version\..*does not support SSL\.$/,
  107: /^The TLS session has been verified\.$/,
  400: /^Any application error that has no specific ID\.$/,
  401: /^Wrong configuration\. For example, listenPort = "text" instead of an integer\.$/,
  402: /^Exception in parsing TLS handshake messages\.$/,
  403: /^Networking error\. For example, cannot connect to target server\.$/,
};

test('the catalog holds exactly the twelve ids of the original event table', () => {
  assert.deepEqual([...EVENT_IDS].sort(), [100, 101, 102, 103, 104, 105, 106, 107, 400, 401, 402, 403]);
  assert.equal(new Set(EVENT_CATALOG.map((e) => e.name)).size, 12, 'names are unique');
});

test('every entry carries its original description', () => {
  for (const [id, pattern] of Object.entries(ORIGINAL_DESCRIPTIONS)) {
    assert.match(catalogEntry(Number(id)).description, pattern, `event ${id}`);
  }
});

test('errors and warnings name a remedy; 4xx ids are errors', () => {
  for (const e of EVENT_CATALOG) {
    if (e.level !== 'info') assert.ok(e.remedy.length > 20, `event ${e.id} needs a remedy`);
    if (e.id >= 400) assert.equal(e.level, 'error', `event ${e.id}`);
  }
  assert.match(catalogEntry(105).remedy, /allowed-host add/);
  assert.match(catalogEntry(106).remedy, /TLS 1\.2/);
});

test('unknown ids are refused with the list of known ones', () => {
  assert.equal(isEventId(108), false);
  assert.equal(isEventId(EVENT.DESTINATION_NOT_ALLOWED), true);
  assert.throws(() => catalogEntry(999), /unknown event id 999; known ids: 100,/);
});

test('every rejection reason maps to a catalog event, and 105 has its six reasons', () => {
  for (const [reason, { eventId }] of Object.entries(REJECTION_REASONS)) {
    assert.ok(isEventId(eventId), `${reason} -> ${eventId}`);
  }
  assert.deepEqual([...REASONS_105].sort(), [
    'address_not_allowed',
    'client_certificate_invalid',
    'host_not_allowed',
    'port_not_allowed',
    'sni_mismatch',
    'workspace_not_configured',
  ]);
});
