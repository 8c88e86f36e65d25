export const RUNTIME_VERSION = '0.1.0';

/**
 * As `runc --version` prints it. dockerd reads it for `docker info`: the "version" line, and the
 * `commit:` line, which is what "runc version:" shows (without one, dockerd under
 * `--default-runtime ref-runc` printed an empty "runc version: ", measured on 20.10.24).
 */
export function versionText(): string {
  return `ref-runc version ${RUNTIME_VERSION}\ncommit: ref-runc-${RUNTIME_VERSION}\nspec: 1.0.2-dev\n`;
}
