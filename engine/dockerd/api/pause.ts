// POST /containers/{id}/pause and /unpause (engine/dockerd/pause.ts does the work).
import type { Router } from './router.js';
import type { Daemon } from '../daemon.js';
import { pauseContainer, unpauseContainer } from '../pause.js';

export function pauseRoutes(r: Router, d: Daemon): void {
  const deps = d.pauseDeps;
  r.add('POST', '/containers/{id}/pause', async (ctx) => {
    await pauseContainer(deps, d.containers.get(ctx.params.id));
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/unpause', async (ctx) => {
    await unpauseContainer(deps, d.containers.get(ctx.params.id));
    ctx.noContent();
  });
}
