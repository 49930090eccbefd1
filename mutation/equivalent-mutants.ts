/**
 * Surviving mutants that no test can kill because they do not change behaviour (equivalent mutants),
 * each with the reason. mutation/summarize.ts matches them to the report by file, line, mutator and a
 * part of the replacement; one that matches nothing is listed as stale. Anything else that survives is
 * a missing test, not an entry here.
 */
export type EquivalentMutant = { file: string; line: number; mutator: string; replacement: string; why: string };

export const EQUIVALENT_MUTANTS: readonly EquivalentMutant[] = [];
