import Foundation
import SafehouseCrypto

/// The team keyring: public member cards with their officer endorsements, for
/// creating field vaults (Docs/FORMAT.md, "Team keyring"; keys.example).
///
/// ```
/// safehouse-team v1
/// vault: <32 hex>
/// root: <root officer fingerprint, compact>
/// member                       (repeated)
/// <the six lines of the member card>
/// endorsed-by: <fingerprint>
/// endorsement: <base64 Ed25519 signature by that officer>
/// status: active|removed|superseded
/// end
/// ```
/// Lines starting with `#` and blank lines are ignored, so the file can carry
/// comments. Trust is checked entry by entry: each card must be endorsed by an
/// officer whose own endorsement leads back to the root fingerprint — which a
/// field interviewer should compare aloud with the officer before trusting it.
public struct TeamKeyring: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let card: MemberCard
        public let endorsedBy: Fingerprint
        let endorsement: [UInt8]
        public let status: String
    }

    public let vaultID: [UInt8]
    public let root: Fingerprint
    public let members: [Entry]
    /// Who signed the whole keyring (binding the member set and every `status:` line).
    public let signer: KeyringSigner?
    let signature: [UInt8]?

    /// An officer of the ring, or HQ's vault device key endorsed by the root officer
    /// (so `team export` without an officer key still writes a signed keyring).
    public enum KeyringSigner: Sendable, Equatable {
        case officer(Fingerprint)
        case hqDevice(publicKey: [UInt8], rootEndorsement: [UInt8])
    }

    /// The officer who signed, if an officer did.
    public var signedBy: Fingerprint? { if case .officer(let f) = signer { return f }; return nil }

    init(vaultID: [UInt8], root: Fingerprint, members: [Entry], signer: KeyringSigner? = nil, signature: [UInt8]? = nil) {
        self.vaultID = vaultID; self.root = root; self.members = members; self.signer = signer; self.signature = signature
    }

    static func signedMessage(_ body: String) -> [UInt8] { Array("safehouse keyring signature v1\n".utf8) + Array(body.utf8) }

    /// What the root officer signs to vouch for HQ's device key.
    static func deviceEndorsementMessage(vaultID: [UInt8], publicKey: [UInt8]) -> [UInt8] {
        Array("safehouse device v1\nvault: \(Encoding.hex(vaultID))\nkey: \(Encoding.base64(publicKey))\n".utf8)
    }

    private var unsignedText: String { TeamKeyring(vaultID: vaultID, root: root, members: members).text }

    /// A copy signed by an officer of the keyring.
    func signed(by officer: Identity) throws -> TeamKeyring {
        TeamKeyring(vaultID: vaultID, root: root, members: members, signer: .officer(officer.fingerprint),
                    signature: try officer.sign(Self.signedMessage(unsignedText)))
    }

    /// A copy signed by HQ's device key (endorsed by the root officer at `init`).
    func signed(byDevice secretKey: SecureBytes, publicKey: [UInt8], rootEndorsement: [UInt8]) throws -> TeamKeyring {
        TeamKeyring(vaultID: vaultID, root: root, members: members, signer: .hqDevice(publicKey: publicKey, rootEndorsement: rootEndorsement),
                    signature: try Signature.sign(Self.signedMessage(unsignedText), secretKey: secretKey))
    }

    /// Canonical text.
    public var text: String {
        var s = "safehouse-team v1\nvault: \(Encoding.hex(vaultID))\nroot: \(root.compact)\n"
        for m in members {
            s += "member\n" + m.card.text
            s += "endorsed-by: \(m.endorsedBy.compact)\nendorsement: \(Encoding.base64(m.endorsement))\nstatus: \(m.status)\nend\n"
        }
        switch (signer, signature) {
        case (.officer(let f)?, let sig?):
            s += "signed-by: \(f.compact)\nkeyring-sig: \(Encoding.base64(sig))\n"
        case (.hqDevice(let pk, let endorsement)?, let sig?):
            s += "signed-by: hq-device \(Encoding.base64(pk)) \(Encoding.base64(endorsement))\nkeyring-sig: \(Encoding.base64(sig))\n"
        default: break
        }
        return s
    }

    /// Parses and verifies a keyring.
    public static func parse(_ text: String, object: String) throws -> TeamKeyring {
        let bad = VaultError.badData(object: object, hint: "this is not a valid safehouse team keyring; ask the security officer for a fresh `safehouse team export`")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard lines.count >= 3, lines.count <= 100_000, lines[0] == "safehouse-team v1",
              lines[1].hasPrefix("vault: "), let vid = Encoding.unhex(String(lines[1].dropFirst(7))), vid.count == 16,
              lines[2].hasPrefix("root: "), let root = Fingerprint(text: String(lines[2].dropFirst(6))),
              root.compact == String(lines[2].dropFirst(6)) else { throw bad }
        var entries: [Entry] = []
        var i = 3
        // The whole keyring must be signed: without it a member could be dropped or
        // have its status changed on the way to a field laptop.
        guard lines.count >= 5, lines[lines.count - 2].hasPrefix("signed-by: "), lines[lines.count - 1].hasPrefix("keyring-sig: "),
              let signature = Encoding.unbase64(String(lines[lines.count - 1].dropFirst(13))), signature.count == Signature.bytes else {
            throw VaultError.badData(object: object, hint: "the keyring is not signed as a whole (signed-by / keyring-sig lines); export it again with a current `safehouse team export`")
        }
        let by = String(lines[lines.count - 2].dropFirst(11))
        let signer: KeyringSigner
        if by.hasPrefix("hq-device ") {
            let parts = by.split(separator: " ")
            guard parts.count == 3, let pk = Encoding.unbase64(String(parts[1])), pk.count == Signature.publicKeyBytes,
                  let endorsement = Encoding.unbase64(String(parts[2])), endorsement.count == Signature.bytes else { throw bad }
            signer = .hqDevice(publicKey: pk, rootEndorsement: endorsement)
        } else {
            guard let f = Fingerprint(text: by), f.compact == by else { throw bad }
            signer = .officer(f)
        }
        let memberLines = lines.count - 2
        while i < memberLines {
            guard lines[i] == "member", i + 10 < memberLines, lines[i + 10] == "end" else { throw bad }
            let cardText = lines[(i + 1)...(i + 6)].joined(separator: "\n") + "\n"
            guard let card = try? MemberCard.parse(cardText, object: object),
                  lines[i + 7].hasPrefix("endorsed-by: "), let by = Fingerprint(text: String(lines[i + 7].dropFirst(13))),
                  by.compact == String(lines[i + 7].dropFirst(13)),
                  lines[i + 8].hasPrefix("endorsement: "), let sig = Encoding.unbase64(String(lines[i + 8].dropFirst(13))),
                  lines[i + 9].hasPrefix("status: ") else { throw bad }
            let status = String(lines[i + 9].dropFirst(8))
            guard ["active", "removed", "superseded"].contains(status) else { throw bad }
            guard !entries.contains(where: { $0.card.fingerprint == card.fingerprint }) else { throw bad }
            entries.append(Entry(card: card, endorsedBy: by, endorsement: sig, status: status))
            i += 11
        }
        let ring = TeamKeyring(vaultID: vid, root: root, members: entries, signer: signer, signature: signature)
        do {
            try Vault.verifyTrust(entries.map { Member(card: $0.card, endorsedBy: $0.endorsedBy, endorsement: $0.endorsement, status: $0.status) },
                                  root: root, vaultID: vid)
        } catch { throw bad }
        guard entries.contains(where: { $0.card.fingerprint == root }) else { throw bad }
        let message = signedMessage(TeamKeyring(vaultID: vid, root: root, members: entries).text)
        switch signer {
        case .officer(let f):
            guard let officer = entries.first(where: { $0.card.fingerprint == f }), officer.card.role == .officer, officer.status == "active",
                  Signature.verify(signature, message: message, publicKey: officer.card.signKey) else { throw bad }
        case .hqDevice(let pk, let endorsement):
            guard let rootCard = entries.first(where: { $0.card.fingerprint == root })?.card,
                  Signature.verify(endorsement, message: deviceEndorsementMessage(vaultID: vid, publicKey: pk), publicKey: rootCard.signKey),
                  Signature.verify(signature, message: message, publicKey: pk) else { throw bad }
        }
        return ring
    }
}
