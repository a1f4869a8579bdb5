"""A stand-in for the sealed-secrets controller's key in the tests of `hearth
seal`: an RSA key and a self-signed certificate like the one
`kubeseal --fetch-cert` prints, made with the `cryptography` package.

Usage: sealing_cert.py DIR [BITS] [DAYS]
writes DIR/key.pem (PKCS#8, unencrypted) and DIR/cert.pem; DAYS < 0 makes a
certificate that has already expired.
"""

import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def main():
    out = sys.argv[1]
    bits = int(sys.argv[2]) if len(sys.argv) > 2 else 4096
    days = int(sys.argv[3]) if len(sys.argv) > 3 else 3650
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sealed-secret")])
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=days))
    if days < 0:
        start, end = now + datetime.timedelta(days=2 * days), now + datetime.timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    with open(os.path.join(out, "key.pem"), "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with open(os.path.join(out, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


if __name__ == "__main__":
    main()
