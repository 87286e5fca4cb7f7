import type { FastifyInstance } from 'fastify';
import { KatarError } from '../errors.js';

/** Strict UTF-8: `fatal` makes a malformed byte sequence an error instead of U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses JSON request bodies. The body is read as bytes and decoded as strict UTF-8
 * (RFC 8259 §8.1): decoding it leniently would store U+FFFD in place of the bytes a
 * producer sent, and send an SMS that says something else. An empty body is `{}`, since
 * katar clients POST one to poll.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer).trim();
    } catch {
      return done(new KatarError('VALIDATION', 'the body is not valid UTF-8'), undefined);
    }
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new KatarError('VALIDATION', 'the body is not valid JSON'), undefined);
    }
  });
}
