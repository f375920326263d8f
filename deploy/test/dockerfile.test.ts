// The Dockerfile, read instruction by instruction: a build stage on the current Node LTS that installs, builds
// and prunes, and a runtime stage that runs `kiln` as a non-root user with a health check.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './compose-model';
import { ALL_KILN_VARIABLES } from './kiln-processes';

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

/** Instructions with their continuation lines joined; comments and blank lines dropped. */
function instructionsOf(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1).trim() : line;
    pending =
      pending === undefined
        ? { text: body, line: index + 1 }
        : { ...pending, text: `${pending.text} ${body}` };
    if (continued) return;
    const [keyword = '', ...rest] = pending.text.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: pending.line });
    pending = undefined;
  });
  return instructions;
}

const instructions = instructionsOf(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const globalArgs = new Map<string, string>();
for (const instruction of instructions) {
  if (instruction.keyword === 'FROM') break;
  const [name = '', value = ''] = instruction.args.split('=');
  if (instruction.keyword === 'ARG') globalArgs.set(name, value);
}
const stages: Stage[] = [];
for (const instruction of instructions) {
  if (instruction.keyword === 'FROM') {
    const [image = '', as, name] = instruction.args.split(/\s+/);
    const resolved = image.replace(/\$\{?([A-Z_]+)\}?/g, (_match, arg: string) => globalArgs.get(arg) ?? '');
    stages.push({
      name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length),
      image: resolved,
      instructions: [],
    });
  } else {
    stages[stages.length - 1]?.instructions.push(instruction);
  }
}
const runtime = stages[stages.length - 1];
const of = (stage: Stage | undefined, keyword: string): Instruction[] =>
  stage?.instructions.filter((instruction) => instruction.keyword === keyword) ?? [];
const json = (instruction: Instruction | undefined): unknown => JSON.parse(instruction?.args ?? 'null');

describe('Dockerfile', () => {
  it('builds in stages on the current Node LTS (22 or 24)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image).toMatch(/^node:(22|24)([.-]|$)/);
    const names = new Set(stages.map((stage) => stage.name));
    for (const stage of stages) {
      for (const copy of of(stage, 'COPY')) {
        const from = /--from=(\S+)/.exec(copy.args)?.[1];
        if (from !== undefined) expect(names).toContain(from);
      }
    }
  });

  it('installs with the lockfile, builds with turbo and drops the dev dependencies before the runtime stage', () => {
    const build = stages.slice(0, -1).flatMap((stage) => of(stage, 'RUN').map((run) => run.args));
    const installAt = build.findIndex((run) => /\bnpm ci\b/.test(run));
    const buildAt = build.findIndex((run) => /\bnpm run build\b/.test(run));
    const pruneAt = build.findIndex((run) => /npm prune --omit=dev|npm ci --omit=dev/.test(run));
    expect(installAt).toBeGreaterThanOrEqual(0);
    expect(buildAt).toBeGreaterThan(installAt);
    expect(pruneAt).toBeGreaterThan(buildAt);
    expect(of(runtime, 'RUN').some((run) => /\bnpm (ci|install)\b/.test(run.args))).toBe(false);
  });

  it('runs as a non-root user', () => {
    const user = of(runtime, 'USER').at(-1)?.args.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('checks /healthz', () => {
    const healthcheck = of(runtime, 'HEALTHCHECK').at(-1)?.args ?? '';
    expect(healthcheck).toMatch(/\bCMD\b/);
    expect(healthcheck).toContain('/healthz');
  });

  it('runs the kiln command line, `kiln start` by default', () => {
    expect(json(of(runtime, 'ENTRYPOINT').at(-1))).toEqual(['node', 'packages/cli/dist/main.js']);
    expect(json(of(runtime, 'CMD').at(-1))).toEqual(['start']);
    const cli = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(cli.bin['kiln']).toBe('dist/main.js');
  });

  it('exposes REST, gRPC, the ops port of single services and OPC UA', () => {
    const ports = of(runtime, 'EXPOSE').flatMap((expose) => expose.args.split(/\s+/));
    expect(ports).toEqual(expect.arrayContaining(['8080', '50051', '9464', '4840']));
  });

  it('keeps its data in a volume and sets only KILN_ variables a process reads', () => {
    const env = of(runtime, 'ENV').flatMap((instruction) =>
      [...instruction.args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map(
        (m) => [m[1] ?? '', m[2] ?? ''] as const,
      ),
    );
    const dataDir = env.find(([name]) => name === 'KILN_DATA_DIR')?.[1];
    expect(dataDir).toBeDefined();
    expect(
      of(runtime, 'VOLUME')
        .map((volume) => volume.args)
        .join(' '),
    ).toContain(dataDir);
    const unknown = env
      .map(([name]) => name)
      .filter((name) => name.startsWith('KILN_') && !ALL_KILN_VARIABLES.has(name));
    expect(unknown).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('leaves out installed and built output and local state', () => {
    for (const pattern of [
      '**/node_modules',
      '**/dist',
      '.git',
      '**/data',
      '.infra',
      '**/.turbo',
      '**/coverage',
    ]) {
      expect(patterns).toContain(pattern);
    }
  });

  it('keeps what the build needs', () => {
    const needed = [
      'package.json',
      'package-lock.json',
      'turbo.json',
      'tsconfig.base.json',
      'buf.yaml',
      'proto',
      'packages',
      'services',
    ];
    for (const path of needed) expect(patterns).not.toContain(path);
  });
});
