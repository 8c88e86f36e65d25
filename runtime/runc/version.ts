export const RUNTIME_VERSION = '0.1.0';

/** As `runc --version` prints it; dockerd reads the first line's "version" word for `docker info`. */
export function versionText(): string {
  return `ref-runc version ${RUNTIME_VERSION}\nspec: 1.0.2-dev\n`;
}
