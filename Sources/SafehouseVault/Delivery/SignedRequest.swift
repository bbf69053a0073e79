import Foundation
import SafehouseCrypto

/// A team-server request signed by a member's Ed25519 key (Docs/SERVER.md,
/// "Request signatures"), in the spirit of RFC 9421 HTTP Message Signatures but
/// with one fixed covered set, so client and server cannot disagree on it:
/// ```
/// safehouse request v1\n
/// <METHOD>\n
/// <path and query, exactly as sent>\n
/// <SHA-256 of the body, 64 lowercase hex (the empty body's hash when none)>\n
/// <unix time, decimal>\n
/// <nonce, 32 lowercase hex>\n
/// <member fingerprint, compact>\n
/// ```
/// The four headers carry the member, time, nonce and base64 signature; the
/// method, path and body are the request's own.
public struct SignedRequest: Sendable, Equatable {
    public static let memberHeader = "Safehouse-Member"
    public static let timeHeader = "Safehouse-Time"
    public static let nonceHeader = "Safehouse-Nonce"
    public static let signatureHeader = "Safehouse-Signature"
    /// How far a request's time may differ from the server's clock, in seconds.
    public static let window: Int64 = 300

    public let method: String
    public let path: String
    public let bodySHA256: [UInt8]
    public let time: Int64
    public let nonce: String
    public let member: Fingerprint

    public init(method: String, path: String, bodySHA256: [UInt8], time: Int64, nonce: String, member: Fingerprint) {
        self.method = method; self.path = path; self.bodySHA256 = bodySHA256; self.time = time; self.nonce = nonce; self.member = member
    }

    /// The exact bytes that are signed.
    public var signedMessage: [UInt8] {
        Array("safehouse request v1\n\(method)\n\(path)\n\(Hex.encode(bodySHA256))\n\(time)\n\(nonce)\n\(member.compact)\n".utf8)
    }

    /// A fresh random nonce (16 bytes, hex).
    public static func newNonce() -> String { Hex.encode(Random.bytes(16)) }

    /// Whether `nonce` has the required form (32 lowercase hex).
    public static func isValidNonce(_ nonce: String) -> Bool {
        nonce.utf8.count == 32 && nonce.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The four header values for a request signed by `identity` now.
    public static func headers(method: String, path: String, body: [UInt8], by identity: Identity,
                               time: Int64 = Int64(Date().timeIntervalSince1970), nonce: String = newNonce()) throws -> [(String, String)] {
        let r = SignedRequest(method: method, path: path, bodySHA256: ContentSHA256.hash(body), time: time, nonce: nonce, member: identity.fingerprint)
        let sig = try identity.sign(r.signedMessage)
        return [(memberHeader, identity.fingerprint.compact), (timeHeader, String(time)), (nonceHeader, nonce),
                (signatureHeader, Data(sig).base64EncodedString())]
    }

    /// True when `signature` is this request's signature by `signKey`.
    public func verify(signature: [UInt8], signKey: [UInt8]) -> Bool {
        Signature.verify(signature, message: signedMessage, publicKey: signKey)
    }
}

/// Lowercase hex, for the delivery texts (public so the server shares it).
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String { Encoding.hex(bytes) }
    public static func decode(_ text: String) -> [UInt8]? {
        guard text == text.lowercased() else { return nil }
        return Encoding.unhex(text)
    }
}
