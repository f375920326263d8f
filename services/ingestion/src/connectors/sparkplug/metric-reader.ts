// Sparkplug metrics of one message to samples and problems, with what the births defined: each metric's name and
// datatype, a Template instance's members (flattened to `<metric>/<member>` tags, recursively), the edge node's
// Template definitions. Pure.
//
// Decisions (docs/ingestion.md, Sparkplug section):
// - A Template definition (is_definition, NBIRTH only) is recorded for the edge node and gives the datatypes of
//   instance members that leave theirs out; it is no sample. Template parameters are metadata, not samples.
// - is_historical: the value is emitted at its own time (the metric's timestamp, or its Template's; never the
//   payload's send time) and does not become the metric's last value, which a death marks stale. Downstream the
//   hot state keeps the newest value by time, so a historical value never replaces a later one there either. A
//   historical metric without a time of its own is refused (`historical-without-time`).
// - is_transient (in the birth, or on the value): "should not be stored in a historian" (spec 6.4.6), and every
//   sample Kiln takes is stored, so the value is not emitted; it is counted (`transient` values).
// - Metric properties (PropertySet) are metadata and not read; is_null values have no value to emit.
import { CAUSE_OF_FIELD, clip, sampleProblem } from '../sample-problems';
import type { Sample, SampleValue } from '../types';
import { SparkplugDataType as T, dataTypeName } from './datatypes';
import { toSampleValue, type ValueLimits, type ValueProblemCause } from './metric-value';
import { MAX_TEMPLATE_DEPTH, type SparkplugMetric, type SparkplugTemplate } from './payload-codec';

export interface KnownMetric {
  /** The tag: the metric's name, `<metric>/<member>` for a Template member. */
  readonly name: string;
  readonly datatype: number;
  readonly transient: boolean;
  lastValue?: SampleValue;
  /** A Template instance's members, by member name. */
  readonly members?: Map<string, KnownMetric>;
}

/** A Template definition's members: name -> datatype (and, for a nested Template, the definition it is of). */
export type TemplateDefinition = ReadonlyMap<
  string,
  { readonly datatype: number; readonly templateRef?: string }
>;

export type MetricProblemCause =
  | ValueProblemCause
  | (typeof CAUSE_OF_FIELD)[keyof typeof CAUSE_OF_FIELD]
  | 'unknown-member'
  | 'historical-without-time';

/** What the metrics of one message produced. */
export class MetricReading {
  readonly samples: Sample[] = [];
  /** Texts per cause: one rejection per cause (a DLQ header and metric label each). */
  readonly problems = new Map<MetricProblemCause, string[]>();
  transientValues = 0;

  problem(cause: MetricProblemCause, text: string): void {
    const texts = this.problems.get(cause);
    if (texts === undefined) this.problems.set(cause, [text]);
    else texts.push(text);
  }
}

export interface ReadScope {
  readonly receiveTimeUs: number;
  /** The payload's timestamp: the time of a current value that has none of its own. */
  readonly payloadTimestampMs?: number;
  readonly limits: ValueLimits;
  /** The edge node's Template definitions, by definition name. */
  readonly templates: ReadonlyMap<string, TemplateDefinition>;
}

/** What a Template passes to its members: its time and flags. */
interface Inherited {
  readonly timestampMs?: number;
  readonly historical: boolean;
  readonly transient: boolean;
}

const TOP: Inherited = { historical: false, transient: false };

/** A definition's members; undefined when the metric is not a Template definition. */
export function templateDefinitionOf(metric: SparkplugMetric): TemplateDefinition | undefined {
  if (metric.value.field !== 'template' || !metric.value.value.isDefinition) return undefined;
  const members = new Map<string, { datatype: number; templateRef?: string }>();
  for (const member of metric.value.value.members) {
    if (member.name === undefined || member.datatype === undefined) continue;
    const templateRef = member.value.field === 'template' ? member.value.value.templateRef : undefined;
    members.set(
      member.name,
      templateRef === undefined ? { datatype: member.datatype } : { datatype: member.datatype, templateRef },
    );
  }
  return members;
}

/** What a birth says of a metric: its name, datatype, transience and, for a Template instance, its members. */
export function defineMetric(
  name: string,
  datatype: number,
  metric: SparkplugMetric,
  templates: ReadonlyMap<string, TemplateDefinition>,
  transient = false,
): KnownMetric {
  const isTransient = transient || metric.isTransient === true;
  if (datatype !== T.Template) return { name, datatype, transient: isTransient };
  const members = new Map<string, KnownMetric>();
  if (metric.value.field !== 'template') return { name, datatype, transient: isTransient, members };
  const instance = metric.value.value;
  const definition = instance.templateRef === undefined ? undefined : templates.get(instance.templateRef);
  for (const member of instance.members) {
    if (member.name === undefined) continue;
    const memberType = member.datatype ?? definition?.get(member.name)?.datatype;
    if (memberType === undefined) continue;
    members.set(
      member.name,
      defineMetric(`${name}/${member.name}`, memberType, member, templates, isTransient),
    );
  }
  // Spec 6.4.12: an instance in a birth holds every member; the definition fills in any it left out.
  for (const [memberName, { datatype: memberType }] of definition ?? []) {
    if (!members.has(memberName) && memberType !== T.Template)
      members.set(memberName, {
        name: `${name}/${memberName}`,
        datatype: memberType,
        transient: isTransient,
      });
  }
  return { name, datatype, transient: isTransient, members };
}

/** Reads one metric's value (a Template's members, recursively) into `reading`. */
export function readMetric(
  known: KnownMetric,
  metric: SparkplugMetric,
  scope: ReadScope,
  reading: MetricReading,
  inherited: Inherited = TOP,
): void {
  // A null metric has no value to report; its last value stays for a later death.
  if (metric.isNull) return;
  const transient = inherited.transient || known.transient || metric.isTransient === true;
  const historical = inherited.historical || metric.isHistorical === true;
  const ownTimestampMs = metric.timestampMs ?? inherited.timestampMs;
  const datatype = metric.datatype ?? known.datatype;
  const name = clip(known.name);
  if (datatype === T.Template && known.members !== undefined) {
    if (metric.value.field === 'template') {
      readMembers(known.name, known.members, metric.value.value, scope, reading, {
        ...(ownTimestampMs === undefined ? {} : { timestampMs: ownTimestampMs }),
        historical,
        transient,
      });
    } else if (metric.value.field === 'too-deep') {
      reading.problem(
        'unsupported-datatype',
        `${name}: Template nested more than ${MAX_TEMPLATE_DEPTH} levels deep is not read`,
      );
    } else {
      reading.problem('wrong-type', `${name}: Template value came in the ${metric.value.field} field`);
    }
    return;
  }
  if (transient) {
    reading.transientValues += 1;
    return;
  }
  const timestampMs = historical ? ownTimestampMs : (ownTimestampMs ?? scope.payloadTimestampMs);
  if (historical && timestampMs === undefined) {
    reading.problem(
      'historical-without-time',
      `${name} (${dataTypeName(datatype)}): historical value without a timestamp of its own`,
    );
    return;
  }
  const read = toSampleValue(datatype, metric.value, scope.limits);
  if (!read.ok) {
    reading.problem(read.cause, `${name}: ${read.error}`);
    return;
  }
  const base = {
    tag: known.name,
    value: read.value,
    quality: 'good' as const,
    statusCode: 0,
    receiveTimeUs: scope.receiveTimeUs,
  };
  const timed: Sample = timestampMs === undefined ? base : { ...base, sourceTimeUs: timestampMs * 1000 };
  const sample: Sample = historical ? { ...timed, historical: true } : timed;
  const problem = sampleProblem(sample);
  if (problem !== undefined) {
    const stamped = problem.field === 'sourceTimeUs' ? ` (timestamp ${timestampMs} ms)` : '';
    reading.problem(CAUSE_OF_FIELD[problem.field], `${problem.message}${stamped}`);
    return;
  }
  if (!historical) known.lastValue = read.value;
  reading.samples.push(sample);
}

function readMembers(
  parent: string,
  members: Map<string, KnownMetric>,
  template: SparkplugTemplate,
  scope: ReadScope,
  reading: MetricReading,
  inherited: Inherited,
): void {
  for (const member of template.members) {
    const memberName = member.name ?? '';
    let memberKnown = members.get(memberName);
    if (memberKnown === undefined && member.name !== undefined && member.datatype !== undefined) {
      // A member the birth did not list but that names its datatype: read it, and know it from now on.
      memberKnown = defineMetric(`${parent}/${member.name}`, member.datatype, member, scope.templates);
      members.set(member.name, memberKnown);
    }
    if (memberKnown === undefined) {
      reading.problem(
        'unknown-member',
        `${clip(parent)}: Template member "${clip(memberName)}" is not in the birth and has no datatype`,
      );
      continue;
    }
    readMetric(memberKnown, member, scope, reading, inherited);
  }
}

/** Every metric (Template members one by one) that has a last value: what a death marks stale. */
export function lastValues(metrics: Iterable<KnownMetric>): { tag: string; value: SampleValue }[] {
  const found: { tag: string; value: SampleValue }[] = [];
  const visit = (metric: KnownMetric): void => {
    if (metric.members !== undefined) {
      for (const member of metric.members.values()) visit(member);
      return;
    }
    if (metric.lastValue !== undefined) found.push({ tag: metric.name, value: metric.lastValue });
  };
  for (const metric of metrics) visit(metric);
  return found;
}
