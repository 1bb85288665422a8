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
      // Swagger UI injects inline styles; staticCSP adds hashes for its own inline bits, and we
      // relax style-src on these routes only (see transformStaticCSP).
      staticCSP: true,
      transformStaticCSP: (header) => header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
      uiConfig: { deepLinking: false },
    });
  },
  { name: 'swagger' },
);
