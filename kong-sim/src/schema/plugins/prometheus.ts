/** prometheus config (K:kong/plugins/prometheus/schema.lua). */
import type { PluginSchema } from './types';

const flag = { type: 'boolean' as const, default: false };

/** prometheus. */
export const prometheus: PluginSchema = {
  name: 'prometheus',
  priority: 13,
  config: [
    { per_consumer: flag },
    { status_code_metrics: flag },
    { ai_metrics: flag },
    { latency_metrics: flag },
    { bandwidth_metrics: flag },
    { upstream_health_metrics: flag },
  ],
};
