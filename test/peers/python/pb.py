"""Hand-written protobuf wire helpers for messages made of one string or enum field (field 1).

Used by the grpcio peers so they need no generated code: fixture.v1.GreetRequest / GreetResponse and
grpc.health.v1.HealthCheckRequest / HealthCheckResponse all have a single field numbered 1.
"""


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data, pos):
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def encode_string(value):
    """Encodes a message whose field 1 is the string `value` (empty string -> empty message, as proto3 does)."""
    raw = value.encode("utf-8")
    if not raw:
        return b""
    return b"\x0a" + _varint(len(raw)) + raw


def _fields(data):
    """Yields (field_number, wire_type, value) for every field; value is int for varints, bytes otherwise."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _read_varint(data, pos)
        elif wire_type == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire_type == 2:
            length, pos = _read_varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire_type == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wire_type)
        yield number, wire_type, value


def decode_string(data):
    """Decodes field 1 (wire type 2) as UTF-8; the last occurrence wins; absent -> ""."""
    result = ""
    for number, wire_type, value in _fields(data):
        if number == 1 and wire_type == 2:
            result = bytes(value).decode("utf-8")
    return result


def encode_enum(value):
    """Encodes a message whose field 1 is the enum/varint `value` (0 -> empty message)."""
    return b"\x08" + _varint(value) if value else b""


def decode_enum(data):
    """Decodes field 1 (wire type 0) as an int; absent -> 0."""
    result = 0
    for number, wire_type, value in _fields(data):
        if number == 1 and wire_type == 0:
            result = value
    return result
