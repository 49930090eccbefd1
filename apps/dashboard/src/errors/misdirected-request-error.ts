import { RegionwatchError } from '@regionwatch/core';

/**
 * The request named a `Host` this dashboard does not answer to: what a DNS-rebinding page sends.
 * The message never repeats the Host (it is the attacker's text).
 */
export class MisdirectedRequestError extends RegionwatchError {
  readonly code = 'MISDIRECTED_REQUEST';

  constructor() {
    super(
      'This dashboard does not answer to that host name. Open it as http://localhost:<port> or http://127.0.0.1:<port>, ' +
        'or add the name you use to DASHBOARD_ALLOWED_HOSTS.',
    );
  }
}
