import type { Logger } from '../logger';
import { schemaRefusalReason, schemaStatus, SCHEMA_VERSION, type SchemaStatus } from './schema';

/** How often a running registry reads the stamp on its own (between /readyz probes). */
export const SCHEMA_CHECK_INTERVAL_MS = 5000;

/**
 * Reads the stored-data format stamp and says what it means once per change, not per request:
 * one error line when this registry meets a format newer than it understands (the scripts then
 * refuse every write), one info line when it can write again, one when the stamp moves (data
 * from before the stamp, then stamped by a registry's first write). /readyz asks it on every
 * probe; `start()` also reads it every {@link SCHEMA_CHECK_INTERVAL_MS}, so the line appears
 * even when nothing probes.
 */
export class SchemaWatch {
  private last: SchemaStatus | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly readStamp: () => Promise<string | null>,
    private readonly log: Logger,
    private readonly supported: number = SCHEMA_VERSION,
  ) {}

  /** Reads the stamp (rejects as the repository does when Redis is down) and logs a change. */
  async check(): Promise<SchemaStatus> {
    const status = schemaStatus(await this.readStamp(), this.supported);
    this.observe(status);
    return status;
  }

  private observe(status: SchemaStatus): void {
    const last = this.last;
    this.last = status;
    if (last && last.stored === status.stored && last.writable === status.writable) return;
    const fields = { storedFormat: status.stored, supportedFormat: status.supported };
    if (!status.writable) {
      this.log.error(fields, schemaRefusalReason(status));
    } else if (last && !last.writable) {
      this.log.info(fields, `the stored data is format ${status.stored} again: writes accepted`);
    } else {
      this.log.info(
        fields,
        status.stored === status.supported
          ? `the stored data is format ${status.stored}, as this registry writes`
          : `the stored data is format ${status.stored}: read as it is, stamped format ${status.supported} by this registry's first write`,
      );
    }
  }

  /** Reads the stamp every interval until stopped; a failed read (Redis down) is left to others. */
  start(intervalMs = SCHEMA_CHECK_INTERVAL_MS): void {
    if (this.timer) return;
    const tick = (): void => {
      this.check().then(
        () => undefined,
        () => undefined,
      );
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
