import Foundation
import SafehouseCrypto
import Testing

/// Every primitive checked against Python's `cryptography` / `hashlib`, an
/// implementation that shares no code with libsodium.
@Suite("Cross-check with Python cryptography", .serialized)
struct CrossCheckTests {
    static let prelude = """
        import sys, json, hashlib
        def unhex(s): return bytes.fromhex(s)
        inp = json.load(open(sys.argv[1]))

        """

    @Test func chunkCiphertextMatchesChaCha20Poly1305WithCounterNonce() throws {
        let key = try knownKey(start: 0x40)
        let c = try ChunkCipher(key: key, chunkSize: 1024)
        let plain = patternBytes(2 * 1024 + 300, seed: 3)
        let (ct, _) = sealBody(c, plain, batchChunks: 2)
        let out = try Python.run(Self.prelude + """
            from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
            from cryptography.exceptions import InvalidTag
            key, ct, pt, cs = unhex(inp["key"]), unhex(inp["ct"]), unhex(inp["pt"]), int(inp["chunk"])
            aead = ChaCha20Poly1305(key)
            full = cs + 16
            chunks = [ct[i:i + full] for i in range(0, len(ct), full)]
            plain = b""
            for i, ch in enumerate(chunks):
                last = 1 if i == len(chunks) - 1 else 0
                plain += aead.decrypt(i.to_bytes(11, "big") + bytes([last]), ch, None)
            # and encrypt independently: chunk i of the plaintext under the same nonce rule
            pchunks = [pt[i:i + cs] for i in range(0, len(pt), cs)] or [b""]
            mine = b"".join(aead.encrypt(i.to_bytes(11, "big") + bytes([1 if i == len(pchunks) - 1 else 0]), p, None)
                            for i, p in enumerate(pchunks))
            # a wrong last flag must not decrypt
            try:
                aead.decrypt((0).to_bytes(11, "big") + bytes([1]), chunks[0], None); wrong = "opened"
            except InvalidTag:
                wrong = "rejected"
            print(json.dumps({"plain": plain.hex(), "ct": mine.hex(), "wrongFlag": wrong, "chunks": str(len(chunks))}))
            """, input: ["key": hex(rawBytes(key)), "ct": hex(ct), "pt": hex(plain), "chunk": "1024"])
        #expect(out["chunks"] == "3")
        #expect(out["plain"] == hex(plain), "Python could not decrypt Swift's chunks to the plaintext")
        #expect(out["ct"] == hex(ct), "Python's independent encryption differs from ChunkCipher")
        #expect(out["wrongFlag"] == "rejected")
    }

    @Test func emptyBodyIsOneLastChunkInPython() throws {
        let key = try knownKey(start: 9)
        let (ct, _) = sealBody(try ChunkCipher(key: key), [], batchChunks: 1)
        #expect(ct.count == ChunkCipher.tagBytes)
        let out = try Python.run(Self.prelude + """
            from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
            ct = ChaCha20Poly1305(unhex(inp["key"])).encrypt(bytes(11) + b"\\x01", b"", None)
            print(json.dumps({"ct": ct.hex()}))
            """, input: ["key": hex(rawBytes(key))])
        #expect(out["ct"] == hex(ct))
    }

    @Test func ed25519SignaturesVerifyBothWays() throws {
        let seed = try knownKey(start: 0x11)
        let (pk, sk) = try Signature.keyPair(seed: seed)
        let message = Array("safehouse record header \u{1F512}".utf8)
        let sig = try Signature.sign(message, secretKey: sk)
        let out = try Python.run(Self.prelude + """
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
            from cryptography.hazmat.primitives import serialization
            from cryptography.exceptions import InvalidSignature
            priv = Ed25519PrivateKey.from_private_bytes(unhex(inp["seed"]))
            pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            Ed25519PublicKey.from_public_bytes(unhex(inp["pk"])).verify(unhex(inp["sig"]), unhex(inp["msg"]))
            bad = bytearray(unhex(inp["sig"])); bad[10] ^= 1
            try:
                Ed25519PublicKey.from_public_bytes(unhex(inp["pk"])).verify(bytes(bad), unhex(inp["msg"])); flipped = "accepted"
            except InvalidSignature:
                flipped = "rejected"
            other = b"signed in python"
            print(json.dumps({"pk": pub.hex(), "sameSig": priv.sign(unhex(inp["msg"])).hex(),
                              "pySig": priv.sign(other).hex(), "pyMsg": other.hex(), "flipped": flipped}))
            """, input: ["seed": hex(rawBytes(seed)), "pk": hex(pk), "sig": hex(sig), "msg": hex(message)])
        #expect(out["pk"] == hex(pk))
        #expect(out["sameSig"] == hex(sig), "Ed25519 is deterministic: both must produce the same signature")
        #expect(out["flipped"] == "rejected")
        let pySig = unhex(try #require(out["pySig"])), pyMsg = unhex(try #require(out["pyMsg"]))
        #expect(Signature.verify(pySig, message: pyMsg, publicKey: pk))
        var badSig = pySig
        badSig[0] ^= 1
        #expect(!Signature.verify(badSig, message: pyMsg, publicKey: pk))
        #expect(!Signature.verify(pySig, message: pyMsg + [0], publicKey: pk))
    }

    @Test func blake2bMatchesHashlib() throws {
        let messages: [[UInt8]] = [[], Array("abc".utf8), patternBytes(1000), patternBytes(129)]
        let key = try knownKey(start: 0x80)
        var input: [String: String] = ["key": hex(rawBytes(key)), "n": "\(messages.count)"]
        for (i, m) in messages.enumerated() { input["m\(i)"] = hex(m) }
        let out = try Python.run(Self.prelude + """
            res = {}
            for i in range(int(inp["n"])):
                m = unhex(inp["m%d" % i])
                res["h32_%d" % i] = hashlib.blake2b(m, digest_size=32).hexdigest()
                res["h20_%d" % i] = hashlib.blake2b(m, digest_size=20).hexdigest()
                res["h64_%d" % i] = hashlib.blake2b(m, digest_size=64).hexdigest()
                res["k32_%d" % i] = hashlib.blake2b(m, digest_size=32, key=unhex(inp["key"])).hexdigest()
            print(json.dumps(res))
            """, input: input)
        for (i, m) in messages.enumerated() {
            #expect(out["h32_\(i)"] == hex(GenericHash.hash(m)), "message \(i)")
            #expect(out["h20_\(i)"] == hex(GenericHash.hash(m, length: 20)))
            #expect(out["h64_\(i)"] == hex(GenericHash.hash(m, length: 64)))
            #expect(out["k32_\(i)"] == hex(GenericHash.hash(m, length: 32, key: key)))
            // the buffer and incremental forms agree with the one-shot form
            #expect(m.withUnsafeBytes { GenericHash.hash($0, length: 32) } == GenericHash.hash(m))
            let h = GenericHash(length: 32, key: key)
            for part in stride(from: 0, to: m.count, by: 37) { h.update(Array(m[part..<min(m.count, part + 37)])) }
            #expect(out["k32_\(i)"] == hex(h.finalize()))
        }
    }

    @Test func x25519PublicKeyMatches() throws {
        var input: [String: String] = [:]
        var secrets: [SecureBytes] = [try knownKey(start: 0x21), try SecureBytes.random(count: 32)]
        secrets.append(try SealedBox.keyPair().secretKey)
        for (i, s) in secrets.enumerated() { input["sk\(i)"] = hex(rawBytes(s)) }
        let out = try Python.run(Self.prelude + """
            from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
            from cryptography.hazmat.primitives import serialization
            res = {}
            for k, v in inp.items():
                pub = X25519PrivateKey.from_private_bytes(unhex(v)).public_key()
                res[k] = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
            print(json.dumps(res))
            """, input: input)
        for (i, s) in secrets.enumerated() {
            #expect(out["sk\(i)"] == hex(try SealedBox.publicKey(for: s)), "secret \(i)")
        }
    }

    @Test func sealedBoxOpensOnlyWithTheRightKey() throws {
        let (pk, sk) = try SealedBox.keyPair()
        #expect(try SealedBox.publicKey(for: sk) == pk)
        let secret = try knownKey(48)
        let box = try SealedBox.seal(secret, to: pk)
        #expect(box.count == 48 + SealedBox.overheadBytes)
        #expect(try SealedBox.open(box, publicKey: pk, secretKey: sk) == secret)
        let (pk2, sk2) = try SealedBox.keyPair()
        #expect(throws: CryptoError.authenticationFailed) { _ = try SealedBox.open(box, publicKey: pk2, secretKey: sk2) }
        for i in [0, 31, 32, box.count - 1] {
            var bad = box
            bad[i] ^= 1
            #expect(throws: CryptoError.authenticationFailed) { _ = try SealedBox.open(bad, publicKey: pk, secretKey: sk) }
        }
    }

    @Test(.enabled(if: Python.hasArgon2id, "Python's cryptography has no Argon2id (needs version 44 or later)"))
    func argon2idMatchesPython() throws {
        let pass = try Array("correct horse battery staple".utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
        let salt = patternBytes(PasswordHash.saltBytes, seed: 99)
        let cost = PasswordHash.Cost.interactive
        let key = try PasswordHash.deriveKey(length: 32, passphrase: pass, salt: salt, opsLimit: cost.opsLimit, memLimit: cost.memLimit)
        let out = try Python.run(Self.prelude + """
            from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
            k = Argon2id(salt=unhex(inp["salt"]), length=32, iterations=int(inp["ops"]), lanes=1,
                         memory_cost=int(inp["mem"]) // 1024).derive(unhex(inp["pass"]))
            print(json.dumps({"key": k.hex()}))
            """, input: ["salt": hex(salt), "ops": "\(cost.opsLimit)", "mem": "\(cost.memLimit)", "pass": hex(rawBytes(pass))])
        #expect(out["key"] == hex(rawBytes(key)))
        // a different salt gives a different key
        let other = try PasswordHash.deriveKey(length: 32, passphrase: pass, salt: patternBytes(16, seed: 1),
                                               opsLimit: cost.opsLimit, memLimit: cost.memLimit)
        #expect(other != key)
    }
}
