export {
  DASHBOARD_DIR,
  DashboardError,
  type DashboardOptions,
  type RunningDashboard,
  startDashboard,
} from './server.ts';
