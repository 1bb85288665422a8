import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/**
 * OpenAPI generated from the routes' zod schemas (never hand-written): JSON at
 * /api/docs/json, UI at /api/docs. The UI assets are served locally by swagger-ui.
 */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Sealdesk API',
          description: 'End-to-end encrypted helpdesk. See docs/API.md and docs/PROTOCOL.md.',
          version: '1',
        },
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, {
      routePrefix: '/api/docs',
      // SECURITY: keep the site-wide CSP on the docs. Swagger UI has no inline scripts but
      // renders React style attributes, so style-src gets 'unsafe-inline' on these routes only
      // (the hook is scoped to the swagger-ui plugin). The docs page handles no secrets.
      staticCSP: false,
      transformStaticCSP: (header) => header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
      uiConfig: { deepLinking: false },
    });
  },
  { name: 'swagger' },
);
