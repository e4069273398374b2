/**
 * Scale probe for kong-sim (bench/profiles/kong-sim-scale.md). kong-sim runs in this process and
 * the Admin API client in a forked child, so this process's CPU time (process.cpuUsage) is
 * kong-sim's own cost per request, which a busy machine disturbs far less than wall time.
 *
 *   npx tsc -b kong-sim && node kong-sim/scripts/scale-probe.js [config|writes|all]
 *     [--sizes=100x3,1000x3,1000x10,5000x3] [--writes=1000] [--sim=path/to/kong-sim/dist/index.js]
 *
 * config: DB-less POST /config of N services x M targets (controller-shaped document), twice.
 * writes: DB mode; PUT services/upstreams/routes and POST targets (N x 6 writes), then list
 *         pages and per-upstream target lists, then 300 target PATCHes; 1 and 10 in flight.
 * Profile with: node --cpu-prof --cpu-prof-dir=/tmp/prof kong-sim/scripts/scale-probe.js ...
 */
const { fork } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const hc = (on) => ({
  active: {
    type: 'http',
    http_path: '/health',
    timeout: 1,
    healthy: { interval: on ? 300 : 0, successes: 2 },
    unhealthy: { interval: on ? 300 : 0, http_failures: 2, tcp_failures: 2, timeouts: 2 },
  },
  passive: {
    type: 'http',
    healthy: { successes: 2 },
    unhealthy: { http_failures: on ? 2 : 0, tcp_failures: on ? 2 : 0, timeouts: on ? 2 : 0 },
  },
});
const tags = (i) => ['managed-by:kong-registry', `service:svc-${i}`];
function doc(n, per) {
  const services = [],
    upstreams = [];
  for (let i = 0; i < n; i++) {
    services.push({
      name: `svc-${i}`,
      protocol: 'http',
      host: `svc-${i}.upstream`,
      port: 80,
      tags: tags(i),
      routes: [
        {
          name: `svc-${i}`,
          protocols: ['http', 'https'],
          paths: [`/svc-${i}`],
          strip_path: true,
          tags: tags(i),
        },
      ],
      plugins:
        i % 2
          ? [
              {
                name: 'key-auth',
                config: { key_names: ['apikey'], hide_credentials: true },
                tags: tags(i),
              },
            ]
          : [],
    });
    const targets = [];
    for (let j = 0; j < per; j++) {
      const k = i * per + j;
      targets.push({
        target: `127.${1 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}:8080`,
        weight: 100,
        tags: [...tags(i), `instance:i-${i}-${j}`],
      });
    }
    upstreams.push({ name: `svc-${i}.upstream`, healthchecks: hc(true), tags: tags(i), targets });
  }
  return { _format_version: '3.0', _transform: true, services, upstreams };
}
async function req(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 400)
    throw new Error(`${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}
async function pool(items, width, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]);
      }
    }),
  );
}

// ---- client side (child process): runs a phase on request, reports its wall time
const phases = {
  async config({ admin, n, per }) {
    const text = JSON.stringify(doc(n, per));
    await req(admin, 'POST', '/config', text);
    return { count: 1, bytes: text.length };
  },
  async seed({ admin, n }) {
    const ops = [];
    const ups = [];
    for (let i = 0; i < n; i++) {
      const sid = randomUUID(),
        uid = randomUUID();
      ops.push({
        level: 0,
        m: 'PUT',
        p: `/services/${sid}`,
        b: { name: `svc-${i}`, host: `svc-${i}.upstream`, tags: tags(i) },
      });
      ops.push({
        level: 0,
        m: 'PUT',
        p: `/upstreams/${uid}`,
        b: { name: `svc-${i}.upstream`, healthchecks: hc(true), tags: tags(i) },
      });
      ops.push({
        level: 1,
        m: 'PUT',
        p: `/routes/${randomUUID()}`,
        b: { name: `svc-${i}`, paths: [`/svc-${i}`], service: { id: sid }, tags: tags(i) },
      });
      for (let j = 0; j < 3; j++) {
        const k = i * 3 + j;
        ops.push({
          level: 1,
          m: 'POST',
          p: `/upstreams/${uid}/targets`,
          b: {
            target: `127.${1 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}:8080`,
            weight: 100,
            tags: tags(i),
          },
        });
      }
      ups.push(uid);
    }
    globalThis.ups = ups;
    for (const level of [0, 1])
      await pool(
        ops.filter((o) => o.level === level),
        globalThis.width,
        (o) => req(admin, o.m, o.p, o.b),
      );
    return { count: ops.length };
  },
  async lists({ admin }) {
    let pages = 0;
    for (const kind of ['services', 'routes', 'upstreams', 'plugins']) {
      let next = `/${kind}?size=1000`;
      while (next) {
        const page = await req(admin, 'GET', next);
        pages++;
        next = page.next;
      }
    }
    await pool(globalThis.ups, globalThis.width, async (u) => {
      await req(admin, 'GET', `/upstreams/${u}/targets?size=1000`);
    });
    return { count: pages + globalThis.ups.length };
  },
  async patches({ admin }) {
    const u = globalThis.ups[globalThis.ups.length >> 1];
    const targets = (await req(admin, 'GET', `/upstreams/${u}/targets`)).data;
    const items = Array.from({ length: 300 }, (_, k) => k);
    await pool(items, globalThis.width, (k) =>
      req(admin, 'PATCH', `/upstreams/${u}/targets/${targets[k % targets.length].id}`, {
        weight: k % 100,
      }),
    );
    return { count: items.length };
  },
};
if (process.argv[2] === '--client') {
  process.on('message', async (msg) => {
    globalThis.width = msg.width ?? 1;
    const t = performance.now();
    const out = await phases[msg.phase](msg);
    process.send({ ...out, wallMs: performance.now() - t });
  });
} else {
  const { startKongSim } = require(
    arg('sim', require('node:path').join(__dirname, '..', 'dist', 'index.js')),
  );
  const what = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'all';
  const child = fork(__filename, ['--client'], { stdio: 'inherit' });
  const run = (msg) =>
    new Promise((resolve) => {
      const cpu0 = process.cpuUsage();
      child.once('message', (out) => {
        // let the coalesced health sync (setImmediate) run and count it
        setImmediate(() =>
          setImmediate(() => {
            const cpu = process.cpuUsage(cpu0);
            resolve({ ...out, cpuMs: (cpu.user + cpu.system) / 1000 });
          }),
        );
      });
      child.send(msg);
    });
  const f = (x) => x.toFixed(x < 10 ? 3 : 0);
  (async () => {
    if (what === 'config' || what === 'all') {
      for (const size of arg('sizes', '100x3,1000x3,1000x10,5000x3').split(',')) {
        const [n, per] = size.split('x').map(Number);
        const sim = await startKongSim({ mode: 'dbless' });
        const a = await run({ phase: 'config', admin: sim.admin, n, per });
        const b = await run({ phase: 'config', admin: sim.admin, n, per });
        console.log(
          `config ${size}: ${(a.bytes / 1024).toFixed(0)} KiB; first push ${f(a.wallMs)} ms wall / ${f(a.cpuMs)} ms sim CPU; second ${f(b.wallMs)} / ${f(b.cpuMs)}`,
        );
        await sim.close();
      }
    }
    if (what === 'writes' || what === 'all') {
      const n = Number(arg('writes', '1000'));
      for (const width of [1, 10]) {
        const sim = await startKongSim({ mode: 'db' });
        const line = [];
        for (const phase of ['seed', 'lists', 'patches']) {
          const r = await run({ phase, admin: sim.admin, n, width });
          line.push(
            `${phase} ${r.count} req: ${f(r.wallMs / r.count)} ms wall, ${f(r.cpuMs / r.count)} ms sim CPU per req`,
          );
        }
        console.log(`db ${n} svc x 3, ${width} in flight | ${line.join(' | ')}`);
        await sim.close();
      }
    }
    child.kill();
  })().catch((e) => {
    console.error(e);
    child.kill();
    process.exit(1);
  });
}
