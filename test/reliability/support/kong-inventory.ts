/** Bulk registration through the registry API, and an inventory of what kong-sim holds. */
import type { RunningRegistry } from '@kong-registry/registry';

/** Registers `count` services with `perService` instances each, through the admin API. */
export async function registerMany(
  registry: RunningRegistry,
  count: number,
  perService: number,
  port = 9,
): Promise<void> {
  const token = registry.adminToken ?? '';
  const puts: Promise<void>[] = [];
  for (let s = 0; s < count; s += 1) {
    for (let i = 0; i < perService; i += 1) {
      puts.push(
        fetch(`${registry.url}/v1/services/svc-${s}/instances/i-${i}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ host: `10.0.${s}.${i + 1}`, port, ttlSeconds: 300 }),
        }).then(async (res) => {
          if (res.status >= 300)
            throw new Error(`register svc-${s}/i-${i}: ${res.status} ${await res.text()}`);
        }),
      );
    }
  }
  await Promise.all(puts);
}

/** Managed entity names per kind in kong-sim, and whether any name appears twice. */
export async function kongInventory(
  admin: string,
): Promise<{ counts: Record<string, number>; duplicates: string[] }> {
  const counts: Record<string, number> = {};
  const duplicates: string[] = [];
  for (const kind of ['services', 'routes', 'upstreams']) {
    const names: string[] = [];
    let next: string | null = `/${kind}?size=1000`;
    while (next) {
      const page = (await (await fetch(`${admin}${next}`)).json()) as {
        data: { name?: string }[];
        next: string | null;
      };
      names.push(...page.data.map((e) => e.name ?? ''));
      next = page.next;
    }
    counts[kind] = names.length;
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) duplicates.push(`${kind}:${name}`);
      seen.add(name);
    }
  }
  let targets = 0;
  const upstreams = (await (await fetch(`${admin}/upstreams?size=1000`)).json()) as {
    data: { id: string }[];
  };
  for (const upstream of upstreams.data) {
    // Paged like the entity lists: an upstream may hold more than a page of targets.
    const list: { target: string }[] = [];
    let next: string | null = `/upstreams/${upstream.id}/targets?size=1000`;
    while (next) {
      const page = (await (await fetch(`${admin}${next}`)).json()) as {
        data: { target: string }[];
        next: string | null;
      };
      list.push(...page.data);
      next = page.next;
    }
    targets += list.length;
    const seen = new Set<string>();
    for (const t of list) {
      if (seen.has(t.target)) duplicates.push(`target:${t.target}`);
      seen.add(t.target);
    }
  }
  counts.targets = targets;
  return { counts, duplicates };
}
