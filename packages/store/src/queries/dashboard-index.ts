/** The dashboard's queries (the store index re-exports this file). */
export type { DashboardEventFilters, DashboardRollup, DashboardWindow } from './dashboard-common.ts';
export {
  DASHBOARD_COUNTERS,
  DASHBOARD_OTHERS,
  type DashboardCounter,
  type DashboardCounterSeriesParams,
  type DashboardSeriesRow,
  dashboardCounterSeries,
  dashboardCounterSeriesTotals,
} from './dashboard-counters.ts';
export {
  type DashboardEventGroupKey,
  type DashboardEventRow,
  type DashboardEventSeriesParams,
  type DashboardEventTotalRow,
  type DashboardEventTotalsParams,
  type DashboardTopValueRow,
  type DashboardTopValuesParams,
  dashboardEventSeries,
  dashboardEventTotals,
  dashboardLatestEvents,
  dashboardTopValues,
} from './dashboard-events.ts';
export { type DashboardNodeRow, dashboardDataStart, dashboardNodes } from './dashboard-nodes.ts';
export { type DashboardSpan, dashboardTrace } from './dashboard-traces.ts';
export {
  DASHBOARD_AGENT_SORTS,
  DASHBOARD_USAGE_OTHERS,
  type DashboardAgentRow,
  type DashboardAgentSort,
  type DashboardAgentsPage,
  type DashboardAgentsParams,
  type DashboardUsageFilters,
  type DashboardUsageSeriesParams,
  type DashboardUsageTier,
  type DashboardUsageTotalRow,
  type DashboardUsageTotalsParams,
  dashboardAgents,
  dashboardUsageSeries,
  dashboardUsageTotals,
} from './dashboard-usage.ts';
