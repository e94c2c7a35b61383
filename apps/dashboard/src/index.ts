export {
  AuthConfigError,
  authConfigFromEnv,
  exposureProblem,
  hashPassword,
  insecureNoAuthFromEnv,
} from './auth.ts';
export {
  DASHBOARD_DIR,
  DashboardError,
  type DashboardOptions,
  type RunningDashboard,
  startDashboard,
} from './server.ts';
