// Live OEE as a resource a service declares it uses (docs/architecture.md section 12): the OEE service writes it,
// the gateway reads it; in `kiln start` both share one (in memory unless redis.url is set). Shaped as
// @kiln/service-runtime's ResourceDefinition, which it satisfies structurally.
import type { redisConfigSchema } from '@kiln/timeseries';
import type { z } from 'zod';
import type { LiveOee } from './live';
import { openLiveOee } from './open-live-oee';

export const liveOeeResource = {
  id: 'live-oee',
  async open(config: { readonly redis: z.output<typeof redisConfigSchema> }) {
    const opened = openLiveOee(config.redis);
    return { value: opened.live as LiveOee, ping: opened.ping, close: () => opened.live.close() };
  },
};
