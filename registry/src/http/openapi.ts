/** Placeholder replaced below. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return { openapi: '3.1.0', info: { title: 'kong-registry', version: '1' }, paths: {} };
}
