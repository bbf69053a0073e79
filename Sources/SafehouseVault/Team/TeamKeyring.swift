import Foundation
import SafehouseCrypto

/// The team keyring: public member cards with their officer endorsements, for
/// creating field vaults (Docs/FORMAT.md, "Team keyring"; keys.example).
///
/// ```
/// safehouse-team v1
/// vault: <32 hex>
/// root: <root officer fingerprint, compact>
/// serial: <keyring epoch, decimal>
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
    /// The keyring's epoch: HQ raises it with every change of the member set, so a
    /// vault can refuse an older keyring than the one it holds.
    public let serial: UInt64
    /// Who signed the whole keyring (binding the member set, the serial and every
    /// `status:` line): always an active officer of the ring.
    public let signedBy: Fingerprint?
    let signature: [UInt8]?

    init(vaultID: [UInt8], root: Fingerprint, serial: UInt64, members: [Entry], signedBy: Fingerprint? = nil, signature: [UInt8]? = nil) {
        self.vaultID = vaultID; self.root = root; self.serial = serial; self.members = members; self.signedBy = signedBy; self.signature = signature
    }

    static func signedMessage(_ body: String) -> [UInt8] { Array("safehouse keyring signature v1\n".utf8) + Array(body.utf8) }

    private var unsignedText: String { TeamKeyring(vaultID: vaultID, root: root, serial: serial, members: members).text }

    /// A copy signed by an officer of the keyring.
    func signed(by officer: Identity) throws -> TeamKeyring {
        TeamKeyring(vaultID: vaultID, root: root, serial: serial, members: members, signedBy: officer.fingerprint,
                    signature: try officer.sign(Self.signedMessage(unsignedText)))
    }

    /// Canonical text.
    public var text: String {
        var s = "safehouse-team v1\nvault: \(Encoding.hex(vaultID))\nroot: \(root.compact)\nserial: \(serial)\n"
        for m in members {
            s += "member\n" + m.card.text
            s += "endorsed-by: \(m.endorsedBy.compact)\nendorsement: \(Encoding.base64(m.endorsement))\nstatus: \(m.status)\nend\n"
        }
        if let f = signedBy, let sig = signature {
            s += "signed-by: \(f.compact)\nkeyring-sig: \(Encoding.base64(sig))\n"
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
        guard lines.count >= 4, lines[3].hasPrefix("serial: "), let serial = UInt64(lines[3].dropFirst(8)),
              String(serial) == String(lines[3].dropFirst(8)) else {
            throw VaultError.badData(object: object, hint: "the keyring has no serial number (an old format); ask the security officer for a fresh `safehouse team export`")
        }
        var entries: [Entry] = []
        var i = 4
        // The whole keyring must be signed: without it a member could be dropped or
        // have its status changed on the way to a field laptop.
        guard lines.count >= 5, lines[lines.count - 2].hasPrefix("signed-by: "), lines[lines.count - 1].hasPrefix("keyring-sig: "),
              let signature = Encoding.unbase64(String(lines[lines.count - 1].dropFirst(13))), signature.count == Signature.bytes else {
            throw VaultError.badData(object: object, hint: "the keyring is not signed as a whole (signed-by / keyring-sig lines); export it again with a current `safehouse team export`")
        }
        let by = String(lines[lines.count - 2].dropFirst(11))
        // Only an officer signs a keyring: a device key on a disk must never decide who is trusted.
        guard let signer = Fingerprint(text: by), signer.compact == by else {
            throw VaultError.badData(object: object, hint: "the keyring is not signed by an officer; ask a security officer for `safehouse team export --identity OFFICER_KEY`")
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
        let ring = TeamKeyring(vaultID: vid, root: root, serial: serial, members: entries, signedBy: signer, signature: signature)
        do {
            try Vault.verifyTrust(entries.map { Member(card: $0.card, endorsedBy: $0.endorsedBy, endorsement: $0.endorsement, status: $0.status) },
                                  root: root, vaultID: vid)
        } catch { throw bad }
        guard entries.contains(where: { $0.card.fingerprint == root }) else { throw bad }
        let message = signedMessage(TeamKeyring(vaultID: vid, root: root, serial: serial, members: entries).text)
        guard let officer = entries.first(where: { $0.card.fingerprint == signer }), officer.card.role == .officer, officer.status == "active",
              Signature.verify(signature, message: message, publicKey: officer.card.signKey) else { throw bad }
        return ring
    }
}
