/**
 * A tiny path router with Kong's Admin API conventions: `{param}` segments, literal segments
 * beat parameters (so `/plugins/enabled` wins over `/plugins/{plugins}`), and HEAD follows GET.
 */
import type { Row } from '../schema/types';

/** Methods the Admin API routes on. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler sees. */
export interface AdminRequest {
  method: string;
  /** Decoded path, without trailing slash. */
  path: string;
  /** Path parameters exactly as given in the URL (decoded). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed body (JSON object or form fields); undefined when there is no body. */
  body: Row | undefined;
  /** Raw body text and its media type, for `/config`. */
  rawBody: string;
  mediaType: string;
  /** True when the body came from a form and needs schema type coercion. */
  fromForm: boolean;
}

/** What a handler returns; the server adds Kong's headers. */
export interface AdminReply {
  status: number;
  body?: unknown;
  /** A plain-text body instead of JSON (`/metrics`); its Content-Type comes in `headers`. */
  text?: string;
  headers?: Record<string, string>;
}

/** A route handler. */
export type Handler = (req: AdminRequest) => AdminReply | Promise<AdminReply>;

interface Route {
  pattern: string;
  segments: string[];
  handlers: Partial<Record<Method, Handler>>;
}

/** Registered routes; registering the same pattern again adds or replaces methods. */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds handlers for a pattern such as `/services/{services}/routes`. */
  add(pattern: string, handlers: Partial<Record<Method, Handler>>): void {
    const existing = this.routes.find((route) => route.pattern === pattern);
    if (existing) Object.assign(existing.handlers, handlers);
    else this.routes.push({ pattern, segments: split(pattern), handlers: { ...handlers } });
  }

  /** The best route for a path and its parameters, or undefined (→ 404). */
  match(
    path: string,
  ): { handlers: Partial<Record<Method, Handler>>; params: Record<string, string> } | undefined {
    const parts = split(path);
    let best: { route: Route; params: Record<string, string>; score: string } | undefined;
    for (const route of this.routes) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let score = '';
      let ok = true;
      route.segments.forEach((segment, i) => {
        const part = parts[i] as string;
        if (segment.startsWith('{')) {
          params[segment.slice(1, -1)] = part;
          score += '0';
        } else if (segment === part) score += '1';
        else ok = false;
      });
      if (ok && (!best || score > best.score)) best = { route, params, score };
    }
    return best && { handlers: best.route.handlers, params: best.params };
  }

  /** Every pattern, sorted segment by segment (for `GET /endpoints`). */
  patterns(): string[] {
    return this.routes.map((route) => route.pattern).sort();
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** The `Allow` list for a route: its methods plus HEAD (with GET) and OPTIONS, sorted. */
export function allowedMethods(handlers: Partial<Record<Method, Handler>>): string[] {
  const methods = new Set<string>(Object.keys(handlers));
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort();
}
