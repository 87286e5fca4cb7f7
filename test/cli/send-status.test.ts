import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { send } from '../../src/cli/send.js';
import { status } from '../../src/cli/status.js';
import { UsageError } from '../../src/cli/args.js';
import { startHttp } from '../helpers/http-harness.js';
import { runCli, startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

function capture(env: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', env, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

/** A loopback URL where nothing listens: a port the OS just handed out and took back. */
async function nobody(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('katar-sms send and status against a running server', () => {
  let child: ChildGateway;
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  beforeAll(async () => {
    tmp = await makeTmpDir();
    child = await startChild(['serve', '--modem', 'sim', '--port', '0', '--data-dir', tmp.dir]);
  });
  afterAll(async () => {
    child?.proc.kill('SIGKILL');
    await child?.exited;
    await tmp?.cleanup();
  });

  it('queues an SMS and, with --wait, follows it until the simulated modem sent it', async () => {
    const io = capture({ KATAR_SERVER: child.url });
    expect(await send(['--to', '+61404341143', '--msg', 'hello from the CLI', '--wait'], io)).toBe(0);
    expect(io.stdout).toMatch(/^queued (\w+) on http:\/\/127\.0\.0\.1:\d+ \(queue sms, 1 part\): queued$/m);
    const id = /^queued (\w+)/m.exec(io.stdout)?.[1];
    expect(io.stdout).toContain(`${id}: done`);
  });

  it('prints the task as JSON without waiting', async () => {
    const io = capture();
    expect(await send(['--server', child.url, '--to', '+61404341143', '--msg', 'x', '--priority', '10', '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout)).toMatchObject({ status: 'queued', priority: 10, data: { to: '+61404341143' } });
  });

  it("prints the server's refusal naming the field, exit 1", async () => {
    const io = capture();
    expect(await send(['--server', child.url, '--to', 'not a number', '--msg', 'x'], io)).toBe(1);
    expect(io.stderr).toMatch(/server refused \(400 VALIDATION, field to\): .*to/);
    const unknownQueue = capture();
    expect(await send(['--server', child.url, '--queue', 'nope', '--to', '+61404341143', '--msg', 'x'], unknownQueue)).toBe(1);
    expect(unknownQueue.stderr).toMatch(/404 QUEUE_NOT_FOUND/);
  });

  it('shows queue depth and modem health', async () => {
    const io = capture();
    expect(await status(['--server', child.url], io)).toBe(0);
    expect(io.stdout).toMatch(/^server http:\/\/127\.0\.0\.1:\d+: ok, up \d+s$/m);
    expect(io.stdout).toMatch(/^queue sms: \d+ queued, \d+ in progress, \d+ paused, [1-9]\d* done, 0 failed, 0 cancelled$/m);
    expect(io.stdout).toMatch(/^modem modem0: ready, -73 dBm \(4\/4 bars\), registration home, Katar Mobile/m);
    const json = capture();
    expect(await status(['--server', child.url, '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'ok', modems: [{ name: 'modem0', state: 'ready' }] });
  });

  it('runs through the built CLI too', async () => {
    const r = await runCli(['send', '--server', child.url, '--to', '+61404341143', '--msg', 'via the binary']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^queued \w+ on /);
  });
});

describe('katar-sms send and status without a server', () => {
  it('says that no server answers, exit 1', async () => {
    const url = await nobody();
    const io = capture();
    expect(await send(['--server', url, '--to', '+61404341143', '--msg', 'x'], io)).toBe(1);
    expect(io.stderr).toBe(`katar-sms send: no katar-sms server at ${url} (ECONNREFUSED)\n`);
    const st = capture({ KATAR_SERVER: url });
    expect(await status([], st)).toBe(1);
    expect(st.stderr).toContain(`no katar-sms server at ${url}`);
  });

  it('shows a server without built-in modems as remote-workers-only, exit 0', async () => {
    const tmp = await makeTmpDir();
    const child = await startChild(['serve', '--modem', 'none', '--port', '0', '--data-dir', tmp.dir]);
    try {
      const io = capture();
      expect(await status(['--server', child.url], io)).toBe(0);
      expect(io.stdout).toMatch(/modems: none built in \(remote workers only\)/);
    } finally {
      child.proc.kill('SIGKILL');
      await child.exited;
      await tmp.cleanup();
    }
  });

  it('exits 1 when a modem is not ready, saying why', async () => {
    const h = await startHttp();
    try {
      h.gateway.parts.modems.report({ name: 'modem0', state: 'sim-pin-required', lastError: 'the SIM wants a PIN and none is configured', updatedAt: new Date().toISOString() });
      const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      const io = capture();
      expect(await status(['--server', url], io)).toBe(1);
      expect(io.stdout).toMatch(/^modem modem0: sim-pin-required, last error: the SIM wants a PIN/m);
      expect(io.stderr).toMatch(/modem modem0 is not ready \(sim-pin-required: the SIM wants a PIN/);
    } finally {
      await h.close();
    }
  });

  it('exits 1 when the waited-for task fails, or is still pending at --timeout', async () => {
    const h = await startHttp({ queues: { sms: { maxAttempts: 1 } } });
    try {
      const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      const io = capture();
      const sending = send(['--server', url, '--to', '+61404341143', '--msg', 'x', '--wait'], io);
      // A remote worker takes the task and reports a failure.
      let taken: { _id: string } | undefined;
      while (!taken) {
        const poll = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', payload: {} });
        taken = poll.statusCode === 200 ? (poll.json() as { tasks: Array<{ _id: string }> }).tasks[0] : undefined;
        if (!taken) await new Promise((r) => setTimeout(r, 20));
      }
      await h.app.inject({ method: 'POST', url: '/v1/queue/sms', payload: { tasks: [{ _id: taken._id, status: 'failed', error: 'SIM has no credit' }] } });
      expect(await sending).toBe(1);
      expect(io.stdout).toContain(`${taken._id}: failed (SIM has no credit)`);
      const slow = capture();
      expect(await send(['--server', url, '--to', '+61404341143', '--msg', 'y', '--wait', '--timeout', '1'], slow)).toBe(1);
      expect(slow.stderr).toMatch(/is still queued after 1 s/);
    } finally {
      await h.close();
    }
  });

  it('refuses a bad command line before any request (exit 2)', async () => {
    await expect(send(['--msg', 'x'], capture())).rejects.toThrow(UsageError);
    await expect(send(['--to', '+1', '--msg', 'x', '--server', 'ftp://x'], capture())).rejects.toThrow(/http/);
    await expect(send(['--to', '+1', '--msg', 'x', '--priority', '5000'], capture())).rejects.toThrow(/--priority/);
    const r = await runCli(['send', '--to', '+61404341143']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--msg TEXT is required/);
  });
});
