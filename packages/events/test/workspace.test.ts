import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  extractWorkspaceId,
  isWorkspaceId,
  normalizeHost,
  regionHandlerHost,
  workspaceHosts,
} from '../src/index.ts';

const ID = '0b2c4a1e-5d6f-4a7b-8c9d-0e1f2a3b4c5d';

test('workspace id is extracted from every endpoint family, case-insensitively, trailing dot tolerated', () => {
  for (const host of [
    `${ID}.ods.opinsights.azure.com`,
    `${ID}.oms.opinsights.azure.com`,
    `${ID}.agentsvc.azure-automation.net`,
    `${ID.toUpperCase()}.ODS.OpInsights.Azure.com`,
    `${ID}.ods.opinsights.azure.com.`,
    `${ID}.ods.opinsights.azure.us`,
  ]) {
    assert.equal(extractWorkspaceId(host), ID, host);
  }
});

test('look-alike hosts yield no workspace', () => {
  for (const host of [
    `${ID}.ods.opinsights.azure.com.evil.example`,
    `x${ID}.ods.opinsights.azure.com`,
    `${ID}x.ods.opinsights.azure.com`,
    `a.${ID}.ods.opinsights.azure.com`,
    `${ID}.ods.opinsights.azure.com..`,
    `${ID}.ods-opinsights.azure.com`,
    `${ID}.evil-ods.opinsights.azure.com`,
    `${ID.replaceAll('-', '')}.ods.opinsights.azure.com`,
    'global.handler.control.monitor.azure.com',
    `${ID}`,
    '',
    '.ods.opinsights.azure.com',
  ]) {
    assert.equal(extractWorkspaceId(host), '', host);
  }
});

test('workspace hosts and helpers', () => {
  assert.ok(isWorkspaceId(ID));
  assert.ok(!isWorkspaceId('nope'));
  assert.ok(workspaceHosts(ID.toUpperCase()).includes(`${ID}.ods.opinsights.azure.com`));
  for (const host of workspaceHosts(ID)) assert.equal(extractWorkspaceId(host), ID);
  assert.equal(normalizeHost(' Example.COM. '), 'example.com');
  assert.equal(normalizeHost('[::1]'), '::1');
  assert.equal(regionHandlerHost('WestEurope'), 'westeurope.handler.control.monitor.azure.com');
});
