# Gatewatch: one image, every role (`docker run gatewatch gateway|ingester|alerter|dashboard|all`).
# Used by infra/compose.yaml; build from the repo root: docker build -t gatewatch:local .

# Build stage: npm ci compiles the splice(2) addon of zero-copy tunnels (packages/splice), which needs a C
# toolchain the runtime image does not carry; it uses this Node's own headers, so nothing is downloaded.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc g++ make python3 \
    && rm -rf /var/lib/apt/lists/*
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
# One COPY of the whole (filtered, see .dockerignore) tree: npm ci needs every workspace's package.json and
# links the workspace bins (gatewatch) into node_modules/.bin; a per-manifest layer would drift as workspaces change.
COPY . .
RUN npm ci --no-audit --no-fund && npm cache clean --force && \
    test -f packages/splice/build/Release/splice.node && \
    npx turbo run build:app --filter=@gatewatch/dashboard --output-logs=errors-only

FROM node:20-bookworm-slim
ENV NEXT_TELEMETRY_DISABLED=1 \
    TURBO_TELEMETRY_DISABLED=1 \
    DATA_DIR=/data \
    DASHBOARD_HOST=0.0.0.0 \
    METRICS_HOST=0.0.0.0 \
    GATEWATCH_ADMIN_HOST=0.0.0.0
WORKDIR /app
RUN mkdir -p /data && chown node:node /app /data
# Everything as the unprivileged user: the dashboard role replays its (cached) build into the tree at start.
USER node
COPY --from=build --chown=node:node /app /app

VOLUME /data
# proxy, gateway admin (/metrics, /healthz), dashboard, ingester/alerter /metrics
EXPOSE 8080 8081 3000 9464
ENTRYPOINT ["npx", "gatewatch"]
CMD ["all"]
