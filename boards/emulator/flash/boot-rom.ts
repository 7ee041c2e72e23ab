// The boot ROM's slot choice (docs/flashing.md, "A/B update"): honour a pending test boot
// once, revert an unconfirmed one, otherwise boot the confirmed slot, and fall back to the
// other slot rather than stay dead when the confirmed one does not verify. State changes
// are written before the slot is booted, so a power cut during boot repeats the decision
// instead of skipping it.
import type { BootResult } from '../api.ts';
import type { BootState, BootStateStore, SlotIndex } from './boot-state.ts';
import { BOOT, TRIAL_ATTEMPTED, TRIAL_NONE, TRIAL_PENDING } from './layout.ts';
import type { SlotVerdict } from './verify.ts';

export interface BootOutcome {
  readonly result: BootResult;
  /** Slot booted, or undefined when nothing verified (the board stays in its bootloader). */
  readonly booted: SlotIndex | undefined;
  /** Verification code of each slot at this boot. */
  readonly codes: readonly [number, number];
  readonly state: BootState;
}

const LETTER = ['A', 'B'] as const;

export function runBootRom(store: BootStateStore, verify: (slot: SlotIndex) => SlotVerdict): BootOutcome {
  const verdicts = [verify(0), verify(1)] as const;
  const codes = [verdicts[0].code, verdicts[1].code] as const;
  let state = store.read();

  if (
    state.trialSlot !== undefined &&
    state.trialState === TRIAL_PENDING &&
    codes[state.trialSlot] === BOOT.OK
  ) {
    state = { ...state, trialState: TRIAL_ATTEMPTED };
    store.write(state);
    return {
      result: {
        status: BOOT.OK,
        slot: LETTER[state.trialSlot!],
        trial: true,
        manifest: verdicts[state.trialSlot!].manifest,
      },
      booted: state.trialSlot,
      codes,
      state,
    };
  }
  if (state.trialState !== TRIAL_NONE) {
    // An unconfirmed test boot (or a test slot that no longer verifies): revert.
    state = { confirmed: state.confirmed, trialSlot: undefined, trialState: TRIAL_NONE };
    store.write(state);
  }
  for (const slot of [state.confirmed, (1 - state.confirmed) as SlotIndex]) {
    if (codes[slot] === BOOT.OK)
      return {
        result: { status: BOOT.OK, slot: LETTER[slot], trial: false, manifest: verdicts[slot].manifest },
        booted: slot,
        codes,
        state,
      };
  }
  return {
    result: { status: BOOT.NO_BOOTABLE, slot: LETTER[state.confirmed], trial: false, manifest: undefined },
    booted: undefined,
    codes,
    state,
  };
}
