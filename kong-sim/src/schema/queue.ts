/** The `queue` record of Kong's batching plugins (K:kong/tools/queue_schema.lua). */
import type { FieldDef } from './types';

/** `typedefs.queue`: how a plugin's entries are batched, retried and bounded. */
export const queue: FieldDef = {
  type: 'record',
  fields: [
    { max_batch_size: { type: 'integer', default: 1, between: [1, 1000000] } },
    { max_coalescing_delay: { type: 'number', default: 1, between: [0, 3600] } },
    { max_entries: { type: 'integer', default: 10000, between: [1, 1000000] } },
    { max_bytes: { type: 'integer' } },
    { max_retry_time: { type: 'number', default: 60 } },
    { initial_retry_delay: { type: 'number', default: 0.01, between: [0.001, 1000000] } },
    { max_retry_delay: { type: 'number', default: 60, between: [0.001, 1000000] } },
    { concurrency_limit: { type: 'integer', default: 1, one_of: [-1, 1] } },
  ],
};
