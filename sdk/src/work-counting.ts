import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import { InFlightTracker, type TrackableResponse } from './in-flight';

/**
 * The work-counting half of a registration handle: `drain()` waits for what is counted here.
 * Apart from the lease logic (handle.ts) because it is a different idea: it never talks to the
 * registry.
 */
export class WorkCountingEmitter<
  Events extends Record<keyof Events, unknown[]>,
> extends EventEmitter<Events> {
  readonly #inFlight = new InFlightTracker();

  /** Requests in flight, as counted by `track()`, `trackRequests()`, `trackServer()` or `begin()`. */
  get inFlight(): number {
    return this.#inFlight.count;
  }

  /** Counts one request until its response finishes or closes (for `drain()`). */
  track(_req: unknown, res: TrackableResponse): void {
    this.#inFlight.track(res);
  }

  /** Express/Connect middleware that counts every request passing through it. */
  trackRequests(): (req: unknown, res: TrackableResponse, next: () => void) => void {
    return (req, res, next) => {
      this.track(req, res);
      next();
    };
  }

  /** Counts every request a Node `http.Server` (also what `app.listen()` returns) receives. */
  trackServer<S extends Pick<Server, 'on'>>(server: S): S {
    server.on('request', (req: IncomingMessage, res: TrackableResponse) => this.track(req, res));
    return server;
  }

  /** Counts non-HTTP work (a queue job, a stream); call the returned function when it ends. */
  begin(): () => void {
    return this.#inFlight.begin();
  }

  /** Resolves true once nothing counted is in flight, false after `timeoutMs` or when `cut` aborts first. */
  protected waitForIdle(timeoutMs: number, cut?: AbortSignal): Promise<boolean> {
    return this.#inFlight.waitForIdle(timeoutMs, cut);
  }
}
