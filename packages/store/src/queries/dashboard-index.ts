/** The dashboard's queries (the store index re-exports this file). */
export type { DashboardEventFilters, DashboardRollup, DashboardWindow } from './dashboard-common.ts';
export {
  DASHBOARD_COUNTERS,
  DASHBOARD_OTHERS,
  type DashboardCounter,
  type DashboardCounterSeriesParams,
  type DashboardSeriesRow,
  dashboardCounterSeries,
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
export { type DashboardNodeRow, dashboardNodes } from './dashboard-nodes.ts';
export { type DashboardSpan, dashboardTrace } from './dashboard-traces.ts';
