// How many generated inputs a fuzz property tries: a few thousand in `npm test`, KILN_FUZZ_RUNS (100,000 by
// `npm run fuzz`) when fuzzing for real. Fuzz suites are named *.fuzz.test.ts and print their count.

/** Generated inputs per property: KILN_FUZZ_RUNS when set, else `fallback` (what `npm test` affords). */
export function fuzzRuns(fallback = 2_000, env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env['KILN_FUZZ_RUNS']);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : fallback;
}
