import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isKatarError, KatarError } from '../../errors.js';
import { CSRF_HEADER } from '../auth.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, publicRoutes } from '../route-access.js';
import { errorResponses } from '../schemas.js';
import { SESSION_COOKIE, SESSION_MAX_AGE_MS } from '../session-cookie.js';

/** What the session plugin needs. */
export interface SessionRoutesOptions {
  guards: RequestGuards;
}

const principalSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, role: { type: 'string', enum: ['producer', 'admin', 'anonymous'] } },
  required: ['name', 'role'],
} as const;

/** The cookie's attributes: never readable by scripts, never sent by another site's requests. */
function cookieOptions(req: FastifyRequest): { httpOnly: true; sameSite: 'strict'; path: '/'; secure: boolean } {
  return { httpOnly: true, sameSite: 'strict', path: '/', secure: req.protocol === 'https' };
}

/**
 * The dashboard's sessions, a public plugin (a login must be reachable without one):
 * `GET /v1/session` tells the app whether it must ask for a token and who is logged
 * in, `POST` opens a session from a producer or admin token (worker tokens are for
 * machines), `DELETE` ends it. The cookie then authenticates the API routes like the
 * token (auth.ts), with a CSRF token for changes.
 */
export async function sessionRoutes(app: FastifyInstance, { guards }: SessionRoutesOptions): Promise<void> {
  declareAccess(app, guards, publicRoutes());
  const auth = guards.auth;

  app.get(
    '/v1/session',
    {
      schema: {
        tags: ['dashboard'],
        operationId: 'getSession',
        summary: 'Whether a token is needed, and who the session cookie stands for (null without a valid one); with its CSRF token',
        security: [],
        response: {
          200: {
            type: 'object',
            properties: { authRequired: { type: 'boolean' }, principal: { anyOf: [principalSchema, { type: 'null' }] }, csrfToken: { type: 'string' } },
            required: ['authRequired', 'principal'],
          },
          ...errorResponses(400),
        },
      },
    },
    async (req) => {
      if (!auth.enabled) return { authRequired: false, principal: { name: 'anonymous', role: 'anonymous' } };
      const s = auth.session(req);
      if (!s) return { authRequired: true, principal: null };
      return { authRequired: true, principal: s.principal, csrfToken: auth.sessions!.csrfToken(s.claims.sessionId) };
    },
  );

  app.post<{ Body: { token: string } }>(
    '/v1/session',
    {
      schema: {
        tags: ['dashboard'],
        operationId: 'openSession',
        summary: 'Log in to the dashboard with a producer or admin token: sets the HttpOnly session cookie (12 h at most) and answers its CSRF token',
        security: [],
        body: { type: 'object', additionalProperties: false, properties: { token: { type: 'string', minLength: 1, maxLength: 1024 } }, required: ['token'] },
        response: {
          200: { type: 'object', properties: { principal: principalSchema, csrfToken: { type: 'string' } }, required: ['principal', 'csrfToken'] },
          ...errorResponses(400, 401, 403, 413, 415, 429),
        },
      },
    },
    async (req, reply) => {
      if (!auth.enabled || !auth.sessions) throw new KatarError('VALIDATION', 'no tokens are configured: the dashboard needs no login', { field: 'token' });
      let principal;
      try {
        principal = guards.identifyToken(req, req.body.token);
      } catch (err) {
        // The form shows the refusal at its field.
        if (isKatarError(err, 'UNAUTHORIZED')) throw new KatarError('UNAUTHORIZED', err.message, { ...err.details, field: 'token' });
        throw err;
      }
      if (principal.role === 'worker') throw new KatarError('FORBIDDEN', 'worker tokens cannot open the dashboard', { field: 'token' });
      const { cookie, claims } = auth.sessions.issue(principal.name, req.body.token);
      reply.setCookie(SESSION_COOKIE, cookie, { ...cookieOptions(req), maxAge: SESSION_MAX_AGE_MS / 1000 });
      return { principal, csrfToken: auth.sessions.csrfToken(claims.sessionId) };
    },
  );

  app.delete(
    '/v1/session',
    {
      schema: {
        tags: ['dashboard'],
        operationId: 'closeSession',
        summary: 'Log out: ends the session and clears its cookie (needs x-csrf-token while the session is valid)',
        security: [],
        response: { 204: { type: 'null', description: 'logged out' }, ...errorResponses(400, 403) },
      },
    },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const s = auth.session(req);
      if (s) {
        // Logging someone out is a change another site could otherwise make the browser ask for.
        if (!auth.sessions!.checkCsrf(s.claims.sessionId, req.headers[CSRF_HEADER])) {
          throw new KatarError('CSRF_REJECTED', `logging out needs the session's CSRF token in the ${CSRF_HEADER} header`);
        }
        auth.sessions!.revoke(s.claims);
      }
      reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
      return reply.status(204).send();
    },
  );
}
