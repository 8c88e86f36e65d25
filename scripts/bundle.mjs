// Bundles each reference-engine executable (bin/ref-*.ts) into one file, dist/bundle/<name>.js (ref-dockerd:
// a first file and chunks it imports later, SPLIT below), and makes dist/bin/<name>.js a small entry
// that turns on Node's compile cache and imports it.
// Why (docs/benchmarks.md): every reference process is a fresh Node.js, and several start on each
// `docker run`; resolving, reading and compiling dozens of ES modules (and the npm packages behind
// them) cost each of them tens of milliseconds before our code ran. One file is one read and one
// parse, and the compile cache (dist/.compile-cache) skips most of the compiling after the first run.
//
// Runs after tsc: the rest of dist/ (the per-module output that the unit tests and the suite's steps
// import) stays as tsc wrote it. The bundle is built from the TypeScript sources, so building twice
// gives the same files. Modules that find files next to themselves (import.meta.url) get the URL of
// their own dist/ location, so .proto files, dist/native/ and the shim's own entry are found as
// before. Only koffi stays outside: it loads a native addon from its package directory.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');
const entries = readdirSync(join(root, 'bin')).filter((f) => /^ref-.*\.ts$/.test(f));

/** import.meta.url of a source file as its tsc output in dist/ would see it, from the bundle's directory. */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      // import(<variable>) is left as it is and resolved against the bundle's directory at run time,
      // where the module is not: refuse it rather than ship an executable that fails later.
      const dynamic = /(?<![\w.$])import\(\s*(?!['"`])/.exec(source.replace(/\/\/.*$/gm, ''));
      if (dynamic) return { errors: [{ text: `${relative(root, args.path)}: import() of a variable cannot be bundled; use a string literal` }] };
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
      const compiled = join(dist, relative(root, args.path)).replace(/\.ts$/, '.js');
      const rel = relative(outdir, compiled);
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/**
 * Node's own modules (and koffi) through require(), not import: an ES import of a built-in builds
 * an ES module facade that reads every export, and node:http's exports include lazy getters that
 * load undici, http2, tls and crypto — ~70 ms of CPU for ref-dockerd before its first line ran.
 */
const requireExternals = {
  name: 'externals-by-require',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path.replace(/^node:/, '');
      const builtin = args.path.startsWith('node:') || builtinModules.includes(bare);
      if (!builtin && args.path !== 'koffi') return undefined;
      if (args.kind === 'require-call') return { path: args.path, external: true };
      return { path: args.path, namespace: 'external-require' };
    });
    b.onLoad({ filter: /.*/, namespace: 'external-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * Executables whose import() of a module of ours becomes a chunk of its own, loaded when that
 * import runs: ref-dockerd binds its listeners and launches containerd from a small first chunk and
 * loads the daemon (daemon-api.ts, grpc-js behind the containerd client) while containerd starts.
 * Their chunks are dist/bundle/<name>-chunk-*.js, shared by nothing else; every other executable
 * stays one file.
 */
const SPLIT = new Set(['ref-dockerd.ts']);

const common = {
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external: ['koffi'],
  // The CommonJS packages inside (grpc-js, protobufjs) call require() for Node's own modules.
  banner: { js: "import { createRequire as __dspCreateRequire } from 'node:module'; const require = __dspCreateRequire(import.meta.url);" },
  plugins: [requireExternals, ownUrl],
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
};

mkdirSync(outdir, { recursive: true });
for (const f of readdirSync(outdir)) if (f.endsWith('.js')) rmSync(join(outdir, f)); // chunks of an earlier build
const outputs = [];
const builds = [
  { ...common, entryPoints: entries.filter((f) => !SPLIT.has(f)).map((f) => join(root, 'bin', f)) },
  ...[...SPLIT].map((f) => ({ ...common, entryPoints: [join(root, 'bin', f)], splitting: true, chunkNames: `${f.replace(/\.ts$/, '')}-chunk-[hash]` })),
];
for (const options of builds) {
  const result = await build(options).catch(() => process.exit(1)); // esbuild has printed the errors
  outputs.push(...Object.keys(result.metafile.outputs).filter((o) => o.endsWith('.js')).map((o) => join(root, o)));
}

/**
 * esbuild's interop helper __toESM copies every property of a CommonJS module (and of each of Node's
 * own modules, which reach the bundle through require()) onto a fresh object as a getter: ~2,400
 * closures with their contexts and accessor pairs in the serving shim, ~0.65 MiB of heap that every
 * shim kept for its container's life (docs/benchmarks.md). The same namespace as an object whose
 * prototype is the module reads the same values, live, with nothing copied. A bundle without the
 * helper, or an esbuild whose helper looks different, fails the build rather than ship unchanged.
 */
const TO_ESM = /^var __toESM = \(mod, isNodeMode, (\w+)\) => \(\1 = mod != null \? __create\(__getProtoOf\(mod\)\) : \{\}, __copyProps\([\s\S]*?\n\)\);\n/m;
const LEAN_TO_ESM =
  'var __toESM = (mod, isNodeMode) => mod != null && !isNodeMode && mod.__esModule ? mod : ' +
  '__create(mod !== null && (typeof mod === "object" || typeof mod === "function") ? mod : null, { default: { value: mod, enumerable: true } });\n';
for (const bundled of outputs) {
  const text = readFileSync(bundled, 'utf8');
  if (!text.includes('var __toESM = ')) continue;
  if (!TO_ESM.test(text)) {
    process.stderr.write(`bundle: ${relative(root, bundled)}: esbuild's __toESM helper not found in the expected form\n`);
    process.exit(1);
  }
  writeFileSync(bundled, text.replace(TO_ESM, LEAN_TO_ESM));
}
if (!outputs.some((o) => readFileSync(o, 'utf8').includes('var __toESM = (mod, isNodeMode) =>'))) {
  process.stderr.write('bundle: no bundle holds the lean __toESM helper: has esbuild changed how it names it?\n');
  process.exit(1);
}

for (const file of entries) {
  const name = file.replace(/\.ts$/, '.js');
  const entry = join(dist, 'bin', name);
  mkdirSync(dirname(entry), { recursive: true });
  writeFileSync(
    entry,
    [
      '#!/usr/bin/env node',
      `// ${name}: built by scripts/bundle.mjs. The code is in ../bundle/${name}, one file; Node's compile`,
      '// cache (../.compile-cache) lets later starts skip compiling it. Without a writable cache it',
      '// just compiles, as without one.',
      "import module from 'node:module';",
      "module.enableCompileCache?.(new URL('../.compile-cache', import.meta.url).pathname);",
      `await import('../bundle/${name}');`,
      '',
    ].join('\n'),
  );
  chmodSync(entry, 0o755);
}
process.stdout.write(`bundle: ${entries.length} executables in ${outputs.length} files → ${relative(root, outdir)}/\n`);
