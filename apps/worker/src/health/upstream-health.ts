import type { Logger } from '@regionwatch/core';
import type { UpstreamProblem } from '../poll/classify-poll-failure.js';
import type { Readiness } from './readiness.js';

/** Distinct tasks whose answers must fail the same way in a row before a `spell` problem is the replica's. */
export const SPELL_TASKS = 2;

type Spell = { since: number; failures: number; tasks: Set<string>; reported: boolean; lastMessage: string };

/**
 * What this replica knows of Aspose as a whole, from its polls: the problems `/readyz` names, and
 * logs once per spell (a run of failures with no readable answer in between) instead of once per poll.
 * A `global` problem (refused credentials) is reported at its first failure; a `spell` problem
 * (a 4xx, an unreadable answer) only once tasks of SPELL_TASKS different ids failed that way in a
 * row, so one task's own 4xx or odd answer among working ones never flips the replica's readiness.
 * Any readable answer ends every spell.
 */
export class UpstreamHealth {
  private readonly spells = new Map<UpstreamProblem, Spell>();

  constructor(
    private readonly readiness: Readiness,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Aspose answered a poll readably: every spell ends, and readiness recovers. */
  answered(): void {
    if (this.spells.size === 0) return;
    for (const [reason, spell] of this.spells) {
      this.readiness.setProblem(reason, undefined);
      if (spell.reported) {
        this.logger.info(
          { reason, failures: spell.failures, tasks: spell.tasks.size, spellMs: this.now() - spell.since },
          'Aspose answers readably again',
        );
      }
    }
    this.spells.clear();
  }

  /** A poll of `taskId` failed with `reason`; `message` is already bounded. */
  failed(reason: UpstreamProblem, scope: 'global' | 'spell', taskId: string, message: string, err?: unknown): void {
    let spell = this.spells.get(reason);
    if (!spell) {
      spell = { since: this.now(), failures: 0, tasks: new Set(), reported: false, lastMessage: message };
      this.spells.set(reason, spell);
    }
    spell.failures += 1;
    spell.lastMessage = message;
    if (spell.tasks.size < SPELL_TASKS) spell.tasks.add(taskId);
    const replicaWide = scope === 'global' || spell.tasks.size >= SPELL_TASKS;
    if (!replicaWide) return;
    // The message shown by /readyz follows the latest failure; the log line is written once per spell.
    this.readiness.setProblem(reason, message);
    if (spell.reported) return;
    spell.reported = true;
    const line = {
      reason,
      taskId,
      ...(err === undefined ? { message } : { err }),
    };
    if (reason === 'aspose_invalid_response') {
      this.logger.warn(line, 'Aspose answers what we cannot read: tasks keep polling on their normal back-off (ASPOSE_INVALID_GRACE_MS)');
    } else {
      this.logger.error(line, 'Aspose refuses our requests: tasks wait until it works again');
    }
  }
}
