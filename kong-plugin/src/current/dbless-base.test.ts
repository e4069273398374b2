import { baseGlobalPlugins } from './dbless-base';

describe('baseGlobalPlugins', () => {
  it("takes the base file's top-level plugins of no service, route or consumer", () => {
    const found = baseGlobalPlugins({
      plugins: [
        { name: 'prometheus', config: { status_code_metrics: true } },
        { id: '5f1b1f9c-0000-4000-8000-000000000001', name: 'http-log', config: {} },
        { name: 'cors', route: 'web' },
        { name: 'file-log', service: { name: 'legacy' } },
        { name: 'acl', consumer: 'bob' },
        'not a plugin',
      ],
      services: [{ name: 'legacy', plugins: [{ name: 'prometheus' }] }],
    });
    expect(found.map((e) => [e.kind, e.id, e.name, e.service])).toEqual([
      ['plugin', 'base:prometheus', 'base/prometheus', undefined],
      ['plugin', '5f1b1f9c-0000-4000-8000-000000000001', 'base/http-log', undefined],
    ]);
  });

  it('finds nothing in a base file without plugins', () => {
    expect(baseGlobalPlugins({ services: [] })).toEqual([]);
  });
});
