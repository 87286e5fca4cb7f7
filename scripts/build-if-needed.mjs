// Builds dist/ when it is missing or older than any source file. It runs before
// `npm start` (prestart) and after `npm install` / `npm ci` (prepare), so that a fresh
// clone has a working `npx katar-sms` without a separate build step.
//
// Two trees have nothing to build, and it then does nothing: an installed release
// (deploy/install.sh copies dist/ without src/ and runs `npm ci --omit=dev` there), and a
// checkout installed with `npm ci --omit=dev` whose dist/ is already built (TypeScript is
// a dev dependency, so it cannot rebuild; it says so when the sources are newer).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const entry = join(root, 'dist/src/cli/main.js');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

const dashboardSrc = join(root, 'src/dashboard');
const dashboardIndex = join(root, 'dist/dashboard/index.html');
const dashboardBuild = join(root, 'scripts/build-dashboard.mjs');

/** The newest modification time under dir, leaving out the folders of `skip`. */
function newestMtime(dir, skip = []) {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    if (skip.includes(p)) continue;
    newest = Math.max(newest, name.isDirectory() ? newestMtime(p, skip) : statSync(p).mtimeMs);
  }
  return newest;
}

const sourceDirs = ['src', 'drivers'].map((d) => join(root, d)).filter((d) => existsSync(d));
if (sourceDirs.length === 0) process.exit(0);

// The dashboard (browser code, bundled by esbuild, a dev dependency) is built apart from
// the server (tsc): a change to either rebuilds only that one. Without esbuild an
// existing bundle is kept; without any the gateway runs and GET / says how to build it.
function buildDashboardIfNeeded() {
  if (!existsSync(dashboardSrc)) return;
  const built = existsSync(dashboardIndex) ? statSync(dashboardIndex).mtimeMs : 0;
  const sources = Math.max(newestMtime(dashboardSrc), existsSync(dashboardBuild) ? statSync(dashboardBuild).mtimeMs : 0);
  if (built >= sources) return;
  if (!existsSync(join(root, 'node_modules/esbuild')) || !existsSync(dashboardBuild)) {
    process.stderr.write(built > 0
      ? 'katar-sms: src/dashboard is newer than dist/dashboard, but esbuild is not installed: keeping the existing dashboard. Run `npm ci && npm run build` to rebuild.\n'
      : 'katar-sms: the dashboard is not built and esbuild is not installed: the gateway runs without it. Run `npm ci && npm run build`.\n');
    return;
  }
  execFileSync(process.execPath, [dashboardBuild], { stdio: 'inherit' });
}
buildDashboardIfNeeded();

// The entry is package.json's `bin`: `npx katar-sms` runs it as a program, so it must be
// executable. tsc writes new files 0644, and npm sets the mode of a package's own bin only
// when it installs it into another project.
function makeRunnable() {
  try {
    chmodSync(entry, 0o755);
  } catch {
    // Someone else's build (e.g. root's): `node dist/src/cli/main.js` still runs it.
  }
}

const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
const sources = Math.max(...sourceDirs.map((d) => newestMtime(d, [dashboardSrc])));
if (built >= sources) {
  makeRunnable();
  process.exit(0);
}

if (!existsSync(tsc)) {
  if (built > 0) {
    makeRunnable();
    process.stderr.write('katar-sms: src/ is newer than dist/, but TypeScript is not installed (npm ci --omit=dev leaves it out): keeping the existing dist/. Run `npm ci && npm run build` to rebuild.\n');
    process.exit(0);
  }
  process.stderr.write('katar-sms: dist/ is not built and TypeScript is not installed (npm ci --omit=dev leaves it out). Run `npm ci` (with the dev dependencies) first; it builds dist/.\n');
  process.exit(1);
}

try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  makeRunnable();
} catch (err) {
  // tsc emits even when it reports errors; remove the entry so that a half-built dist/
  // is never taken for a current one.
  rmSync(entry, { force: true });
  throw err;
}
