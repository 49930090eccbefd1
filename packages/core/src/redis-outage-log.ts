import type { RedisClient } from './redis-connection.js';
import type { Logger } from './logger.js';
import { redisErrorKind } from './redis-error-kind.js';

export type RedisOutageLogOptions = {
  logger: Logger;
  /** While Redis stays away (or full), one reminder line this often; default one a minute. */
  reminderMs?: number;
  now?: () => number;
};

/** One spell of trouble: when it started, and how many errors it swallowed since the last line. */
type Spell = { since: number; suppressed: number; timer: NodeJS.Timeout | undefined; wroteSince?: boolean };

/**
 * Keeps a Redis outage to a few log lines. Every connection, queue and BullMQ worker of a process
 * reports its errors here: while Redis is unreachable they come by the dozen a minute (each
 * reconnection attempt, each lock renewal, each blocking connection), and all of them are one fact.
 * It writes one line when the outage starts, a reminder every `reminderMs` while it lasts, and one line
 * when it ends; the same for a spell of "Redis is full" (OOM) refusals. Errors that are neither are
 * left to the caller to log (`report` returns false).
 */
export class RedisOutageLog {
  private readonly logger: Logger;
  private readonly reminderMs: number;
  private readonly now: () => number;
  private outage: Spell | undefined;
  private fullSpell: Spell | undefined;
  private stopped = false;

  constructor(options: RedisOutageLogOptions) {
    this.logger = options.logger;
    this.reminderMs = options.reminderMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether Redis is known to be unreachable right now. */
  get down(): boolean {
    return this.outage !== undefined;
  }

  /** When the current outage started (ms), if there is one. */
  get downSince(): number | undefined {
    return this.outage?.since;
  }

  /** Follows one connection: its errors, and its `ready` event, which ends an outage. */
  watch(connection: RedisClient): this {
    connection.on('error', (error: Error) => this.report(error));
    connection.on('ready', () => this.reachable());
    return this;
  }

  /**
   * An error from a connection, a queue or a worker. Returns true when it was taken care of here (an
   * outage or a full Redis, logged once per spell); false when the caller should log it itself.
   * While Redis is unreachable every error is counted as part of the outage: lock renewals and
   * commands fail with all sorts of messages then, and all of them have the one cause.
   */
  report(error: Error, source?: string): boolean {
    if (this.stopped) return true;
    const kind = redisErrorKind(error);
    if (kind === 'connection' || (kind === 'other' && this.outage)) {
      if (this.outage) this.outage.suppressed += 1;
      else {
        this.outage = this.startOutage();
        this.logger.warn({ err: error, ...(source ? { source } : {}) }, 'Redis connection lost; reconnecting by itself');
      }
      return true;
    }
    if (kind === 'full') {
      if (this.fullSpell) this.fullSpell.suppressed += 1;
      else {
        this.fullSpell = this.startFullSpell();
        this.logger.error(
          { err: error, ...(source ? { source } : {}) },
          'Redis refuses writes: it is full (maxmemory reached, noeviction). Free memory or raise maxmemory; see docs/operations.md',
        );
      }
      return true;
    }
    return false;
  }

  /** Redis answered (a connection became ready, a command succeeded): ends an outage with one line. */
  reachable(): void {
    const spell = this.outage;
    if (!spell || this.stopped) return;
    this.outage = undefined;
    clearInterval(spell.timer);
    this.logger.info({ downForMs: this.now() - spell.since, suppressedErrors: spell.suppressed }, 'Redis connection back');
  }

  /**
   * A write went through. A full Redis hovers at its limit, refusing some writes and taking others,
   * so a spell of "Redis is full" ends (one line) only at a reminder tick with writes and no refusal
   * since the previous tick.
   */
  writable(): void {
    if (this.fullSpell) this.fullSpell.wroteSince = true;
  }

  /** Stops the reminders and ignores everything from now on (the process is closing its connections). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.outage?.timer);
    clearInterval(this.fullSpell?.timer);
  }

  private startOutage(): Spell {
    const spell: Spell = { since: this.now(), suppressed: 0, timer: undefined };
    spell.timer = setInterval(() => {
      if (this.outage !== spell) return;
      this.logger.warn({ forMs: this.now() - spell.since, suppressedErrors: spell.suppressed }, 'Redis still unreachable');
      spell.suppressed = 0;
    }, this.reminderMs);
    spell.timer.unref();
    return spell;
  }

  private startFullSpell(): Spell {
    const spell: Spell = { since: this.now(), suppressed: 0, timer: undefined, wroteSince: false };
    spell.timer = setInterval(() => {
      if (this.fullSpell !== spell) return;
      const forMs = this.now() - spell.since;
      if (spell.suppressed === 0 && spell.wroteSince) {
        this.fullSpell = undefined;
        clearInterval(spell.timer);
        this.logger.info({ fullForMs: forMs }, 'Redis accepts writes again');
        return;
      }
      this.logger.error({ forMs, refusedWrites: spell.suppressed }, 'Redis still refuses writes: it is full');
      spell.suppressed = 0;
      spell.wroteSince = false;
    }, this.reminderMs);
    spell.timer.unref();
    return spell;
  }
}
