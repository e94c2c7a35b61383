/**
 * The shipped rules: the one copy, embedded so they load in bundled code too (Next.js moves files referenced
 * through import.meta.url). `npx gatewatch default-rules > rules.yaml` gives operators a file to start from.
 */
export const DEFAULT_RULES_YAML = `# Gatewatch default alert rules. Rates are per minute; last_sample_age and agent_silence are in seconds.
# Spike = rate over 'window' above max(floor, median + k·σ, median·min_ratio) of the 'baseline' before it
# (σ = 1.4826·MAD); once active it clears only below median + clear_ratio·(threshold − median).
# Templates: {{ $labels.<name> }}, {{ $value }}, {{ $threshold }}, {{ $baseline }}, {{ $from }}, {{ $to }},
# {{ remedy <event id> }}, {{ description <event id> }}. 'dashboard' is a path under the external URL.
rules:
  - name: RejectionSpikePerNode
    metric: rejection_rate
    scope: node
    condition:
      spike: { window: 5m, baseline: 1h, k: 6, floor: 10, min_ratio: 3, clear_ratio: 0.5 }
    for: 2m
    keep_firing_for: 5m
    labels: { severity: warning }
    annotations:
      summary: "Rejection spike on gateway {{ $labels.node }}: {{ $value }}/min (threshold {{ $threshold }}, baseline {{ $baseline }})"
      description: "Refused connections on {{ $labels.node }} jumped above their usual level. Usually agents pointed at a workspace or host the gateways do not serve (105) or agents on old TLS (106). 105: {{ remedy 105 }} 106: {{ remedy 106 }}"
      dashboard: "/events?node={{ $labels.node }}&event=104,105,106,402&from={{ $from }}&to={{ $to }}"

  - name: RejectionSpikeFleet
    metric: rejection_rate
    scope: fleet
    condition:
      spike: { window: 5m, baseline: 1h, k: 6, floor: 30, min_ratio: 3, clear_ratio: 0.5 }
    for: 2m
    keep_firing_for: 5m
    labels: { severity: warning }
    annotations:
      summary: "Fleet-wide rejection spike: {{ $value }}/min (threshold {{ $threshold }}, baseline {{ $baseline }})"
      description: "Refused connections across all gateways jumped above their usual level; a new agent fleet or a configuration change is the usual cause. 105: {{ remedy 105 }}"
      dashboard: "/?from={{ $from }}&to={{ $to }}"

  - name: Event105SpikePerWorkspace
    metric: event_rate
    event: 105
    scope: workspace
    condition:
      spike: { window: 5m, baseline: 1h, k: 6, floor: 5, min_ratio: 3, clear_ratio: 0.5 }
    for: 2m
    keep_firing_for: 5m
    labels: { severity: warning }
    annotations:
      summary: "Event 105 spike for workspace {{ $labels.workspace }}: {{ $value }}/min"
      description: "{{ description 105 }} Remedy: {{ remedy 105 }}"
      dashboard: "/investigate?ws={{ $labels.workspace }}&from={{ $from }}&to={{ $to }}"

  - name: ErrorSpikePerNode
    metric: error_rate
    scope: node
    condition:
      spike: { window: 5m, baseline: 1h, k: 6, floor: 5, min_ratio: 3, clear_ratio: 0.5 }
    for: 5m
    keep_firing_for: 5m
    labels: { severity: warning }
    annotations:
      summary: "Error Count spike on gateway {{ $labels.node }}: {{ $value }}/min (baseline {{ $baseline }})"
      description: "Errors (400/403) on {{ $labels.node }} rose above their usual level. 403: {{ remedy 403 }} 400: {{ remedy 400 }}"
      dashboard: "/nodes/{{ $labels.node }}?from={{ $from }}&to={{ $to }}"

  - name: NodeStoppedReporting
    metric: last_sample_age
    scope: node
    condition:
      threshold: { op: ">", value: 120, clear: 60 }
    for: 1m
    labels: { severity: critical }
    annotations:
      summary: "Gateway {{ $labels.node }} stopped reporting ({{ $value }} s since its last counter sample)"
      description: "No counter sample from {{ $labels.node }} for over 2 minutes: the process is down or its telemetry path (bus, ingester) is broken. {{ remedy 102 }}"
      dashboard: "/nodes/{{ $labels.node }}?from={{ $from }}&to={{ $to }}"

  # An agent that uploaded in each of the 6 hours before it went silent, silent for 15 minutes: no tunnel
  # opened and no byte sent through an open one. Not while its gateway is down or stopped (no counter sample
  # for node_down_after, or event 102): NodeStoppedReporting covers that, once per gateway.
  - name: AgentStoppedReporting
    metric: agent_silence
    scope: agent
    agents: { history: 6h, node_down_after: 2m }
    condition:
      threshold: { op: ">", value: 900 }
    labels: { severity: warning }
    annotations:
      summary: "Agent {{ $labels.agent }} stopped sending ({{ $value }} s since its last upload through {{ $labels.node }} to workspace {{ $labels.workspace }})"
      description: "The agent sent through the gateways every hour, and has neither opened a tunnel nor sent a byte since. Check the agent's service and its proxy settings on the machine; a refusal (event 105/106) from the same address is in the agent's events."
      dashboard: "/agents?agent={{ $labels.agent }}&from={{ $from }}&to={{ $to }}"
`;
