import Foundation
import SafehouseCrypto
import SafehouseRedaction

/// Material kinds from the production plan.
public enum RecordKind: String, CaseIterable, Sendable, Codable {
    case interview, statement, coverage, legal
}

/// Everything that describes a sealed object. Encrypted (never in clear on disk).
public struct RecordMetadata: Codable, Sendable, Equatable {
    public var kind: RecordKind?
    public var country: String?
    public var subject: String?
    public var fileName: String?
    /// Seal time, ISO 8601 UTC.
    public var sealedAt: String
    /// Legal application status (filed, pending, granted, denied, …) for `legal` records.
    public var status: String?
    /// Interviewer's quality rating 1–5 and note.
    public var rating: Int?
    public var note: String?
    /// Fingerprint of the member who sealed it.
    public var sealer: String
    /// For subject identities: category and consent level.
    public var category: String?
    public var consent: String?
    /// For excerpts: where it came from.
    public var provenance: Provenance?
    /// For a transcript sealed with `seal T --of MEDIA_RECORD`: the recording it transcribes
    /// (signed with the rest of the metadata; `approve` of the recording finds it by this).
    public var transcriptOf: String?

    /// Signed provenance of an excerpt.
    public struct Provenance: Codable, Sendable, Equatable {
        public var sourceRecord: String
        public var range: String?
        public var format: String
        public var policyHash: String
        public var lexiconHash: String
        public var approver: String
        public var approvedAt: String
        /// A per-recipient copy: the excerpt it copies and the recipient's fingerprint.
        public var copyOf: String?
        public var recipient: String?
        /// How many possible names the lexicon did not know the approving officer
        /// accepted (`approve --accept-unknown-names`); nil when there were none.
        public var unknownNamesAccepted: Int?
        /// Media excerpts (Docs/FORMAT.md, "Media excerpts"): what the clip is and how it was made.
        /// Never a name: spans carry times and kinds only.
        public var media: String?
        /// The linked transcript record the bleeps were placed by; nil with `transcriptCheck` "skipped".
        public var transcriptRecord: String?
        /// "measured" (Whisper word times) or "estimated" (from cue times).
        public var wordTiming: String?
        /// "skipped" when the officer approved with `--no-transcript-check`.
        public var transcriptCheck: String?
        /// Bleeped spans, milliseconds relative to the clip's start.
        public var bleeps: [BleepSpan]?
        /// The margin added before and after each identity's words, in milliseconds.
        public var bleepMarginMs: Int?
        /// tone | silence; keep | shift; keep | blur | black; the blur boxes as given.
        public var bleep: String?
        public var voice: String?
        public var video: String?
        public var blurBoxes: [String]?
        /// `ffmpeg -version`'s first line.
        public var ffmpeg: String?
    }

    /// The plaintext that is encrypted: sorted-key JSON padded (ISO/IEC 7816-4)
    /// to a size class, so the ciphertext's length says nothing of category,
    /// consent, file name or note.
    func encoded() throws -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return try Padding.pad([UInt8](try enc.encode(self)))
    }

    static func decode(_ padded: [UInt8], object: String) throws -> RecordMetadata {
        guard let bytes = Padding.unpad(padded) else { throw VaultError.badData(object: object, hint: "its metadata is not valid") }
        do { return try JSONDecoder().decode(RecordMetadata.self, from: Data(bytes)) } catch {
            throw VaultError.badData(object: object, hint: "its metadata is not valid")
        }
    }

    /// Validates an ISO 3166 alpha-2 code (two uppercase ASCII letters).
    static func validCountry(_ c: String) -> Bool {
        c.count == 2 && c.unicodeScalars.allSatisfy { $0.value >= 65 && $0.value <= 90 }
    }
}

/// ISO 8601 time in UTC, seconds precision.
/// Formatted with `gmtime_r` rather than `ISO8601DateFormatter`, which loads the
/// time-zone database on first use (a tenth of a small seal's time, issue 17).
func isoNow() -> String {
    var t = time_t(Date().timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&t, &parts)
    func pad(_ v: Int32, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
        + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
}
