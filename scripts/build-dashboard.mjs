// Builds the dashboard (src/dashboard, Preact + TSX) into dist/dashboard: one minified
// script and one stylesheet under content-hashed names in assets/ (so that a browser may
// cache them for ever), and index.html naming them. No inline script or style: the
// gateway serves it under a Content-Security-Policy of script-src/style-src 'self'.
// Prints the gzipped size of what a browser downloads.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src/dashboard');
const dest = join(root, 'dist/dashboard');
// Built beside the old one and swapped in with renames: a gateway serving dist/dashboard
// (or a second build running at the same time) never sees it half written or missing.
const out = join(root, `dist/.dashboard-${process.pid}`);
const assets = join(out, 'assets');

/** The budget of all JavaScript and CSS, gzipped. */
const BUDGET_BYTES = 100 * 1024;

mkdirSync(assets, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: [join(src, 'main.tsx'), join(src, 'styles.css')],
  outdir: assets,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(src, 'tsconfig.json'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
}).catch((err) => {
  rmSync(out, { recursive: true, force: true });
  throw err;
});

const files = Object.keys(result.metafile.outputs).map((p) => join(root, p));
const script = files.find((f) => f.endsWith('.js'));
const style = files.find((f) => f.endsWith('.css'));
if (!script || !style) throw new Error(`the dashboard build made no script or no stylesheet: ${files.join(', ')}`);

writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<link rel="icon" href="data:,">
<title>katar-sms</title>
<link rel="stylesheet" href="assets/${basename(style)}">
<script type="module" src="assets/${basename(script)}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The katar-sms dashboard needs JavaScript; the HTTP API works without it (see /docs).</noscript>
</body>
</html>
`,
);

let total = 0;
for (const f of [script, style]) {
  const bytes = readFileSync(f);
  const gz = gzipSync(bytes, { level: 9 }).length;
  total += gz;
  console.log(`dashboard: ${basename(f)} ${(bytes.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`);
}
console.log(`dashboard: ${(total / 1024).toFixed(1)} KB of JavaScript and CSS gzipped (budget ${BUDGET_BYTES / 1024} KB) in dist/dashboard`);
if (total > BUDGET_BYTES) {
  rmSync(out, { recursive: true, force: true });
  console.error(`dashboard: over the budget of ${BUDGET_BYTES / 1024} KB gzipped; dist/dashboard left as it was`);
  process.exit(1);
}

const old = join(root, `dist/.dashboard-old-${process.pid}`);
if (existsSync(dest)) renameSync(dest, old);
renameSync(out, dest);
rmSync(old, { recursive: true, force: true });
