// Validates Kubernetes objects (a JSON array on stdin) against the Kubernetes OpenAPI schemas with the
// kubernetes-models classes; prints a JSON array of problems (empty: all valid). A plain Node process because
// kubernetes-models is ES modules only, which jest's CommonJS sandbox cannot load. The Prometheus Operator's
// ServiceMonitor, which kubernetes-models does not cover, is checked for the fields the chart relies on.
import { readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';

const models = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};

function serviceMonitorProblems(object) {
  const spec = object.spec ?? {};
  const problems = [];
  if (Object.keys(spec.selector?.matchLabels ?? {}).length === 0)
    problems.push('spec.selector.matchLabels is empty');
  if (!Array.isArray(spec.endpoints) || spec.endpoints.length === 0) problems.push('spec.endpoints is empty');
  for (const [index, endpoint] of (spec.endpoints ?? []).entries()) {
    if (typeof endpoint.port !== 'string') problems.push(`spec.endpoints[${index}].port must be a port name`);
    if (endpoint.path !== undefined && !String(endpoint.path).startsWith('/')) {
      problems.push(`spec.endpoints[${index}].path must start with /`);
    }
    for (const key of ['interval', 'scrapeTimeout']) {
      if (endpoint[key] !== undefined && !/^(\d+(ms|s|m|h))+$/.test(String(endpoint[key]))) {
        problems.push(`spec.endpoints[${index}].${key} must be a Prometheus duration`);
      }
    }
  }
  return problems;
}

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const object of objects) {
  const type = `${object.apiVersion}/${object.kind}`;
  const where = `${object.kind} ${object.metadata?.name}`;
  if (type === 'monitoring.coreos.com/v1/ServiceMonitor') {
    for (const problem of serviceMonitorProblems(object)) problems.push(`${where}: ${problem}`);
    continue;
  }
  const Model = models[type];
  if (Model === undefined) {
    problems.push(`${where}: no schema for ${type} (add it to helm/test/validate-objects.mjs)`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${where} does not match the ${type} schema: ${error.message}`);
  }
}
process.stdout.write(JSON.stringify(problems));
