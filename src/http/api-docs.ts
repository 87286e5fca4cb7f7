import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Headers of one hop, never passed between the two apps. */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date', 'upgrade']);

/**
 * The interactive documentation at /docs (@fastify/swagger-ui, its scripts and styles from
 * the package, never from another site), loaded on its first request: few open it, and
 * the package with @fastify/static costs about 2 MB of memory on every start. Fastify
 * takes no plugin once it is ready, so the first request builds a small app of its own
 * (never listening) holding swagger-ui over the gateway's OpenAPI document, and every
 * /docs request is passed to it with `inject`: the pages, assets, redirects and
 * conditional answers are swagger-ui's own. Registered in a plugin that declared its
 * access (public), hidden from the document like swagger-ui's own routes.
 */
export function lazyApiDocs(app: FastifyInstance, document: () => unknown): void {
  let docs: Promise<FastifyInstance> | undefined;
  const pass = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    docs ??= docsApp(document()).catch((err: unknown) => {
      docs = undefined; // the next request tries again
      throw err;
    });
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
    const res = await (await docs).inject({ method: req.method as 'GET' | 'HEAD', url: req.url, headers });
    reply.status(res.statusCode);
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP.has(k)) reply.header(k, v);
    return reply.send(res.rawPayload);
  };
  app.get('/docs', { schema: { hide: true } }, pass);
  app.get('/docs/*', { schema: { hide: true } }, pass);
}

/** The documentation's own app: swagger (static, over `document`) and swagger-ui at /docs. */
async function docsApp(document: unknown): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([import('fastify'), import('@fastify/swagger'), import('@fastify/swagger-ui')]);
  const docs = Fastify({ logger: false });
  await docs.register(swagger, { mode: 'static', specification: { document: document as never } });
  await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null } });
  await docs.ready();
  return docs;
}
