import { NO_METRICS } from '../metrics-sink';
import { HoldReport } from './hold-report';

/** A HoldReport whose gauge is a map. */
function recorder() {
  const gauge = new Map<string, number>();
  const report = new HoldReport({
    ...NO_METRICS,
    heldRemovals: {
      reset: () => gauge.clear(),
      set: ({ service }, value) => gauge.set(service, value),
    },
  });
  return { report, gauge: () => Object.fromEntries(gauge) };
}

const hold = (service: string, n: number) => ({
  service,
  targets: Array.from({ length: n }, (_, i) => `${service}.upstream/10.0.0.${i}:80`),
  heldForMs: 0,
});

it('shows the most any node holds per service, and nothing once the holds end', () => {
  const { report, gauge } = recorder();
  report.report([[hold('orders', 3), hold('users', 1)], [hold('orders', 5)]], undefined, new Set());
  expect(gauge()).toEqual({ orders: 5, users: 1 });
  report.report([[hold('orders', 2)], []], undefined, new Set());
  expect(gauge()).toEqual({ orders: 2 });
  report.report([[], []], undefined, new Set());
  expect(gauge()).toEqual({});
});

it("a per-service reconcile replaces only its own services' holds", () => {
  const { report, gauge } = recorder();
  report.report([[hold('orders', 3), hold('users', 4)]], undefined, new Set());
  report.report([[]], ['orders'], new Set());
  expect(gauge()).toEqual({ users: 4 });
  report.report([[hold('billing', 2)]], ['billing'], new Set());
  expect(gauge()).toEqual({ users: 4, billing: 2 });
});

it('a whole reconcile keeps the holds of the services it left to per-service ones', () => {
  const { report, gauge } = recorder();
  report.report([[hold('orders', 3), hold('users', 4)]], undefined, new Set());
  report.report([[]], undefined, new Set(['users']));
  expect(gauge()).toEqual({ users: 4 });
});
