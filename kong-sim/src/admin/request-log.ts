/** A record of every Admin API request, so tests can count what a client sent. */

/** One recorded request. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, as sent. */
  path: string;
  /** Query string without `?` ('' when none). */
  query: string;
  status: number;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Append-only log with a reset, shared by the server and the public handle. */
export class RequestLog {
  private entries: RecordedRequest[] = [];

  /** Appends one request. */
  record(entry: RecordedRequest): void {
    this.entries.push(entry);
  }

  /** A copy of everything recorded since the last reset. */
  requests(): RecordedRequest[] {
    return [...this.entries];
  }

  /** Forgets everything recorded so far. */
  reset(): void {
    this.entries = [];
  }

  /** Number of POST/PUT/PATCH/DELETE requests recorded (any status; `/config` included). */
  writeCount(): number {
    return this.entries.filter((entry) => WRITE_METHODS.has(entry.method)).length;
  }
}
