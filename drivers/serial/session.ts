// The host side of the wire protocol over a ByteChannel: sessions, sequence numbers, a
// window of requests in flight, retransmission with per-request deadlines, exactly-once
// via the board's reply cache, event frames with cumulative acks, and recovery after a
// board reboot. The Device mapping lives in device.ts; this file knows only messages.
//
// Retransmission: each request has a deadline (its per-command timeout). Until then it is
// resent when its retransmission timer fires (exponential backoff from an RTO that covers
// the round trip plus the time to clock out the bytes queued ahead of it at `baud`), at
// once when the board NAKs it, and at once when a reply to a later request shows its own
// reply was lost (the board executes in order). Past the deadline: TimeoutError.
//
// Every deadline grows with the line time of the bytes it waits behind (10 bits a byte at
// `baud`), so the same defaults hold at 115 200 baud and at 3 Mbaud.
import { DeviceFault, DisconnectedError, ProtocolError, TimeoutError } from '../../boards/errors.ts';
import type { BoardEvent } from '../../boards/events.ts';
import { FrameDecoder, encodeFrame, encodedFrameBytes, type Frame } from '../../boards/wire/frame.ts';
import {
  decodeAdvanceReply,
  decodeError,
  decodeEventFrame,
  decodeNak,
  decodeSyncReply,
  encodeEventAck,
  encodeSyncRequest,
  type AdvanceReply,
  type SyncReply,
} from '../../boards/wire/messages.ts';
import {
  DEFAULT_PAYLOAD_BYTES,
  DEFAULT_WINDOW,
  FLAG_RETRANSMIT,
  LinkCaps,
  MSG_NAMES,
  MsgType,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_MIN,
  Status,
  nextSeq,
  seqDistance,
} from '../../boards/wire/protocol.ts';
import { realClock, type ByteChannel, type LinkClock } from './channel.ts';

export interface LinkOptions {
  /** Requests in flight (default DEFAULT_WINDOW, capped by what the board reports). */
  readonly window?: number;
  /** Frame payload to ask for (default DEFAULT_PAYLOAD_BYTES). */
  readonly maxPayloadBytes?: number;
  /** Line rate in baud, for the time it takes to clock bytes out (10 bits a byte). */
  readonly baud?: number;
  /** Ask for ADVANCE events inline in the reply (default) or as EVENT frames. */
  readonly inlineEvents?: boolean;
  /** First retransmission timeout before the line time is added (default DEFAULT_MIN_RTO_MS). */
  readonly minRtoMs?: number;
  /** Longest gap between retransmissions (default DEFAULT_MAX_RTO_MS). */
  readonly maxRtoMs?: number;
  /** Per-command deadlines, ms, before line time is added (defaults DEFAULT_*_TIMEOUT_MS). */
  readonly timeoutMs?: { readonly sync?: number; readonly command?: number; readonly advance?: number };
  readonly clock?: LinkClock;
}

/** SYNC deadline, plus the time to drain what an earlier session may have left on the line. */
export const DEFAULT_SYNC_TIMEOUT_MS = 3000;
/** Deadline of one request from when it is sent, plus the line time of the bytes ahead of it. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
/** ADVANCE runs the board until an event: a long layer takes a while even in the emulator. */
export const DEFAULT_ADVANCE_TIMEOUT_MS = 120_000;
/** First retransmission timeout, before the round trip estimate and line time are added. */
export const DEFAULT_MIN_RTO_MS = 20;
/** Longest gap between retransmissions (backoff cap). */
export const DEFAULT_MAX_RTO_MS = 500;
/** Bytes an earlier session (this host's or a killed one's) may still have in flight: a full
 *  window of largest frames (each direction drains at the same time). A new SYNC waits
 *  behind them. */
const DRAIN_BYTES = DEFAULT_WINDOW * encodedFrameBytes(DEFAULT_PAYLOAD_BYTES);

export interface LinkStats {
  requests: number;
  retransmits: number;
  timeouts: number;
  badFrames: number;
  resyncs: number;
  bytesOut: number;
  bytesIn: number;
}

interface Pending {
  readonly seq: number;
  readonly type: number;
  readonly payload: Uint8Array;
  /** Set when first sent: time queued behind the window does not count against it. */
  deadline: number;
  readonly timeoutMs: number;
  /** timeoutMs plus the line time of what was queued ahead when it was sent. */
  allowedMs: number;
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (err: Error) => void;
  frame?: Uint8Array;
  sentAt: number;
  sendOrder: number;
  retransmitted: boolean;
  rto: number;
  timer?: unknown;
}

interface EventWaiter {
  readonly until: number;
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  timer?: unknown;
}

const NONCE_MOD = 0x1_0000_0000;

export class LinkSession {
  readonly stats: LinkStats = {
    requests: 0,
    retransmits: 0,
    timeouts: 0,
    badFrames: 0,
    resyncs: 0,
    bytesOut: 0,
    bytesIn: 0,
  };
  private readonly clock: LinkClock;
  private readonly minRto: number;
  private readonly maxRto: number;
  private readonly decoder: FrameDecoder;
  private readonly waiting: Pending[] = [];
  private readonly inflight = new Map<number, Pending>();
  private seq = 1;
  private sendCounter = 0;
  private nonce: number;
  private sync: SyncReply | undefined;
  private syncing: Promise<void> | undefined;
  private syncWaiter:
    { nonce: number; seq: number; resolve: (r: SyncReply) => void; reject: (e: Error) => void } | undefined;
  private closedErr: Error | undefined;
  private srtt: number | undefined;
  private lastProgress = 0;
  private rttvar = 0;
  // events
  private nextEvent = 0;
  private readonly heldEvents = new Map<number, BoardEvent>();
  private ready: { seq: number; event: BoardEvent }[] = [];
  private eventWaiters: EventWaiter[] = [];
  /** Called when the board is found to have rebooted (commands in flight were failed). */
  onReboot: (() => void) | undefined;

  constructor(
    private readonly channel: ByteChannel,
    private readonly opts: LinkOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.minRto = opts.minRtoMs ?? DEFAULT_MIN_RTO_MS;
    this.maxRto = opts.maxRtoMs ?? DEFAULT_MAX_RTO_MS;
    // a nonce unique to this host session; not board state, so Math.random is fine here
    this.nonce = Math.floor(Math.random() * NONCE_MOD);
    this.decoder = new FrameDecoder(
      (f) => this.onFrame(f),
      () => this.onBadFrame(),
    );
    channel.onData((chunk) => {
      this.stats.bytesIn += chunk.length;
      this.decoder.push(chunk);
    });
    channel.onClose((err) =>
      this.fail(
        new DisconnectedError(
          `link ${channel.name} closed${err ? `: ${err.message}` : ''}; reopen the device`,
          { cause: err },
        ),
      ),
    );
  }

  get version(): number {
    return this.sync?.version ?? PROTOCOL_VERSION;
  }

  get maxPayload(): number {
    return this.sync?.maxPayload ?? Math.min(this.opts.maxPayloadBytes ?? DEFAULT_PAYLOAD_BYTES, 256);
  }

  get linkCaps(): number {
    return this.sync?.caps ?? 0;
  }

  /** Discards stale input, then SYNCs a new session. */
  async start(): Promise<void> {
    await this.channel.flushInput();
    this.decoder.reset();
    this.channel.write(new Uint8Array([0])); // ends whatever partial frame the board was holding
    await this.resync();
  }

  /** One sequenced request; resolves with the reply payload (ERROR replies reject). */
  request(type: number, payload: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    const t = timeoutMs ?? this.opts.timeoutMs?.command ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.stats.requests++;
    return new Promise((resolve, reject) => {
      this.waiting.push({
        seq: -1,
        type,
        payload,
        deadline: 0,
        timeoutMs: t,
        allowedMs: t,
        resolve,
        reject,
        sentAt: 0,
        sendOrder: 0,
        retransmitted: false,
        rto: 0,
      });
      this.pump();
    });
  }

  /** ADVANCE: the reply plus all its events, in event-sequence order. */
  async advance(payload: Uint8Array): Promise<{ reply: AdvanceReply; events: BoardEvent[] }> {
    const timeout = this.opts.timeoutMs?.advance ?? DEFAULT_ADVANCE_TIMEOUT_MS;
    const reply = decodeAdvanceReply(await this.request(MsgType.ADVANCE, payload, timeout));
    const end = (reply.firstEventSeq + (reply.inline === undefined ? reply.eventCount : 0)) >>> 0;
    if (reply.inline === undefined) await this.waitEvents(end, timeout);
    // every pushed event up to `end` (a free-running board may have raised some before), then inline ones
    const before = (r: { seq: number }): boolean =>
      seqDistance32(r.seq, end) > 0 && seqDistance32(r.seq, end) < 0x8000_0000;
    const take = this.ready.filter(before);
    this.ready = this.ready.filter((r) => !before(r));
    return { reply, events: [...take.map((r) => r.event), ...(reply.inline ?? [])] };
  }

  async close(): Promise<void> {
    this.fail(new DisconnectedError(`link ${this.channel.name} is closed; open the device again`));
    await this.channel.close();
  }

  // ---- session ---------------------------------------------------------------------------

  private resync(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.stats.resyncs++;
    this.sync = undefined;
    this.nonce = (this.nonce + 1 + Math.floor(Math.random() * 0xffff)) % NONCE_MOD;
    const nonce = this.nonce;
    // SYNC is unsequenced; its seq field carries the nonce's low half, which the board echoes,
    // so an answer to an earlier host's SYNC (still draining from the line) is not taken as ours.
    const syncSeq = nonce & 0xffff;
    const firstSeq = this.seq;
    const wanted = this.opts.maxPayloadBytes ?? DEFAULT_PAYLOAD_BYTES;
    const caps = ((this.opts.inlineEvents ?? true) ? LinkCaps.INLINE_EVENTS : 0) | LinkCaps.BATCH_WRITES;
    const frame = encodeFrame(
      MsgType.SYNC,
      syncSeq,
      encodeSyncRequest({
        minVersion: PROTOCOL_VERSION_MIN,
        maxVersion: PROTOCOL_VERSION,
        caps,
        nonce,
        maxPayload: wanted,
        firstSeq,
      }),
    );
    const timeoutMs = Math.ceil(
      (this.opts.timeoutMs?.sync ?? DEFAULT_SYNC_TIMEOUT_MS) + 2 * this.lineMs(DRAIN_BYTES),
    );
    const deadline = this.clock.now() + timeoutMs;
    this.syncing = new Promise<SyncReply>((resolve, reject) => {
      this.syncWaiter = { nonce, seq: syncSeq, resolve, reject };
      let rto = this.minRto;
      const attempt = (): void => {
        if (this.syncWaiter?.nonce !== nonce) return;
        if (this.clock.now() >= deadline) {
          this.syncWaiter = undefined;
          reject(
            new TimeoutError(
              `no answer to SYNC from ${this.channel.name} within ${timeoutMs} ms: is the board powered, running cotenant firmware, and is the baud rate right?`,
              timeoutMs,
            ),
          );
          return;
        }
        this.writeFrame(frame);
        this.clock.setTimer(attempt, rto);
        rto = Math.min(rto * 2, this.maxRto);
      };
      attempt();
    }).then(
      (reply) => {
        this.sync = reply;
        this.nextEvent = reply.nextEventSeq;
        this.heldEvents.clear();
        this.syncing = undefined;
        this.pump();
      },
      (err: Error) => {
        this.syncing = undefined;
        this.fail(err);
        throw err;
      },
    );
    return this.syncing;
  }

  // ---- sending ---------------------------------------------------------------------------

  private windowSize(): number {
    return Math.max(
      1,
      Math.min(
        this.opts.window ?? DEFAULT_WINDOW,
        this.sync ? this.sync.reorderDepth - 1 : 1,
        this.sync ? this.sync.replyCacheDepth - 1 : 1,
      ),
    );
  }

  private pump(): void {
    if (this.sync === undefined || this.closedErr) return;
    while (this.waiting.length > 0 && this.inflight.size < this.windowSize()) {
      const p = this.waiting.shift()!;
      const seq = this.seq;
      this.seq = nextSeq(this.seq);
      const frame = encodeFrame(p.type, seq, p.payload);
      // the reply cannot come before the bytes queued ahead, and this frame, are clocked out
      let ahead = frame.length + this.replyBytes(p.type);
      for (const r of this.inflight.values()) ahead += (r.frame?.length ?? 0) + this.replyBytes(r.type);
      const allowedMs = p.timeoutMs + this.lineMs(ahead);
      const q: Pending = { ...p, seq, frame, allowedMs, deadline: this.clock.now() + allowedMs };
      this.inflight.set(seq, q);
      this.transmit(q, false);
    }
  }

  /** Time to clock `bytes` out at the configured baud, ms (0 when unpaced). */
  private lineMs(bytes: number): number {
    return this.opts.baud ? (bytes * 10 * 1000) / this.opts.baud : 0;
  }

  private baseRto(p: Pending): number {
    const rtt = this.srtt === undefined ? 0 : this.srtt + 4 * this.rttvar;
    let ahead = 0;
    for (const q of this.inflight.values()) ahead += q.frame?.length ?? 0;
    return Math.max(this.minRto, rtt) + 2 * this.lineMs(ahead + this.replyBytes(p.type));
  }

  /** Wire bytes of the reply to a request of `type` (a data frame for READ_MEM). */
  private replyBytes(type: number): number {
    return type === MsgType.READ_MEM ? encodedFrameBytes(this.maxPayload) : 32;
  }

  private transmit(p: Pending, retransmit: boolean): void {
    if (p.timer !== undefined) this.clock.clearTimer(p.timer);
    const now = this.clock.now();
    if (retransmit) {
      this.stats.retransmits++;
      p.retransmitted = true;
      // same bytes but the RETRANSMIT flag (informational: the board answers by seq alone)
      this.writeFrame(encodeFrame(p.type, p.seq, p.payload, FLAG_RETRANSMIT));
      p.rto = Math.min(p.rto * 2, this.maxRto + this.lineMs(p.frame!.length));
    } else {
      this.writeFrame(p.frame!);
      p.rto = this.baseRto(p);
    }
    p.sentAt = now;
    p.sendOrder = ++this.sendCounter;
    const wait = Math.max(1, Math.min(p.rto, p.deadline - now));
    p.timer = this.clock.setTimer(() => this.onTimer(p), wait);
  }

  private onTimer(p: Pending): void {
    p.timer = undefined;
    if (this.inflight.get(p.seq) !== p) return;
    const now = this.clock.now();
    // Replies are still arriving: the board is busy working through the window, not deaf.
    // A frame lost in between is NAKed by the board or exposed by a later reply, so wait.
    const quietFor = now - this.lastProgress;
    // (bounded: a request whose own reply keeps getting lost must not wait forever)
    if (quietFor < p.rto && now - p.sentAt < 4 * p.rto && now < p.deadline) {
      p.timer = this.clock.setTimer(
        () => this.onTimer(p),
        Math.max(1, Math.min(p.rto - quietFor, p.deadline - now)),
      );
      return;
    }
    if (now >= p.deadline) {
      this.inflight.delete(p.seq);
      this.stats.timeouts++;
      p.reject(
        new TimeoutError(
          `${MSG_NAMES[p.type] ?? p.type} (seq ${p.seq}) got no reply from ${this.channel.name} within ${Math.ceil(p.allowedMs)} ms after ${this.stats.retransmits} retransmissions on this link; check the cable and that the board is running`,
          p.allowedMs,
        ),
      );
      this.pump();
      return;
    }
    this.transmit(p, true);
  }

  private writeFrame(bytes: Uint8Array): void {
    this.stats.bytesOut += bytes.length;
    this.channel.write(bytes);
  }

  // ---- receiving -------------------------------------------------------------------------

  private onFrame(f: Frame): void {
    switch (f.type) {
      case MsgType.SYNC | MsgType.REPLY:
        return this.onSyncReply(f);
      case MsgType.EVENT:
        return this.onEvents(f);
      case MsgType.NAK:
        return this.onNak(f);
      default:
        if (f.type === MsgType.ERROR || (f.type & MsgType.REPLY) !== 0) return this.onReply(f);
        this.stats.badFrames++;
    }
  }

  /** A corrupt frame was most likely the reply to the oldest request: ask again now rather
   *  than at its timer (the board answers a repeat from its reply cache). */
  private onBadFrame(): void {
    this.stats.badFrames++;
    let oldest: Pending | undefined;
    for (const p of this.inflight.values())
      if (oldest === undefined || p.sendOrder < oldest.sendOrder) oldest = p;
    if (oldest !== undefined && this.clock.now() - oldest.sentAt >= (this.srtt ?? 0))
      this.transmit(oldest, true);
  }

  private onSyncReply(f: Frame): void {
    const w = this.syncWaiter;
    if (w === undefined || f.seq !== w.seq) return; // a late duplicate, or another host's session
    let r: SyncReply;
    try {
      r = decodeSyncReply(f.payload);
    } catch {
      this.stats.badFrames++;
      return;
    }
    this.syncWaiter = undefined;
    w.resolve(r);
  }

  private onReply(f: Frame): void {
    if (f.type === MsgType.ERROR && this.syncWaiter !== undefined && f.seq === this.syncWaiter.seq) {
      // the board refused our SYNC (e.g. no common protocol version)
      let msg = 'SYNC refused';
      try {
        msg = decodeError(f.payload).message;
      } catch {
        /* keep default */
      }
      const w = this.syncWaiter;
      this.syncWaiter = undefined;
      w.reject(new ProtocolError(`board refused the session: ${msg}`));
      return;
    }
    const p = this.inflight.get(f.seq);
    if (p === undefined) return; // duplicate or stale reply
    if (f.type === MsgType.ERROR) {
      let err: { status: number; message: string };
      try {
        err = decodeError(f.payload);
      } catch {
        this.stats.badFrames++;
        return;
      }
      if (err.status === Status.NO_SESSION) return this.onBoardReboot();
      this.complete(p);
      p.reject(statusError(err.status, err.message, p));
    } else if (f.type !== (p.type | MsgType.REPLY)) {
      this.complete(p);
      p.reject(
        new ProtocolError(
          `reply type 0x${f.type.toString(16)} to ${MSG_NAMES[p.type] ?? p.type} (seq ${p.seq})`,
        ),
      );
    } else {
      this.lastProgress = this.clock.now();
      if (!p.retransmitted) this.sampleRtt(this.clock.now() - p.sentAt);
      this.complete(p);
      p.resolve(f.payload);
    }
    // The board executes in order: earlier requests without a reply lost theirs. Ask again now.
    for (const q of this.inflight.values())
      if (q.sendOrder < p.sendOrder && seqDistance(q.seq, p.seq) < 0x8000) this.transmit(q, true);
    this.pump();
  }

  private complete(p: Pending): void {
    if (p.timer !== undefined) this.clock.clearTimer(p.timer);
    this.inflight.delete(p.seq);
  }

  private sampleRtt(ms: number): void {
    if (this.srtt === undefined) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
  }

  private onNak(f: Frame): void {
    let seq: number;
    try {
      seq = decodeNak(f.payload);
    } catch {
      this.stats.badFrames++;
      return;
    }
    const p = this.inflight.get(seq);
    // several NAKs for one gap arrive while the resend is on its way: answer one per round trip
    if (p !== undefined && this.clock.now() - p.sentAt >= 1) this.transmit(p, true);
  }

  private onBoardReboot(): void {
    const lost = [...this.inflight.values()];
    for (const p of lost) this.complete(p);
    for (const p of lost) {
      p.reject(
        new DeviceFault(
          `the board rebooted while ${MSG_NAMES[p.type] ?? p.type} (seq ${p.seq}) was in flight: its effect is unknown and board state was reset; re-initialise the board and retry`,
        ),
      );
    }
    for (const w of this.eventWaiters) {
      if (w.timer !== undefined) this.clock.clearTimer(w.timer);
      w.reject(new DeviceFault('the board rebooted while events were awaited; they are lost'));
    }
    this.eventWaiters = [];
    this.ready = [];
    this.onReboot?.();
    this.resync().catch(() => undefined); // failure is reported through fail()
  }

  // ---- events ----------------------------------------------------------------------------

  private onEvents(f: Frame): void {
    let ev: { firstEventSeq: number; events: BoardEvent[] };
    try {
      ev = decodeEventFrame(f.payload);
    } catch {
      this.stats.badFrames++;
      return;
    }
    ev.events.forEach((e, i) => {
      const s = (ev.firstEventSeq + i) >>> 0;
      if (seqDistance32(this.nextEvent, s) < 0x8000_0000) this.heldEvents.set(s, e);
    });
    for (
      let e = this.heldEvents.get(this.nextEvent);
      e !== undefined;
      e = this.heldEvents.get(this.nextEvent)
    ) {
      this.heldEvents.delete(this.nextEvent);
      this.ready.push({ seq: this.nextEvent, event: e });
      this.nextEvent = (this.nextEvent + 1) >>> 0;
    }
    this.writeFrame(encodeFrame(MsgType.EVENT_ACK, 0, encodeEventAck(this.nextEvent, false)));
    this.eventWaiters = this.eventWaiters.filter((w) => {
      if (seqDistance32(w.until, this.nextEvent) >= 0x8000_0000) return true;
      if (w.timer !== undefined) this.clock.clearTimer(w.timer);
      w.resolve();
      return false;
    });
  }

  /** Waits until every event before `until` has arrived, asking the board to resend gaps. */
  private waitEvents(until: number, timeoutMs: number): Promise<void> {
    if (seqDistance32(until, this.nextEvent) < 0x8000_0000) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w: EventWaiter = { until, deadline: this.clock.now() + timeoutMs, resolve, reject };
      let rto = Math.max(this.minRto, this.srtt ?? 0);
      const poke = (): void => {
        if (!this.eventWaiters.includes(w)) return;
        if (this.clock.now() >= w.deadline) {
          this.eventWaiters = this.eventWaiters.filter((x) => x !== w);
          reject(
            new TimeoutError(
              `events up to #${until} did not arrive from ${this.channel.name} within ${timeoutMs} ms`,
              timeoutMs,
            ),
          );
          return;
        }
        this.writeFrame(encodeFrame(MsgType.EVENT_ACK, 0, encodeEventAck(this.nextEvent, true)));
        w.timer = this.clock.setTimer(poke, rto);
        rto = Math.min(rto * 2, this.maxRto);
      };
      this.eventWaiters.push(w);
      // give frames already on the wire a moment before asking for a resend
      w.timer = this.clock.setTimer(poke, rto);
    });
  }

  private fail(err: Error): void {
    if (this.closedErr) return;
    this.closedErr = err;
    for (const p of [...this.inflight.values(), ...this.waiting]) {
      if (p.timer !== undefined) this.clock.clearTimer(p.timer);
      p.reject(err);
    }
    this.inflight.clear();
    this.waiting.length = 0;
    for (const w of this.eventWaiters) {
      if (w.timer !== undefined) this.clock.clearTimer(w.timer);
      w.reject(err);
    }
    this.eventWaiters = [];
    this.syncWaiter?.reject(err);
    this.syncWaiter = undefined;
  }
}

/** Distance from a to b in the 32-bit event sequence space. */
function seqDistance32(a: number, b: number): number {
  return (b - a) >>> 0;
}

function statusError(status: number, message: string, p: Pending): Error {
  const what = `${MSG_NAMES[p.type] ?? p.type} (seq ${p.seq})`;
  switch (status) {
    case Status.RANGE:
    case Status.INTERNAL:
      return new DeviceFault(`${what}: the board refused it (status ${status}): ${message}`);
    default:
      return new ProtocolError(`${what}: board answered status ${status}: ${message}`);
  }
}
