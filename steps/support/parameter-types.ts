// The parameter types of the steps' sentences: {role} and {container}.
import { defineParameterType } from '@cucumber/cucumber';
import type { DockspecWorld } from './world.js';
import { Role, ROLES } from '../../harness/targets/types.js';

defineParameterType({
  name: 'role',
  // Longest first, so that "containerd-shim" is not read as "containerd".
  regexp: new RegExp([...ROLES].sort((a, b) => b.length - a.length).join('|')),
  transformer: (s: string) => s as Role,
});

// A container named in a step: "<app>" is the scenario's own name for it (World.containerName),
// made by the `--name <app>` that created it.
defineParameterType({
  name: 'container',
  regexp: /"([^"]*)"/,
  transformer(this: DockspecWorld, text: string) {
    return this.resolve(text);
  },
});
