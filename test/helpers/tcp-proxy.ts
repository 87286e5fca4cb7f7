import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy on loopback that can be taken down (every connection cut) and brought back on the same port. */
export interface TcpProxy {
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  /**
   * The network stalls without a word (a Wi-Fi drop, a switch losing power): connections
   * stay open, nothing is reset, and nothing gets through in either direction until thaw().
   */
  freeze(): void;
  /** Lets through what was held back meanwhile, in order, and what comes after. */
  thaw(): void;
  close(): Promise<void>;
}

/** A proxy to `target` on 127.0.0.1: what a box cut off from the database (or the network) looks like. */
export async function tcpProxy(target: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  let frozen = false;
  let server: Server | undefined;
  let port = 0;
  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)));
    from.on('end', () => (frozen ? held.push(() => to.end()) : to.end()));
  };
  const up = async (): Promise<void> => {
    server = createServer((client) => {
      const upstream = connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      forward(client, upstream);
      forward(upstream, client);
      // A side that goes away takes the other with it; while frozen the other side hears nothing of it.
      client.on('close', () => (frozen ? held.push(() => upstream.destroy()) : upstream.destroy()));
      upstream.on('close', () => (frozen ? held.push(() => client.destroy()) : client.destroy()));
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  const down = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };
  const freeze = (): void => void (frozen = true);
  const thaw = (): void => {
    frozen = false;
    for (const send of held.splice(0)) send();
  };
  await up();
  return { port, down, up, freeze, thaw, close: down };
}
