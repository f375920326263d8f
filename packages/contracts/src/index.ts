export { DoubleArray, Quality, qualityFromJSON, qualityToJSON, Value } from './gen/kiln/events/v1/common';
export { RawSample, RawSampleBatch } from './gen/kiln/events/v1/raw';
export { TelemetryBatch, TelemetryPoint } from './gen/kiln/events/v1/telemetry';
export {
  MachineState,
  MachineStateChange,
  MachineStateEvent,
  machineStateFromJSON,
  machineStateToJSON,
  StopReasonAssignment,
} from './gen/kiln/events/v1/machine_state';
export { ProductionCountBatch, ProductionCountDelta } from './gen/kiln/events/v1/production_count';
export {
  OrderStatus,
  orderStatusFromJSON,
  orderStatusToJSON,
  PlannedBreak,
  ProductionOrder,
  Shift,
} from './gen/kiln/events/v1/erp';
export {
  OeeResult,
  OeeSettings,
  OeeWindowKind,
  oeeWindowKindFromJSON,
  oeeWindowKindToJSON,
  SixBigLosses,
} from './gen/kiln/events/v1/oee';
export {
  AlertSeverity,
  alertSeverityFromJSON,
  alertSeverityToJSON,
  AlertStatus,
  alertStatusFromJSON,
  alertStatusToJSON,
  AssetHealth,
  MaintenanceAlert,
  MaintenanceAlert_DetailsEntry,
  RemainingUsefulLife,
  SignalHealth,
} from './gen/kiln/events/v1/maintenance';
export {
  catalogueWithPartitions,
  DEFAULT_PARTITIONS,
  topicCatalogue,
  topics,
  topicSpec,
  type CleanupPolicy,
  type TopicId,
  type TopicKey,
  type TopicSpec,
} from './topics';
export { dlqHeaderNames, headerNames, messageTypeOf, protobufContentType, SCHEMA_VERSION } from './headers';
export {
  decodeEvent,
  encodeEvent,
  EventDecodeError,
  eventTopics,
  type EncodedEvent,
  type EventTopic,
  type MessageCodec,
} from './events';
export { readRawSampleBatch } from './raw-reader';
export {
  dateFromMicros,
  isoFromMicros,
  microsFromDate,
  microsFromMillis,
  microsFromTimestamp,
  timestampFromMicros,
} from './time';
// The gRPC query API stays one namespace of generated code (api.ts): some seventy names that change with every
// edit of proto/kiln/v1, fenced under `api` so they never clash with the events' names.
export * as api from './api';
export {
  checkEventTexts,
  DEFAULT_PLAUSIBLE_TIME_WINDOW,
  firstTextProblem,
  MAX_TEXT_LENGTH,
  numberProblem,
  plausibleTimeProblem,
  textProblem,
  type PlausibleTimeWindow,
} from './limits';
export { PermanentError, RuleError, TransientError } from './record-errors';
export { checkEventTime, MAX_TIME_US, timeProblem, type EventTimeCheckOptions } from './event-time';
