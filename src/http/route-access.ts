import type { FastifyInstance } from 'fastify';
import type { Role } from '../config.js';
import type { RequestGuards } from './request-guards.js';

/** Who may call the routes of a plugin: anyone, or a token of one of `roles` (admin always may). */
export type RouteAccess = { kind: 'public' } | { kind: 'roles'; roles: readonly Role[] };

/** No authentication at all (liveness, readiness, the OpenAPI document). */
export const publicRoutes = (): RouteAccess => ({ kind: 'public' });

/** A token of one of `roles`, or an admin token; anyone while no tokens are configured. */
export const requireRoles = (roles: readonly Role[]): RouteAccess => ({ kind: 'roles', roles });

/** The decoration a plugin's context carries once it has declared its access (and its nested plugins inherit). */
const ACCESS = Symbol('katar.routeAccess');

/**
 * Declares who may call the routes of `app`, a route plugin's own (encapsulated) context:
 * for `requireRoles` it authenticates every request to them in an `onRequest` hook of
 * that context, before the body is read, and sets `req.principal`. Other plugins are not
 * affected, so each plugin carries its own policy and no hook is shared.
 *
 * Call it first in the plugin, before its routes. A plugin declares once, and its nested
 * plugins inherit the declaration; a plugin whose routes need two policies registers two
 * nested plugins, each declaring one.
 */
export function declareAccess(app: FastifyInstance, guards: RequestGuards, access: RouteAccess): void {
  if (app.hasDecorator(ACCESS)) {
    throw new Error('this plugin (or one around it) has declared its access already: register routes that need another policy as a sibling plugin');
  }
  app.decorate<RouteAccess>(ACCESS, access);
  if (access.kind === 'public') return;
  const { roles } = access;
  app.addHook('onRequest', async (req) => {
    req.principal = guards.authenticate(req, roles);
  });
}

/**
 * Makes the safe default explicit on the root instance: a route added where no
 * `declareAccess` is in force throws at registration (and `buildApp` fails), so a route
 * that forgot its policy is never served, neither public nor guarded by a guess.
 */
export function requireDeclaredAccess(app: FastifyInstance): void {
  app.addHook('onRoute', function (route) {
    if (!this.hasDecorator(ACCESS)) {
      throw new Error(`${String(route.method)} ${route.url} has no declared access: call declareAccess(app, guards, publicRoutes() or requireRoles([...])) in its plugin`);
    }
  });
}
