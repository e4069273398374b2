/** `host:port` / `[v6]:port` of a target, split (stored with a port: K:kong/db/dao/targets.lua). */
export function parseTargetAddress(target: string): { host: string; port: number } {
  const v6 = /^\[(.+)\]:(\d+)$/.exec(target);
  if (v6) return { host: v6[1] ?? '', port: Number(v6[2]) };
  const idx = target.lastIndexOf(':');
  if (idx === -1) return { host: target, port: 8000 };
  return { host: target.slice(0, idx), port: Number(target.slice(idx + 1)) };
}
