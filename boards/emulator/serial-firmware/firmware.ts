// The board's firmware command loop over a byte stream (UART). It owns the link session:
// - SYNC starts a session (nonce, first sequence number, negotiated version, payload size,
//   event delivery); a repeated SYNC with the same nonce is answered again, not re-applied.
// - Sequenced requests execute strictly in sequence order, each exactly once: replies are
//   kept by sequence number (REPLY_CACHE_DEPTH) and a retried request gets its cached reply;
//   a request ahead of a gap is held (REORDER_DEPTH) and the gap is NAKed once.
// - Events from ADVANCE travel inline in the reply or as EVENT frames with event sequence
//   numbers, kept until the host acknowledges them (EVENT_ACK) and resent when asked.
// Purely reactive and synchronous: it runs only when bytes arrive, so board time stays the
// cycle counter (no timers here; the host drives every retransmission).
import type { BoardEvent } from '../../events.ts';
import type { EmulatedBoard } from '../api.ts';
import { FrameDecoder, encodeFrame, type Frame } from '../../wire/frame.ts';
import {
  EVENT_QUEUE_DEPTH,
  FLAG_RETRANSMIT,
  LinkCaps,
  MAX_PAYLOAD_BYTES,
  MsgType,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_MIN,
  REORDER_DEPTH,
  REPLY_CACHE_DEPTH,
  Status,
  nextSeq,
  seqDistance,
} from '../../wire/protocol.ts';
import {
  decodeEventAck,
  decodeSyncRequest,
  encodeAdvanceReply,
  encodeError,
  encodeEventFrame,
  encodeEventsInto,
  encodeNak,
  encodeSyncReply,
  eventRecordBytes,
} from '../../wire/messages.ts';
import { executeRequest } from './executor.ts';

export interface SerialFirmwareOptions {
  /** Largest frame payload this firmware accepts and sends (the SYNC answer is the min with the host's). */
  readonly maxPayloadBytes?: number;
  /** Link capabilities offered (LinkCaps bits). Default: INLINE_EVENTS | BATCH_WRITES. */
  readonly linkCaps?: number;
}

interface Session {
  readonly nonce: number;
  readonly syncReply: Uint8Array;
  readonly maxPayload: number;
  readonly inlineEvents: boolean;
  expected: number;
  nakedFor: number;
  readonly cache: Map<number, Uint8Array>;
  readonly held: Map<number, Frame>;
}

export interface FirmwareStats {
  framesIn: number;
  badFrames: number;
  executed: number;
  cachedReplies: number;
  naks: number;
  eventFramesOut: number;
}

export class SerialFirmware {
  private session: Session | undefined;
  private readonly decoder: FrameDecoder;
  private readonly maxPayload: number;
  private readonly caps: number;
  private nextEventSeq = 0;
  /** Unacknowledged pushed events, oldest first; event i has sequence number queueStart + i. */
  private queue: BoardEvent[] = [];
  private queueStart = 0;
  readonly stats: FirmwareStats = {
    framesIn: 0,
    badFrames: 0,
    executed: 0,
    cachedReplies: 0,
    naks: 0,
    eventFramesOut: 0,
  };

  constructor(
    private readonly board: EmulatedBoard,
    private readonly send: (bytes: Uint8Array) => void,
    opts: SerialFirmwareOptions = {},
  ) {
    this.maxPayload = Math.min(opts.maxPayloadBytes ?? 16384 + 4, MAX_PAYLOAD_BYTES);
    this.caps = opts.linkCaps ?? LinkCaps.INLINE_EVENTS | LinkCaps.BATCH_WRITES;
    this.decoder = new FrameDecoder(
      (f) => this.onFrame(f),
      () => {
        this.stats.badFrames++;
      },
      this.maxPayload,
    );
  }

  /** Bytes from the host's line. */
  receive(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  /** Power cycle: the board resets and the firmware forgets its session, reply cache and
   *  unacknowledged events, as a real board's RAM would. */
  reboot(): void {
    this.board.reset();
    this.session = undefined;
    this.decoder.reset();
    this.queue = [];
    this.nextEventSeq = 0;
    this.queueStart = 0;
  }

  private onFrame(f: Frame): void {
    this.stats.framesIn++;
    if (f.type === MsgType.SYNC) this.onSync(f);
    else if (f.type === MsgType.EVENT_ACK) this.onEventAck(f);
    else if (
      (f.type & MsgType.REPLY) !== 0 ||
      f.type === MsgType.EVENT ||
      f.type === MsgType.NAK ||
      f.type === MsgType.ERROR
    )
      this.stats.badFrames++; // board → host types: not for us
    else this.onRequest(f);
  }

  private onSync(f: Frame): void {
    let req;
    try {
      req = decodeSyncRequest(f.payload);
    } catch (err) {
      this.reply(f.seq, MsgType.ERROR, encodeError(Status.BAD_REQUEST, (err as Error).message));
      return;
    }
    if (this.session !== undefined && this.session.nonce === req.nonce) {
      this.send(this.session.syncReply); // a retried SYNC: same answer, session untouched
      return;
    }
    const version = Math.min(req.maxVersion, PROTOCOL_VERSION);
    if (version < Math.max(req.minVersion, PROTOCOL_VERSION_MIN)) {
      this.reply(
        f.seq,
        MsgType.ERROR,
        encodeError(
          Status.UNSUPPORTED,
          `host speaks protocol ${req.minVersion}..${req.maxVersion}, this firmware ${PROTOCOL_VERSION_MIN}..${PROTOCOL_VERSION}`,
        ),
      );
      return;
    }
    const maxPayload = Math.max(64, Math.min(req.maxPayload, this.maxPayload));
    const caps = req.caps & this.caps;
    // A new session: whatever an earlier host left unacknowledged is stale.
    this.queue = [];
    this.queueStart = this.nextEventSeq;
    const syncReply = encodeFrame(
      MsgType.SYNC | MsgType.REPLY,
      f.seq,
      encodeSyncReply({
        version,
        caps,
        maxPayload,
        replyCacheDepth: REPLY_CACHE_DEPTH,
        reorderDepth: REORDER_DEPTH,
        nextEventSeq: this.nextEventSeq,
      }),
    );
    this.session = {
      nonce: req.nonce,
      syncReply,
      maxPayload,
      inlineEvents: (caps & LinkCaps.INLINE_EVENTS) !== 0,
      expected: req.firstSeq,
      nakedFor: -1,
      cache: new Map(),
      held: new Map(),
    };
    this.send(syncReply);
  }

  private onRequest(f: Frame): void {
    const s = this.session;
    if (s === undefined) {
      this.reply(
        f.seq,
        MsgType.ERROR,
        encodeError(Status.NO_SESSION, 'the board has no link session (it booted since the last SYNC)'),
      );
      return;
    }
    const d = seqDistance(s.expected, f.seq);
    if (d === 0) {
      this.execute(s, f);
      for (let next = s.held.get(s.expected); next !== undefined; next = s.held.get(s.expected)) {
        s.held.delete(s.expected);
        this.execute(s, next);
      }
    } else if (d < REORDER_DEPTH) {
      if (!s.held.has(f.seq)) s.held.set(f.seq, f);
      // NAK a gap once, and again whenever the host is retransmitting (its first resend of
      // the missing request may itself have been lost): never fall silent while held.
      if (s.nakedFor !== s.expected || (f.flags & FLAG_RETRANSMIT) !== 0) {
        s.nakedFor = s.expected;
        this.stats.naks++;
        this.send(encodeFrame(MsgType.NAK, 0, encodeNak(s.expected)));
      }
    } else if (d >= 0x8000) {
      const cached = s.cache.get(f.seq);
      if (cached !== undefined) {
        this.stats.cachedReplies++;
        this.send(cached);
      } else {
        this.reply(
          f.seq,
          MsgType.ERROR,
          encodeError(
            Status.STALE_SEQ,
            `request ${f.seq} is older than the reply cache (next expected ${s.expected})`,
          ),
        );
      }
    } else {
      this.reply(
        f.seq,
        MsgType.ERROR,
        encodeError(
          Status.BAD_SEQ,
          `request ${f.seq} is ${d} ahead of the next expected ${s.expected} (window ${REORDER_DEPTH})`,
        ),
      );
    }
  }

  private execute(s: Session, f: Frame): void {
    this.stats.executed++;
    const r = executeRequest(this.board, f.type, f.payload, s.maxPayload);
    let frame: Uint8Array;
    if (!r.ok) {
      frame = encodeFrame(MsgType.ERROR, f.seq, encodeError(r.status, r.message));
    } else if (r.advance !== undefined) {
      const first = this.nextEventSeq;
      const events = r.advance.events;
      this.nextEventSeq = (this.nextEventSeq + events.length) >>> 0;
      if (!s.inlineEvents) this.push(events);
      frame = encodeFrame(
        f.type | MsgType.REPLY,
        f.seq,
        encodeAdvanceReply(r.advance.cycle, first, events, s.inlineEvents),
      );
    } else {
      frame = encodeFrame(f.type | MsgType.REPLY, f.seq, r.payload);
    }
    s.cache.set(f.seq, frame);
    s.cache.delete((f.seq - REPLY_CACHE_DEPTH) & 0xffff);
    s.expected = nextSeq(s.expected);
    this.send(frame);
  }

  private push(events: readonly BoardEvent[]): void {
    const firstNew = this.queueStart + this.queue.length;
    this.queue.push(...events);
    if (this.queue.length > EVENT_QUEUE_DEPTH) {
      // The host stopped acknowledging; the oldest are dropped and it will time out on them.
      const drop = this.queue.length - EVENT_QUEUE_DEPTH;
      this.queue.splice(0, drop);
      this.queueStart = (this.queueStart + drop) >>> 0;
    }
    this.sendEvents(Math.max(0, firstNew - this.queueStart));
  }

  /** Sends queued events from index `from` in as few frames as the payload size allows. */
  private sendEvents(from: number): void {
    const max = (this.session?.maxPayload ?? 256) - 4;
    let i = from;
    while (i < this.queue.length) {
      let bytes = 0;
      let j = i;
      while (j < this.queue.length && (j === i || bytes + eventRecordBytes(this.queue[j]!) <= max))
        bytes += eventRecordBytes(this.queue[j++]!);
      const records = new Uint8Array(bytes);
      encodeEventsInto(this.queue.slice(i, j), records, 0);
      this.stats.eventFramesOut++;
      this.send(
        encodeFrame(
          MsgType.EVENT,
          0,
          encodeEventFrame(
            (this.queueStart + i) >>> 0,
            records.subarray(0, Math.min(bytes, MAX_PAYLOAD_BYTES - 4)),
          ),
        ),
      );
      i = j;
    }
  }

  private onEventAck(f: Frame): void {
    let ack;
    try {
      ack = decodeEventAck(f.payload);
    } catch {
      this.stats.badFrames++;
      return;
    }
    const acked = (ack.nextExpected - this.queueStart) >>> 0;
    if (acked <= this.queue.length) {
      this.queue.splice(0, acked);
      this.queueStart = ack.nextExpected >>> 0;
    }
    if (ack.resend) this.sendEvents(0);
  }

  private reply(seq: number, type: number, payload: Uint8Array): void {
    this.send(encodeFrame(type, seq, payload));
  }
}
