// Partitioners: where the producer puts a contact, so the client can go straight to the owner node.

/** Kafka's murmur2 (Java client, kafkajs), as a signed 32-bit integer. */
export function murmur2(bytes) {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ bytes.length) | 0;
  const length4 = bytes.length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = bytes[i4] | (bytes[i4 + 1] << 8) | (bytes[i4 + 2] << 16) | (bytes[i4 + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length4 * 4;
  switch (bytes.length & 3) {
    case 3:
      h ^= bytes[tail + 2] << 16;
    // falls through
    case 2:
      h ^= bytes[tail + 1] << 8;
    // falls through
    case 1:
      h ^= bytes[tail];
      h = Math.imul(h, m);
      break;
    default:
      break;
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

let crcTable = null;

/** zlib CRC-32, unsigned (librdkafka's consistent_random partitioner). */
export function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) {
        c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      crcTable[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) {
    crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ -1) >>> 0;
}

const utf8 = new TextEncoder();

/**
 * The partition of a contact under the relay's partitioner (the `partitioner` of GET /v1/routes), or
 * undefined for a partitioner this client does not know (it then asks GET /v1/routes?contactId=).
 */
export function partitionOf(contactId, partitionCount, partitioner = 'murmur2') {
  const bytes = utf8.encode(contactId);
  switch (partitioner) {
    case 'murmur2':
      return (murmur2(bytes) & 0x7fffffff) % partitionCount;
    case 'consistent_random':
      return crc32(bytes) % partitionCount;
    default:
      return undefined;
  }
}
