// The zod building blocks every REST route declares its input with, so that the rules of domain/input-rules.ts
// hold on every route at once (and show in the OpenAPI document): text without NUL or control characters and
// capped in length, ISO times between 1970 and 2255, live event times within a window around the gateway's
// clock, finite numbers within a range.
import { numberProblem } from '@kiln/contracts';
import { z } from 'zod';
import { isoTimeOf } from '../domain/range';
import { liveTimeProblem, textRuleProblem, type LiveTimeCheck, type TextKind } from '../domain/input-rules';

const textOf = (maxLength: number, kind: TextKind) =>
  z
    .string()
    .superRefine((text, context) => {
      const problem = textRuleProblem(text, { maxLength, kind });
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: text });
    })
    .meta({ maxLength });

/** An identifier, code or name: one line, no control characters, at most `maxLength` characters. */
export const lineText = (maxLength: number) => textOf(maxLength, 'line');

/** Free text a person typed (a reason, a comment): tabs and line breaks allowed, other control characters not. */
export const freeText = (maxLength: number) => textOf(maxLength, 'free');

const isoTimeWith = (check: (us: number) => string | undefined) =>
  z
    .string()
    .superRefine((text, context) => {
      const time = isoTimeOf(text);
      const problem = 'problem' in time ? time.problem : check(time.us);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: text });
    })
    .meta({ format: 'date-time', maxLength: 40, example: '2026-03-02T06:00:00Z' });

/** An ISO 8601 time with a zone between 1970 and 2255 (query ranges, planned orders and shifts). */
export const isoTime = isoTimeWith(() => undefined).describe(
  'ISO 8601 time with a zone, e.g. 2026-03-02T06:00:00Z; 1970 through 2255',
);

/** The time of live plant data (a state change, a count): within the configured window around now. */
export const liveTime = (check: LiveTimeCheck) =>
  isoTimeWith((us) => liveTimeProblem(us, check)).describe(
    `ISO 8601 time with a zone, at most ${Math.round(check.window.pastUs / 86_400_000_000)} days before ` +
      `and ${Math.round(check.window.futureUs / 3_600_000_000)} hours after the gateway's clock`,
  );

/** A finite number in [min, max]. */
export const boundedNumber = (min: number, max: number) =>
  z
    .number()
    .superRefine((value, context) => {
      const problem = numberProblem(value, { min, max });
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: value });
    })
    .meta({ minimum: min, maximum: max });
