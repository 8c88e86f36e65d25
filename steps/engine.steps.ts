// Steps about the engine under test as a whole.
// Glossary:
//   a running engine                          a fresh engine of the target, answering /_ping
//   a running engine started with "FLAGS"     the same with extra daemon flags (placeholders allowed)
//   the image "dockspec/busybox"              the test image is present in the engine
import { Given } from '@cucumber/cucumber';
import { DockspecWorld } from './support/world.js';

function splitFlags(flags: string): string[] {
  return flags.split(/\s+/).filter(Boolean);
}

Given('a running engine', async function (this: DockspecWorld) {
  if (this.attached) return;
  await this.startEngine();
});

Given('a running engine started with {string}', async function (this: DockspecWorld, flags: string) {
  if (this.attached) {
    return this.skipNotControlled('this scenario starts the engine with other daemon flags');
  }
  await this.startEngine({ flags: splitFlags(await this.resolve(flags)) });
  return undefined;
});

Given('the image {string}', async function (this: DockspecWorld, image: string) {
  await this.ensureImage(image);
});
