import Foundation
import SafehouseCrypto

/// A member's public card: name, role, Ed25519 and X25519 public keys, self-signed.
///
/// Text form (Docs/FORMAT.md), exactly these lines, `\n` line ends:
/// ```
/// safehouse-card v1
/// name: Alice Officer
/// role: officer
/// sign: <base64 Ed25519 public key>
/// box: <base64 X25519 public key>
/// self-sig: <base64 Ed25519 signature over the four lines above and their line ends>
/// ```
public struct MemberCard: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let role: Role
    public let signKey: [UInt8]
    public let boxKey: [UInt8]
    public let selfSignature: [UInt8]

    static let header = "safehouse-card v1"

    /// The bytes the self-signature covers.
    var signedText: String {
        "\(Self.header)\nname: \(name)\nrole: \(role.rawValue)\nsign: \(Encoding.base64(signKey))\nbox: \(Encoding.base64(boxKey))\n"
    }

    /// The canonical text of the card.
    public var text: String { signedText + "self-sig: \(Encoding.base64(selfSignature))\n" }

    /// The card's fingerprint.
    public var fingerprint: Fingerprint { Fingerprint(signKey: signKey, boxKey: boxKey) }

    public var description: String { "\(name) (\(role.rawValue)) \(fingerprint)" }

    /// Makes and self-signs a card.
    static func make(name: String, role: Role, signKey: [UInt8], boxKey: [UInt8], signSecret: SecureBytes) throws -> MemberCard {
        try validate(name: name)
        let unsigned = MemberCard(name: name, role: role, signKey: signKey, boxKey: boxKey, selfSignature: [])
        let sig = try Signature.sign(Array(unsigned.signedText.utf8), secretKey: signSecret)
        return MemberCard(name: name, role: role, signKey: signKey, boxKey: boxKey, selfSignature: sig)
    }

    /// Checks a member name: 1–64 printable characters, no line breaks or colons at the ends.
    static func validate(name: String) throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 64, trimmed == name,
              name.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) && $0.properties.generalCategory != .format })
        else { throw VaultError.usage("a member name must be 1–64 printable characters without leading or trailing spaces") }
    }

    /// Parses and verifies a card (strict: canonical form only, self-signature valid).
    /// - Parameter object: how to name the card in errors (usually its path).
    public static func parse(_ text: String, object: String) throws -> MemberCard {
        let bad = VaultError.badData(object: object, hint: "this is not a valid safehouse member card (safehouse-card v1); ask its owner for a fresh copy of FILE.pub")
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else { throw bad }
        lines.removeLast()
        guard lines.count == 6, lines[0] == header else { throw bad }
        func field(_ i: Int, _ key: String) throws -> String {
            guard lines[i].hasPrefix(key + ": ") else { throw bad }
            return String(lines[i].dropFirst(key.count + 2))
        }
        let name = try field(1, "name")
        guard (try? validate(name: name)) != nil,
              let role = Role(rawValue: try field(2, "role")),
              let sk = Encoding.unbase64(try field(3, "sign")), sk.count == Signature.publicKeyBytes,
              let bk = Encoding.unbase64(try field(4, "box")), bk.count == SealedBox.publicKeyBytes,
              let sig = Encoding.unbase64(try field(5, "self-sig")), sig.count == Signature.bytes
        else { throw bad }
        let card = MemberCard(name: name, role: role, signKey: sk, boxKey: bk, selfSignature: sig)
        guard card.text == text, Signature.verify(sig, message: Array(card.signedText.utf8), publicKey: sk) else { throw bad }
        return card
    }
}
