import { describe, expect, it } from 'vitest';

import { BULK_PROGRESS_LIMITS, BulkProgressBoard } from './bulkProgress';

describe('the node’s board of bulk uploads in progress', () => {
  const step = { lines: 1_000, linesDone: 500, listed: 480, unchanged: 10, refused: 10 };

  it('reports an upload from READING through POSTING to DONE, to its own institution only', () => {
    let now = Date.UTC(2026, 11, 7, 20);
    const board = new BulkProgressBoard(() => now);
    expect(board.start('BankAMSP', 'upload-0001')).toBe('STARTED');
    expect(board.get('BankAMSP', 'upload-0001')).toMatchObject({
      status: 'READING',
      lines: null,
      linesDone: 0,
    });
    board.update('BankAMSP', 'upload-0001', step);
    expect(board.get('BankAMSP', 'upload-0001')).toMatchObject({
      status: 'POSTING',
      ...step,
      finishedAt: null,
    });
    expect(board.get('BankBMSP', 'upload-0001')).toBeUndefined();
    now += 5_000;
    board.finish('BankAMSP', 'upload-0001', {
      lines: 1_000,
      listed: 960,
      unchanged: 20,
      refused: Array.from({ length: 20 }, (_, i) => ({ line: i + 2, code: 'INVALID_INPUT', message: 'x' })),
    });
    expect(board.get('BankAMSP', 'upload-0001')).toMatchObject({
      status: 'DONE',
      linesDone: 1_000,
      listed: 960,
      unchanged: 20,
      refused: 20,
      finishedAt: new Date(now).toISOString(),
    });
    // Updates after the end change nothing; the finished upload is kept for a while, then dropped.
    board.update('BankAMSP', 'upload-0001', step);
    expect(board.get('BankAMSP', 'upload-0001')?.status).toBe('DONE');
    now += BULK_PROGRESS_LIMITS.keptAfterDoneMs + 1;
    expect(board.get('BankAMSP', 'upload-0001')).toBeUndefined();
  });

  it('refuses a second upload under an id still running; a failed or finished one may be started again', () => {
    const board = new BulkProgressBoard();
    expect(board.start('BankAMSP', 'upload-0002')).toBe('STARTED');
    expect(board.start('BankAMSP', 'upload-0002')).toBe('RUNNING');
    expect(board.start('BankBMSP', 'upload-0002')).toBe('STARTED');
    board.finish('BankAMSP', 'upload-0002', undefined);
    expect(board.get('BankAMSP', 'upload-0002')?.status).toBe('FAILED');
    expect(board.start('BankAMSP', 'upload-0002')).toBe('STARTED');
    expect(board.get('BankAMSP', 'upload-0002')?.status).toBe('READING');
  });

  it('holds at most its limit: finished uploads leave first, running ones never; when all run, FULL', () => {
    const board = new BulkProgressBoard();
    for (let i = 0; i < BULK_PROGRESS_LIMITS.keptMax; i++)
      expect(board.start('BankAMSP', `up-${i}-xxxx`)).toBe('STARTED');
    expect(board.start('BankAMSP', 'one-more-upload')).toBe('FULL');
    board.finish('BankAMSP', 'up-7-xxxx', undefined);
    expect(board.start('BankAMSP', 'one-more-upload')).toBe('STARTED');
    expect(board.get('BankAMSP', 'up-7-xxxx')).toBeUndefined();
    expect(board.get('BankAMSP', 'up-8-xxxx')?.status).toBe('READING');
  });
});
