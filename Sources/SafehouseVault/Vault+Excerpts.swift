import Foundation
import GRDB
import SafehouseCrypto
import SafehouseRedaction

/// The sealed content of an excerpt: redacted cues plus where they came from.
public struct ExcerptPayload: Codable, Sendable {
    public var format: String
    public var cues: [Cue]
    /// Pseudonyms of the subjects the excerpt mentions (for consent checks at export).
    public var pseudonyms: [String]
    public var provenance: RecordMetadata.Provenance
    /// For a media excerpt: what follows the payload in the body (Docs/FORMAT.md, "Media excerpts").
    public var media: MediaInfo? = nil
}

/// The clip that follows a media excerpt's payload in its body.
public struct MediaInfo: Codable, Sendable, Equatable {
    public var kind: MediaKind
    /// "matroska" (FLAC audio, H.264 picture) or "png".
    public var container: String
    public var hasVideo: Bool
    public var hasAudio: Bool
    public var durationMs: Int?
    public var width: Int?
    public var height: Int?
}

/// Export formats for excerpts.
public enum ExportFormat: String, CaseIterable, Sendable {
    case txt, md, json, srt, vtt
}

extension Vault {
    static let redactionPolicy = "safehouse-redaction v1: pseudonym per subject, typed placeholders, DOB->year, fail-closed rescan"

    /// Decrypts every subject identity for an officer (no audit of its own: the
    /// calling action's entry covers it).
    func redactionSubjects(_ db: Database, officer: Identity) throws -> [RedactionSubject] {
        let rows = try Row.fetchAll(db, sql: "SELECT pseudonym, object_id FROM subjects ORDER BY rowid")
        var out: [RedactionSubject] = []
        for row in rows {
            let p: String = row["pseudonym"]
            let header = try loadHeader(db, id: row["object_id"])
            guard header.type == .subject, let opened = try unlockObject(header, identity: officer) else {
                throw VaultError.refused(object: "subject \(p)", reason: "you are not an identity holder for it",
                                         hint: "every officer must hold every identity to redact with the whole lexicon")
            }
            guard opened.metadata.subject == p, header.label == p else {
                throw VaultError.badData(object: "subject \(p)", hint: "its identity belongs to another pseudonym")
            }
            let sheet = Array("{\"subjects\":[".utf8) + (try decryptSmall(opened)) + Array("]}".utf8)
            guard let entry = try? SubjectSheet.parse(Data(sheet)).subjects.first else {
                throw VaultError.badData(object: "subject \(p)", hint: "its identity does not parse")
            }
            out.append(RedactionSubject(entry: entry, pseudonym: p))
        }
        return out
    }

    /// Identifies the lexicon an excerpt was redacted with without being a
    /// function of any name (an editor could otherwise test guesses against it):
    /// BLAKE2b over the subject objects' ids and ciphertext body hashes.
    func lexiconVersion() throws -> String { try store.read { db in try lexiconVersion(db) } }

    func lexiconVersion(_ db: Database) throws -> String {
        let h = GenericHash(length: 16)
        h.update(Array("safehouse lexicon v1".utf8))
        for row in try Row.fetchAll(db, sql: "SELECT o.id, o.header FROM subjects s JOIN objects o ON o.id = s.object_id ORDER BY o.id") {
            let header = try RecordHeader.parse([UInt8](try row.value("header", of: "subject object") as Data), object: "subject object")
            h.update(header.id); h.update(header.bodyHash)
        }
        return Encoding.hex(h.finalize())
    }

    /// Pseudonyms whose consent was withdrawn: signed withdrawals made here or received in bundles.
    static func withdrawn(_ db: Database) throws -> Set<String> {
        let legacy = (try VaultStore.meta(db, "withdrawn") ?? "").split(separator: ",").map(String.init)
        return Set(legacy + (try String.fetchAll(db, sql: "SELECT key FROM statements WHERE kind = 1")))
    }

    /// Approves a range of a transcript record as an excerpt (officers only):
    /// redacted with the lexicon of every subject, fail-closed rescan, sealed
    /// under a fresh key to the officers, with signed provenance.
    /// - Parameter range: milliseconds `[from, to)`; nil for the whole transcript.
    /// - Parameter acceptUnknownNames: approve although the redacted text still holds
    ///   possible names the lexicon does not know (recorded, as a count, in the
    ///   provenance); otherwise such an approve is refused with `UnknownNamesRefusal`.
    /// - Parameter media: for a recording or photo (`MediaKind`), how the media excerpt is
    ///   made (Vault+MediaExcerpts.swift); a transcript takes only the defaults.
    public func approve(recordID: String, range: (Int, Int)?, by officer: Identity, acceptUnknownNames: Bool = false,
                        media: MediaApproval = MediaApproval()) throws -> String {
        let object = "record \(recordID)"
        try store.write { db in
            try requireOfficer(officer, db, action: "approve", objects: [recordID], object: object, what: "approves excerpts")
        }
        try revokeExpiredGrants(by: officer)
        let opened = try access(id: recordID, identity: officer, action: "approve")
        if let kind = MediaKind.of(fileName: opened.metadata.fileName) {
            return try approveMedia(opened, kind: kind, range: range, approval: media, acceptUnknownNames: acceptUnknownNames, by: officer)
        }
        guard media.isDefault else {
            throw VaultError.usage("\(object) is a transcript: --bleep, --voice, --video, --blur-box and --no-transcript-check apply to recordings and photos")
        }
        let ext = opened.metadata.fileName.flatMap { n in n.lastIndex(of: ".").map { String(n[n.index(after: $0)...]).lowercased() } } ?? ""
        guard WordTimeline.readsExtension(ext) else {
            throw VaultError.usage("\(object) is not a transcript (.txt, .srt, .vtt or Whisper .json) nor a recording or photo; it cannot be excerpted")
        }
        let formatName = TranscriptFormat.fromExtension(ext)?.rawValue ?? "json"
        guard let text = String(bytes: try decryptSmall(opened), encoding: .utf8) else {
            throw VaultError.badData(object: object, hint: "the transcript is not UTF-8 text")
        }
        var transcript: Transcript
        do {
            if let format = TranscriptFormat.fromExtension(ext) { transcript = try Transcript.parse(text, format: format) }
            else { transcript = try WordTimeline.parseWhisperJSON(Array(text.utf8)).transcript() }
        } catch {
            throw VaultError.badData(object: object, hint: "the transcript does not parse as \(formatName): \(error)")
        }
        // Where the source goes on after the excerpt: its last cue ends there rather than after
        // an estimate (Docs/FORMAT.md, "Cue timing").
        var followedBy: Int? = nil
        if let (from, to) = range {
            let whole = transcript
            transcript = transcript.slice(fromMs: from, toMs: to)
            followedBy = SubtitleTiming.nextStart(after: transcript.cues, in: whole.cues)
            guard to > from, !transcript.cues.isEmpty else {
                // An excerpt of nothing would export as an empty file with exit 0.
                let last = whole.cues.compactMap { $0.end ?? $0.start }.max() ?? 0
                throw VaultError.badData(object: object, hint: "the range \(Self.clock(from))-\(Self.clock(to)) holds no cue of the transcript, which runs to \(Self.clock(last)) (\(whole.cues.count) cues)")
            }
        }
        guard !transcript.cues.isEmpty else { throw VaultError.badData(object: object, hint: "the transcript holds no cue") }
        let subjects = try approvalSubjects(opened, recordID: recordID, by: officer)
        let redacted = try redactForApproval(transcript, subjects: subjects, opened: opened, recordID: recordID,
                                             acceptUnknownNames: acceptUnknownNames, by: officer)
        let rangeText = range.map { "\(Self.clock($0.0))-\(Self.clock($0.1))" }
        let provenance = RecordMetadata.Provenance(
            sourceRecord: recordID, range: rangeText, format: formatName,
            policyHash: Encoding.hex(GenericHash.hash(Array(Self.redactionPolicy.utf8), length: 16)),
            lexiconHash: try lexiconVersion(), approver: officer.fingerprint.compact, approvedAt: isoNow(),
            unknownNamesAccepted: redacted.unknownAccepted)
        // Ends are fixed here, in the signed payload, from the redacted text (a reading-time
        // estimate never measures a name that was replaced).
        let payload = ExcerptPayload(format: formatName, cues: SubtitleTiming.normalized(redacted.result.transcript.cues, followedBy: followedBy),
                                     pseudonyms: redacted.mentioned, provenance: provenance)
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        let bytes = [UInt8](try enc.encode(payload))
        let meta = RecordMetadata(kind: opened.metadata.kind, country: opened.metadata.country, subject: opened.metadata.subject,
                                  fileName: nil, sealedAt: isoNow(), sealer: officer.fingerprint.compact, provenance: provenance)
        let officers = try members().filter { $0.isActive && $0.card.role == .officer }.map(\.card)
        let (header, _, _) = try sealObject(type: .excerpt, source: .bytes(bytes), length: UInt64(bytes.count), metadata: meta,
                                            recipients: officers, signer: officer, object: object, progress: nil, label: "v1")
        try commitExcerpt(header, recordID: recordID, mentioned: redacted.mentioned, lexiconHash: provenance.lexiconHash, by: officer)
        return header.idText
    }

    /// Every subject's identity for redaction, with withdrawals applied; refuses (audited)
    /// a record whose subject's identity is missing or whose subject withdrew consent.
    func approvalSubjects(_ opened: OpenedObject, recordID: String, by officer: Identity) throws -> (subjects: [RedactionSubject], withdrawn: Set<String>) {
        let object = "record \(recordID)"
        let (sealedSubjects, withdrawn) = try store.read { db in (try redactionSubjects(db, officer: officer), try Self.withdrawn(db)) }
        // Fail closed: a record whose subject's identity is not here (a bundle that lost it,
        // an edited database) would be redacted without that subject's names.
        if let p = opened.metadata.subject, !sealedSubjects.contains(where: { $0.pseudonym == p }) {
            try store.write { db in
                try refuse(db, actor: officer, action: "approve", objects: [recordID], reason: "identity-missing",
                           .refused(object: object, reason: "the identity of its subject \(p) is not in this vault",
                                    hint: "import the field bundle that registered the subject, then approve again"))
            }
        }
        // A withdrawal recorded after registration counts like consent "withdrawn" in the sheet:
        // the redactor then refuses any transcript that mentions the subject at all.
        let subjects = sealedSubjects.map { s -> RedactionSubject in
            var s = s
            if withdrawn.contains(s.pseudonym) { s.entry.consent = .withdrawn }
            return s
        }
        if let p = opened.metadata.subject, withdrawn.contains(p) || subjects.first(where: { $0.pseudonym == p })?.entry.consent == .withdrawn {
            try store.write { db in
                try refuse(db, actor: officer, action: "approve", objects: [recordID, p], reason: "consent-withdrawn",
                           .refused(object: object, reason: "subject \(p) has withdrawn consent", hint: "no excerpt may be made of this material"))
            }
        }
        return (subjects, withdrawn)
    }

    /// What an approval's redaction gave: the result, the pseudonyms it mentions (with the
    /// record's own subject) and how many unknown possible names the officer accepted.
    struct ApprovalRedaction {
        let result: RedactionResult
        let mentioned: [String]
        let unknownAccepted: Int?
    }

    /// Redacts `transcript` for an approval, fail closed, refusing (audited) a withdrawn
    /// subject, a failed leak check, and possible names the lexicon does not know (unless accepted).
    func redactForApproval(_ transcript: Transcript, subjects: (subjects: [RedactionSubject], withdrawn: Set<String>),
                           opened: OpenedObject, recordID: String, acceptUnknownNames: Bool, by officer: Identity) throws -> ApprovalRedaction {
        let object = "record \(recordID)"
        let withdrawn = subjects.withdrawn
        let result: RedactionResult
        do {
            result = try Redactor(subjects: subjects.subjects).redact(transcript)
        } catch let e as RedactionError {
            let code: String
            switch e { case .consentWithdrawn: code = "consent-withdrawn"; case .leakCheckFailed: code = "leak-check-failed"; default: code = "redaction-failed" }
            try store.write { db in
                try refuse(db, actor: officer, action: "approve", objects: [recordID], reason: code,
                           .refused(object: object, reason: e.description, hint: "nothing was written"))
            }
        }
        let mentioned = subjects.subjects.map(\.pseudonym).filter { p in
            result.transcript.cues.contains { $0.text.contains(p) || ($0.speaker?.contains(p) ?? false) }
        } + (opened.metadata.subject.map { [$0] } ?? [])
        if let p = mentioned.first(where: { withdrawn.contains($0) }) {
            try store.write { db in
                try refuse(db, actor: officer, action: "approve", objects: [recordID, p], reason: "consent-withdrawn",
                           .refused(object: object, reason: "subject \(p) has withdrawn consent", hint: "no excerpt may be made of this material"))
            }
        }
        // A name the lexicon does not know would reach the editor as it stands:
        // the officer sees every candidate and decides (a subject, not a name, or accept).
        let unknown = try unknownNames(result.report)
        if !unknown.isEmpty && !acceptUnknownNames {
            do {
                try store.write { db in
                    try refuse(db, actor: officer, action: "approve", objects: [recordID, "count:\(unknown.count)"], reason: "unknown-names",
                               .refused(object: object, reason: "\(unknown.count) possible name(s) the subject lexicon does not know remain after redaction",
                                        hint: "add each person to the subjects, mark what is not a name, or accept them knowingly; the candidates are listed above"))
                }
            } catch let e as VaultError { throw UnknownNamesRefusal(candidates: unknown, error: e) }
        }
        return ApprovalRedaction(result: result, mentioned: Array(Set(mentioned)).sorted(), unknownAccepted: unknown.isEmpty ? nil : unknown.count)
    }

    /// Inserts an approved excerpt whose body is already named, with its audit entry; the body
    /// is removed if the transaction refuses.
    /// - Parameter extraObjects: more objects for the audit entry (a media approve: how many
    ///   plaintext bytes of the source were decrypted).
    func commitExcerpt(_ header: RecordHeader, recordID: String, mentioned: [String], lexiconHash: String, by officer: Identity,
                       extraObjects: [String] = []) throws {
        let object = "record \(recordID)"
        do {
            try beforeApproveCommits?()
            try store.write { db in
                // Authorization and consent as of the transaction that writes the
                // excerpt: a removal, a withdrawal or a new subject since the
                // redaction was read refuses, and nothing is written.
                try requireOfficer(officer, db, action: "approve", objects: [recordID], object: object, what: "approves excerpts")
                let now = try Self.withdrawn(db)
                if let p = mentioned.first(where: { now.contains($0) }) {
                    try refuse(db, actor: officer, action: "approve", objects: [recordID, p], reason: "consent-withdrawn",
                               .refused(object: object, reason: "subject \(p) has withdrawn consent", hint: "no excerpt may be made of this material"))
                }
                guard try lexiconVersion(db) == lexiconHash else {
                    try refuse(db, actor: officer, action: "approve", objects: [recordID], reason: "lexicon-changed",
                               .refused(object: object, reason: "the subjects changed while the excerpt was redacted", hint: "approve again"))
                }
                try insertObject(db, header)
                try appendAudit(db, actor: officer, action: "approve", objects: [recordID, header.idText] + extraObjects, outcome: .ok)
            }
        } catch { unlink(bodyPath(header)); throw error }
    }

    static func clock(_ ms: Int) -> String {
        String(format: "%02d:%02d:%02d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60)
    }

    /// Checks a stored grant's officer signature (a database edit of its expiry or member is 65).
    func verifyGrant(excerpt: String, member: Fingerprint, expires: String?, signature: Data?, members ms: [Member]) throws {
        let msg = Self.grantMessage(excerpt: excerpt, member: member, expires: expires)
        guard let signature, ms.contains(where: { $0.card.role == .officer && Signature.verify([UInt8](signature), message: msg, publicKey: $0.card.signKey) }) else {
            throw VaultError.badData(object: "grant of excerpt \(excerpt) to \(member)", hint: "its officer signature does not verify (the grants table was edited); run `safehouse check`")
        }
    }

    static func grantMessage(excerpt: String, member: Fingerprint, expires: String?) -> [UInt8] {
        Array("safehouse grant v1\nexcerpt: \(excerpt)\nmember: \(member.compact)\nexpires: \(expires ?? "never")\n".utf8)
    }

    /// Grants an excerpt to a member (officers only): adds a key slot, re-signed by the officer.
    /// - Parameter replace: a member's existing grant is replaced only when asked; otherwise refused (77),
    ///   naming the current grant, so a typo never silently shortens or extends access.
    /// - Returns: the member granted.
    @discardableResult
    public func grant(excerptID: String, to memberQuery: String, expires: String?, replace: Bool = false, by officer: Identity) throws -> Member {
        if let expires { _ = try Self.parseDay(expires) }
        // The next officer action re-keys expired grants away.
        try revokeExpiredGrants(by: officer)
        var stale: [String] = []
        let granted: Member = try store.write { db in
            try requireOfficer(officer, db, action: "grant", objects: [excerptID], object: "excerpt \(excerptID)", what: "grants access")
            let header = try loadHeader(db, id: excerptID)
            guard header.type == .excerpt else {
                throw VaultError.usage("\(excerptID) is not an excerpt; originals are never granted — approve an excerpt first")
            }
            let member = try memberInList(try members(db).filter(\.isActive), matching: memberQuery)
            guard let opened = try unlockObject(header, identity: officer) else {
                try refuse(db, actor: officer, action: "grant", objects: [excerptID], reason: "not-a-recipient",
                           .refused(object: "excerpt \(excerptID)", reason: "you hold no key slot for it", hint: "ask the approving officer"))
            }
            if !replace, let current = try Row.fetchOne(db, sql: "SELECT expires FROM grants WHERE object_id = ? AND member = ?",
                                                        arguments: [excerptID, member.fingerprint.compact]) {
                let until = (current["expires"] as String?).map { "until \($0)" } ?? "without expiry"
                try refuse(db, actor: officer, action: "grant", objects: [excerptID, member.fingerprint.compact], reason: "grant-exists",
                           .refused(object: "excerpt \(excerptID)", reason: "\(member.card.name) already holds a grant for it, \(until)",
                                    hint: "pass --replace to replace that grant"))
            }
            var slots = header.slots.filter { $0.recipient != member.fingerprint }
            if member.card.role == .officer {
                slots += try Self.makeSlots(id: header.id, recordKey: opened.recordKey, recipients: [member.card])
            } else {
                // Anyone else gets a marked copy of their own, never the shared excerpt.
                stale = try makeRecipientCopy(db, parent: opened, member: member, officer: officer)
            }
            // Re-signed at the next version either way, so a revocation's version orders after it.
            let updated = try header.resigned(slots: slots, by: officer)
            try db.execute(sql: "UPDATE objects SET header = ? WHERE id = ?", arguments: [Data(updated.encoded()), excerptID])
            let sig = try officer.sign(Self.grantMessage(excerpt: excerptID, member: member.fingerprint, expires: expires))
            try db.execute(sql: "INSERT OR REPLACE INTO grants(object_id, member, expires, grant_sig) VALUES (?, ?, ?, ?)",
                           arguments: [excerptID, member.fingerprint.compact, expires, Data(sig)])
            try appendAudit(db, actor: officer, action: "grant", objects: [excerptID, member.fingerprint.compact] + (expires.map { ["expires:" + $0] } ?? []), outcome: .ok)
            return member
        }
        // An earlier copy's body goes only once the new one is committed.
        for b in stale { unlink(b) }
        return granted
    }

    /// Revokes a member's access to an excerpt and re-keys it: a fresh record key
    /// and body, slots for the remaining recipients only, so a copy of the old
    /// slot opens nothing new. Nothing can recall what was already decrypted.
    public func revoke(excerptID: String, from memberQuery: String, by officer: Identity) throws {
        let (header, opened, member) = try store.write { db -> (RecordHeader, OpenedObject, Member) in
            try requireOfficer(officer, db, action: "revoke", objects: [excerptID], object: "excerpt \(excerptID)", what: "revokes access")
            let header = try loadHeader(db, id: excerptID)
            guard header.type == .excerpt else { throw VaultError.usage("\(excerptID) is not an excerpt") }
            let member = try memberInList(try members(db), matching: memberQuery)
            guard let opened = try unlockObject(header, identity: officer) else {
                try refuse(db, actor: officer, action: "revoke", objects: [excerptID], reason: "not-a-recipient",
                           .refused(object: "excerpt \(excerptID)", reason: "you hold no key slot for it", hint: "ask the approving officer"))
            }
            return (header, opened, member)
        }
        if member.card.role != .officer {
            return try revokeCopy(header: header, member: member, by: officer)
        }
        guard header.slots.contains(where: { $0.recipient == member.fingerprint }) else {
            throw VaultError.missing(object: "grant of excerpt \(excerptID) to \(member.fingerprint)", hint: "`safehouse list` shows what each member holds")
        }
        let all = try members()
        let keep = header.slots.map(\.recipient).filter { $0 != member.fingerprint }.compactMap { fp in all.first { $0.fingerprint == fp }?.card }
        // Streamed chunk by chunk into a fresh key (a media clip is never held whole in memory).
        let (fresh, _) = try rekey(opened, recipients: keep, signer: officer)
        do {
            try store.write { db in
                try db.execute(sql: "UPDATE objects SET header = ?, body_length = ? WHERE id = ?",
                               arguments: [Data(fresh.encoded()), Int64(fresh.ciphertextLength), excerptID])
                try db.execute(sql: "DELETE FROM grants WHERE object_id = ? AND member = ?", arguments: [excerptID, member.fingerprint.compact])
                if let v = fresh.excerptVersion {
                    try makeStatement(db, kind: .revocation, text: revocationText(excerpt: excerptID, member: member.fingerprint, version: v), by: officer)
                }
                try appendAudit(db, actor: officer, action: "revoke", objects: [excerptID, member.fingerprint.compact], outcome: .ok)
            }
        } catch { unlink(bodyPath(fresh)); throw error }
        if bodyPath(fresh) != bodyPath(header) { unlink(bodyPath(header)) }
    }

    /// Revokes every grant whose last day has passed, as `revoke` does (officers):
    /// the grantee's copy is deleted or the excerpt re-keyed, and a signed revocation
    /// travels to their vault. Runs at every `grant` and `approve`, and on demand.
    /// - Returns: the excerpt and member of each grant revoked.
    @discardableResult
    public func revokeExpiredGrants(by officer: Identity) throws -> [(excerpt: String, member: Fingerprint)] {
        let expired: [(String, Fingerprint)] = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT object_id, member, expires FROM grants WHERE expires IS NOT NULL").compactMap { row in
                guard let ex = row["object_id"] as String?, let m = (row["member"] as String?).flatMap(Fingerprint.init(text:)),
                      let exp = row["expires"] as String?, let day = try? Self.parseDay(exp),
                      clock() >= day.addingTimeInterval(86_400) else { return nil }
                return (ex, m)
            }
        }
        guard !expired.isEmpty else { return [] }
        try store.write { db in
            try requireOfficer(officer, db, action: "revoke", objects: [], object: "grants", what: "revokes access")
        }
        for (ex, m) in expired { try revoke(excerptID: ex, from: m.compact, by: officer) }
        return expired
    }

    /// Revokes a grantee's own copy: the copy is deleted, the shared excerpt re-signed
    /// at the next version, and a signed revocation at that version travels to their vault.
    private func revokeCopy(header: RecordHeader, member: Member, by officer: Identity) throws {
        let excerptID = header.idText
        let stale: [String] = try store.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM grants WHERE object_id = ? AND member = ?", arguments: [excerptID, member.fingerprint.compact]) != nil else {
                throw VaultError.missing(object: "grant of excerpt \(excerptID) to \(member.fingerprint)", hint: "`safehouse list` shows what each member holds")
            }
            let bodies = try dropRecipientCopies(db, parent: excerptID, member: member.fingerprint)
            let updated = try header.resigned(slots: header.slots, by: officer)
            try db.execute(sql: "UPDATE objects SET header = ? WHERE id = ?", arguments: [Data(updated.encoded()), excerptID])
            try db.execute(sql: "DELETE FROM grants WHERE object_id = ? AND member = ?", arguments: [excerptID, member.fingerprint.compact])
            if let v = updated.excerptVersion {
                try makeStatement(db, kind: .revocation, text: revocationText(excerpt: excerptID, member: member.fingerprint, version: v), by: officer)
            }
            try appendAudit(db, actor: officer, action: "revoke", objects: [excerptID, member.fingerprint.compact], outcome: .ok)
            return bodies
        }
        for b in stale { unlink(b) }
    }

    static func parseDay(_ s: String) throws -> Date {
        guard let d = DateArgument.day(s) else { throw VaultError.usage("dates are YYYY-MM-DD (got \(s))") }
        return d
    }

    /// Exports an excerpt for a member who holds a valid grant (officers hold all).
    /// The output appears only after the audit entry is durable.
    /// - Parameter perRecipient: replace each pseudonym by one derived for this member,
    ///   so a leaked copy tells whose it was (`traceLeak`).
    /// - Parameter ageRecipients: when given, the file is a standard age v1 file
    ///   (Docs/FORMAT.md, "age export") to these recipients, whose plaintext is
    ///   exactly the plain export; encrypted in memory, the plaintext never reaches
    ///   the disk. The audit entry names each recipient's fingerprint.
    public func exportExcerpt(excerptID: String, format: ExportFormat, to path: String, by member: Identity, overwrite: Bool,
                              perRecipient: Bool = false, ageRecipients: [AgeRecipient] = []) throws {
        try exportExcerpt(excerptID: excerptID, format: format, to: .file(path, overwrite: overwrite), by: member,
                          perRecipient: perRecipient, ageRecipients: ageRecipients)
    }

    /// Exports an excerpt to a file or standard output; see the path-based form.
    /// Standard output gets the text only after the audit entry is durable.
    public func exportExcerpt(excerptID: String, format: ExportFormat, to destination: OutputDestination, by member: Identity,
                              perRecipient: Bool = false, ageRecipients: [AgeRecipient] = []) throws {
        let object = "excerpt \(excerptID)"
        guard ageRecipients.count <= AgeRecipientsFile.maxRecipients else {
            throw VaultError.usage("an age export takes at most \(AgeRecipientsFile.maxRecipients) recipients (got \(ageRecipients.count))")
        }
        let (opened, copy) = try authorizeExport(excerptID: excerptID, by: member)
        guard var payload = try? JSONDecoder().decode(ExcerptPayload.self, from: Data(try excerptPayloadBytes(opened))) else {
            throw VaultError.badData(object: object, hint: "its content does not parse")
        }
        try checkExportPayload(payload, excerptID: excerptID, copy: copy, by: member)
        if perRecipient, copy == nil {
            // An officer's own marked export (a grantee's copy is marked already).
            let key = try store.read { db in try markingKey(sourceRecord: payload.provenance.sourceRecord, officer: member, db) }
            let map = try Self.recipientPseudonyms(payload.pseudonyms, member: member.fingerprint, key: key)
            payload.cues = payload.cues.map { c in
                var c = c
                for (p, q) in map { c.text = c.text.replacingOccurrences(of: p, with: q); c.speaker = c.speaker?.replacingOccurrences(of: p, with: q) }
                return c
            }
            payload.pseudonyms = payload.pseudonyms.map { map[$0] ?? $0 }
        }
        let transcript = Self.exportTranscript(payload)
        // Fail closed at export too: the pattern detectors (no identities needed) rescan the text.
        do { try Redactor(subjects: []).leakCheck(transcript) } catch {
            try store.write { db in
                try refuse(db, actor: member, action: "export", objects: [excerptID], reason: "leak-check-failed",
                           .refused(object: object, reason: "the fail-closed scan found an identifier", hint: "ask the officer to re-approve"))
            }
        }
        let rendered = Self.render(payload, transcript: transcript, format: format, excerptID: excerptID)
        var fileBytes = Array(rendered.utf8)
        if !ageRecipients.isEmpty {
            // fileBytes' storage is unique here, so the wipe clears the plaintext in place.
            let sealed: [UInt8]
            do { sealed = try AgeEncryptor.encrypt(fileBytes, to: ageRecipients) } catch { SecureBytes.wipe(&fileBytes); throw error }
            SecureBytes.wipe(&fileBytes)
            fileBytes = sealed
        }
        try destination.write(fileBytes, mode: 0o600) {
            try store.write { db in
                try appendAudit(db, actor: member, action: "export", objects: [excerptID, "format:" + format.rawValue] + (perRecipient ? ["per-recipient"] : [])
                                    + ageRecipients.map { "age-recipient:" + $0.fingerprint }, outcome: .ok)
            }
        }
    }

    /// The export checks before any content is decrypted: membership, a valid officer-signed
    /// grant (not expired, not revoked), and for a grantee their own marked copy. Returns the
    /// excerpt (or copy) unlocked, and the copy.
    func authorizeExport(excerptID: String, by member: Identity) throws -> (OpenedObject, (id: String, realPseudonyms: [String]?)?) {
        let object = "excerpt \(excerptID)"
        // Grants first: an editor without one is refused as such, before any key slot is tried.
        try store.write { db in
            let me = try requireMember(member, db, action: "export", objects: [excerptID])
            guard me.card.role != .officer else { return }
            let row = try Row.fetchOne(db, sql: "SELECT expires, grant_sig FROM grants WHERE object_id = ? AND member = ?",
                                       arguments: [excerptID, member.fingerprint.compact])
            guard let row else {
                try refuse(db, actor: member, action: "export", objects: [excerptID], reason: "no-grant",
                           .refused(object: object, reason: "you hold no grant for it", hint: "ask a security officer for a grant"))
            }
            // The grant's terms (its expiry above all) count only as an officer signed them.
            try verifyGrant(excerpt: excerptID, member: member.fingerprint, expires: row["expires"], signature: row["grant_sig"], members: try members(db))
            // A revocation received from HQ at a version at least that of our copy: refused,
            // even if the re-keyed excerpt itself has not arrived yet.
            if let v = try revokedVersion(db, excerpt: excerptID, member: member.fingerprint),
               let held = try loadHeader(db, id: excerptID).excerptVersion, held <= v {
                try refuse(db, actor: member, action: "export", objects: [excerptID], reason: "revoked",
                           .refused(object: object, reason: "your access to it was revoked", hint: "ask a security officer"))
            }
            if let exp: String = row["expires"], let d = try? Self.parseDay(exp), Date() >= d.addingTimeInterval(86_400) {
                try refuse(db, actor: member, action: "export", objects: [excerptID], reason: "grant-expired",
                           .refused(object: object, reason: "your grant expired on \(exp)", hint: "ask a security officer to renew it"))
            }
        }
        // A grantee who is not an officer exports their own marked copy.
        let copy: (id: String, realPseudonyms: [String]?)? = try store.write { db in
            let me = try requireMember(member, db, action: "export", objects: [excerptID])
            guard me.card.role != .officer else { return nil }
            guard let c = try recipientCopy(db, parent: excerptID, member: member) else {
                try refuse(db, actor: member, action: "export", objects: [excerptID], reason: "no-copy",
                           .refused(object: object, reason: "your own copy of it is not in this vault",
                                    hint: "import the bundle HQ made for you, or ask a security officer to grant it again"))
            }
            return c
        }
        let opened = try access(id: copy?.id ?? excerptID, identity: member, action: "export", allowedTypes: [.excerpt])
        return (opened, copy)
    }

    /// The checks of an excerpt's decrypted payload at export: a copy's signed provenance
    /// names this excerpt and member, and no subject it mentions has withdrawn consent.
    func checkExportPayload(_ payload: ExcerptPayload, excerptID: String, copy: (id: String, realPseudonyms: [String]?)?, by member: Identity) throws {
        let object = "excerpt \(excerptID)"
        guard copy == nil || (payload.provenance.copyOf == excerptID && payload.provenance.recipient == member.fingerprint.compact) else {
            throw VaultError.badData(object: object, hint: "your copy's signed provenance names another excerpt or recipient")
        }
        try store.write { db in
            let me = try requireMember(member, db, action: "export", objects: [excerptID])
            let withdrawn = try Self.withdrawn(db)
            if let p = (copy?.realPseudonyms ?? payload.pseudonyms).first(where: { withdrawn.contains($0) }) {
                try refuse(db, actor: member, action: "export", objects: [excerptID, p], reason: "consent-withdrawn",
                           .refused(object: object, reason: "subject \(p) has withdrawn consent", hint: "this excerpt can no longer be exported"))
            }
            _ = me
        }
    }

    /// Per-recipient pseudonyms: keyed BLAKE2b of the member and the pseudonym, under
    /// the marking key (subkey 4 of the source record's key: officers only).
    static func recipientPseudonyms(_ pseudonyms: [String], member: Fingerprint, key: SecureBytes) throws -> [String: String] {
        var out: [String: String] = [:]
        for p in pseudonyms {
            let h = GenericHash.hash(member.bytes + Array(p.utf8), length: 16, key: key)
            let a = Pseudonym.alphabet
            let letters = a.filter(\.isLetter)
            var s = String(letters[Int(h[0]) % letters.count]) + "-"
            for i in 1...4 { s.append(a[Int(h[i]) % a.count]) }
            out[p] = s
        }
        return out
    }

    /// Which grantees' per-recipient pseudonyms appear in a leaked text (officers).
    public func traceLeak(excerptID: String, text: String, by officer: Identity) throws -> [Member] {
        try store.write { db in
            try requireOfficer(officer, db, action: "trace", objects: [excerptID], object: "excerpt \(excerptID)", what: "traces leaks")
        }
        let opened = try access(id: excerptID, identity: officer, action: "trace", allowedTypes: [.excerpt])
        guard let payload = try? JSONDecoder().decode(ExcerptPayload.self, from: Data(try excerptPayloadBytes(opened))) else {
            throw VaultError.badData(object: "excerpt \(excerptID)", hint: "its content does not parse")
        }
        let candidates = try store.read { db in
            let granted = Set(try String.fetchAll(db, sql: "SELECT member FROM grants WHERE object_id = ?", arguments: [excerptID]))
            return try members(db).filter { m in granted.contains(m.fingerprint.compact) || opened.header.slots.contains { $0.recipient == m.fingerprint } }
        }
        let key = try store.read { db in try markingKey(sourceRecord: payload.provenance.sourceRecord, officer: officer, db) }
        let hits = try candidates.filter { m in
            try Self.recipientPseudonyms(payload.pseudonyms, member: m.fingerprint, key: key).values.contains { text.contains($0) }
        }
        try audit(actor: officer, action: "trace", objects: [excerptID] + hits.map(\.fingerprint.compact), outcome: .ok)
        return hits
    }

    /// The cues an export writes: the payload's after the timing rules. Nothing changes for an
    /// excerpt approved with the rules; one approved before them (txt cues without ends, SRT
    /// cues ending at their start) exports playable cues.
    static func exportTranscript(_ p: ExcerptPayload) -> Transcript {
        Transcript(cues: SubtitleTiming.normalized(p.cues))
    }

    /// Writes an excerpt in `format`; `transcript` holds the cues to write (the payload's, after the
    /// timing rules), `p` the provenance and pseudonyms.
    static func render(_ p: ExcerptPayload, transcript: Transcript, format: ExportFormat, excerptID: String) -> String {
        switch format {
        case .txt: return transcript.render(.txt, textStamps: .milliseconds)
        case .srt: return transcript.render(.srt)
        case .vtt: return transcript.render(.vtt)
        case .json:
            struct Out: Encodable { let excerpt: String; let cues: [Cue]; let speakers: [String]; let pseudonyms: [String]; let provenance: RecordMetadata.Provenance }
            let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys, .prettyPrinted]
            let speakers = Array(Set(transcript.cues.compactMap(\.speaker))).sorted()
            let data = (try? enc.encode(Out(excerpt: excerptID, cues: transcript.cues, speakers: speakers, pseudonyms: p.pseudonyms, provenance: p.provenance))) ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        case .md:
            var s = "# Excerpt \(excerptID)\n\n"
            s += "- Source record: `\(p.provenance.sourceRecord)`\n- Range: \(p.provenance.range ?? "whole transcript")\n"
            s += "- Approved: \(p.provenance.approvedAt) by `\(p.provenance.approver)`\n"
            s += "- Subjects (pseudonyms): \(p.pseudonyms.isEmpty ? "none" : p.pseudonyms.joined(separator: ", "))\n\n"
            for c in transcript.cues {
                let t = c.start.map { s in "`\(Transcript.clock(s, fraction: "."))–\(Transcript.clock(c.end ?? s, fraction: "."))` " } ?? ""
                let who = c.speaker.map { "**\($0):** " } ?? ""
                s += "\(t)\(who)\(c.text.replacingOccurrences(of: "\n", with: "  \n"))\n\n"
            }
            return s
        }
    }

    /// Marks a subject's consent as withdrawn (officers): every approval or export
    /// touching them is refused from now on.
    public func withdrawConsent(pseudonym: String, by officer: Identity) throws {
        try store.write { db in
            try requireOfficer(officer, db, action: "consent-withdraw", objects: [pseudonym], object: "subject \(pseudonym)", what: "changes consent")
            guard try String.fetchOne(db, sql: "SELECT pseudonym FROM subjects WHERE pseudonym = ?", arguments: [pseudonym]) != nil else {
                throw VaultError.missing(object: "subject \(pseudonym)", hint: "`safehouse subject list` shows the pseudonyms")
            }
            // A signed statement, so the withdrawal reaches every vault a bundle goes to.
            try makeStatement(db, kind: .withdrawal, text: withdrawalText(pseudonym), by: officer)
            // A grantee's copy hides the real pseudonym, so their vault learns it as a revocation.
            for row in try Row.fetchAll(db, sql: "SELECT parent, member, pseudonyms FROM copies") {
                guard let parent = row["parent"] as String?, let m = (row["member"] as String?).flatMap(Fingerprint.init(text:)),
                      let ps = row["pseudonyms"] as String?, ps.split(separator: ",").contains(Substring(pseudonym)),
                      let v = try loadHeader(db, id: parent).excerptVersion else { continue }
                try makeStatement(db, kind: .revocation, text: revocationText(excerpt: parent, member: m, version: v), by: officer)
            }
            try appendAudit(db, actor: officer, action: "consent-withdraw", objects: [pseudonym], outcome: .ok)
        }
    }
}
