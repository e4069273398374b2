import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { fromRedisFailure, redisReplyKind } from '../errors';

/**
 * The Lua scripts in registry/lua/, each with its KEYS/ARGV/output header. The folder sits next to
 * both src/ and dist/, so the same relative path works in tests (ts-jest) and at run time.
 */
const LUA_DIR = join(__dirname, '..', '..', 'lua');

/** One Lua script: EVALSHA first, EVAL once when Redis has not seen it (after a restart). */
export class LuaScript {
  private readonly source: string;
  private readonly sha: string;

  constructor(readonly name: string) {
    this.source = readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8');
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /** Runs the script; a Redis outage rejects with REG_ERR_REDIS_UNAVAILABLE (errors.ts). */
  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (redisReplyKind(err) !== 'NOSCRIPT') throw fromRedisFailure(err);
    }
    return redis.eval(this.source, keys.length, ...keys, ...args).catch((err: unknown) => {
      throw fromRedisFailure(err);
    });
  }
}

/** All scripts, loaded once per process. */
export const SCRIPTS = {
  register: new LuaScript('register'),
  heartbeat: new LuaScript('heartbeat'),
  deregister: new LuaScript('deregister'),
  drain: new LuaScript('drain'),
  reap: new LuaScript('reap'),
  gatewayHealth: new LuaScript('gateway-health'),
  snapshot: new LuaScript('snapshot'),
  consumerWrite: new LuaScript('consumer-write'),
};
