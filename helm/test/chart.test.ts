// The Helm chart helm/kiln: `helm lint` and `helm template` (Helm's own code, through helm-java) with the default
// values and with every optional feature on, every rendered object valid against the Kubernetes schemas, and the
// chart's promises: probes, a locked-down securityContext, credentials only from referenced Secrets, the
// migration hook, and the optional objects where they are asked for.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allFeaturesValues,
  chartDir,
  type K8sObject,
  lintChart,
  productionValues,
  renderChart,
  repoRoot,
} from './render';
import { parse as yamlParse } from 'yaml';
import { schemaProblems } from './validate';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  livenessProbe?: { httpGet?: { path: string; port: string }; tcpSocket?: { port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string }; tcpSocket?: { port: string } };
  ports?: { name: string; containerPort: number }[];
}

interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean };
  initContainers?: Container[];
  containers: Container[];
}

const SERVICES = ['ingestion', 'normalization', 'oee', 'maintenance', 'gateway'] as const;
const CREDENTIAL_ENV = [
  'KILN_DATABASE_URL',
  'KILN_ADMIN_API_KEY',
  'KILN_KAFKA_SASL_USERNAME',
  'KILN_KAFKA_SASL_PASSWORD',
  'KILN_ERP_USERNAME',
  'KILN_ERP_PASSWORD',
  'KILN_ERP_WEBHOOK_TOKEN',
];

function ofKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind);
}

function named(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (found === undefined)
    throw new Error(
      `no ${kind} ${name} among ${objects.map((o) => `${o.kind} ${o.metadata.name}`).join(', ')}`,
    );
  return found;
}

function podSpec(object: K8sObject): PodSpec {
  const spec = object['spec'] as { template: { spec: PodSpec } };
  return spec.template.spec;
}

function env(container: Container, name: string): EnvVar | undefined {
  return container.env?.find((variable) => variable.name === name);
}

function mainContainer(object: K8sObject): Container {
  const container = podSpec(object).containers[0];
  if (container === undefined) throw new Error(`${object.kind} ${object.metadata.name} has no container`);
  return container;
}

let defaults: K8sObject[] = [];
let allFeatures: K8sObject[] = [];

beforeAll(() => {
  defaults = renderChart();
  allFeatures = renderChart([allFeaturesValues]);
}, 300_000);

describe('helm lint', () => {
  it('passes with the default values', () => {
    expect(lintChart()).toContain('lint passed');
  }, 300_000);

  it('passes with every optional feature on (ci/all-features-values.yaml)', () => {
    expect(lintChart([allFeaturesValues])).toContain('lint passed');
  }, 300_000);
});

describe.each([
  ['default values', () => defaults],
  ['all features', () => allFeatures],
])('helm template with %s', (_label, objects) => {
  it('renders only objects valid against their Kubernetes schemas', () => {
    expect(objects().length).toBeGreaterThan(0);
    expect(schemaProblems(objects())).toEqual([]);
  });

  it('gives every Deployment liveness /healthz and readiness /readyz probes (TCP for the simulator)', () => {
    for (const deployment of ofKind(objects(), 'Deployment')) {
      const container = mainContainer(deployment);
      if (deployment.metadata.name.endsWith('-simulator')) {
        expect(container.livenessProbe?.tcpSocket?.port).toBe('opcua');
        expect(container.readinessProbe?.tcpSocket?.port).toBe('opcua');
      } else {
        expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'ops' });
        expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'ops' });
      }
    }
  });

  it('runs every container non-root, with a read-only root file system and no capabilities', () => {
    const workloads = [...ofKind(objects(), 'Deployment'), ...ofKind(objects(), 'Job')];
    for (const workload of workloads) {
      const pod = podSpec(workload);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(container.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('renders no Secret and takes every credential from a secretKeyRef', () => {
    expect(ofKind(objects(), 'Secret')).toEqual([]);
    const workloads = [...ofKind(objects(), 'Deployment'), ...ofKind(objects(), 'Job')];
    for (const workload of workloads) {
      const pod = podSpec(workload);
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        for (const variable of container.env ?? []) {
          if (CREDENTIAL_ENV.includes(variable.name) || variable.name.includes('PASSWORD')) {
            expect({ name: variable.name, value: variable.value }).toEqual({
              name: variable.name,
              value: undefined,
            });
            expect(variable.valueFrom?.secretKeyRef?.name).toEqual(expect.any(String));
          }
        }
      }
    }
    for (const configMap of ofKind(objects(), 'ConfigMap')) {
      expect(JSON.stringify(configMap['data'])).not.toMatch(
        /postgres(ql)?:\/\/[^"]*:[^"]*@|password: (?!__KILN_)/,
      );
    }
  });

  it("runs one Deployment per service with `start <service>` and the services' real environment names", () => {
    for (const service of SERVICES) {
      const container = mainContainer(named(objects(), 'Deployment', `kiln-${service}`));
      expect(container.args).toEqual(['start', service]);
      expect(env(container, 'KILN_BUS')?.value).toBe('kafka');
      expect(env(container, 'KILN_KAFKA_BROKERS')?.value).toMatch(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/);
      expect(env(container, 'KILN_CONFIG')?.value).toMatch(
        /^\/(etc\/kiln\/config\/[a-z-]+|run\/kiln\/config)\.yaml$/,
      );
    }
    const gateway = mainContainer(named(objects(), 'Deployment', 'kiln-gateway'));
    expect(Object.fromEntries((gateway.ports ?? []).map((port) => [port.name, port.containerPort]))).toEqual({
      http: 8080,
      grpc: 50051,
      ops: 9464,
    });
    expect(env(gateway, 'KILN_OPS_PORT')?.value).toBe('9464');
    expect(env(gateway, 'KILN_HTTP_PORT')?.value).toBe('8080');
    expect(env(gateway, 'KILN_GRPC_PORT')?.value).toBe('50051');
    expect(env(gateway, 'KILN_HTTP_HOST')?.value).toBe('0.0.0.0');
    expect(env(gateway, 'KILN_GRPC_HOST')?.value).toBe('0.0.0.0');
    const normalization = mainContainer(named(objects(), 'Deployment', 'kiln-normalization'));
    expect(env(normalization, 'KILN_PLANT_FILE')?.value).toBe('/etc/kiln/plant/plant.yaml');
    for (const service of ['normalization', 'oee', 'maintenance', 'gateway']) {
      const container = mainContainer(named(objects(), 'Deployment', `kiln-${service}`));
      expect(env(container, 'KILN_DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: 'kiln-database',
        key: 'url',
      });
      expect(env(container, 'KILN_DATABASE_SCHEMA')?.value).toBe('kiln');
    }
  });

  it('gives the maintenance service the bus and the database but no Redis, which it does not read', () => {
    const maintenance = mainContainer(named(objects(), 'Deployment', 'kiln-maintenance'));
    expect(maintenance.args).toEqual(['start', 'maintenance']);
    expect(env(maintenance, 'KILN_OTEL_SERVICE_NAME')?.value).toBe('maintenance');
    expect(env(maintenance, 'KILN_HTTP_PORT')?.value).toBe('8080');
    expect(
      Object.fromEntries((maintenance.ports ?? []).map((port) => [port.name, port.containerPort])),
    ).toEqual({
      ops: 8080,
    });
    expect(
      (maintenance.env ?? []).map((variable) => variable.name).filter((name) => name.includes('REDIS')),
    ).toEqual([]);
    const config = (named(objects(), 'ConfigMap', 'kiln-config')['data'] as Record<string, string>)[
      'maintenance.yaml'
    ];
    expect(config).toContain('migrateOnStart: false');
    const service = named(objects(), 'Service', 'kiln-maintenance');
    expect(service.metadata.labels?.['kiln.dev/metrics']).toBe('true');
  });

  it('migrates with a pre-install/pre-upgrade hook Job running `kiln migrate`', () => {
    const job = named(objects(), 'Job', 'kiln-migrate');
    expect(job.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-delete-policy': expect.stringContaining('before-hook-creation'),
    });
    const container = mainContainer(job);
    expect(container.args?.[0]).toBe('migrate');
    expect(env(container, 'KILN_DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual(
      expect.objectContaining({ name: 'kiln-database' }),
    );
    const config = named(objects(), 'ConfigMap', 'kiln-config')['data'] as Record<string, string>;
    expect(config['normalization.yaml']).toContain('migrateOnStart: false');
  });

  it("exposes the gateway's REST, gRPC and ops ports in its Service", () => {
    const service = named(objects(), 'Service', 'kiln-gateway');
    const ports = (service['spec'] as { ports: { name: string; port: number }[] }).ports;
    expect(ports.map((port) => port.name).sort()).toEqual(['grpc', 'http', 'ops']);
  });
});

describe('the schema check', () => {
  it('rejects an object that breaks its Kubernetes schema', () => {
    const broken = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'broken' },
      spec: { replicas: 'two' },
    };
    expect(schemaProblems([broken])).toEqual([expect.stringContaining('Deployment broken does not match')]);
  });
});

describe('the default values', () => {
  it('render the five services, their PodDisruptionBudgets and NetworkPolicies, and no optional object', () => {
    expect(
      ofKind(defaults, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['kiln-gateway', 'kiln-ingestion', 'kiln-maintenance', 'kiln-normalization', 'kiln-oee']);
    expect(ofKind(defaults, 'PodDisruptionBudget')).toHaveLength(5);
    // Issue 18: NetworkPolicy was off by default, every pod open to the whole cluster.
    expect(ofKind(defaults, 'NetworkPolicy')).toHaveLength(5);
    for (const kind of ['HorizontalPodAutoscaler', 'ServiceMonitor']) {
      expect(ofKind(defaults, kind)).toEqual([]);
    }
  });

  it('leave erp-sync off: it needs an ERP in erp-sync.config.erpSync', () => {
    expect(defaults.filter((object) => object.metadata.name === 'kiln-erp-sync')).toEqual([]);
    const config = named(defaults, 'ConfigMap', 'kiln-config')['data'] as Record<string, string>;
    expect(Object.keys(config)).not.toContain('erp-sync.yaml');
  });

  it('ship the simulated factory as the plant, the same as kiln start embeds', () => {
    const body = (text: string): string => text.replace(/^(#.*\n)+/, '');
    const plant =
      (named(defaults, 'ConfigMap', 'kiln-plant')['data'] as Record<string, string>)['plant.yaml'] ?? '';
    const embedded = readFileSync(join(repoRoot, 'packages', 'cli', 'embedded', 'plant.yaml'), 'utf8');
    expect(body(plant)).toBe(body(embedded));
    expect(body(readFileSync(join(chartDir, 'files', 'plant.yaml'), 'utf8'))).toBe(body(embedded));
  });
});

describe('every optional feature on', () => {
  it('renders HorizontalPodAutoscalers, NetworkPolicies, a ServiceMonitor, PodDisruptionBudgets and the simulator', () => {
    const hpas = ofKind(allFeatures, 'HorizontalPodAutoscaler');
    // erp-sync never autoscales: its inbound sync runs in one pod.
    expect(hpas.map((hpa) => hpa.metadata.name).sort()).toEqual([
      'kiln-gateway',
      'kiln-ingestion',
      'kiln-maintenance',
      'kiln-normalization',
      'kiln-oee',
    ]);
    expect(ofKind(allFeatures, 'NetworkPolicy')).toHaveLength(7);
    expect(ofKind(allFeatures, 'PodDisruptionBudget')).toHaveLength(7);
    const monitor = named(allFeatures, 'ServiceMonitor', 'kiln');
    expect(monitor['spec']).toMatchObject({ endpoints: [{ port: 'ops', path: '/metrics' }] });
    expect(mainContainer(named(allFeatures, 'Deployment', 'kiln-simulator')).args).toEqual(['simulate']);
    // An autoscaled Deployment leaves replicas to the HPA.
    expect(
      (named(allFeatures, 'Deployment', 'kiln-gateway')['spec'] as { replicas?: number }).replicas,
    ).toBeUndefined();
  });

  it('passes Kafka SASL credentials from their Secret through an init container, never through the ConfigMap', () => {
    const deployment = named(allFeatures, 'Deployment', 'kiln-oee');
    const init = podSpec(deployment).initContainers?.[0];
    expect(init?.name).toBe('config-secrets');
    expect(init && env(init, 'KILN_KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kiln-kafka-sasl',
      key: 'password',
    });
    expect(env(mainContainer(deployment), 'KILN_CONFIG')?.value).toBe('/run/kiln/config.yaml');
    const config = (named(allFeatures, 'ConfigMap', 'kiln-config')['data'] as Record<string, string>)[
      'oee.yaml'
    ];
    expect(config).toContain('password: __KILN_KAFKA_SASL_PASSWORD__');
    const maintenance = named(allFeatures, 'Deployment', 'kiln-maintenance');
    expect(podSpec(maintenance).initContainers?.[0]?.name).toBe('config-secrets');
    expect(env(mainContainer(maintenance), 'KILN_CONFIG')?.value).toBe('/run/kiln/config.yaml');
    const maintenanceConfig = (
      named(allFeatures, 'ConfigMap', 'kiln-config')['data'] as Record<string, string>
    )['maintenance.yaml'];
    expect(maintenanceConfig).toContain('password: __KILN_KAFKA_SASL_PASSWORD__');
    expect(maintenanceConfig).toContain('startFrom: latest');
  });

  it('runs erp-sync once with the bus and the database but no Redis, its ERP credentials from their Secret', () => {
    const deployment = named(allFeatures, 'Deployment', 'kiln-erp-sync');
    expect((deployment['spec'] as { replicas?: number }).replicas).toBe(1);
    const container = mainContainer(deployment);
    expect(container.args).toEqual(['start', 'erp-sync']);
    expect(env(container, 'KILN_OTEL_SERVICE_NAME')?.value).toBe('erp-sync');
    expect(env(container, 'KILN_HTTP_PORT')?.value).toBe('8080');
    expect(env(container, 'KILN_CONFIG')?.value).toBe('/run/kiln/config.yaml');
    expect(env(container, 'KILN_DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kiln-database',
      key: 'url',
    });
    expect(env(container, 'KILN_DATABASE_SCHEMA')?.value).toBe('kiln');
    expect(env(container, 'KILN_ERP_WEBHOOK_TOKEN')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kiln-erp',
      key: 'webhook-token',
    });
    expect(
      (container.env ?? []).map((variable) => variable.name).filter((name) => name.includes('REDIS')),
    ).toEqual([]);
    expect(
      Object.fromEntries((container.ports ?? []).map((port) => [port.name, port.containerPort])),
    ).toEqual({
      ops: 8080,
      webhook: 8090,
    });
    const init = podSpec(deployment).initContainers?.[0];
    expect(init?.name).toBe('config-secrets');
    expect(init && env(init, 'KILN_ERP_USERNAME')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kiln-erp',
      key: 'username',
      optional: true,
    });
    expect(init && env(init, 'KILN_ERP_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kiln-erp',
      key: 'password',
      optional: true,
    });
    expect(init && env(init, 'KILN_KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kiln-kafka-sasl',
      key: 'password',
    });
    const config = (named(allFeatures, 'ConfigMap', 'kiln-config')['data'] as Record<string, string>)[
      'erp-sync.yaml'
    ];
    expect(config).toContain('migrateOnStart: false');
    expect(config).toContain('password: __KILN_ERP_PASSWORD__');
    expect(config).toContain('username: __KILN_ERP_USERNAME__');
    expect(config).toContain('host: 0.0.0.0');
    const service = named(allFeatures, 'Service', 'kiln-erp-sync');
    expect(service.metadata.labels?.['kiln.dev/metrics']).toBe('true');
    expect(
      (service['spec'] as { ports: { name: string; port: number }[] }).ports.map((port) => port.name),
    ).toEqual(['ops', 'webhook']);
    const policy = named(allFeatures, 'NetworkPolicy', 'kiln-erp-sync');
    expect(JSON.stringify(policy['spec'])).toContain('"port":"webhook"');
    expect(ofKind(allFeatures, 'HorizontalPodAutoscaler').map((hpa) => hpa.metadata.name)).not.toContain(
      'kiln-erp-sync',
    );
  });

  it('takes Redis and the admin API key from their Secrets', () => {
    const gateway = mainContainer(named(allFeatures, 'Deployment', 'kiln-gateway'));
    expect(env(gateway, 'KILN_REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kiln-redis',
      key: 'url',
    });
    expect(env(gateway, 'KILN_ADMIN_API_KEY')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kiln-api-keys',
      key: 'admin-api-key',
    });
  });
});

describe('the production values (ci/production-values.yaml, docs/security.md)', () => {
  let production: K8sObject[] = [];
  beforeAll(() => {
    production = renderChart([productionValues]);
  }, 300_000);

  it('pass helm lint and render only objects valid against their Kubernetes schemas', () => {
    expect(() => lintChart([productionValues])).not.toThrow();
    expect(schemaProblems(production)).toEqual([]);
  });

  it('serve REST and gRPC over TLS from the Secret, gRPC with client certificates of the CA', () => {
    const gateway = named(production, 'Deployment', 'kiln-gateway');
    const mounts = (
      mainContainer(gateway) as Container & { volumeMounts?: { name: string; mountPath: string }[] }
    ).volumeMounts;
    expect(mounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'tls', mountPath: '/etc/kiln/tls' }),
        expect.objectContaining({ name: 'tls-client-ca', mountPath: '/etc/kiln/tls-client-ca' }),
        expect.objectContaining({ name: 'kafka-ca', mountPath: '/etc/kiln/kafka-ca' }),
        expect.objectContaining({ name: 'kafka-client', mountPath: '/etc/kiln/kafka-client' }),
      ]),
    );
    const volumes = (
      podSpec(gateway) as PodSpec & { volumes?: { name: string; secret?: { secretName: string } }[] }
    ).volumes;
    expect(volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'tls',
          secret: expect.objectContaining({ secretName: 'kiln-gateway-tls' }),
        }),
        expect.objectContaining({
          name: 'tls-client-ca',
          secret: expect.objectContaining({ secretName: 'kiln-grpc-client-ca' }),
        }),
      ]),
    );
    const config = yamlParse(
      (named(production, 'ConfigMap', 'kiln-config')['data'] as Record<string, string>)['gateway.yaml'] ?? '',
    ) as { gateway: unknown; bus: unknown };
    expect(config.gateway).toMatchObject({
      http: { tls: { certFile: '/etc/kiln/tls/tls.crt', keyFile: '/etc/kiln/tls/tls.key' } },
      grpc: {
        tls: {
          certFile: '/etc/kiln/tls/tls.crt',
          keyFile: '/etc/kiln/tls/tls.key',
          caFile: '/etc/kiln/tls-client-ca/ca.crt',
          requireClientCert: true,
        },
      },
    });
    expect(config.bus).toMatchObject({
      kafka: {
        tls: {
          caFile: '/etc/kiln/kafka-ca/ca.crt',
          certFile: '/etc/kiln/kafka-client/tls.crt',
          keyFile: '/etc/kiln/kafka-client/tls.key',
        },
        sasl: { mechanism: 'scram-sha-512' },
      },
    });
  });

  it('narrow who reaches the gateway and the metrics with NetworkPolicies', () => {
    const policy = named(production, 'NetworkPolicy', 'kiln-gateway');
    expect(JSON.stringify(policy['spec'])).toContain('ingress-nginx');
    expect(JSON.stringify(policy['spec'])).toContain('"policyTypes":["Ingress","Egress"]');
  });
});

describe('erp-sync values the chart refuses', () => {
  const render = (values: string): (() => K8sObject[]) => {
    return () => {
      const directory = mkdtempSync(join(tmpdir(), 'kiln-helm-'));
      try {
        const file = join(directory, 'values.yaml');
        writeFileSync(file, values);
        return renderChart([file]);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    };
  };

  it('fails without an ERP in erp-sync.config.erpSync', () => {
    expect(render('erp-sync:\n  enabled: true\n')).toThrow(/erp-sync.config.erpSync is required/);
  }, 300_000);

  it('fails with credential placeholders but no Secret to fill them from', () => {
    const values = [
      'erp-sync:',
      '  enabled: true',
      '  config:',
      '    erpSync:',
      '      system: sap',
      '      sap:',
      '        baseUrl: https://s4.example.com',
      '        auth: { type: basic, username: __KILN_ERP_USERNAME__, password: __KILN_ERP_PASSWORD__ }',
      '',
    ].join('\n');
    expect(render(values)).toThrow(/set erp-sync.credentials.existingSecret/);
  }, 300_000);
});
