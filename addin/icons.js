// The add-in's icons, drawn here rather than taken from anywhere: a white tick on an NHS-blue rounded square,
// written as PNG bytes with node:zlib (RGBA, 4×4 supersampled for smooth edges).
import { deflateSync } from 'node:zlib';

export const ICON_SIZES = [16, 32, 64, 80];

const BLUE = [0x00, 0x5e, 0xb8];
const TICK = [[0.26, 0.53], [0.43, 0.7], [0.75, 0.33]];

function distToSegment(px, py, [ax, ay], [bx, by]) {
  const [dx, dy] = [bx - ax, by - ay];
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Coverage of the shape (0 outside, 1 blue square, 2 white tick) at a point in the unit square. */
function shapeAt(x, y) {
  const r = 0.18;
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  if (Math.hypot(x - cx, y - cy) > r) return 0;
  const onTick = distToSegment(x, y, TICK[0], TICK[1]) < 0.075 || distToSegment(x, y, TICK[1], TICK[2]) < 0.075;
  return onTick ? 2 : 1;
}

function crc32(buf) {
  let c;
  let crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** The icon at size×size pixels, as PNG bytes. */
export function iconPng(size) {
  const S = 4;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      let blue = 0;
      let white = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const v = shapeAt((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size);
          if (v === 1) blue++;
          else if (v === 2) white++;
        }
      }
      const cover = (blue + white) / (S * S);
      const w = blue + white ? white / (blue + white) : 0;
      const o = y * (size * 4 + 1) + 1 + x * 4;
      for (let i = 0; i < 3; i++) raw[o + i] = Math.round(BLUE[i] * (1 - w) + 255 * w);
      raw[o + 3] = Math.round(cover * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
