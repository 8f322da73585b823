"""A minimal protobuf wire-format writer that streams.

A message is a list of chunks (bytes, or byte memoryviews over numpy memory). Because
every chunk's length is known up front, a parent message can write its length prefix
before its children, and weight data goes from numpy memory straight into the file
without ever assembling the whole message in memory.
"""

import struct

_LENGTH_DELIMITED = 2
_FIXED32 = 5


def varint(value):
    if value < 0:
        raise ValueError(f"varint of negative value {value}")
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _key(number, wire_type):
    return varint(number << 3 | wire_type)


def bytes_field(number, data):
    """Length-delimited field whose payload stays a view of `data` (no copy)."""
    view = memoryview(data).cast("B")
    return [_key(number, _LENGTH_DELIMITED) + varint(len(view)), view]


def string_field(number, text):
    return bytes_field(number, text.encode("utf-8"))


def packed_uint32_field(number, values):
    if not values:
        return []  # proto3 writers omit empty repeated fields
    payload = b"".join(varint(int(v)) for v in values)
    return [_key(number, _LENGTH_DELIMITED) + varint(len(payload)) + payload]


def float32_field(number, value):
    return [_key(number, _FIXED32) + struct.pack("<f", value)]


def message_field(number, chunks):
    """An embedded message: key and length prefix, then the message's own chunks."""
    return [_key(number, _LENGTH_DELIMITED) + varint(size(chunks))] + chunks


def size(chunks):
    return sum(len(chunk) for chunk in chunks)


def write(file, chunks):
    for chunk in chunks:
        file.write(chunk)
