/**
 * A proxy worker of a multi-core gateway node run with telemetry: it traces like a one-process gateway and
 * sends its encoded spans to the node's primary, which queues them with the node's other telemetry.
 */
import { GATEWAY_VERSION, sendSpans, serveWorker } from '@gatewatch/gateway';
import { spanProvider } from '@gatewatch/pipeline';
import { trace } from '@opentelemetry/api';

let provider: ReturnType<typeof spanProvider> | undefined;
serveWorker({
  prepare(config) {
    provider = spanProvider({ nodeId: config.nodeId, serviceVersion: GATEWAY_VERSION, deliver: sendSpans });
    trace.setGlobalTracerProvider(provider);
  },
  stopped: () => provider?.forceFlush(),
});
