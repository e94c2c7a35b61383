import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogEntry } from '@gatewatch/events';
import { DEFAULT_RULES_YAML } from '../src/default-rules.ts';
import {
  agentSettings,
  DEFAULT_RULES_PATH,
  loadDefaultRules,
  loadRulesFile,
  parseRulesYaml,
  RulesError,
} from '../src/rules.ts';
import { renderTemplate, templateProblems } from '../src/template.ts';

test('the default rules file loads and holds the six shipped rules', () => {
  const { rules } = loadDefaultRules();
  assert.deepEqual(
    rules.map((r) => [r.name, r.metric, r.scope]),
    [
      ['RejectionSpikePerNode', 'rejection_rate', 'node'],
      ['RejectionSpikeFleet', 'rejection_rate', 'fleet'],
      ['Event105SpikePerWorkspace', 'event_rate', 'workspace'],
      ['ErrorSpikePerNode', 'error_rate', 'node'],
      ['NodeStoppedReporting', 'last_sample_age', 'node'],
      ['AgentStoppedReporting', 'agent_silence', 'agent'],
    ],
  );
  for (const r of rules) {
    assert.ok(r.annotations.summary, `${r.name} has a summary`);
    assert.match(
      r.annotations.dashboard,
      /^\/.*from=\{\{ \$from \}\}&to=\{\{ \$to \}\}/,
      `${r.name} links a time range`,
    );
  }
});

test('the default rules path names the shipped rules', () => {
  assert.deepEqual(loadRulesFile(DEFAULT_RULES_PATH).rules, parseRulesYaml(DEFAULT_RULES_YAML, 'x').rules);
});

const valid = `
rules:
  - name: A
    metric: event_rate
    event: 105
    scope: workspace
    condition: { spike: { floor: 5 } }
    annotations: { summary: x }
`;

function rejects(yaml: string, pattern: RegExp): void {
  assert.throws(
    () => parseRulesYaml(yaml, 'rules.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof RulesError);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('defaults are applied to a minimal rule', () => {
  const [r] = parseRulesYaml(valid).rules;
  assert.ok(r && 'spike' in r.condition);
  assert.equal(r.windowMs, 300_000);
  assert.equal(r.baselineMs, 3_600_000);
  assert.equal(r.forMs, 0);
  assert.equal(r.condition.spike.k, 6);
});

test('validation errors name the file, the rule and the field', () => {
  rejects(
    valid.replace('floor: 5', 'floor: -1'),
    /rules\.yaml: rules\[0\] "A" field condition\.spike\.floor: /,
  );
  rejects(valid.replace('event: 105', 'event: 999'), /rules\[0\] "A" field event: must be an event id/);
  rejects(valid.replace('    event: 105\n', ''), /"A" field event: event_rate needs an event id/);
  rejects(valid.replace('scope: workspace', 'scope: region'), /"A" field scope/);
  rejects(
    valid
      .replace('metric: event_rate', 'metric: error_rate')
      .replace('    event: 105\n', '')
      .replace('workspace', 'workspace'),
    /"A" field scope: error_rate supports scope node \| fleet/,
  );
  rejects(
    valid.replace('summary: x', 'summary: "{{ $nope }}"'),
    /"A" field annotations\.summary: unknown template expression: \{\{ \$nope \}\}/,
  );
  rejects(
    valid.replace('{ spike: { floor: 5 } }', '{ spike: { floor: 5, window: 90s } }'),
    /field condition\.spike\.window: must be a whole number of minutes/,
  );
  rejects(
    valid.replace('    scope: workspace\n', '    scope: workspace\n    for: soon\n'),
    /field for: must be a duration/,
  );
  rejects(`${valid}${valid.replace('rules:\n', '')}`, /"A": duplicate rule name/);
  rejects('rules: [', /not valid YAML/);
  rejects('rulez: []', /expected top-level keys rules and receivers/);
  rejects(
    `${valid}    receivers: [pager]\nreceivers:\n  - { name: ops, url: "http://127.0.0.1:1/hook" }\n`,
    /"A" field receivers: unknown receiver "pager"/,
  );
  rejects('receivers:\n  - { name: ops, url: "ftp://x" }\n', /receivers\[0\] "ops" field url/);
});

test('a missing rules file names the path and the fix', () => {
  assert.throws(
    () => loadRulesFile('/nonexistent/rules.yaml'),
    /cannot read rules file \/nonexistent\/rules\.yaml \(ENOENT\); set ALERT_RULES_FILE/,
  );
});

test('templates render labels, values, catalog texts; links are URL-encoded', () => {
  const ctx = {
    labels: { node: 'gw 1' },
    value: 12.345,
    threshold: 10,
    baseline: null,
    from: 'a&b',
    to: 'c',
  };
  assert.equal(
    renderTemplate('{{ $labels.node }}: {{ $value }} > {{ $threshold }} ({{ $baseline }})', ctx),
    'gw 1: 12.35 > 10 (n/a)',
  );
  assert.equal(
    renderTemplate('/x?node={{ $labels.node }}&from={{ $from }}', ctx, true),
    '/x?node=gw%201&from=a%26b',
  );
  assert.equal(renderTemplate('{{ remedy 105 }}', ctx), catalogEntry(105).remedy);
  assert.deepEqual(templateProblems('{{ remedy 999 }} {{ $labels.ok }} {{ .Value }}'), [
    '{{ remedy 999 }}',
    '{{ .Value }}',
  ]);
});

test('agent_silence: agents settings with defaults, refused elsewhere or when not whole hours', () => {
  const rule = (over: Record<string, unknown>) =>
    parseRulesYaml(
      JSON.stringify({
        rules: [
          {
            name: 'Stopped',
            metric: 'agent_silence',
            scope: 'agent',
            condition: { threshold: { value: 600 } },
            annotations: { summary: '{{ $labels.agent }}' },
            ...over,
          },
        ],
      }),
      'rules.yaml',
    ).rules[0];
  const r = rule({});
  assert.ok(r);
  assert.deepEqual(agentSettings(r), { historyMs: 6 * 3_600_000, nodeDownAfterMs: 120_000 });
  const short = rule({ agents: { history: '1h', node_down_after: '30s' } });
  assert.ok(short);
  assert.deepEqual(agentSettings(short), { historyMs: 3_600_000, nodeDownAfterMs: 30_000 });
  assert.throws(
    () => rule({ agents: { history: '90m' } }),
    /agents.history: must be a whole number of hours/,
  );
  assert.throws(() => rule({ scope: 'node' }), /field scope: agent_silence supports scope agent/);
  assert.throws(() => rule({ labels: { node: 'x' } }), /field labels.node: is set by the engine/);
  assert.throws(
    () => rule({ metric: 'last_sample_age', scope: 'node', agents: {} }),
    /field agents: agents applies to metric agent_silence only/,
  );
});
