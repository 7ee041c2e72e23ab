// Firmware images: build, parse, sign, verify (docs/image-format.md).
export * from './format.ts';
export {
  parseImage,
  type ParsedImage,
  type ImageHeader,
  type ImageManifest,
  type ImageVersion,
  type Tlv,
} from './parse.ts';
export { buildImage, type BuildOptions } from './build.ts';
export { signImage, verifyImage, checkBoard, checkHash, type Verification } from './sign.ts';
export * from './keys.ts';
