import { describe, expect, it } from 'vitest';
import { errorKey } from './api';

describe('errors shown to the user', () => {
  it('uses the stable code a command returned', () => {
    expect(errorKey({ code: 'errors.storage', message: 'disk I/O error' })).toBe('errors.storage');
  });

  it('never passes a raw error through', () => {
    expect(errorKey('invalid args `foo` for command')).toBe('errors.unknown');
    expect(errorKey(new Error('boom'))).toBe('errors.unknown');
    expect(errorKey({ code: 'SQLITE_FULL' })).toBe('errors.unknown');
    expect(errorKey(null)).toBe('errors.unknown');
  });
});
