// The gateway's operations over one set of dependencies, shared by the REST and gRPC transports.
import type { EventBus } from '@kiln/bus';
import type { LiveOee, OeeSection } from '@kiln/oee-store';
import {
  AuditStore,
  ErpStore,
  MemoryHotState,
  MaintenanceStore,
  NormalizerStateStore,
  type Database,
  type HotState,
} from '@kiln/timeseries';
import type { Authenticator } from './auth/authenticator';
import { StreamSlots } from './auth/stream-guard';
import type { GatewaySection } from './config';
import { AlertOperations } from './domain/alerts';
import { AuditTrail } from './domain/audit';
import { AssetQueries } from './domain/assets';
import { ErpQueries } from './domain/erp';
import { EventIngest } from './domain/events';
import { HealthQueries } from './domain/health';
import { OeeQueries } from './domain/oee';
import { StateQueries } from './domain/states';
import { TelemetryQueries } from './domain/telemetry';

/** A tag without a mapping rule, as normalization lists it. */
export interface UnmappedTagView {
  readonly sourceId: string;
  readonly tag: string;
  readonly reason: string;
  readonly detail: string;
  readonly count: number;
  readonly firstSeenUs: number;
  readonly lastSeenUs: number;
}

export interface UnmappedTags {
  readonly source: 'live' | 'stored';
  readonly tags: readonly UnmappedTagView[];
}

export interface GatewayApi {
  readonly authenticator: Authenticator;
  readonly assets: AssetQueries;
  readonly telemetry: TelemetryQueries;
  readonly oee: OeeQueries;
  readonly states: StateQueries;
  readonly events: EventIngest;
  readonly alerts: AlertOperations;
  readonly health: HealthQueries;
  /** ERP orders and the ERP bridge's outbox and problems (read-only). */
  readonly erp: ErpQueries;
  /**
   * The tags without a mapping rule: live where normalization runs in the same process, else as its partitions
   * last stored them (normalizer_state).
   */
  readonly unmapped: () => Promise<UnmappedTags>;
  readonly limits: GatewaySection['limits'];
  /** Who changed what and when: written by the operations above, read by admins. */
  readonly audit: AuditTrail;
  /** The open live streams (REST server-sent events and gRPC streams together), under gateway.streams' caps. */
  readonly streams: StreamSlots;
}

export interface GatewayApiDependencies {
  readonly db: Database;
  readonly schema: string;
  readonly bus: EventBus;
  readonly live: LiveOee | undefined;
  /** Normalization's last values (Redis, or memory in `kiln start`); absent: latest values come from the database. */
  readonly hotState?: HotState;
  readonly oeeSection: OeeSection;
  readonly section: GatewaySection;
  readonly authenticator: Authenticator;
  readonly unmapped?: () => UnmappedTagView[];
  readonly now?: () => number;
  /** Counts where latest values came from (the gateway's metrics). */
  readonly latestServed?: (fromMemory: number, read: number) => void;
}

export function createGatewayApi(deps: GatewayApiDependencies): GatewayApi {
  // The OEE settings cache forgets an asset as soon as the API changes it (the OEE service's within 30 s).
  const audit = new AuditTrail(new AuditStore(deps.db, deps.schema));
  const assets = new AssetQueries(deps.db, deps.schema, audit, (assetId) => oee.forget(assetId));
  const maintenance = new MaintenanceStore(deps.db, deps.schema);
  const oee = new OeeQueries(
    deps.db,
    deps.schema,
    deps.oeeSection,
    assets,
    deps.live,
    deps.now,
    deps.section.limits.maxOeeWindows,
  );
  return {
    authenticator: deps.authenticator,
    assets,
    telemetry: new TelemetryQueries(
      deps.db,
      deps.schema,
      deps.section.limits.maxBuckets,
      deps.hotState,
      latestCacheOf(deps),
    ),
    oee,
    states: new StateQueries(deps.db, deps.schema, assets, deps.bus, audit, deps.now),
    events: new EventIngest(deps.bus),
    alerts: new AlertOperations(maintenance, deps.bus, audit, deps.now),
    audit,
    health: new HealthQueries(maintenance),
    erp: new ErpQueries(new ErpStore(deps.db, deps.schema)),
    unmapped: unmappedTags(deps),
    limits: deps.section.limits,
    streams: new StreamSlots(deps.section.streams),
  };
}

/** Redis's answers remembered for a short while; a hot state in this process's memory needs no copy. */
function latestCacheOf(deps: GatewayApiDependencies) {
  if (deps.hotState === undefined || deps.hotState instanceof MemoryHotState) return undefined;
  const { maxAgeMs, refreshAfterMs, cacheSignals } = deps.section.latest;
  return {
    settings: { maxAgeMs, refreshAfterMs, maxSignals: cacheSignals },
    ...(deps.latestServed === undefined ? {} : { options: { onServed: deps.latestServed } }),
  };
}

function unmappedTags(deps: GatewayApiDependencies): () => Promise<UnmappedTags> {
  const live = deps.unmapped;
  if (live !== undefined) return async () => ({ source: 'live', tags: live() });
  const stored = new NormalizerStateStore(deps.db, deps.schema);
  return async () => ({ source: 'stored', tags: await stored.unmappedTags() });
}
