// One profile per target. Steps and support code run compiled (dist/), never through a loader.
const common = {
  paths: ['features/**/*.feature'],
  import: ['dist/steps/**/*.js'],
  strict: true,
};

export default { ...common, worldParameters: { target: 'reference' } };
export const reference = { ...common, worldParameters: { target: 'reference' } };
export const docker = { ...common, worldParameters: { target: 'docker' } };
export const docker26 = { ...common, worldParameters: { target: 'docker26' } };
