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

    /// Canonical text.
    public var text: String {
        var s = "safehouse-team v1\nvault: \(Encoding.hex(vaultID))\nroot: \(root.compact)\n"
        for m in members {
            s += "member\n" + m.card.text
            s += "endorsed-by: \(m.endorsedBy.compact)\nendorsement: \(Encoding.base64(m.endorsement))\nstatus: \(m.status)\nend\n"
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
        while i < lines.count {
            guard lines[i] == "member", i + 10 < lines.count + 0, lines[i + 10] == "end" else { throw bad }
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
        let ring = TeamKeyring(vaultID: vid, root: root, members: entries)
        do {
            try Vault.verifyTrust(entries.map { Member(card: $0.card, endorsedBy: $0.endorsedBy, endorsement: $0.endorsement, status: $0.status) },
                                  root: root, vaultID: vid)
        } catch { throw bad }
        guard entries.contains(where: { $0.card.fingerprint == root }) else { throw bad }
        return ring
    }
}
