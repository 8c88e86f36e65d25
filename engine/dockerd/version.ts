// What ref-dockerd says it is. The engine version keeps dockerd 20.10's shape because scripts
// parse it; the suffix says which engine answered.
export const ENGINE_VERSION = '20.10.24-dockspec';
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';
export const GIT_COMMIT = 'dockspec';
