'use client';
import { usePathname } from 'next/navigation';

/** 404 for a node id that never reported (the page calls notFound()); the id comes from the URL. */
export default function NodeNotFound() {
  const nodeId = decodeURIComponent(usePathname().split('/')[2] ?? '');
  return (
    <div className="callout" role="status" data-testid="node-not-found">
      <strong>
        Node <code>{nodeId}</code> has never reported.
      </strong>
      <p>
        Check the node id (the Overview lists every node) or that this gateway's telemetry reaches the
        ingester.
      </p>
    </div>
  );
}
