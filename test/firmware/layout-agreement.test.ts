// The boot ROM (boards/emulator/flash) and the host tools (firmware-host) each keep their own
// copy of the image layout and the flash protocol, as a real ROM and its tools would; these
// tests check that the copies agree, number for number and image for image.
import test from 'ava';
import { EMU, MOCA_8T } from '../../boards/definitions.ts';
import * as rom from '../../boards/emulator/flash/layout.ts';
import {
  buildFactoryImage,
  DEV_KEY_SEED_ASCII as ROM_SEED,
  DEV_PUBLIC_KEY,
  verifySlot,
  provisionKey,
} from '../../boards/emulator/flash/index.ts';
import * as host from '../../firmware-host/image/format.ts';
import * as proto from '../../firmware-host/flash/protocol.ts';
import {
  DEV_KEY_SEED_ASCII as HOST_SEED,
  devPrivateKey,
  keyId,
  parseImage,
  rawPublicKey,
  verifyImage,
} from '../../firmware-host/image/index.ts';
import { makeImage } from './helpers/images.ts';

test('image layout constants agree', (t) => {
  for (const k of [
    'IMAGE_MAGIC',
    'IMAGE_HEADER_BYTES',
    'IMAGE_FORMAT_VERSION',
    'IMAGE_BOARD_SLOTS',
    'IMAGE_FLAGS_KNOWN',
    'TRAILER_MAGIC',
    'TRAILER_HEADER_BYTES',
    'TLV_SHA256',
    'TLV_KEY_ID',
    'TLV_ED25519',
    'KEY_ID_BYTES',
    'MANIFEST_MAGIC',
    'MANIFEST_BYTES',
    'MANIFEST_CAP_THROTTLE',
    'MANIFEST_CAP_FUNCTIONAL',
  ] as const) {
    t.is(rom[k], host[k], k);
  }
  // ASCII tags as documented
  t.is(Buffer.from(new Uint32Array([host.IMAGE_MAGIC]).buffer).toString('ascii'), 'CTFW');
  t.is(Buffer.from(new Uint32Array([host.TRAILER_MAGIC]).buffer).toString('ascii'), 'CTTL');
  t.is(Buffer.from(new Uint32Array([host.MANIFEST_MAGIC]).buffer).toString('ascii'), 'CTMF');
});

test('boot codes and flash protocol numbers agree', (t) => {
  for (const [name, code] of Object.entries(rom.BOOT)) t.is(host.BOOT_CODES[code]?.name, name);
  t.is(Object.keys(host.BOOT_CODES).length, Object.keys(rom.BOOT).length);
  t.deepEqual(proto.CMD, rom.CMD);
  t.deepEqual(proto.BOOT_ACTION, rom.BOOT_ACTION);
  t.deepEqual(proto.ENCODING, rom.ENCODING);
  t.deepEqual([...proto.INFO_FIELDS], [...rom.INFO_FIELDS]);
  t.is(proto.INFO_MAGIC, rom.INFO_MAGIC);
  t.is(proto.NO_SLOT, rom.NO_SLOT);
  t.is(proto.FLASH_PROTOCOL_VERSION, rom.FLASH_PROTOCOL_VERSION);
  t.deepEqual(proto.FLASH_STATUS, rom.FLASH_STATUS);
});

test('the development key is the same on both sides', (t) => {
  t.is(ROM_SEED, HOST_SEED);
  t.is(ROM_SEED.length, 32);
  t.deepEqual([...DEV_PUBLIC_KEY], [...rawPublicKey(devPrivateKey())]);
  t.is(provisionKey(DEV_PUBLIC_KEY).id, keyId(devPrivateKey()));
});

test('the ROM-built factory image parses and verifies with the host tools', (t) => {
  const factory = buildFactoryImage(MOCA_8T);
  const v = verifyImage(factory, [devPrivateKey()], 'MOC8');
  t.deepEqual(v.image.header.version, { major: 1, minor: 0, patch: 0, build: 0 });
  t.deepEqual(v.image.manifest, { tiles: 8, throttle: true, functional: true });
});

test('a host-built image boots in the ROM verifier with the manifest it declares', (t) => {
  const img = makeImage({
    version: { major: 4, minor: 5, patch: 6, build: 7 },
    manifest: { tiles: 3, throttle: false, functional: true },
    bodyBytes: 300,
  });
  const slot = new Uint8Array(EMU.flash.slotB.bytes).fill(0xff);
  slot.set(img);
  const r = verifySlot(slot, 'CEMU', EMU.tiles, [provisionKey(DEV_PUBLIC_KEY)]);
  t.is(r.code, rom.BOOT.OK);
  t.deepEqual(r.manifest, {
    version: { major: 4, minor: 5, patch: 6, build: 7 },
    tiles: 3,
    throttle: false,
    functional: true,
  });
  t.deepEqual(parseImage(img).manifest, { tiles: 3, throttle: false, functional: true });
});
