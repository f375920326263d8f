// For other workspaces' end-to-end tests (erp-sync's OEE flow, the gateway's harness): the service's parts started
// without its process. Not for production code, which runs the definition.
export {
  OEE_INPUT_TOPICS,
  OEE_SERVICE_TOPICS,
  startOee,
  type OeeDependencies,
  type OeeService,
} from './oee-service';
