import { SCHEMA_HEADER } from '@gatewatch/events';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { BusMessage } from './bus.ts';

/** Header value of span messages: the Collector's Kafka encoding name. */
export const OTLP_PROTO = 'otlp_proto';

export interface BusSpanExporterOptions {
  /** Message key (the node id), so one node's spans stay on one partition. */
  key: string;
  /**
   * Takes one serialized `ExportTraceServiceRequest`. Telemetry passes its non-blocking queue here (never
   * waits on Kafka); a direct `bus.produce` also works and then reports failures to the SDK.
   */
  deliver(message: BusMessage): void | Promise<void>;
}

/**
 * OTel SpanExporter writing what the OpenTelemetry Collector's Kafka exporter writes with encoding
 * `otlp_proto`: one protobuf `ExportTraceServiceRequest` per message on topic `otlp_spans`.
 */
export class BusSpanExporter implements SpanExporter {
  private readonly opts: BusSpanExporterOptions;
  private stopped = false;

  constructor(opts: BusSpanExporterOptions) {
    this.opts = opts;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('span exporter is shut down') });
      return;
    }
    const bytes = ProtobufTraceSerializer.serializeRequest(spans);
    if (!bytes) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('OTLP serialization failed') });
      return;
    }
    const message: BusMessage = {
      key: this.opts.key,
      value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      headers: { [SCHEMA_HEADER]: OTLP_PROTO },
    };
    Promise.resolve()
      .then(() => this.opts.deliver(message))
      .then(
        () => resultCallback({ code: ExportResultCode.SUCCESS }),
        (error: unknown) =>
          resultCallback({
            code: ExportResultCode.FAILED,
            error: error instanceof Error ? error : new Error(String(error)),
          }),
      );
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.stopped = true;
  }
}
