"""An independent unsealer for the tests of `hearth seal`, written from the
sealed-secrets controller's format (pkg/crypto/crypto.go, singleDecrypt), not
from hearth's code, with the `cryptography` package.

A sealed value is base64 (standard alphabet) of:
    2 bytes, big-endian: n = length of the RSA part
    n bytes: RSA-OAEP (SHA-256, MGF1 SHA-256, label = scope label) of a 32-byte key
    rest: AES-256-GCM of the value under that key, 12-byte zero nonce, no
          associated data, 16-byte tag at the end

Usage: unseal.py PRIVATE_KEY.pem < requests.json
requests: [{"ciphertext": "...", "label": "ns/name"}, ...]
answer on stdout: [{"ok": true, "value_hex": "..."} | {"ok": false, "error": "..."}]
(hex, so that the test compares bytes; the test never prints them)
"""

import base64
import json
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def unseal(key, text, label):
    blob = base64.b64decode(text, validate=True)
    if len(blob) < 2:
        raise ValueError("too short")
    (n,) = struct.unpack(">H", blob[:2])
    if len(blob) < 2 + n:
        raise ValueError("too short for its RSA part")
    wrapped, sealed = blob[2 : 2 + n], blob[2 + n :]
    session = key.decrypt(
        wrapped,
        padding.OAEP(
            mgf=padding.MGF1(algorithm=hashes.SHA256()),
            algorithm=hashes.SHA256(),
            label=label.encode(),
        ),
    )
    if len(session) != 32:
        raise ValueError("session key is not 32 bytes")
    return AESGCM(session).decrypt(b"\0" * 12, sealed, None)


def main():
    with open(sys.argv[1], "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    answers = []
    for req in json.load(sys.stdin):
        try:
            value = unseal(key, req["ciphertext"], req["label"])
            answers.append({"ok": True, "value_hex": value.hex()})
        except Exception as e:  # noqa: BLE001 - reported to the test as a failure
            answers.append({"ok": False, "error": type(e).__name__})
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
