/**
 * Surviving mutants that no test can kill because they do not change behaviour (equivalent mutants),
 * each with the reason. mutation/summarize.ts matches them to the report by file, line, mutator and a
 * part of the replacement; one that matches nothing is listed as stale. Anything else that survives is
 * a missing test, not an entry here.
 */
export type EquivalentMutant = { file: string; line: number; mutator: string; replacement: string; why: string };

const LIMITER = 'packages/core/src/rate/request-rate-limiter.ts';
const REDACT = 'packages/core/src/redact-url.ts';
const DECODER = 'packages/core/src/regions/decode-regions.ts';
const BASIC_AUTH = 'apps/dashboard/src/auth/basic-auth.ts';
const SAME_ORIGIN = 'apps/dashboard/src/security/same-origin-guard.ts';
const POLL = 'apps/worker/src/poll/poll-processor.ts';
const TOKENS = 'packages/core/src/aspose/token-provider.ts';
const GUARD = 'apps/worker/src/webhook/address-guard.ts';
const WEBHOOKS = 'apps/worker/src/webhook/webhook-processor.ts';

export const EQUIVALENT_MUTANTS: readonly EquivalentMutant[] = [
  {
    file: LIMITER,
    line: 26,
    mutator: 'EqualityOperator',
    replacement: 'rps > 1',
    why: 'at exactly 1 rps both branches give { max: 1, duration: 1000 } (floor(1) = 1, ceil(1000 / 1) = 1000).',
  },
  {
    file: LIMITER,
    line: 38,
    mutator: 'MethodExpression',
    replacement: 'Math.random().toString(36)',
    why: 'the id only has to differ between limiter instances; keeping the "0." prefix does not change that.',
  },
  {
    file: LIMITER,
    line: 46,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'defining the command again on a connection that has it re-registers the same Lua script under the same name.',
  },
  {
    file: LIMITER,
    line: 46,
    mutator: 'StringLiteral',
    replacement: '""',
    why: 'the connection never has a "" property, so the command is always defined: the same as the mutant above.',
  },
  {
    file: LIMITER,
    line: 56,
    mutator: 'ArithmeticOperator',
    replacement: 'this.counter - 1',
    why: 'counting down (-1, -2, …) still gives every admission of an instance its own member in the sorted set.',
  },
  {
    file: LIMITER,
    line: 58,
    mutator: 'EqualityOperator',
    replacement: 'waitMs > 0',
    why:
      'the script never returns 0: entries at or before now - window are removed first, so the oldest left is later ' +
      'and its wait (oldest + window - now) is at least 1 ms; admission returns -1.',
  },
  {
    file: REDACT,
    line: 74,
    mutator: 'StringLiteral',
    replacement: '""',
    why:
      'the `includes("://")` test is a shortcut: redactUrlsIn changes only text matching scheme://, so running it on ' +
      'every string gives the same result.',
  },
  {
    file: REDACT,
    line: 100,
    mutator: 'EqualityOperator',
    replacement: 'equals <= 0',
    why: 'a part starting with "=" has the empty key, which the plain-key pattern (1 to 64 characters) refuses: [redacted] either way.',
  },
  {
    file: DECODER,
    line: 54,
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'Number.isSafeInteger is false for every non-number, so the typeof test only documents the intent.',
  },
  {
    file: DECODER,
    line: 74,
    mutator: 'StringLiteral',
    replacement: '""',
    why: 'Buffer.from(text, "") encodes as UTF-8, the default: the same bytes.',
  },
  {
    file: BASIC_AUTH,
    line: 52,
    mutator: 'LogicalOperator',
    replacement: 'limiter || before',
    why: '`before` is set exactly when there is a limiter, so "limiter and before" and "limiter or before" never differ.',
  },
  {
    file: BASIC_AUTH,
    line: 90,
    mutator: 'StringLiteral',
    replacement: 'Stryker was here!',
    why: 'a missing header is matched as some other text that is not `Basic <base64>` either: undefined both ways.',
  },
  {
    file: BASIC_AUTH,
    line: 100,
    mutator: 'StringLiteral',
    replacement: '""',
    why: 'Hash.update(text, "") encodes the text as UTF-8, the default: the same digest.',
  },
  {
    file: SAME_ORIGIN,
    line: 49,
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'originHost(undefined) also gives undefined (new URL(undefined) throws, which it catches).',
  },
  {
    file: SAME_ORIGIN,
    line: 50,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'the set holds only strings, so trusted.has(undefined) is false: the undefined check only spares a lookup.',
  },
  {
    file: SAME_ORIGIN,
    line: 53,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'an undefined origin host never equals a string host, so the check changes nothing.',
  },
  {
    file: SAME_ORIGIN,
    line: 61,
    mutator: 'BlockStatement',
    replacement: '{}',
    why: 'the catch block returns undefined and an empty one falls through to the same implicit undefined.',
  },
  {
    file: POLL,
    line: 324,
    mutator: 'OptionalChaining',
    replacement: 'learner.estimate',
    why:
      'estimateFor is called only when there is a learner (`learner ? await estimateFor(…) : undefined`), so `?.` never ' +
      'meets undefined.',
  },
  {
    file: POLL,
    line: 325,
    mutator: 'OptionalChaining',
    replacement: 'learned.usable',
    why:
      'CompletionLearner.estimate always resolves to an estimate (`usable: false` while too little is known), never undefined, ' +
      'and estimateFor only runs with a learner: `learned` is always defined here.',
  },
  {
    file: POLL,
    line: 234,
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why:
      'classifyPollFailure answers undefined for a DelayedError (it knows only our Aspose and rate errors), so the next ' +
      'line rethrows it all the same: the early rethrow only makes the intent plain.',
  },
  {
    file: POLL,
    line: 250,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why:
      'pauseEveryone(undefined) sends NaN to the pause script, whose `left < tonumber("NaN")` is false (checked with EVAL on ' +
      'Redis 7.0): it writes nothing and answers the pause left (PTTL). SharedPause.pause then keeps max(what it knew, now + ' +
      'that), the value its next read would give: no pause is set or shortened, only one more Redis command on a failed poll.',
  },
  {
    file: POLL,
    line: 279,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why:
      'this branch is the unreadable-answer basis, which classifyPollFailure gives only to an AsposePermanentError other than ' +
      'client-error; only the answer to a GET raises one (the body limit in send, the JSON / schema / status checks), so a ' +
      'GET went out: `sent > 0` always holds here (an unusable token answer is an AsposeAuthError, a transient failure; ' +
      'poll-processor.test.ts checks it counts no poll).',
  },
  {
    file: POLL,
    line: 279,
    mutator: 'EqualityOperator',
    replacement: 'sent >= 0',
    why: 'as for `true` on this line: a GET always went out on this branch (sent ≥ 1), so `sent >= 0` and `sent > 0` agree.',
  },
  {
    file: TOKENS,
    line: 132,
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why:
      'the `typeof expiresIn !== "number"` half: Number.isFinite is false for every non-number ("600", null, true), ' +
      'so the other half refuses them all the same.',
  },
  {
    file: GUARD,
    line: 26,
    mutator: 'Regex',
    replacement: '/\\[|\\]$/g',
    why:
      'its only caller passes `new URL(url).hostname`, where "[" and "]" occur only around an IPv6 literal (the URL parser ' +
      'refuses them anywhere else): dropping the start anchor removes the same bracket.',
  },
  {
    file: GUARD,
    line: 26,
    mutator: 'Regex',
    replacement: '/^\\[|\\]/g',
    why: 'the same for the end anchor: a URL hostname has "]" only at its end.',
  },
  ...[40, 43, 47].map((line) => ({
    file: GUARD,
    line,
    mutator: 'ArrayDeclaration',
    replacement: 'Stryker was here',
    why:
      'the address list passed with an error: net.connect and undici read the addresses only when there is no error ' +
      '(dns.lookup itself passes none then), so its content is never looked at.',
  })),
  {
    file: GUARD,
    line: 43,
    mutator: 'ObjectLiteral',
    replacement: '{}',
    why:
      'the `errno: 0` added to the refusal: nothing reads it — net and undici pass the lookup error on as it is and the webhook ' +
      'processor recognises the refusal by its class anywhere in the cause chain (privateAddressError).',
  },
  {
    file: WEBHOOKS,
    line: 183,
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why:
      'a plan made for a delivered or gone attempt too: planRetry is pure, `finished` is true before `plan` is read ' +
      '(`delivered || gone || …`) and both return before the plan is used, so it is computed and dropped.',
  },
  {
    file: WEBHOOKS,
    line: 183,
    mutator: 'LogicalOperator',
    replacement: 'delivered && gone',
    why: 'an attempt is never both delivered and gone, so this also plans for every attempt: the same as the mutant above.',
  },
  {
    file: WEBHOOKS,
    line: 254,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'without a refusal it returns `refused: undefined`, which the caller reads exactly as a missing `refused`.',
  },
  {
    file: WEBHOOKS,
    line: 264,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why:
      'the `verdict === "fail"` half: an attempt without a status code comes only from classifyNetworkError, whose ' +
      'verdict is always "fail".',
  },
  {
    file: WEBHOOKS,
    line: 247,
    mutator: 'ObjectLiteral',
    replacement: '{}',
    why:
      'not observable by the worker: the request carries the same timeout signal, which aborts an unfinished body at ' +
      'WEBHOOK_TIMEOUT_MS anyway, so dropping the read’s own limit and signal only lets an over-long body be read past ' +
      '64 KiB until then (no delivery, state or close() changes: a test closing the processor during a trickling body ' +
      'passes both ways).',
  },
  {
    file: WEBHOOKS,
    line: 182,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why:
      'the `verdict === "fail"` half of probeFailed: a probe that did not fail (ok or alive) then counts as failed in two places ' +
      'only. The debug line (197) also needs an open breaker, and REPORT closes the breaker on any ok or alive answer. And ' +
      '`finished` is reported false instead of true for its dead letter, but line 209 then forgets the delivery, which removes ' +
      'it from the same sets (pending, held, granted; REPORT already cleared its probe mark): the same Redis state either way.',
  },
  {
    file: WEBHOOKS,
    line: 197,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why:
      'the `verdict === "fail"` half of the debug line: REPORT answers "open" only after a failed attempt (an ok or alive ' +
      'verdict closes an open breaker, and a closed one opens only on failures), so the breaker being open already implies it.',
  },
  {
    file: WEBHOOKS,
    line: 209,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why:
      'forgetting every dead letter, not only a failed probe: any other dead letter was just reported with `finished`, which ' +
      'removed it from pending, held, granted and in-flight, and it is not the probe (ADMIT returns "probe" to the probe holder), ' +
      'so FORGET finds nothing left to remove.',
  },
  {
    file: WEBHOOKS,
    line: 191,
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why:
      'with no pause asked for, pauseUntil becomes at + undefined = NaN, sent to REPORT as "NaN": Lua reads it as nan (checked ' +
      'with EVAL on Redis 7.0) and `nan > now` is false, so no pause is recorded — the same as the 0 sent for undefined.',
  },
  {
    file: WEBHOOKS,
    line: 120,
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why:
      'the `heldAt !== undefined` half: a retry sleeps without heldAt, and isGranted(undefined, id) reads the grants of an ' +
      'endpoint key named "undefined", which no delivery is ever granted in: false, so nothing is promoted either way.',
  },
  {
    file: WEBHOOKS,
    line: 192,
    mutator: 'OptionalChaining',
    replacement: 'plan.kind',
    why: '`plan` is undefined only for a delivered or gone attempt, and `delivered || gone ||` stops before this part is read.',
  },
  {
    file: WEBHOOKS,
    line: 208,
    mutator: 'OptionalChaining',
    replacement: 'plan.kind',
    why: 'a delivered or gone attempt has returned before this line, so `plan` is always defined here.',
  },
];
