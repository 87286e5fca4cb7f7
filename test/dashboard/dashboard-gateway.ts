import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { modemComponents } from '../../src/modem-workers.js';
import { startGateway, type RunningGateway } from '../../src/start-gateway.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

export const TOKENS = {
  producer: 'producer-token-0123456789',
  admin: 'admin-token-0123456789abcd',
  worker: 'worker-token-0123456789abc',
};

/** A gateway on the simulated modem, with or without tokens, serving the built dashboard. */
export interface DashboardGateway {
  url: string;
  /** The simulated modem's control API (an SMS arrives: POST /incoming). */
  control: string;
  /** Stops the gateway and starts it again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Started in the test's process from the sources (startGateway, as `katar-sms serve`
 * does): the real HTTP app, store and built-in worker on the simulator, with the
 * dashboard of dist/dashboard (npm run build).
 */
export async function startDashboardGateway(opts: { tokens: boolean; failingWebhook?: boolean }): Promise<DashboardGateway> {
  const index = new URL('../../dist/dashboard/index.html', import.meta.url);
  if (!existsSync(index)) throw new Error('dist/dashboard is not built: run npm run build (or the tests without KATAR_SKIP_BUILD=1)');
  const tmp = await makeTmpDir('katar-dashboard-');
  const [port, controlPort, nobody] = [await freePort(), await freePort(), await freePort()];
  const config: Config = parseConfig({
    host: '127.0.0.1',
    port,
    dataDir: join(tmp.dir, 'data'),
    // Fast sends; status reports on (the simulator reports each part delivered at once).
    modems: [{ name: 'modem0', path: 'sim', simSendLatencyMs: 20, statusReports: true, simControlPort: controlPort }],
    // A receiver that is not there: the first event becomes a dead letter at once.
    ...(opts.failingWebhook && { webhooks: [{ name: 'crm', url: `http://127.0.0.1:${nobody}/hook`, events: ['sms.queued'], secret: 'a-webhook-secret-0123456789', maxAttempts: 1 }] }),
    ...(opts.tokens && {
      tokens: [
        { name: 'app', token: TOKENS.producer, role: 'producer' },
        { name: 'ops', token: TOKENS.admin, role: 'admin' },
        { name: 'phone', token: TOKENS.worker, role: 'worker' },
      ],
    }),
  });
  const logger = createLogger('error', 'json');
  let running: RunningGateway | undefined = await startGateway(config, logger, modemComponents());
  return {
    url: running.url,
    control: `http://127.0.0.1:${controlPort}`,
    async restart() {
      await running?.close();
      running = undefined;
      running = await startGateway(config, logger, modemComponents());
    },
    async stop() {
      await running?.close();
      running = undefined;
      await tmp.cleanup();
    },
  };
}

/** An SMS from `from` arrives at the simulated modem. */
export async function injectSms(gw: DashboardGateway, from: string, msg: string): Promise<void> {
  const res = await fetch(`${gw.control}/incoming`, { method: 'POST', body: JSON.stringify({ from, msg }) });
  if (res.status !== 202) throw new Error(`the simulator refused the SMS: ${res.status} ${await res.text()}`);
}
