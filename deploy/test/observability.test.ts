// Prometheus, the OpenTelemetry collector and Grafana of docker-compose.yml: every scrape target and data source
// reaches a service that listens there, every dashboard names a provisioned data source, and every Kiln metric
// or analytics view a dashboard queries exists in the code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANALYTICS_VIEWS } from '@kiln/timeseries';
import { composeNetwork } from './compose-addresses';
import { environmentOf, hostPathOf, loadCompose, readYaml, REPO_ROOT } from './compose-model';

const compose = loadCompose();
const network = composeNetwork(compose);
const DEPLOY = join(REPO_ROOT, 'deploy');

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[] }[];
}
interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
}
interface DashboardProvider {
  options: { path: string };
}

const prometheus = readYaml(join(DEPLOY, 'prometheus', 'prometheus.yml')) as {
  scrape_configs: ScrapeConfig[];
};
const datasources = (
  readYaml(join(DEPLOY, 'grafana', 'provisioning', 'datasources', 'datasources.yaml')) as {
    datasources: Datasource[];
  }
).datasources;
const providers = (
  readYaml(join(DEPLOY, 'grafana', 'provisioning', 'dashboards', 'dashboards.yaml')) as {
    providers: DashboardProvider[];
  }
).providers;
const dashboardsDir = join(DEPLOY, 'grafana', 'dashboards');
const dashboards = readdirSync(dashboardsDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, json: JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as unknown }));

/** Every value of `key` anywhere in a JSON document. */
function valuesOf(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, key));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([name, value]) => [
    ...(name === key ? [value] : []),
    ...valuesOf(value, key),
  ]);
}

/** The source of every workspace, where metric names are declared. */
function sourceText(): string {
  const texts: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'gen') walk(path);
      else if (entry.name.endsWith('.ts')) texts.push(readFileSync(path, 'utf8'));
    }
  };
  for (const group of ['packages', 'services']) {
    for (const workspace of readdirSync(join(REPO_ROOT, group))) {
      const src = join(REPO_ROOT, group, workspace, 'src');
      try {
        walk(src);
      } catch {
        // a workspace without src/
      }
    }
  }
  return texts.join('\n');
}

describe('Prometheus', () => {
  it('scrapes every Kiln service that has ops endpoints', () => {
    const targets = prometheus.scrape_configs.flatMap(
      (job) => job.static_configs?.flatMap((c) => c.targets) ?? [],
    );
    const hosts = targets.map((target) => target.split(':')[0]);
    for (const service of ['ingestion', 'normalization', 'oee', 'maintenance', 'erp-sync', 'gateway'])
      expect(hosts).toContain(service);
  });

  it('scrapes only services of docker-compose.yml on ports they listen on', () => {
    const problems = prometheus.scrape_configs.flatMap((job) =>
      (job.static_configs ?? []).flatMap((config) =>
        config.targets.flatMap((target) => network.addressProblems(`prometheus job ${job.job_name}`, target)),
      ),
    );
    expect(problems).toEqual([]);
  });

  it("scrapes the gateway's unauthenticated ops port, not its REST port", () => {
    const gateway = compose.services['gateway'];
    const ops = Number(environmentOf(gateway ?? {})['KILN_OPS_PORT']);
    const targets = prometheus.scrape_configs.flatMap(
      (job) => job.static_configs?.flatMap((c) => c.targets) ?? [],
    );
    expect(targets).toContain(`gateway:${ops}`);
  });
});

describe('OpenTelemetry collector', () => {
  const collector = readYaml(join(DEPLOY, 'otel', 'collector.yaml')) as {
    receivers: Record<string, { protocols?: { http?: { endpoint?: string } } }>;
    processors?: Record<string, unknown>;
    exporters: Record<string, unknown>;
    connectors?: Record<string, unknown>;
    service: {
      pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
    };
  };

  it('uses in its pipelines only components it defines', () => {
    const inputs = new Set([...Object.keys(collector.receivers), ...Object.keys(collector.connectors ?? {})]);
    const outputs = new Set([
      ...Object.keys(collector.exporters),
      ...Object.keys(collector.connectors ?? {}),
    ]);
    for (const pipeline of Object.values(collector.service.pipelines)) {
      for (const receiver of pipeline.receivers) expect(inputs).toContain(receiver);
      for (const processor of pipeline.processors ?? [])
        expect(Object.keys(collector.processors ?? {})).toContain(processor);
      for (const exporter of pipeline.exporters) expect(outputs).toContain(exporter);
    }
  });

  it('receives OTLP/HTTP on the port the services send to', () => {
    const port = collector.receivers['otlp']?.protocols?.http?.endpoint?.split(':')[1];
    const endpoints = Object.values(compose.services).map(
      (service) => environmentOf(service)['KILN_OTLP_ENDPOINT'],
    );
    for (const endpoint of endpoints.filter((value) => value !== undefined)) {
      expect(endpoint).toBe(`http://otel-collector:${port}`);
    }
  });
});

describe('Grafana', () => {
  const grafana = compose.services['grafana'] ?? {};
  const uids = new Set(datasources.map((datasource) => datasource.uid));

  it('provisions data sources with distinct uids that reach services of docker-compose.yml', () => {
    expect(uids.size).toBe(datasources.length);
    expect(datasources.map((datasource) => datasource.type).sort()).toEqual([
      'grafana-postgresql-datasource',
      'prometheus',
    ]);
    const problems = datasources.flatMap((datasource) =>
      network.addressProblems(`grafana ${datasource.name}`, datasource.url),
    );
    expect(problems).toEqual([]);
  });

  it('loads the dashboards from the folder docker-compose.yml mounts', () => {
    for (const provider of providers) {
      expect(hostPathOf(grafana, provider.options.path)).toBe(dashboardsDir);
    }
  });

  it('has an OEE and a throughput dashboard, each with a uid of its own', () => {
    const dashboardUids = dashboards.map(({ json }) => (json as { uid?: string }).uid);
    expect(new Set(dashboardUids).size).toBe(dashboards.length);
    expect(dashboardUids).toEqual(expect.arrayContaining(['kiln-oee', 'kiln-throughput']));
  });

  it('names only provisioned data sources in its dashboards', () => {
    for (const { file, json } of dashboards) {
      const named = valuesOf(json, 'datasource').map((ref) => (ref as { uid?: string }).uid);
      expect(named.length).toBeGreaterThan(0);
      for (const uid of named)
        expect({ file, uid, provisioned: uids.has(uid ?? '') }).toEqual({ file, uid, provisioned: true });
    }
  });

  it('queries only Kiln metrics the code declares', () => {
    const source = sourceText();
    for (const { file, json } of dashboards) {
      const exprs = valuesOf(json, 'expr').map(String);
      const metrics = new Set(exprs.flatMap((expr) => expr.match(/\bkiln_[a-z0-9_]+/g) ?? []));
      for (const metric of metrics) {
        const declared = metric.replace(/_(bucket|sum|count)$/, '');
        expect({ file, metric, declared: source.includes(`'${declared}'`) }).toEqual({
          file,
          metric,
          declared: true,
        });
      }
    }
  });

  it('queries only analytics views the migrations create', () => {
    for (const { file, json } of dashboards) {
      const sql = [...valuesOf(json, 'rawSql'), ...valuesOf(json, 'query')].map(String);
      const views = new Set(
        sql.flatMap((text) => [...text.matchAll(/kiln_analytics\.([a-z0-9_]+)/g)].map((m) => m[1])),
      );
      for (const view of views)
        expect({ file, view, exists: (ANALYTICS_VIEWS as readonly string[]).includes(view ?? '') }).toEqual({
          file,
          view,
          exists: true,
        });
    }
  });
});
