#!/usr/bin/env python3
"""Read Kiln weights files (format: include/kiln/weights_format.h).

CLI:
  weights_file.py dump FILE           prints the header fields and the
                                      tensor table, after checking the
                                      layout rules and both checksums
                                      (exit 1 on a violation)
  weights_file.py truncate IN OUT N   writes the first N bytes of IN
  weights_file.py flip IN OUT OFFSET  writes IN with the byte at OFFSET
                                      flipped (0: the magic)
"""

import struct
import sys

HEADER = struct.Struct("<8sII32sQQQQQQQQII8s")
ENTRY = struct.Struct("<QQiiIIIIQ")
MAGIC = b"KILNWTS\x1a"
SEED, PRIME, MASK = 0xcbf29ce484222325, 0x100000001b3, (1 << 64) - 1


def checksum(data, h=SEED):
    assert len(data) % 8 == 0
    import numpy as np
    words = np.frombuffer(data, dtype="<u8")
    for w in words.tolist():
        h = ((h ^ w) * PRIME) & MASK
    return h


def dump(path):
    data = open(path, "rb").read()
    fields = HEADER.unpack_from(data)
    (magic, version, header_size, fingerprint, file_size, num_tensors,
     table_offset, table_size, data_offset, data_size, data_checksum,
     header_checksum, description_offset, description_size, _) = fields
    problems = []
    if magic != MAGIC:
        problems.append("bad magic %r" % magic)
    if header_size != HEADER.size or table_offset != HEADER.size:
        problems.append("header size/table offset")
    if file_size != len(data) or data_offset + data_size != file_size:
        problems.append("sizes")
    if data_offset % 4096 or data_size % 64:
        problems.append("alignment of the data")
    zeroed = bytearray(data[:data_offset])
    struct.pack_into("<Q", zeroed, 104, 0)
    if checksum(bytes(zeroed)) != header_checksum:
        problems.append("header checksum")
    if checksum(data[data_offset:]) != data_checksum:
        problems.append("data checksum")
    print("magic: %s" % magic[:7].decode())
    print("version: %d" % version)
    print("fingerprint: %s" % fingerprint.hex())
    print("file_size: %d" % file_size)
    print("data_offset: %d" % data_offset)
    print("data_size: %d" % data_size)
    print("tensors: %d" % num_tensors)
    table = data[table_offset:table_offset + table_size]
    dims_start = num_tensors * ENTRY.size
    for i in range(num_tensors):
        (offset, size, dtype, rank, dims_index, name_offset, name_size, _,
         _) = ENTRY.unpack_from(table, i * ENTRY.size)
        name = table[name_offset:name_offset + name_size].decode()
        dims = struct.unpack_from("<%dq" % rank, table,
                                  dims_start + 8 * dims_index)
        if offset % 64:
            problems.append("alignment of tensor %d" % i)
        print("tensor %d: %s dtype=%d shape=%s offset=%d size=%d"
              % (i, name, dtype, "x".join(map(str, dims)), offset, size))
    description = table[description_offset:description_offset
                        + description_size].decode()
    print("description: %s" % description)
    for p in problems:
        print("error: %s: %s" % (path, p))
    return 1 if problems else 0


def main():
    cmd = sys.argv[1]
    if cmd == "dump":
        return dump(sys.argv[2])
    data = open(sys.argv[2], "rb").read()
    if cmd == "truncate":
        data = data[:int(sys.argv[4])]
    elif cmd == "flip":
        at = int(sys.argv[4])
        data = data[:at] + bytes([data[at] ^ 0xff]) + data[at + 1:]
    else:
        raise SystemExit("unknown command " + cmd)
    open(sys.argv[3], "wb").write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
