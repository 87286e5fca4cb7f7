import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import type { CliIo } from '../../src/cli/io.js';
import { ussd } from '../../src/cli/ussd.js';
import { parseConfig } from '../../src/config.js';
import { buildApp, type HttpApp } from '../../src/http/app.js';
import { setUssdAnswers } from '../../src/simulator/behaviours/ussd.js';
import { startModemHarness, type ModemHarness } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const ADMIN = 'admin-token-for-the-cli-0123';

function capture(env: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', env, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

describe('katar-sms ussd against a running server', () => {
  let h: ModemHarness;
  let app: HttpApp;
  let url: string;
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  beforeAll(async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    setUssdAnswers(h.sim, {}, 20);
    app = await buildApp({ parts: h.gateway.parts, config: parseConfig({ tokens: [{ name: 'root', token: ADMIN, role: 'admin' }] }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    tmp = await makeTmpDir();
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
    await tmp?.cleanup();
  });

  it("prints the network's answer to a code, with the token from the environment", async () => {
    const io = capture({ KATAR_SERVER: url, KATAR_TOKEN: ADMIN });
    expect(await ussd(['--modem', 'sim0', '*100#'], io)).toBe(0);
    expect(io.stdout).toBe('Balance: 12.34 EUR. Valid until 2027-01-31\n');
  });

  it('walks a menu with --reply and ends one with --cancel', async () => {
    const io = capture({ KATAR_SERVER: url, KATAR_TOKEN: ADMIN });
    expect(await ussd(['--modem', 'sim0', '*123#'], io)).toBe(0);
    expect(io.stdout).toBe('Main menu\n1 Balance\n2 Data\n-- menu open on sim0: answer with --reply TEXT, or --cancel\n');
    const again = capture({ KATAR_SERVER: url, KATAR_TOKEN: ADMIN });
    expect(await ussd(['--modem', 'sim0', '*100#'], again)).toBe(1);
    expect(again.stderr).toMatch(/server refused \(409 USSD_BUSY\): a USSD session is open on modem sim0/);
    const reply = capture({ KATAR_SERVER: url, KATAR_TOKEN: ADMIN });
    expect(await ussd(['--modem', 'sim0', '--reply', '2', '--json'], reply)).toBe(0);
    expect(JSON.parse(reply.stdout)).toMatchObject({ modem: 'sim0', status: 1, session: 'open' });
    const cancel = capture({ KATAR_SERVER: url, KATAR_TOKEN: ADMIN });
    expect(await ussd(['--modem', 'sim0', '--cancel'], cancel)).toBe(0);
    expect(cancel.stdout).toBe('sim0: USSD session cancelled\n');
  });

  it("takes the server and the admin token from the gateway's config", async () => {
    const config = join(tmp.dir, 'config.json');
    const port = Number(new URL(url).port);
    await writeFile(config, JSON.stringify({ port, tokens: [{ name: 'p', token: 'producer-token-0123456789', role: 'producer' }, { name: 'root', token: ADMIN, role: 'admin' }] }));
    const io = capture({ KATAR_CONFIG: config });
    expect(await ussd(['--modem', 'sim0', '*101#'], io)).toBe(0);
    expect(io.stdout).toBe('Баланс: 12,34 ₽\n');
  });

  it('prints the refusal without a token, for an unknown modem, and on a timeout', async () => {
    const anon = capture({ KATAR_SERVER: url });
    expect(await ussd(['--modem', 'sim0', '*100#'], anon)).toBe(1);
    expect(anon.stderr).toMatch(/401/);
    const unknown = capture({ KATAR_SERVER: url, KATAR_TOKEN: ADMIN });
    expect(await ussd(['--modem', 'nope', '*100#'], unknown)).toBe(1);
    expect(unknown.stderr).toMatch(/404 MODEM_NOT_FOUND.*no built-in modem named "nope"/);
    const slow = capture({ KATAR_SERVER: url, KATAR_TOKEN: ADMIN });
    expect(await ussd(['--modem', 'sim0', '*999#', '--timeout', '1'], slow)).toBe(1);
    expect(slow.stderr).toMatch(/504 USSD_TIMEOUT\): the network did not answer \*999# within 1 s/);
  });

  it('refuses a bad command line', async () => {
    await expect(ussd(['*100#'], capture())).rejects.toThrow(UsageError);
    await expect(ussd(['--modem', 'm'], capture())).rejects.toThrow(/give a CODE/);
    await expect(ussd(['--modem', 'm', '*100#', '--cancel'], capture())).rejects.toThrow(/give a CODE/);
    await expect(ussd(['--modem', 'm', 'balance'], capture())).rejects.toThrow(/"balance" is not a USSD code/);
  });
});
