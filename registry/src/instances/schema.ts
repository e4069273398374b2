/**
 * The stored-data format (the schema stamp): which layout and meaning of the Redis keys a
 * registry writes, so registries of different releases sharing one Redis notice each other.
 * The stamp is field `version` of `{p}schema`; the Lua scripts check and write it
 * (registry/lua/lib/schema.lua). Pure: the versions, the verdict, the words.
 *
 * Formats:
 *   1  no stamp: every release before the stamp. The prefix index may be missing or stale (the
 *      releases before the index did not keep it, and none of them can be told to).
 *   2  the stamp, and the index watermark (`index-revision`): a registry can tell when something
 *      that does not keep the index wrote since, and then checks by a scan and rebuilds. A
 *      service definition may list `extraPrefixes`, claimed in the owners hash like `prefix`
 *      (lua/lib/prefixes.lua). Format 1 registries release only `prefix`; what they leave, a
 *      claim whose service has no definition, register.lua drops when it meets it. A definition
 *      may also carry `upstream` (Kong's timeouts and retries): optional JSON no script reads,
 *      which older format-2 registries pass through, so it needed no new format.
 *
 * Bump SCHEMA_VERSION only for a change that older code would misread or corrupt; a newer
 * registry reads every older format (lazily, as it meets it) and stamps its own on its first write,
 * from which moment older registries that know the stamp refuse to write.
 */
import { redisReplyKind, RegistryError } from '../errors';

/** The format this registry writes, and the newest it understands. */
export const SCHEMA_VERSION = 2;

/** The format of data without a stamp (written by a release from before the stamp). */
export const UNSTAMPED_SCHEMA_VERSION = 1;

/** What a registry makes of the stored stamp. */
export interface SchemaStatus {
  /** The stored format; null when the stamp is not a number (not understood either). */
  stored: number | null;
  /** The newest format this registry understands. */
  supported: number;
  /** False when the stored format is newer than `supported` (or unreadable): writes are refused. */
  writable: boolean;
}

/** The verdict on a stamp as read from Redis (null: no stamp). */
export function schemaStatus(
  stamp: string | null,
  supported: number = SCHEMA_VERSION,
): SchemaStatus {
  // Lua's tonumber, which the scripts use, gives nil for "" where Number gives 0.
  const stored =
    stamp === null ? UNSTAMPED_SCHEMA_VERSION : stamp.trim() === '' ? NaN : Number(stamp);
  if (!Number.isFinite(stored)) return { stored: null, supported, writable: false };
  return { stored, supported, writable: stored <= supported };
}

/** Why this registry refuses to write: the refused request's message, the log line, /readyz. */
export function schemaRefusalReason(status: SchemaStatus): string {
  const stored = status.stored === null ? 'an unreadable format' : `format ${status.stored}`;
  return `the stored data is ${stored}, newer than this registry understands (format ${status.supported}): it refuses every write; upgrade it, or leave the writes to the registries that wrote that format`;
}

/**
 * A script's "SCHEMA stored=<stamp> supported=<n>" error reply as the registry's 503, or
 * undefined for any other failure.
 */
export function fromSchemaRefusal(err: unknown): RegistryError | undefined {
  if (redisReplyKind(err) !== 'SCHEMA') return undefined;
  const match = /stored=(\S+) supported=(\d+)/.exec((err as Error).message);
  const status = schemaStatus(match?.[1] ?? '', Number(match?.[2] ?? SCHEMA_VERSION));
  return new RegistryError('REG_ERR_SCHEMA_TOO_NEW', schemaRefusalReason(status), { cause: err });
}
