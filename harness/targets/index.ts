import { dockerTarget, newDockerEngine } from './docker.js';
import { referenceTarget, newReferenceEngine } from './reference.js';
import { variantTargets } from './variants.js';
import { docker26Target, newDocker26Engine } from './docker26.js';
import { ManagedEngine } from './managed-engine.js';
import { TargetInfo } from './types.js';

export interface Target {
  info: TargetInfo;
  newEngine(): ManagedEngine;
}

const targets: Record<string, Target> = {
  docker: { info: dockerTarget, newEngine: () => newDockerEngine() },
  reference: { info: referenceTarget, newEngine: () => newReferenceEngine() },
  // dockerd 26.1 from Debian 13, fetched by install-deps (docker26.ts)
  docker26: { info: docker26Target, newEngine: () => newDocker26Engine() },
  // docker+ref-runc, reference+tini, …: one component swapped (variants.ts)
  ...variantTargets,
};

export function targetNames(): string[] {
  return Object.keys(targets);
}

export function getTarget(name: string): Target {
  const t = targets[name];
  if (!t) throw new Error(`unknown target "${name}"; known targets: ${targetNames().join(', ')}`);
  return t;
}
