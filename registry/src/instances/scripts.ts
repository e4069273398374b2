import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { fromRedisFailure, redisReplyKind } from '../errors';
import { fromSchemaRefusal, SCHEMA_VERSION } from './schema';

/**
 * The Lua scripts in registry/lua/, each with its KEYS/ARGV/output header. The folder sits next to
 * both src/ and dist/, so the same relative path works in tests (ts-jest) and at run time.
 */
const LUA_DIR = join(__dirname, '..', '..', 'lua');

/**
 * What goes before a script that writes: the format it writes, then lua/lib/schema.lua (the
 * stamp check, the stamp, the revision with the index watermark) and lua/lib/prefixes.lua (what
 * a definition claims, and releasing it). Redis has no includes, so the shared code travels with
 * each script.
 */
const WRITER_PRELUDE = [
  `local SCHEMA_VERSION = ${SCHEMA_VERSION}`,
  readFileSync(join(LUA_DIR, 'lib', 'schema.lua'), 'utf8'),
  readFileSync(join(LUA_DIR, 'lib', 'prefixes.lua'), 'utf8'),
  '',
].join('\n');

/** One Lua script: EVALSHA first, EVAL once when Redis has not seen it (after a restart). */
export class LuaScript {
  /** The source Redis runs (the prelude included), e.g. for the bench's redis-benchmark runs. */
  readonly source: string;
  readonly sha: string;

  /** `writes`: the script changes state, so it carries the schema prelude and its gate. */
  constructor(
    readonly name: string,
    writes: boolean,
  ) {
    const own = readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8');
    this.source = writes ? WRITER_PRELUDE + own : own;
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /**
   * Runs the script; a Redis outage rejects with REG_ERR_REDIS_UNAVAILABLE, stored data of a
   * newer format with REG_ERR_SCHEMA_TOO_NEW (errors.ts, schema.ts).
   */
  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (redisReplyKind(err) !== 'NOSCRIPT') throw classify(err);
    }
    return redis.eval(this.source, keys.length, ...keys, ...args).catch((err: unknown) => {
      throw classify(err);
    });
  }
}

/** A failed script call as what the registry answers. */
function classify(err: unknown): unknown {
  return fromSchemaRefusal(err) ?? fromRedisFailure(err);
}

/** All scripts, loaded once per process. */
export const SCRIPTS = {
  register: new LuaScript('register', true),
  heartbeat: new LuaScript('heartbeat', true),
  deregister: new LuaScript('deregister', true),
  drain: new LuaScript('drain', true),
  reap: new LuaScript('reap', true),
  gatewayHealth: new LuaScript('gateway-health', true),
  snapshot: new LuaScript('snapshot', false),
  consumerWrite: new LuaScript('consumer-write', true),
};
