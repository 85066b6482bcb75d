import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';

// The command line as one bundle (dist/bin/), built from tsc's output in dist/. A short command such as
// `lint FILE` spent a fifth of its time resolving and loading some 60 modules; bundled, it loads a
// handful. Each command stays its own chunk (the CLI imports commands on demand), and packages in
// node_modules stay outside the bundle, loaded as they are installed.
const config = {
  input: { 'ecr-lifeguard': 'dist/cli/main.js' },
  platform: 'node',
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  logLevel: 'warn',
  output: {
    dir: 'dist/bin',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    cleanDir: true,
  },
};

export default config;

// `node rolldown.config.mjs` (npm run build): the same build through rolldown's API, which, unlike its
// command line, prints nothing when all is well (warnings and errors still show).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await build(config);
