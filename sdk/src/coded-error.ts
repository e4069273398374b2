/**
 * The one error shape of every kong-registry package: a stable `code` (`<COMPONENT>_ERR_<WHAT>`,
 * see rules.ts), a message for people, and the HTTP status when a reply carried one. Callers
 * branch on `code`, never on `instanceof`: two copies of a package in one process (a service
 * that bundles the SDK, say) make `instanceof` lie, and a code also crosses process boundaries.
 */

/** What every error of this project carries. */
export interface CodedErrorShape {
  readonly code: string;
  readonly message: string;
  /** HTTP status of the reply that caused the error, when there was one. */
  readonly statusCode?: number | undefined;
}

/** Base class of every error the packages throw on purpose. */
export class CodedError<Code extends string = string> extends Error implements CodedErrorShape {
  readonly code: Code;
  readonly statusCode: number | undefined;

  constructor(
    code: Code,
    message: string,
    options: { statusCode?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = options.statusCode;
  }
}

/** `err.code` when `err` carries a string code (ours, or Node's `ECONNREFUSED`), else undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** `err.statusCode` when `err` carries a numeric one, else undefined. */
export function errorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** A one-line description of anything thrown, for logs and CLI output. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Thrown by every settings loader (registry, controller, agent, demo) once it has checked
 * everything: `problems` lists each bad setting, so a user fixes them all in one go.
 */
export class ConfigError<
  Code extends `${string}_ERR_CONFIG` = `${string}_ERR_CONFIG`,
> extends CodedError<Code> {
  readonly problems: readonly string[];

  /** `subject` names what was configured ("registry", "agent"...), for the first line. */
  constructor(code: Code, subject: string, problems: readonly string[]) {
    super(code, `invalid ${subject} configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = [...problems];
  }
}

/** True for a {@link ConfigError} of any package or copy (duck-typed on code and problems). */
export function isConfigError(err: unknown): err is ConfigError {
  return (
    (errorCode(err) ?? '').endsWith('_ERR_CONFIG') &&
    Array.isArray((err as { problems?: unknown }).problems)
  );
}
