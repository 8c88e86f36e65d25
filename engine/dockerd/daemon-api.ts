// The daemon and its API: the bulk of ref-dockerd (stores, networking, containerd's client code, the
// routes). main.ts imports this one module after it has bound the listeners and launched
// containerd, so that it loads while containerd starts instead of before (docs/benchmarks.md).
import { Router } from './api/router.js';
import { systemRoutes, warmVersions } from './api/system.js';
import { imageRoutes } from './api/images.js';
import { containerRoutes } from './api/containers.js';
import { eventRoutes } from './api/events.js';
import { pauseRoutes } from './api/pause.js';
import type { Daemon } from './daemon.js';

export { Daemon } from './daemon.js';
export { warmVersions };

/** Docker's API over `daemon`. */
export function apiRouter(daemon: Daemon): Router {
  const router = new Router();
  systemRoutes(router, daemon);
  imageRoutes(router, daemon);
  containerRoutes(router, daemon);
  eventRoutes(router, daemon);
  pauseRoutes(router, daemon);
  return router;
}
