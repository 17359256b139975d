import { describe, expect, it } from 'vitest';
import type { SyncStatus } from './api';
import { createI18n } from './i18n';
import { describeSync, say } from './syncLine';

const NOW = Date.parse('2026-11-23T10:00:00Z');

function status(over: Partial<SyncStatus>): SyncStatus {
  return {
    online: true,
    syncing: false,
    last_sync_at: '2026-11-23T09:58:00Z',
    unsent: 0,
    last_error: null,
    clock_offset_ms: 0,
    data_version: 1,
    ...over,
  };
}

async function line(s: SyncStatus, lang: 'en' | 'zh-CN' = 'en'): Promise<string> {
  const i18n = await createI18n(lang);
  const t = (key: string, values?: Record<string, unknown>) => i18n.t(key, values ?? {});
  return describeSync(s, NOW).parts.map((p) => say(t, p)).join(' · ');
}

describe('the sync line', () => {
  it('says when everything was last synced', async () => {
    expect(await line(status({}))).toBe('All changes synced 2 min ago');
    expect(await line(status({ last_sync_at: '2026-11-23T09:59:40Z' }))).toBe('All changes synced just now');
    expect(await line(status({ last_sync_at: '2026-11-23T07:00:00Z' }))).toBe('All changes synced 3 hours ago');
    expect(await line(status({}), 'zh-CN')).toBe('全部已同步（2 分钟前）');
  });

  it('counts changes waiting, and says offline', async () => {
    expect(await line(status({ unsent: 3, online: false, last_error: 'errors.sync.offline' }))).toBe('3 changes waiting · offline');
    expect(await line(status({ unsent: 1 }))).toBe('1 change waiting');
    expect(await line(status({ unsent: 3, online: false }), 'zh-CN')).toBe('3 条改动待上传 · 离线');
  });

  it('says syncing while a round runs', async () => {
    expect(await line(status({ syncing: true }))).toBe('Syncing…');
    expect(describeSync(status({ syncing: true }), NOW).tone).toBe('syncing');
  });

  it('has words for a device that never synced', async () => {
    expect(await line(status({ last_sync_at: null }))).toBe('Not synced with the office yet');
  });

  it('keeps a failure other than no signal apart, to show it in plain words', () => {
    const s = describeSync(status({ last_error: 'errors.auth.unauthorized' }), NOW);
    expect(s.problem).toBe('errors.auth.unauthorized');
    expect(s.tone).toBe('problem');
    expect(describeSync(status({ online: false, last_error: 'errors.sync.offline' }), NOW).problem).toBeNull();
  });
});
