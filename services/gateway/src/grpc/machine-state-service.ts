// kiln.v1.MachineStateService over StateQueries. The domain keeps neither a comment nor the time a reason was
// assigned, so `comment` is empty and `reason_assigned_time` absent in answers (SetStopReason ignores the comment);
// the assigner is always the authenticated caller, never the request's assigned_by.
import type { api } from '@kiln/contracts';
import type { StateInterval, Stop } from '../domain/states';
import { unary, type GrpcHandlerContext } from './call';
import { nextPageTokenOf, pageRequestOf, rangeOf, stateEnumOf, stateNameOf, timestampOf } from './convert';

function intervalOf(assetId: string, interval: StateInterval, nowUs: number): api.StateInterval {
  const open = interval.endUs === undefined;
  return {
    assetId,
    state: stateEnumOf(interval.state),
    reasonCode: interval.reasonCode,
    reasonText: interval.reasonText,
    startTime: timestampOf(interval.startUs),
    endTime: interval.endUs === undefined ? undefined : timestampOf(interval.endUs),
    durationS: Math.max(0, (interval.endUs ?? nowUs) - interval.startUs) / 1e6,
    open,
  };
}

function stopOf(stop: Stop, nowUs: number, thresholdS: number): api.Stop {
  const thresholdUs = thresholdS * 1e6;
  return {
    stopId: stop.stopId,
    interval: intervalOf(stop.assetId, stop, nowUs),
    // As the OEE core classifies it: shorter than the threshold; an open stop is not (yet) a micro-stop.
    microStop: stop.endUs !== undefined && stop.endUs - stop.startUs < thresholdUs,
    comment: '',
    reasonAssignedBy: stop.assignedBy ?? '',
    reasonAssignedTime: undefined,
  };
}

export function machineStateService(context: GrpcHandlerContext): api.MachineStateServiceServer {
  const { api: gateway } = context;
  return {
    getStateTimeline: unary(
      context,
      'GetStateTimeline',
      async (request: api.GetStateTimelineRequest, principal) => {
        const page = await gateway.states.timeline(
          principal,
          request.assetId,
          rangeOf(gateway, request),
          pageRequestOf(request),
        );
        const nowUs = Date.now() * 1000;
        return {
          intervals: page.items.map((interval) => intervalOf(request.assetId, interval, nowUs)),
          nextPageToken: nextPageTokenOf(page),
        };
      },
    ),

    listStops: unary(context, 'ListStops', async (request: api.ListStopsRequest, principal) => {
      const page = await gateway.states.stops(
        principal,
        request.assetId,
        rangeOf(gateway, request),
        pageRequestOf(request),
        { withoutReasonOnly: request.withoutReasonOnly },
      );
      const nowUs = Date.now() * 1000;
      const stops = page.items;
      return {
        stops: await Promise.all(
          stops.map(async (stop) => stopOf(stop, nowUs, await gateway.oee.microStopThresholdS(stop.assetId))),
        ),
        nextPageToken: nextPageTokenOf(page),
      };
    }),

    setStopReason: unary(context, 'SetStopReason', async (request: api.SetStopReasonRequest, principal) => {
      const state = stateNameOf('state', request.state);
      const stop = await gateway.states.setReason(principal, request.stopId, {
        reasonCode: request.reasonCode,
        reasonText: request.reasonText,
        ...(state === undefined ? {} : { state }),
      });
      return { stop: stopOf(stop, Date.now() * 1000, await gateway.oee.microStopThresholdS(stop.assetId)) };
    }),
  };
}
