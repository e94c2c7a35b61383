/** A proxy worker of a multi-core gateway node (started by cluster.ts; gets its config from the primary). */
import { serveWorker } from './cluster.ts';

serveWorker();
