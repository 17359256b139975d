// Stands in for the Rust side when the UI runs in a plain browser: every command in
// src/lib/api.ts, answered from an in-memory store that follows the same shapes and the
// same order rules (core/src/lifecycle.rs) with the same error codes. It is a fake, not
// a stub: ops change the orders, the van stock goes down, sync clears the unsent count,
// and the signature strokes become an image.
//
// The store is kept in sessionStorage, so a reload keeps the device's data like the real
// app does. Tests steer it through `window.__onsiteMock` (see the bottom of this file)
// and choose the starting point with `window.__ONSITE_MOCK_OPTIONS__` set before load.
import { mockIPC } from '@tauri-apps/api/mocks';
import type {
  AppStatus,
  ClockView,
  ConflictView,
  Flag,
  Intake,
  Me,
  Money,
  OrderDetail,
  OrderDoc,
  OrderListItem,
  OrderOp,
  OrderQuery,
  OrderState,
  Part,
  Role,
  SignatureInput,
  SlaStatus,
  StaffMember,
  SyncStatus,
  TimeWindow,
  VanStockItem,
  WarrantyStatus,
} from '../src/lib/api';

interface Options {
  /** Login of the user signed in at start (`wang`, `zhang`, `chen`…), or null for none. */
  user?: string | null;
  online?: boolean;
  /** Ignore any store kept from an earlier page load. */
  fresh?: boolean;
}

interface MockUser extends Me {
  password: string;
  device: string;
}

interface OrderMeta {
  changes: OrderDetail['changes'];
  conflicts: ConflictView[];
  quarantined: OrderDetail['quarantined'];
  /** What the sign-off covered when it was captured. */
  signedDigest: string | null;
}

interface Db {
  version: 1;
  user: string | null;
  server: string | null;
  online: boolean;
  lastSyncAt: string | null;
  lastError: string | null;
  dataVersion: number;
  unsent: string[];
  orders: OrderDoc[];
  meta: Record<string, OrderMeta>;
  van: Record<string, number>;
  blobs: Record<string, string>;
  nextNumber: number;
}

const STORE_KEY = 'onsite.mock.db';
const DEVICE_ID = '01936b2e-7c1a-7def-8a00-phone0000001';
const OFFICE_DEVICE = '01936b2e-7c1a-7def-8a00-desk00000001';
const CURRENCY = 'CNY';
const WARRANTY_YEARS = 3;
const AT_RISK_SHARE = 0.25;

const USERS: MockUser[] = [
  { id: 'u-wang', login: 'wang', name: '王伟', role: 'technician', password: 'onsite', device: DEVICE_ID },
  { id: 'u-li', login: 'li', name: '李强', role: 'technician', password: 'onsite', device: '01936b2e-7c1a-7def-8a00-phone0000002' },
  { id: 'u-sun', login: 'sun', name: '孙涛', role: 'technician', password: 'onsite', device: '01936b2e-7c1a-7def-8a00-phone0000003' },
  { id: 'u-zhang', login: 'zhang', name: '张敏', role: 'dispatcher', password: 'onsite', device: OFFICE_DEVICE },
  { id: 'u-chen', login: 'chen', name: '陈静', role: 'supervisor', password: 'onsite', device: OFFICE_DEVICE },
  { id: 'u-zhou', login: 'zhou', name: '周磊', role: 'storekeeper', password: 'onsite', device: OFFICE_DEVICE },
];
const SERVER_USER = 'server';

const PARTS: Part[] = [
  { id: 'part-pump', number: 'BP-2000', name: '排水泵', unit: '个', price: yuan(85), serialized: true, certified: true, barcode: '6901234567892' },
  { id: 'part-seal', number: 'DS-1100', name: '门封圈', unit: '个', price: yuan(45), serialized: false, certified: true, barcode: '6901234567908' },
  { id: 'part-board', number: 'CB-3300', name: '主控板', unit: '块', price: yuan(320), serialized: true, certified: true, barcode: '6901234567915' },
  { id: 'part-hose', number: 'HS-0500', name: '进水管', unit: '根', price: yuan(18), serialized: false, certified: true, barcode: '6901234567922' },
  { id: 'part-motor', number: 'MT-7000', name: '变频电机', unit: '台', price: yuan(680), serialized: true, certified: true, barcode: '6901234567939' },
  { id: 'part-copy', number: 'XX-9999', name: '兼容排水泵（非原厂）', unit: '个', price: yuan(30), serialized: false, certified: false, barcode: '6909999999990' },
];

function yuan(n: number): Money {
  return { minor: Math.round(n * 100), currency: CURRENCY };
}

// ---------------------------------------------------------------------------------------
// Time helpers

const HOUR = 3_600_000;
function iso(ms: number): string {
  return new Date(ms).toISOString();
}
function nowIso(): string {
  return new Date().toISOString();
}
function localDayOf(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
/** A window on the local day `offset` days from today, `from`–`to` hours. */
function windowOn(offset: number, from: number, to: number): TimeWindow {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  d.setHours(from, 0, 0, 0);
  const start = d.getTime();
  d.setHours(to, 0, 0, 0);
  return { start: iso(start), end: iso(d.getTime()) };
}
function yearsAgo(years: number, days = 0): string {
  const d = new Date();
  d.setFullYear(d.getFullYear() - years);
  d.setDate(d.getDate() - days);
  return localDayOf(d);
}

function newUuid(): string {
  return crypto.randomUUID();
}

// ---------------------------------------------------------------------------------------
// Seed data: a technician's day, and a few orders only the office sees

function baseOrder(n: number, fields: Partial<OrderDoc> & Pick<OrderDoc, 'customer' | 'product'>, receivedHoursAgo: number, description: string): OrderDoc {
  const received = iso(Date.now() - receivedHoursAgo * HOUR);
  const order: OrderDoc = {
    schema_version: 1,
    id: `order-${n}`,
    number: `WO-2026-000${n}`,
    request: {
      id: `req-${n}`,
      channel: 'phone',
      classification: 'repair',
      received_at: received,
      description,
      fault_since: null,
      external_damage: '',
    },
    mode: 'on_site',
    priority: 'normal',
    fault_code: 'E21',
    customer_damage: false,
    charge: 'in_warranty',
    repeat_of: null,
    state: 'new',
    assignee: null,
    schedule: null,
    dispatched_at: null,
    contacts: [],
    visits: [],
    receipt: null,
    fault_confirmed: null,
    diagnosis: null,
    plan_approval: null,
    consent: null,
    fee: yuan(0),
    fee_overrides: [],
    steps: [],
    parts: [],
    tests: [],
    objections: [],
    sign_off: null,
    shipment: null,
    closed_at: null,
    hold: null,
    cancellation: null,
    follow_ups: [],
    photos: [],
    comments: [],
    data_authorisations: [],
    history: [],
    flags: [],
    ...fields,
  };
  order.charge = chargeBasis(order.product.purchase_date, order.customer_damage);
  return order;
}

function seed(): Db {
  const now = Date.now();
  const orders: OrderDoc[] = [];
  const meta: Record<string, OrderMeta> = {};
  const blobs: Record<string, string> = {};
  const add = (o: OrderDoc, m: Partial<OrderMeta> = {}) => {
    orders.push(o);
    meta[o.id] = {
      changes: [{ at: o.request.received_at, by: 'u-zhang', role: 'dispatcher', op: 'create', device: OFFICE_DEVICE }],
      conflicts: [],
      quarantined: null,
      signedDigest: null,
      ...m,
    };
  };
  const dispatched = (o: OrderDoc, tech: string, hoursAgo: number, window: TimeWindow | null) => {
    o.assignee = tech;
    o.schedule = window;
    o.dispatched_at = iso(now - hoursAgo * HOUR);
    o.state = 'dispatched';
    o.history.push(hist(o.dispatched_at, 'u-zhang', 'dispatcher', 'new', 'dispatched'));
  };

  // 101: today's first visit, not contacted yet, out of warranty → chargeable. The e2e
  // walks the whole visit on this one.
  const o101 = baseOrder(101, {
    customer: { id: 'c-101', name: '刘芳', phone: '138 0013 8001', address: '上海市浦东新区张杨路 500 号 12 楼 1203 室', tier: 'regular' },
    product: { model: '海尔 XQG100-B12866 滚筒洗衣机', serial: 'HX2101-77812', purchase_date: yearsAgo(4, 30), delivered_on: null },
  }, 30, '洗衣机排水时报 E21，桶里的水排不出去。');
  dispatched(o101, 'u-wang', 20, windowOn(0, 9, 11));
  add(o101);

  // 102: in repair this afternoon, with a change not yet sent and a stock over-use flag.
  const o102 = baseOrder(102, {
    customer: { id: 'c-102', name: '陈建国', phone: '139 1122 3344', address: '上海市徐汇区漕溪北路 88 号 6 号楼 302', tier: 'key_account' },
    product: { model: '海尔 BCD-470WDPG 冰箱', serial: 'BC1904-00321', purchase_date: yearsAgo(1, 40), delivered_on: null },
  }, 26, '冷藏室不制冷，压缩机一直响。');
  dispatched(o102, 'u-wang', 24, windowOn(0, 14, 16));
  o102.contacts.push({ id: newUuid(), at: iso(now - 22 * HOUR), by: 'u-wang', channel: 'phone', reached: true, note: '约今天下午两点到四点' });
  o102.history.push(hist(iso(now - 22 * HOUR), 'u-wang', 'technician', 'dispatched', 'contacted'));
  o102.visits.push({ id: newUuid(), by: 'u-wang', checked_in_at: iso(now - 3 * HOUR), id_shown_at: iso(now - 3 * HOUR + 60_000), checked_out_at: null });
  o102.history.push(hist(iso(now - 3 * HOUR), 'u-wang', 'technician', 'contacted', 'on_site'));
  o102.fault_confirmed = { at: iso(now - 2.9 * HOUR), by: 'u-wang', note: '冷藏室温度 15℃，压缩机不停机' };
  o102.diagnosis = { at: iso(now - 2.8 * HOUR), by: 'u-wang', cause: '主控板温控继电器粘连', plan: '更换主控板', parts: ['CB-3300'], tools: '万用表', estimated_minutes: 60, estimated_fee: yuan(0), risks: '' };
  o102.consent = { customer_name: '陈建国', at: iso(now - 2.7 * HOUR), recorded_by: 'u-wang', fee_agreed: null };
  o102.history.push(hist(iso(now - 2.7 * HOUR), 'u-wang', 'technician', 'on_site', 'plan_agreed'));
  o102.parts.push({ id: newUuid(), at: iso(now - 2 * HOUR), by: 'u-wang', part: 'part-board', part_number: 'CB-3300', quantity: 1, serials_new: ['CB33-2025-0091'], serials_old: ['CB33-2019-4410'], location: 'van-wang' });
  o102.history.push(hist(iso(now - 2 * HOUR), 'u-wang', 'technician', 'plan_agreed', 'in_repair'));
  o102.state = 'in_repair';
  o102.flags.push({
    id: 'flag-102-stock',
    kind: 'stock_over_use',
    subject: 'CB-3300',
    detail: '王伟的随车库存显示 0 块，合并后为 -1 块。',
    for_role: 'storekeeper',
    raised_at: iso(now - HOUR),
    resolution: null,
  });
  add(o102);

  // 103: tomorrow, already contacted.
  const o103 = baseOrder(103, {
    customer: { id: 'c-103', name: '王丽', phone: '137 6655 4433', address: '上海市静安区南京西路 1266 号 2 单元 801', tier: 'regular' },
    product: { model: '海尔 EG8014 洗衣机', serial: 'EG8020-55120', purchase_date: yearsAgo(2), delivered_on: null },
  }, 10, '脱水时噪音很大，机器晃动。');
  dispatched(o103, 'u-wang', 9, windowOn(1, 10, 12));
  o103.contacts.push({ id: newUuid(), at: iso(now - 8 * HOUR), by: 'u-wang', channel: 'phone', reached: true, note: '客户明天上午在家' });
  o103.history.push(hist(iso(now - 8 * HOUR), 'u-wang', 'technician', 'dispatched', 'contacted'));
  o103.state = 'contacted';
  add(o103);

  // 104: no time agreed yet, first handling overdue.
  const o104 = baseOrder(104, {
    customer: { id: 'c-104', name: '赵敏', phone: '135 0000 1111', address: '上海市闵行区七宝镇漕宝路 3366 弄 15 号', tier: 'long_term' },
    product: { model: '海尔 JSQ25 燃气热水器', serial: '', purchase_date: null, delivered_on: null },
  }, 72, '热水器点不着火，显示 E1。');
  dispatched(o104, 'u-wang', 60, null);
  o104.contacts.push({ id: newUuid(), at: iso(now - 50 * HOUR), by: 'u-wang', channel: 'phone', reached: false, note: '无人接听' });
  o104.contacts.push({ id: newUuid(), at: iso(now - 40 * HOUR), by: 'u-wang', channel: 'phone', reached: true, note: '客户出差，回来再约时间' });
  o104.history.push(hist(iso(now - 40 * HOUR), 'u-wang', 'technician', 'dispatched', 'contacted'));
  o104.state = 'contacted';
  add(o104);

  // 105: yesterday; signed off, then the fee changed on another device: the signature
  // is void, and the office cancelled while the technician signed off (a conflict).
  const o105 = baseOrder(105, {
    customer: { id: 'c-105', name: '孙悦', phone: '136 2211 9988', address: '上海市长宁区天山路 600 弄 3 号 1101', tier: 'regular' },
    product: { model: '海尔 KFR-35GW 空调', serial: 'KF2207-31001', purchase_date: yearsAgo(5), delivered_on: null },
  }, 50, '空调制冷效果差，外机有异响。');
  dispatched(o105, 'u-wang', 48, windowOn(-1, 13, 15));
  o105.state = 'signed_off';
  o105.contacts.push({ id: newUuid(), at: iso(now - 47 * HOUR), by: 'u-wang', channel: 'phone', reached: true, note: '' });
  o105.visits.push({ id: newUuid(), by: 'u-wang', checked_in_at: iso(now - 28 * HOUR), id_shown_at: iso(now - 28 * HOUR), checked_out_at: iso(now - 25 * HOUR) });
  o105.fault_confirmed = { at: iso(now - 28 * HOUR), by: 'u-wang', note: '外机风扇电机异响' };
  o105.diagnosis = { at: iso(now - 27.5 * HOUR), by: 'u-wang', cause: '风扇轴承磨损', plan: '更换风扇电机', parts: [], tools: '', estimated_minutes: 45, estimated_fee: yuan(260), risks: '' };
  o105.consent = { customer_name: '孙悦', at: iso(now - 27.4 * HOUR), recorded_by: 'u-wang', fee_agreed: yuan(260) };
  o105.fee = yuan(300);
  o105.steps.push({ id: newUuid(), at: iso(now - 26.5 * HOUR), by: 'u-wang', description: '更换外机风扇电机', minutes: 40 });
  o105.tests.push({ id: newUuid(), at: iso(now - 26 * HOUR), by: 'u-wang', passed: true, notes: '运行 20 分钟，出风 12℃', care_advice_given: true });
  blobs['sig-105'] = signatureSvg([[{ x: 20, y: 80 }, { x: 60, y: 30 }, { x: 100, y: 90 }, { x: 140, y: 40 }, { x: 200, y: 85 }]], 320, 120);
  o105.sign_off = { signer: '孙悦', at: iso(now - 25.5 * HOUR), captured_by: 'u-wang', rating: 4, signature_blob: 'sig-105', digest: 'digest-before-fee-change' };
  o105.history.push(hist(iso(now - 25.5 * HOUR), 'u-wang', 'technician', 'tested', 'signed_off'));
  o105.flags.push(
    { id: 'flag-105-void', kind: 'sign_off_void', subject: 'fee', detail: '签字后费用从 ¥260.00 改为 ¥300.00。', for_role: 'supervisor', raised_at: iso(now - 5 * HOUR), resolution: null },
    { id: 'flag-105-conflict', kind: 'conflict', subject: 'state', detail: '客服在工程师签字的同时取消了工单。', for_role: 'supervisor', raised_at: iso(now - 5 * HOUR), resolution: null },
  );
  add(o105, {
    conflicts: [{ field: 'state', values: ['signed_off', 'cancelled'] }],
    quarantined: { code: 'errors.auth.forbidden', reason: '工程师不能修改已审批的费用，这次改动已退回。' },
    signedDigest: 'digest-before-fee-change',
  });

  // 106, 107: waiting for dispatch (office only).
  const o106 = baseOrder(106, {
    customer: { id: 'c-106', name: '周杰', phone: '186 1234 5678', address: '上海市杨浦区国定路 335 号 5 号楼 402', tier: 'key_account' },
    product: { model: '海尔 BCD-520 冰箱', serial: 'BC2301-88123', purchase_date: yearsAgo(0, 200), delivered_on: null },
    priority: 'emergency',
  }, 40, '冰箱完全不工作，里面有药品需要冷藏。');
  add(o106);
  const o107 = baseOrder(107, {
    customer: { id: 'c-107', name: '吴婷', phone: '159 8765 4321', address: '上海市普陀区真北路 1111 弄 8 号 203', tier: 'regular' },
    product: { model: '海尔 EC6002 电热水器', serial: 'EC6001-12001', purchase_date: yearsAgo(3, 10), delivered_on: null },
  }, 2, '热水器漏水，下面一直滴。');
  o107.request.channel = 'we_chat';
  add(o107);

  // 108: closed last week by another technician, with a signature and a photo.
  const o108 = baseOrder(108, {
    customer: { id: 'c-108', name: '郑磊', phone: '133 4455 6677', address: '上海市黄浦区中山南路 28 号 19 楼', tier: 'regular' },
    product: { model: '海尔 CXW-200 油烟机', serial: 'CX1801-00045', purchase_date: yearsAgo(1), delivered_on: null },
  }, 170, '油烟机吸力变小。');
  dispatched(o108, 'u-li', 168, windowOn(-6, 9, 11));
  o108.state = 'closed';
  o108.closed_at = iso(now - 140 * HOUR);
  o108.steps.push({ id: newUuid(), at: iso(now - 142 * HOUR), by: 'u-li', description: '清洗风轮和油网', minutes: 50 });
  o108.tests.push({ id: newUuid(), at: iso(now - 141 * HOUR), by: 'u-li', passed: true, notes: '吸力正常', care_advice_given: true });
  blobs['sig-108'] = signatureSvg([[{ x: 30, y: 70 }, { x: 70, y: 40 }, { x: 90, y: 80 }, { x: 130, y: 35 }], [{ x: 150, y: 60 }, { x: 220, y: 65 }]], 320, 120);
  blobs['photo-108'] = photoSvg('#94a3b8', 'CX-200');
  o108.photos.push({ hash: 'photo-108', caption: '清洗后的风轮', at: iso(now - 142 * HOUR), by: 'u-li' });
  o108.sign_off = { signer: '郑磊', at: iso(now - 141 * HOUR), captured_by: 'u-li', rating: 5, signature_blob: 'sig-108', digest: '' };
  o108.history.push(hist(iso(now - 141 * HOUR), 'u-li', 'technician', 'tested', 'signed_off'), hist(o108.closed_at, 'u-li', 'technician', 'signed_off', 'closed'));
  add(o108);
  o108.sign_off.digest = digest(o108);
  meta[o108.id].signedDigest = o108.sign_off.digest;

  // 109: tomorrow, another technician.
  const o109 = baseOrder(109, {
    customer: { id: 'c-109', name: '冯雪', phone: '188 2233 4455', address: '上海市虹口区四川北路 1688 号 6 楼', tier: 'regular' },
    product: { model: '海尔 KFR-26GW 空调', serial: 'KF2403-22110', purchase_date: yearsAgo(0, 90), delivered_on: null },
  }, 5, '空调遥控开不了机。');
  dispatched(o109, 'u-li', 4, windowOn(1, 9, 11));
  add(o109);

  return {
    version: 1,
    user: null,
    server: null,
    online: true,
    lastSyncAt: iso(now - 2 * 60_000),
    lastError: null,
    dataVersion: 1,
    unsent: ['order-102'],
    orders,
    meta,
    van: { 'part-pump': 2, 'part-seal': 3, 'part-board': 0, 'part-hose': 0 },
    blobs,
    nextNumber: 110,
  };
}

function hist(at: string, by: string, role: Role, from: OrderState, to: OrderState, reason = ''): OrderDoc['history'][number] {
  return { id: newUuid(), at, by, role, from, to, reason, pauses_clocks: false };
}

// ---------------------------------------------------------------------------------------
// Blobs: signatures as SVG drawn from the strokes, photos as the bytes given

function signatureSvg(strokes: { x: number; y: number }[][], width: number, height: number): string {
  const lines = strokes
    .map((pts) =>
      pts.length === 1
        ? `<circle cx="${pts[0].x}" cy="${pts[0].y}" r="1.5" fill="#0f172a"/>`
        : `<polyline fill="none" stroke="#0f172a" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" points="${pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}"/>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#fff"/>${lines}</svg>`;
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}

function photoSvg(colour: string, label: string): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="100%" height="100%" fill="${colour}"/><text x="160" y="130" font-size="28" text-anchor="middle" fill="#fff" font-family="sans-serif">${label}</text></svg>`;
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}

function bytesToDataUrl(bytes: number[]): string {
  const mime =
    bytes[0] === 0x89 && bytes[1] === 0x50 ? 'image/png' : bytes[0] === 0xff && bytes[1] === 0xd8 ? 'image/jpeg' : bytes[0] === 0x52 && bytes[1] === 0x49 ? 'image/webp' : null;
  if (!mime) throw fail('errors.storage.media', 'photo bytes are not JPEG, PNG or WebP');
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `data:${mime};base64,${btoa(binary)}`;
}

function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0') + text.length.toString(16);
}

// ---------------------------------------------------------------------------------------
// Errors, as the Rust side serialises them

function fail(code: string, message: string, details?: Record<string, string | number>) {
  return details ? { code, message, details } : { code, message };
}

// ---------------------------------------------------------------------------------------
// The store

const options: Options = (globalThis as { __ONSITE_MOCK_OPTIONS__?: Options }).__ONSITE_MOCK_OPTIONS__ ?? {};

function load(): Db {
  if (!options.fresh) {
    const kept = sessionStorage.getItem(STORE_KEY);
    if (kept) {
      try {
        return JSON.parse(kept) as Db;
      } catch {
        // fall through to a fresh store
      }
    }
  }
  const db = seed();
  const login = options.user === undefined ? 'wang' : options.user;
  const user = USERS.find((u) => u.login === login);
  if (user) {
    db.user = user.id;
    db.server = 'http://127.0.0.1:8787';
  }
  if (options.online === false) {
    db.online = false;
    db.lastError = 'errors.sync.offline';
  }
  return db;
}

const db = load();
let syncing = false;
const calls: { cmd: string; args: unknown }[] = [];

function save(): void {
  sessionStorage.setItem(STORE_KEY, JSON.stringify(db));
}
save();

function me(): MockUser {
  const user = USERS.find((u) => u.id === db.user);
  if (!user) throw fail('errors.sync.not_signed_in', 'this device is not signed in');
  return user;
}

function appStatus(): AppStatus {
  const user = USERS.find((u) => u.id === db.user);
  return {
    version: '0.1.0',
    device_id: DEVICE_ID,
    server: db.server,
    user: user ? { id: user.id, login: user.login, name: user.name, role: user.role } : null,
  };
}

function syncStatus(): SyncStatus {
  return {
    online: db.online,
    syncing,
    last_sync_at: db.lastSyncAt,
    unsent: db.unsent.length,
    last_error: db.lastError,
    clock_offset_ms: db.online ? 120 : null,
    data_version: db.dataVersion,
  };
}

/** The orders this device holds for the signed-in user: a technician only their own. */
function visible(): OrderDoc[] {
  const user = me();
  return user.role === 'technician' ? db.orders.filter((o) => o.assignee === user.id) : db.orders;
}

function findOrder(id: string): OrderDoc {
  const order = visible().find((o) => o.id === id);
  if (!order) throw fail('errors.storage.not_found', `order ${id} is not on this device`);
  return order;
}

// ---------------------------------------------------------------------------------------
// Warranty and SLA clocks

function warrantyOf(purchaseDate: string | null): WarrantyStatus {
  if (!purchaseDate) return { status: 'no_proof_of_purchase' };
  const [y, m, d] = purchaseDate.split('-').map(Number);
  const until = `${y + WARRANTY_YEARS}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return until >= localDayOf(new Date()) ? { status: 'in_warranty', until } : { status: 'expired', since: until };
}

function chargeBasis(purchaseDate: string | null, damage: boolean): string {
  if (damage) return 'customer_damage';
  const w = warrantyOf(purchaseDate);
  return w.status === 'in_warranty' ? 'in_warranty' : w.status === 'expired' ? 'out_of_warranty' : 'no_proof_of_purchase';
}

function isChargeable(o: OrderDoc): boolean {
  return ['out_of_warranty', 'no_proof_of_purchase', 'customer_damage'].includes(o.charge);
}

const RANK: Record<OrderState, number> = {
  new: 0, dispatched: 1, contacted: 2, on_site: 3, received: 3, plan_agreed: 4, in_repair: 5,
  tested: 6, signed_off: 7, shipped_back: 8, closed: 9, cancelled: 9, on_hold: -1,
};
function rank(o: OrderDoc): number {
  return o.state === 'on_hold' && o.hold ? RANK[o.hold.from] : RANK[o.state];
}

function clockView(clock: string, startMs: number, hours: number, stopped: boolean, paused: boolean): ClockView {
  const deadline = startMs + hours * HOUR;
  const left = deadline - Date.now();
  let status: SlaStatus = 'on_track';
  if (paused) status = 'paused';
  else if (!stopped && left < 0) status = 'breached';
  else if (!stopped && left < hours * HOUR * AT_RISK_SHARE) status = 'at_risk';
  return { clock, status, deadline: iso(deadline), running: !stopped && !paused };
}

function clocks(o: OrderDoc): ClockView[] {
  const paused = o.state === 'on_hold' && o.hold?.kind === 'waiting_for_customer';
  const list = [clockView('first_handling', Date.parse(o.request.received_at), 48, rank(o) >= 3 || o.state === 'cancelled', paused)];
  if (o.dispatched_at) {
    const reached = o.contacts.some((c) => c.reached) || rank(o) >= 2;
    list.push(clockView('contact_after_dispatch', Date.parse(o.dispatched_at), 24, reached, paused));
  }
  return list;
}

function worst(list: ClockView[]): { sla: SlaStatus | null; due: string | null } {
  const running = list.filter((c) => c.running || c.status === 'paused');
  if (!running.length) return { sla: null, due: null };
  const order: SlaStatus[] = ['breached', 'at_risk', 'paused', 'on_track'];
  const sla = order.find((s) => running.some((c) => c.status === s)) ?? null;
  const due = running.filter((c) => c.running).map((c) => c.deadline).sort()[0] ?? null;
  return { sla, due };
}

// ---------------------------------------------------------------------------------------
// Sign-off digest: what the signature covers (work, parts, fee)

function digest(o: OrderDoc): string {
  return hashOf(JSON.stringify([o.steps.map((s) => s.id), o.parts.map((p) => [p.id, p.quantity, p.serials_new]), o.fee]));
}

function signOffStatus(o: OrderDoc): 'none' | 'valid' | 'void' {
  if (!o.sign_off) return 'none';
  const signed = db.meta[o.id]?.signedDigest ?? o.sign_off.digest;
  return signed === digest(o) ? 'valid' : 'void';
}

// ---------------------------------------------------------------------------------------
// The lifecycle, as core/src/lifecycle.rs decides it

const ROLES: Record<string, Role[]> = {
  dispatch: ['dispatcher', 'supervisor'],
  assign: ['dispatcher', 'supervisor'],
  schedule: ['technician', 'dispatcher', 'supervisor'],
  log_contact: ['technician', 'dispatcher', 'supervisor'],
  check_in: ['technician', 'supervisor'],
  check_out: ['technician', 'supervisor'],
  show_work_id: ['technician', 'supervisor'],
  confirm_fault: ['technician', 'dispatcher', 'supervisor'],
  record_consent: ['technician', 'dispatcher', 'supervisor'],
  record_diagnosis: ['technician', 'support', 'supervisor'],
  approve_plan: ['support', 'supervisor'],
  add_repair_step: ['technician', 'supervisor'],
  use_part: ['technician', 'supervisor'],
  remove_part: ['technician', 'supervisor'],
  record_test: ['technician', 'supervisor'],
  sign_off: ['technician', 'supervisor'],
  object: ['technician', 'supervisor'],
  close: ['technician', 'dispatcher', 'supervisor'],
  hold: ['technician', 'dispatcher', 'supervisor'],
  resume: ['technician', 'dispatcher', 'supervisor'],
  cancel: ['dispatcher', 'supervisor'],
  reopen: ['supervisor'],
  comment: ['technician', 'dispatcher', 'support', 'supervisor', 'storekeeper'],
  add_photo: ['technician', 'dispatcher', 'supervisor'],
  resolve_flag: ['supervisor'],
};
const ON_HOLD_OK = ['resume', 'cancel', 'assign', 'schedule', 'log_contact', 'comment', 'add_photo', 'check_out'];
const ALL_OPS = Object.keys(ROLES);

type Verdict = { to: OrderState } | { code: string };

function openVisit(o: OrderDoc) {
  const last = o.visits.at(-1);
  return last && last.checked_out_at === null ? last : null;
}
function latestTestPassed(o: OrderDoc): boolean {
  return [...o.tests].sort((a, b) => a.at.localeCompare(b.at)).at(-1)?.passed ?? false;
}

/** `check` from lifecycle.rs; `passed` for record_test, `consent` for record_consent. */
function check(o: OrderDoc, op: string, user: MockUser, extra: { passed?: boolean; reason?: string } = {}): Verdict {
  const roles = ROLES[op];
  if (!roles || !roles.includes(user.role)) return { code: 'errors.order.role_not_permitted' };
  if (user.role === 'technician' && o.assignee !== user.id) return { code: 'errors.order.not_assignee' };
  const s = o.state;
  const notHere: Verdict = { code: 'errors.order.not_allowed_in_state' };
  if (s === 'cancelled' && op !== 'comment') return notHere;
  if (s === 'closed' && !['reopen', 'comment', 'add_photo'].includes(op)) return notHere;
  if (s === 'on_hold' && !ON_HOLD_OK.includes(op)) return { code: 'errors.order.on_hold' };
  const receives = o.mode !== 'on_site';
  const shown = openVisit(o)?.id_shown_at != null;
  const needReason = (r: string | undefined): Verdict | null => (r !== undefined && !r.trim() ? { code: 'errors.order.reason_required' } : null);

  switch (op) {
    case 'dispatch':
      return s === 'new' ? { to: 'dispatched' } : notHere;
    case 'assign':
    case 'schedule':
    case 'comment':
    case 'add_photo':
      return { to: s };
    case 'resolve_flag':
      return o.flags.some((f) => f.resolution === null) ? { to: s } : notHere;
    case 'log_contact':
      return { to: s === 'dispatched' && extra.passed ? 'contacted' : s };
    case 'check_in':
      if (receives) return { code: 'errors.order.wrong_service_mode' };
      if (s === 'dispatched') return { code: 'errors.order.contact_missing' };
      if (s === 'contacted') return { to: 'on_site' };
      if (['on_site', 'plan_agreed', 'in_repair', 'tested'].includes(s)) return openVisit(o) ? notHere : { to: s };
      return notHere;
    case 'check_out':
      return openVisit(o) ? { to: s } : { code: 'errors.order.not_checked_in' };
    case 'show_work_id':
      if (!openVisit(o)) return { code: 'errors.order.not_checked_in' };
      return shown ? notHere : { to: s };
    case 'confirm_fault':
    case 'record_diagnosis':
    case 'approve_plan':
      if (s !== 'on_site' && s !== 'received') return notHere;
      if (!receives && !shown) return { code: 'errors.order.work_id_not_shown' };
      if (op !== 'confirm_fault' && !o.fault_confirmed) return { code: 'errors.order.fault_not_confirmed' };
      if (op === 'approve_plan' && !o.diagnosis) return { code: 'errors.order.plan_missing' };
      return { to: s };
    case 'record_consent': {
      if (s !== 'on_site' && s !== 'received') return notHere;
      if (!receives && !shown) return { code: 'errors.order.work_id_not_shown' };
      if (!o.fault_confirmed) return { code: 'errors.order.fault_not_confirmed' };
      if (!o.diagnosis) return { code: 'errors.order.plan_missing' };
      if (!o.consent) return { code: 'errors.order.consent_missing' };
      const fee = o.consent.fee_agreed;
      if (isChargeable(o) && !(fee && fee.minor === o.diagnosis.estimated_fee.minor && fee.currency === o.diagnosis.estimated_fee.currency)) {
        return { code: 'errors.order.fee_consent_missing' };
      }
      return { to: 'plan_agreed' };
    }
    case 'add_repair_step':
    case 'use_part':
    case 'remove_part':
      if (RANK[s] < 4 || !o.consent) return { code: 'errors.order.consent_missing' };
      return ['plan_agreed', 'in_repair', 'tested'].includes(s) ? { to: 'in_repair' } : notHere;
    case 'record_test':
      if (s === 'in_repair' || s === 'tested') return { to: extra.passed === false ? 'in_repair' : 'tested' };
      if (RANK[s] <= 4) return { code: 'errors.order.repair_not_started' };
      return notHere;
    case 'sign_off':
    case 'object':
      if (s === 'tested') {
        if (!latestTestPassed(o)) return { code: 'errors.order.test_not_passed' };
        return { to: op === 'sign_off' ? 'signed_off' : 'in_repair' };
      }
      if (RANK[s] <= 5) return { code: 'errors.order.test_not_passed' };
      return notHere;
    case 'close':
      if (receives && o.mode === 'mail_in') return s === 'shipped_back' ? { to: 'closed' } : { code: 'errors.order.shipment_missing' };
      if (s !== 'signed_off' || !o.sign_off) return { code: 'errors.order.sign_off_missing' };
      return signOffStatus(o) === 'void' ? { code: 'errors.order.sign_off_void' } : { to: 'closed' };
    case 'cancel':
      return needReason(extra.reason) ?? { to: 'cancelled' };
    case 'hold':
      return needReason(extra.reason) ?? { to: 'on_hold' };
    case 'resume':
      return s === 'on_hold' && o.hold ? { to: o.hold.from } : notHere;
    case 'reopen':
      return needReason(extra.reason) ?? (s === 'closed' ? { to: 'in_repair' } : notHere);
    default:
      return { code: 'errors.order.not_allowed_in_state' };
  }
}

/** What `detail.allowed` says: each op that would pass its lifecycle check now. */
function allowed(o: OrderDoc, user: MockUser): string[] {
  return ALL_OPS.filter((op) => {
    let subject = o;
    if (op === 'record_consent' && o.diagnosis) {
      subject = { ...o, consent: { customer_name: 'x', at: nowIso(), recorded_by: user.id, fee_agreed: o.diagnosis.estimated_fee } };
    }
    return 'to' in check(subject, op, user, { passed: true });
  });
}

// ---------------------------------------------------------------------------------------
// Applying an edit

function nonEmpty(value: string, field: string): void {
  if (!value.trim()) throw fail('errors.order.empty_field', `${field} must not be empty`);
}
function fresh<T extends { id: string }>(list: T[], id: string): void {
  if (list.some((x) => x.id === id)) throw fail('errors.order.duplicate_record', `record ${id} already exists on this order`);
}

function edit(o: OrderDoc, name: string, extra: { passed?: boolean; reason?: string }, record: (next: OrderDoc, user: MockUser, now: string) => void, checkOn?: (next: OrderDoc) => OrderDoc): OrderDetail {
  const user = me();
  const now = nowIso();
  const next: OrderDoc = structuredClone(o);
  let recordError: unknown = null;
  try {
    record(next, user, now);
  } catch (err) {
    recordError = err;
  }
  const verdict = check(checkOn ? checkOn(next) : o, name, user, extra);
  if ('code' in verdict) throw fail(verdict.code, `${name} refused on ${o.number}`);
  if (recordError) throw recordError;
  const from = o.state;
  if (verdict.to !== from) {
    next.history.push(hist(now, user.id, user.role, from, verdict.to, extra.reason ?? ''));
    next.state = verdict.to;
  }
  Object.assign(o, next);
  const meta = db.meta[o.id];
  meta.changes.push({ at: now, by: user.id, role: user.role, op: name, device: user.device });
  if (!db.unsent.includes(o.id)) db.unsent.push(o.id);
  save();
  return detail(o);
}

function applyOp(o: OrderDoc, op: OrderOp): OrderDetail {
  switch (op.op) {
    case 'dispatch':
      return edit(o, 'dispatch', {}, (n, _u, now) => {
        n.assignee = op.assignee;
        n.dispatched_at = now;
        if (op.window) n.schedule = op.window;
      });
    case 'assign':
      return edit(o, 'assign', {}, (n) => void (n.assignee = op.assignee));
    case 'schedule':
      return edit(o, 'schedule', {}, (n) => {
        if (op.window.end < op.window.start) throw fail('errors.order.empty_field', 'window ends before it starts');
        n.schedule = op.window;
      });
    case 'log_contact':
      return edit(o, 'log_contact', { passed: op.reached }, (n, u, now) => {
        fresh(n.contacts, op.id);
        n.contacts.push({ id: op.id, at: now, by: u.id, channel: op.channel, reached: op.reached, note: op.note });
      });
    case 'check_in':
      return edit(o, 'check_in', {}, (n, u, now) => {
        fresh(n.visits, op.visit);
        n.visits.push({ id: op.visit, by: u.id, checked_in_at: now, id_shown_at: null, checked_out_at: null });
      });
    case 'show_work_id':
      return edit(o, 'show_work_id', {}, (n, _u, now) => {
        const v = n.visits.at(-1);
        if (v && !v.checked_out_at && !v.id_shown_at) v.id_shown_at = now;
      });
    case 'check_out':
      return edit(o, 'check_out', {}, (n, _u, now) => {
        const v = n.visits.at(-1);
        if (v && !v.checked_out_at) v.checked_out_at = now;
      });
    case 'confirm_fault':
      return edit(o, 'confirm_fault', {}, (n, u, now) => {
        nonEmpty(op.note, 'fault');
        n.fault_confirmed = { at: now, by: u.id, note: op.note };
      });
    case 'record_diagnosis':
      return edit(o, 'record_diagnosis', {}, (n, u, now) => {
        nonEmpty(op.cause, 'cause');
        nonEmpty(op.plan, 'plan');
        if (op.estimated_fee.currency !== CURRENCY) throw fail('errors.order.currency_mismatch', `fee must be in ${CURRENCY}`);
        const { op: _tag, ...d } = op;
        n.diagnosis = { at: now, by: u.id, ...d };
        n.plan_approval = null;
      });
    case 'approve_plan':
      return edit(o, 'approve_plan', {}, (n, u, now) => void (n.plan_approval = { by: { user: u.id, role: u.role }, at: now, note: op.note }));
    case 'record_consent':
      return edit(
        o,
        'record_consent',
        {},
        (n, u, now) => {
          nonEmpty(op.customer_name, 'customer_name');
          n.consent = { customer_name: op.customer_name, at: now, recorded_by: u.id, fee_agreed: op.fee_agreed };
          n.fee = isChargeable(n) && op.fee_agreed ? op.fee_agreed : yuan(0);
        },
        (n) => n,
      );
    case 'add_repair_step':
      return edit(o, 'add_repair_step', {}, (n, u, now) => {
        fresh(n.steps, op.id);
        nonEmpty(op.description, 'description');
        n.steps.push({ id: op.id, at: now, by: u.id, description: op.description, minutes: op.minutes });
      });
    case 'remove_part': {
      const line = o.parts.find((p) => p.id === op.id);
      return edit(o, 'remove_part', {}, (n) => {
        if (!line) throw fail('errors.order.unknown_record', `no record ${op.id} on this order`);
        n.parts = n.parts.filter((p) => p.id !== op.id);
        db.van[line.part] = (db.van[line.part] ?? 0) + line.quantity;
      });
    }
    case 'record_test':
      return edit(o, 'record_test', { passed: op.passed }, (n, u, now) => {
        fresh(n.tests, op.id);
        n.tests.push({ id: op.id, at: now, by: u.id, passed: op.passed, notes: op.notes, care_advice_given: op.care_advice_given });
      });
    case 'object':
      return edit(o, 'object', { reason: op.text }, (n, _u, now) => {
        fresh(n.objections, op.id);
        nonEmpty(op.signer, 'signer');
        nonEmpty(op.text, 'objection');
        n.objections.push({ id: op.id, at: now, signer: op.signer, text: op.text });
      });
    case 'close':
      return edit(o, 'close', {}, (n, _u, now) => void (n.closed_at = now));
    case 'cancel':
      return edit(o, 'cancel', { reason: op.reason }, (n, u, now) => void (n.cancellation = { at: now, by: u.id, reason: op.reason }));
    case 'hold':
      return edit(o, 'hold', { reason: op.reason }, (n, u, now) => void (n.hold = { kind: op.kind, reason: op.reason, from: o.state, at: now, by: u.id }));
    case 'resume':
      return edit(o, 'resume', {}, (n) => void (n.hold = null));
    case 'reopen':
      return edit(o, 'reopen', { reason: op.reason }, (n) => void (n.closed_at = null));
    case 'comment':
      return edit(o, 'comment', {}, (n, u, now) => {
        nonEmpty(op.text, 'comment');
        n.comments.push({ id: op.id, at: now, by: { user: u.id, role: u.role }, text: op.text });
      });
    case 'resolve_flag':
      return edit(o, 'resolve_flag', {}, (n, u, now) => {
        const flag = n.flags.find((f) => f.id === op.id);
        if (!flag) throw fail('errors.order.unknown_record', `no flag ${op.id} on this order`);
        nonEmpty(op.note, 'note');
        flag.resolution = { by: u.id, at: now, note: op.note, choice: op.choice };
        if (flag.kind === 'conflict') {
          db.meta[o.id].conflicts = db.meta[o.id].conflicts.filter((c) => c.field !== flag.subject);
          if (flag.subject === 'state' && op.choice) n.state = op.choice as OrderState;
        }
        if (flag.kind === 'quarantined') db.meta[o.id].quarantined = null;
      });
    default:
      throw fail('errors.internal', `op ${(op as { op: string }).op} is not known`);
  }
}

// ---------------------------------------------------------------------------------------
// What the commands return

function people(): Record<string, string> {
  return Object.fromEntries([...USERS.map((u) => [u.id, u.name]), [SERVER_USER, 'Onsite']]);
}

function detail(o: OrderDoc): OrderDetail {
  const user = me();
  const meta = db.meta[o.id];
  return {
    order: structuredClone(o),
    clocks: clocks(o),
    sign_off: signOffStatus(o),
    conflicts: structuredClone(meta.conflicts),
    warranty: warrantyOf(o.product.purchase_date),
    chargeable: isChargeable(o),
    allowed: allowed(o, user),
    people: people(),
    changes: structuredClone(meta.changes),
    unsent: db.unsent.includes(o.id),
    quarantined: meta.quarantined,
  };
}

function listItem(o: OrderDoc): OrderListItem {
  const { sla, due } = worst(clocks(o));
  const assignee = USERS.find((u) => u.id === o.assignee);
  const changed = db.meta[o.id].changes.at(-1)?.at ?? o.request.received_at;
  return {
    id: o.id,
    number: o.number,
    state: o.state,
    assignee: o.assignee,
    assignee_name: assignee?.name ?? null,
    customer_name: o.customer.name,
    phone: o.customer.phone,
    address: o.customer.address,
    product_model: o.product.model,
    serial: o.product.serial,
    window: o.schedule,
    due_at: due,
    sla,
    sign_off: signOffStatus(o),
    open_flags: o.flags.filter((f) => f.resolution === null).length,
    unsent: db.unsent.includes(o.id),
    updated_at: changed,
  };
}

function listOrders(q: OrderQuery): OrderListItem[] {
  const text = q.text?.trim().toLowerCase().replace(/\s+/g, '') ?? '';
  return visible()
    .filter((o) => !q.states?.length || q.states.includes(o.state))
    .filter((o) => !q.assignee || o.assignee === q.assignee)
    .filter((o) => !q.unassigned || o.assignee === null)
    .filter((o) => {
      const at = o.schedule?.start ?? o.request.received_at;
      return (!q.from || at >= q.from) && (!q.to || at < q.to);
    })
    .filter((o) => {
      if (!text) return true;
      const hay = [o.number, o.customer.name, o.customer.phone, o.customer.address, o.product.serial, o.product.model].join('|').toLowerCase().replace(/\s+/g, '');
      return hay.includes(text);
    })
    .map(listItem)
    .filter((i) => !q.sla || i.sla === q.sla)
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
    .slice(0, q.limit ?? 500);
}

function vanStock(): VanStockItem[] {
  me();
  return Object.entries(db.van).map(([id, quantity]) => ({ part: PARTS.find((p) => p.id === id)!, quantity }));
}

function usePart(args: { id: string; recordId: string; partId: string; quantity: number; serialsNew: string[]; serialsOld: string[] }): OrderDetail {
  const o = findOrder(args.id);
  const part = PARTS.find((p) => p.id === args.partId);
  return edit(o, 'use_part', {}, (n, u, now) => {
    if (!part) throw fail('errors.order.unknown_record', `no part ${args.partId} in the catalog`);
    fresh(n.parts, args.recordId);
    if (!part.certified) throw fail('errors.order.part_not_certified', `part ${part.number} is not genuine or certified`);
    if (!Number.isInteger(args.quantity) || args.quantity < 1) throw fail('errors.order.invalid_quantity', 'quantity must be at least 1');
    if (part.serialized && (args.serialsNew.length !== args.quantity || args.serialsNew.some((s) => !s.trim()))) {
      throw fail('errors.order.serial_missing', `part ${part.number} is serialized: record one new serial per unit`);
    }
    n.parts.push({
      id: args.recordId,
      at: now,
      by: u.id,
      part: part.id,
      part_number: part.number,
      quantity: args.quantity,
      serials_new: args.serialsNew,
      serials_old: args.serialsOld,
      location: `van-${u.login}`,
    });
    // Stock is a ledger: the van may go below zero; the server flags it.
    db.van[part.id] = (db.van[part.id] ?? 0) - args.quantity;
  });
}

function signOff(args: { id: string; signature: SignatureInput; signer: string; rating: number | null }): OrderDetail {
  const o = findOrder(args.id);
  const strokes = (args.signature.strokes ?? []) as { points?: { x: number; y: number }[] }[];
  const points = strokes.map((s) => s.points ?? []).filter((p) => p.length > 0);
  return edit(o, 'sign_off', {}, (n, u, now) => {
    nonEmpty(args.signer, 'signer');
    if (args.rating !== null && (!Number.isInteger(args.rating) || args.rating < 1 || args.rating > 5)) {
      throw fail('errors.order.invalid_rating', `rating ${args.rating} is outside 1–5`);
    }
    if (!points.length || !(args.signature.width > 0) || !(args.signature.height > 0)) throw fail('errors.storage.media', 'signature strokes: empty');
    const image = signatureSvg(points, Math.round(args.signature.width), Math.round(args.signature.height));
    const hash = `sig-${hashOf(image)}`;
    db.blobs[hash] = image;
    n.sign_off = { signer: args.signer, at: now, captured_by: u.id, rating: args.rating, signature_blob: hash, digest: digest(n) };
    db.meta[o.id].signedDigest = digest(n);
  });
}

function addPhoto(args: { id: string; bytes: number[]; caption: string }): OrderDetail {
  const o = findOrder(args.id);
  const url = bytesToDataUrl(args.bytes);
  const hash = `photo-${hashOf(url)}`;
  return edit(o, 'add_photo', {}, (n, u, now) => {
    db.blobs[hash] = url;
    if (!n.photos.some((p) => p.hash === hash)) n.photos.push({ hash, caption: args.caption, at: now, by: u.id });
  });
}

function createOrder(intake: Intake, answer: string | null): OrderDetail {
  const user = me();
  if (user.role !== 'dispatcher' && user.role !== 'supervisor') throw fail('errors.order.role_not_permitted', `a ${user.role} may not create`);
  if (!intake.customer.name.trim()) throw fail('errors.order.empty_field', 'customer name must not be empty');
  const n = db.nextNumber++;
  const now = nowIso();
  const o = baseOrder(n, {
    id: newUuid(),
    customer: { id: newUuid(), name: intake.customer.name, phone: intake.customer.phone, address: intake.customer.address, tier: intake.customer.key_account ? 'key_account' : 'regular' },
    product: { model: intake.product.model, serial: intake.product.serial, purchase_date: intake.product.purchase_date, delivered_on: null },
    mode: intake.mode,
    priority: intake.priority,
    fault_code: intake.fault_code,
  }, 0, intake.description);
  o.request.channel = intake.channel;
  o.request.received_at = now;
  o.request.classification = answer === null ? 'repair' : 'consultation';
  db.orders.push(o);
  db.meta[o.id] = { changes: [{ at: now, by: user.id, role: user.role, op: 'create', device: user.device }], conflicts: [], quarantined: null, signedDigest: null };
  if (answer !== null) {
    o.comments.push({ id: newUuid(), at: now, by: { user: user.id, role: user.role }, text: answer });
    o.history.push(hist(now, user.id, user.role, 'new', 'closed', answer));
    o.state = 'closed';
    o.closed_at = now;
  }
  if (!db.unsent.includes(o.id)) db.unsent.push(o.id);
  save();
  return detail(o);
}

function staff(day: string): StaffMember[] {
  me();
  return USERS.map((u) => ({
    id: u.id,
    name: u.name,
    role: u.role,
    load: db.orders.filter((o) => o.assignee === u.id && o.schedule && localDayOf(new Date(o.schedule.start)) === day).length,
  }));
}

async function syncNow(): Promise<SyncStatus> {
  me();
  syncing = true;
  await new Promise((r) => setTimeout(r, 300));
  syncing = false;
  if (!db.online) {
    db.lastError = 'errors.sync.offline';
    save();
    return syncStatus();
  }
  if (db.unsent.length) db.dataVersion += 1;
  db.unsent = [];
  db.lastSyncAt = nowIso();
  db.lastError = null;
  save();
  return syncStatus();
}

function signIn(args: { server: string; login: string; password: string }): AppStatus {
  if (!/^https?:\/\/./.test(args.server)) throw fail('errors.sync.offline', `cannot reach ${args.server}`);
  if (!db.online) throw fail('errors.sync.offline', `cannot reach ${args.server}`);
  const user = USERS.find((u) => u.login === args.login.trim());
  if (!user || user.password !== args.password) throw fail('errors.auth.bad_credentials', 'wrong login or password');
  db.user = user.id;
  db.server = args.server;
  db.lastSyncAt = nowIso();
  db.lastError = null;
  db.dataVersion += 1;
  save();
  return appStatus();
}

function signOut(args: { discardUnsent: boolean }): AppStatus {
  if (db.unsent.length && !args.discardUnsent) {
    throw fail('errors.session.unsent_changes', `${db.unsent.length} documents have unsent changes`, { unsent: db.unsent.length });
  }
  db.user = null;
  db.server = null;
  db.unsent = [];
  save();
  return appStatus();
}

// ---------------------------------------------------------------------------------------
// The IPC

mockIPC(async (cmd, payload) => {
  // Across the real IPC the arguments are JSON; the same here (and Svelte's state
  // proxies become plain data).
  const args = JSON.parse(JSON.stringify(payload ?? {})) as Record<string, unknown>;
  if (cmd !== 'sync_status') calls.push({ cmd, args: structuredClone(args) });
  switch (cmd) {
    case 'app_status':
      return appStatus();
    case 'sign_in':
      return signIn(args as { server: string; login: string; password: string });
    case 'sign_out':
      return signOut(args as { discardUnsent: boolean });
    case 'sync_status':
      return syncStatus();
    case 'sync_now':
      return syncNow();
    case 'list_orders':
      return listOrders((args.query ?? {}) as OrderQuery);
    case 'get_order':
      return detail(findOrder(args.id as string));
    case 'order_op':
      return applyOp(findOrder(args.id as string), args.op as OrderOp);
    case 'use_part':
      return usePart(args as Parameters<typeof usePart>[0]);
    case 'add_photo':
      return addPhoto(args as Parameters<typeof addPhoto>[0]);
    case 'sign_off':
      return signOff(args as Parameters<typeof signOff>[0]);
    case 'blob_url':
      me();
      return db.blobs[args.hash as string] ?? null;
    case 'create_order':
      return createOrder(args.intake as Intake, (args.answer as string | null) ?? null);
    case 'check_warranty': {
      const date = (args.purchaseDate as string | null) ?? null;
      return { warranty: warrantyOf(date), chargeable: chargeBasis(date, false) !== 'in_warranty' };
    }
    case 'van_stock':
      return vanStock();
    case 'find_parts': {
      me();
      const text = String(args.text ?? '').trim().toLowerCase();
      return PARTS.filter((p) => !text || [p.name, p.number, p.barcode].some((s) => s.toLowerCase().includes(text)));
    }
    case 'staff':
      return staff(args.day as string);
    default:
      throw fail('errors.internal', `command ${cmd} is not mocked`);
  }
});

// Test controls: go on- or offline, see what the UI sent, and reset the store.
(globalThis as Record<string, unknown>).__onsiteMock = {
  calls,
  setOnline(online: boolean) {
    db.online = online;
    db.lastError = online ? null : 'errors.sync.offline';
    save();
  },
  /** Something arrived from the office: views must reload. */
  bumpDataVersion() {
    db.dataVersion += 1;
    save();
  },
  reset() {
    sessionStorage.removeItem(STORE_KEY);
  },
  db,
};

export {};
