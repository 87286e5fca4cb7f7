import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The content types of what a dashboard build holds (scripts, styles, images, fonts,
 * source maps); anything else is served as bytes, never sniffed (nosniff).
 */
const TYPES: Readonly<Record<string, string>> = {
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

/** What the handler of one directory of files needs. */
export interface AssetFilesOptions {
  /** The directory served; it need not exist (a build made later is served without a restart). */
  root: string;
  /** The cache-control of a file, by its name. */
  cacheControl: (name: string) => string;
}

/**
 * A wildcard route's handler serving the files of one flat directory (the dashboard's
 * assets/), looked up on each request: a file is streamed with its type, size, a weak
 * ETag and Last-Modified, a matching If-None-Match or If-Modified-Since answers 304.
 * Names with a path separator, `..` or a leading dot are refused 403; a missing file,
 * or a directory, goes to the app's 404. A few lines in place of @fastify/static and its
 * dependencies, which cost about 2 MB of memory for two files.
 */
export function assetFiles(opts: AssetFilesOptions): (req: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => Promise<FastifyReply> {
  return async (req, reply) => {
    const name = req.params['*'];
    if (name.includes('/') || name.includes('\\') || name.includes('\0') || name.startsWith('.')) return reply.status(403).type('text/plain; charset=utf-8').send('Forbidden');
    const path = join(opts.root, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) {
      reply.callNotFound();
      return reply;
    }
    const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const modified = new Date(Math.floor(st.mtimeMs / 1000) * 1000);
    reply
      .header('content-type', TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream')
      .header('cache-control', opts.cacheControl(name))
      .header('etag', etag)
      .header('last-modified', modified.toUTCString());
    if (notModified(req, etag, modified)) return reply.status(304).send();
    // HEAD: fastify's own head route drops the stream and keeps its length.
    return reply.header('content-length', st.size).send(createReadStream(path));
  };
}

/** A conditional GET the client's copy satisfies (If-None-Match wins over If-Modified-Since, RFC 9110 §13.2.2). */
function notModified(req: FastifyRequest, etag: string, modified: Date): boolean {
  const match = req.headers['if-none-match'];
  if (match !== undefined) return match.split(',').some((t) => t.trim() === etag || t.trim() === '*');
  const since = req.headers['if-modified-since'];
  return since !== undefined && Date.parse(since) >= modified.getTime();
}
