import { describe, expect, it } from 'vitest';
import { decodeRecordBody, encodeRecordBody } from '../src/task-record/record-encoding.js';
import { taskRecordBodySchema, type TaskRecordBody } from '../src/task-record/task-record.js';

const completed: TaskRecordBody = {
  status: 'Completed',
  polls: 4,
  submittedAt: '2026-11-29T00:41:00.000Z',
  finishedAt: '2026-11-29T00:41:07.250Z',
  responseStatusCode: 'Ok',
  results: [{ type: 'Text', data: 'AAAA' }],
  metadata: { documentId: '42' },
  history: [
    { status: 'Pending', count: 3 },
    { status: 'Completed', count: 1 },
  ],
  destinations: { results: 'regions-results', webhooks: [] },
};

const roundTrip = (body: TaskRecordBody) => taskRecordBodySchema.parse(decodeRecordBody(encodeRecordBody(body)));

describe('record body encoding', () => {
  it('gives back the very body it stored', () => {
    expect(roundTrip(completed)).toEqual(completed);
    const failed: TaskRecordBody = {
      status: 'Error',
      polls: 1,
      // Not the form toISOString writes: kept as text, so a re-sent result carries the same string.
      submittedAt: '2026-11-29T00:41:00Z',
      finishedAt: '2026-11-29T00:41:01.000Z',
      errors: ['Aspose said no'],
      warnings: ['w'],
      destinations: { results: null, webhooks: ['https://a.example/hook', 'https://b.example/hook'] },
    };
    expect(roundTrip(failed)).toEqual(failed);
    const customQueue: TaskRecordBody = { ...completed, destinations: { results: 'my-results', webhooks: ['https://a.example/h'] } };
    expect(roundTrip(customQueue)).toEqual(customQueue);
    const bare: TaskRecordBody = {
      status: 'Expired',
      polls: 0,
      submittedAt: 'x',
      finishedAt: 'y',
      destinations: { results: null, webhooks: [] },
    };
    expect(roundTrip(bare)).toEqual(bare);
  });

  it('still reads a body stored as the verbose object', () => {
    expect(taskRecordBodySchema.parse(decodeRecordBody(JSON.stringify(completed)))).toEqual(completed);
  });

  it('stores the fields around the payload in under 100 bytes', () => {
    const withoutPayload: TaskRecordBody = { ...completed, results: undefined, metadata: undefined, responseStatusCode: undefined };
    delete withoutPayload.results;
    delete withoutPayload.metadata;
    delete withoutPayload.responseStatusCode;
    const text = encodeRecordBody(withoutPayload);
    expect(text.length).toBeLessThan(100);
    expect(JSON.stringify(withoutPayload).length).toBeGreaterThan(2 * text.length);
  });
});
