/* crc32.h — CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, initial
 * value and final xor 0xFFFFFFFF), the checksum of zlib, PNG chunks and
 * hydrores checkpoints. */
#ifndef HR_CRC32_H
#define HR_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of n bytes at p, continuing from crc (pass 0 to start; pass a
 * previous result to checksum data given in pieces). */
uint32_t hr_crc32(uint32_t crc, const unsigned char *p, size_t n);

#endif
