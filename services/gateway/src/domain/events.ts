// Canonical events posted by MES or manual sources (and tests): already validated and converted by the
// transport, checked against the principal (operator, each asset in its site), then published to the same topics
// normalized OT data travels on, keyed by asset id (docs/architecture.md section 2).
import type { EventBus } from '@kiln/bus';
import {
  encodeEvent,
  eventTopics,
  type MachineStateEvent,
  type ProductionCountBatch,
  type ProductionOrder,
  type Shift,
} from '@kiln/contracts';
import { authorizeAsset, type Principal } from '../auth/principal';
import { invalidArgument } from '../errors';

/** Events one request may carry. */
export const MAX_EVENTS_PER_REQUEST = 10_000;

function checkBatch(principal: Principal, assetIds: readonly string[]): void {
  if (assetIds.length === 0) throw invalidArgument('events', 'send at least one event');
  if (assetIds.length > MAX_EVENTS_PER_REQUEST) {
    throw invalidArgument('events', `at most ${MAX_EVENTS_PER_REQUEST} events per request`);
  }
  for (const assetId of new Set(assetIds)) authorizeAsset(principal, assetId, 'operator');
}

export class EventIngest {
  constructor(private readonly bus: EventBus) {}

  async machineStates(principal: Principal, events: readonly MachineStateEvent[]): Promise<number> {
    checkBatch(
      principal,
      events.map((event) => event.assetId),
    );
    const topic = eventTopics.machineState;
    await this.bus.publish(
      topic.topic.name,
      events.map((event) => encodeEvent(topic, event)),
    );
    return events.length;
  }

  async productionCounts(principal: Principal, batches: readonly ProductionCountBatch[]): Promise<number> {
    checkBatch(
      principal,
      batches.map((batch) => batch.assetId),
    );
    const topic = eventTopics.productionCount;
    await this.bus.publish(
      topic.topic.name,
      batches.map((batch) => encodeEvent(topic, batch)),
    );
    return batches.reduce((sum, batch) => sum + batch.deltas.length, 0);
  }

  async orders(principal: Principal, orders: readonly ProductionOrder[]): Promise<number> {
    checkBatch(
      principal,
      orders.map((order) => order.assetId),
    );
    const topic = eventTopics.erpOrder;
    await this.bus.publish(
      topic.topic.name,
      orders.map((order) => encodeEvent(topic, order)),
    );
    return orders.length;
  }

  async shifts(principal: Principal, shifts: readonly Shift[]): Promise<number> {
    checkBatch(
      principal,
      shifts.map((shift) => shift.assetId),
    );
    const topic = eventTopics.erpShift;
    await this.bus.publish(
      topic.topic.name,
      shifts.map((shift) => encodeEvent(topic, shift)),
    );
    return shifts.length;
  }
}
