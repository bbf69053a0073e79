import Foundation
import SafehouseCrypto

/// One trustee's share of a member's secret key, in a printable form that can
/// be handed over on paper and typed back (Docs/RECOVERY.md, "Share format").
///
/// ```
/// safehouse-recovery-share v1
/// member: Alice Officer
/// role: officer
/// fingerprint: k7q2-fm3x-…            (the member's fingerprint, grouped)
/// set: abcd-efgh-…                   (16 random bytes, the same on every share of one split)
/// threshold: 3
/// share: 2 of 5
/// data: abcd efgh ijkl mnop qrst uvwx yz23 4567   (base32, 8 groups a line)
/// data: …
/// checksum: abcd-efgh-ijkl-m        (first 8 bytes of BLAKE2b-256, see `checksum`)
/// # comment lines, ignored
/// ```
/// Reading is tolerant of what typing back adds (upper case, spaces, dashes,
/// blank lines, CRLF); every field is then covered by the checksum, so a
/// mistyped or damaged share is refused before any combining.
///
/// The share is a secret: `description` shows only its public fields.
public struct RecoveryShare: Sendable, CustomStringConvertible {
    /// The member's name, as on the member card.
    public let memberName: String
    /// The member's role, as on the member card.
    public let role: Role
    /// The fingerprint of the key these shares restore.
    public let fingerprint: Fingerprint
    /// Random id shared by all shares of one split (16 bytes).
    public let setID: [UInt8]
    /// How many shares restore the key.
    public let threshold: Int
    /// This share's number, 1…total (its x-coordinate).
    public let index: Int
    /// How many shares the split made.
    public let total: Int
    /// The share's y-values. Secret.
    let value: SecureBytes
    /// Where this share was read from (a path), for messages; empty when made in memory.
    public let source: String

    static let header = "safehouse-recovery-share v1"
    static let checksumDomain = Array("safehouse share v1\n".utf8)
    static let setIDBytes = 16
    static let checksumBytes = 8
    static let maxValueBytes = 1024

    init(memberName: String, role: Role, fingerprint: Fingerprint, setID: [UInt8], threshold: Int, index: Int, total: Int,
         value: SecureBytes, source: String = "") {
        self.memberName = memberName
        self.role = role
        self.fingerprint = fingerprint
        self.setID = setID
        self.threshold = threshold
        self.index = index
        self.total = total
        self.value = value
        self.source = source
    }

    /// The public fields only; the share bytes never appear.
    public var description: String {
        "RecoveryShare(\(index) of \(total), threshold \(threshold), member \(fingerprint), <share bytes redacted>)"
    }

    /// Grouped form of the share-set id, for messages and the share text.
    public var setIDText: String { Self.grouped(Encoding.base32(setID), by: 4, separator: "-") }

    /// The checksum: the first 8 bytes of unkeyed BLAKE2b-256 over
    /// "safehouse share v1\n" ‖ blob(name) ‖ blob(role) ‖ fingerprint[20] ‖ set[16]
    /// ‖ u8 threshold ‖ u8 index ‖ u8 total ‖ blob(share bytes); blob = u32 length ‖ bytes.
    ///
    /// It detects accidents (a typo, a smudged line), not forgery; a forged
    /// share is caught when the rebuilt key's fingerprint does not match.
    var checksum: [UInt8] {
        var w = ByteWriter()
        w.raw(Self.checksumDomain)
        w.blob(Array(memberName.utf8))
        w.blob(Array(role.rawValue.utf8))
        w.raw(fingerprint.bytes)
        w.raw(setID)
        w.u8(UInt8(threshold)); w.u8(UInt8(index)); w.u8(UInt8(total))
        w.u32(UInt32(value.count))
        let h = GenericHash(length: 32)
        h.update(w.bytes)
        value.withUnsafeBytes { h.update($0) }
        return Array(h.finalize().prefix(Self.checksumBytes))
    }

    /// File name used by `recovery split`: `share-I-of-N.txt`.
    public var fileName: String { "share-\(index)-of-\(total).txt" }

    /// Calls `body` with the canonical text of the share (UTF-8) and wipes the
    /// buffer afterwards. Do not keep the bytes: they are the secret share.
    public func withText<R>(_ body: ([UInt8]) throws -> R) rethrows -> R {
        var out = [UInt8]()
        out.reserveCapacity(600)
        func line(_ s: String) { out.append(contentsOf: Array(s.utf8)); out.append(10) }
        line(Self.header)
        line("member: \(memberName)")
        line("role: \(role.rawValue)")
        line("fingerprint: \(fingerprint)")
        line("set: \(setIDText)")
        line("threshold: \(threshold)")
        line("share: \(index) of \(total)")
        var digits = value.withUnsafeBytes { Self.base32(secret: $0) }
        defer { SecureBytes.wipe(&digits) }
        let groupsPerLine = 8
        var i = 0
        while i < digits.count {
            out.append(contentsOf: Array("data:".utf8))
            var g = 0
            while g < groupsPerLine, i < digits.count {
                out.append(32)
                out.append(contentsOf: digits[i..<min(i + 4, digits.count)])
                i += 4; g += 1
            }
            out.append(10)
        }
        line("checksum: \(Self.grouped(Encoding.base32(checksum), by: 4, separator: "-"))")
        line("# Safehouse recovery share \(index) of \(total). \(threshold) shares together restore this member's key.")
        line("# Keep it private and offline; never photograph, scan or send it. Type it back exactly as printed.")
        defer { SecureBytes.wipe(&out) }
        return try body(out)
    }

    /// Parses and checks a share.
    /// - Parameter object: how to name the share in errors (usually its path).
    /// - Throws: `VaultError.badData` (exit 65): "checksum mismatch" for a share that
    ///   reads but was altered, "not a valid recovery share" for one that does not read.
    public static func parse(_ bytes: [UInt8], object: String) throws -> RecoveryShare {
        func malformed(_ what: String) -> VaultError {
            .badData(object: "\(object): not a valid recovery share",
                     hint: "\(what); compare the file with the paper copy (format: Docs/RECOVERY.md)")
        }
        var fields: [String: String] = [:]
        var data: [UInt8] = []
        defer { SecureBytes.wipe(&data) }
        var sawHeader = false
        for rawLine in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            let line = trimmed(rawLine)
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            guard !line.contains(0) else { throw malformed("it contains a NUL byte") }
            if !sawHeader {
                guard String(decoding: line, as: UTF8.self) == header else {
                    throw malformed("the first line must read \"\(header)\"")
                }
                sawHeader = true
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw malformed("a line has no \"name:\" label") }
            let key = String(decoding: line[line.startIndex..<colon], as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
            let rest = trimmed(line[(colon + 1)...])
            if key == "data" {
                for c in rest where c != 32 && c != 9 && c != UInt8(ascii: "-") {
                    data.append(c | (rangeMask(c, 65, 90) & 0x20)) // A–Z to lower case, branch-free
                }
                continue
            }
            guard ["member", "role", "fingerprint", "set", "threshold", "share", "checksum"].contains(key) else {
                // Never echo the label: a lost line break can put share data before the colon.
                throw malformed("a line has an unknown label (expected member, role, fingerprint, set, threshold, share, data or checksum)")
            }
            guard fields[key] == nil else { throw malformed("the line \"\(key):\" appears twice") }
            guard let text = String(validating: rest, as: UTF8.self) else { throw malformed("the \"\(key):\" line is not UTF-8 text") }
            fields[key] = text
        }
        guard sawHeader else { throw malformed("the first line must read \"\(header)\"") }
        for key in ["member", "role", "fingerprint", "set", "threshold", "share", "checksum"] where fields[key] == nil {
            throw malformed("the \"\(key):\" line is missing")
        }
        let name = fields["member"]!
        guard (try? MemberCard.validate(name: name)) != nil else { throw malformed("the member name is not valid") }
        guard let role = Role(rawValue: fields["role"]!.lowercased()) else { throw malformed("the role must be interviewer, editor or officer") }
        guard let fp = Fingerprint(text: compactCode(fields["fingerprint"]!)) else { throw malformed("the fingerprint does not read") }
        guard let setID = decodeBase32(compactCode(fields["set"]!)), setID.count == setIDBytes else {
            throw malformed("the set id does not read")
        }
        guard let threshold = Int(fields["threshold"]!), (2...255).contains(threshold) else {
            throw malformed("the threshold must be a number from 2 to 255")
        }
        let shareParts = fields["share"]!.split(separator: " ", omittingEmptySubsequences: true)
        guard shareParts.count == 3, shareParts[1].lowercased() == "of", let index = Int(shareParts[0]), let total = Int(shareParts[2]),
              (threshold...255).contains(total), (1...total).contains(index)
        else { throw malformed("the \"share:\" line must read \"I of N\" with 1 ≤ I ≤ N ≤ 255 and N at least the threshold") }
        guard !data.isEmpty, data.count <= (maxValueBytes * 8 + 4) / 5 else { throw malformed("the share data is missing or too long") }
        let mismatch = VaultError.badData(
            object: "\(object): checksum mismatch",
            hint: "this share was mistyped or damaged; compare it character by character with the paper copy, or use another trustee's share")
        // Data or a checksum that does not decode is a typo as much as one that decodes
        // to the wrong bytes: both read as a checksum mismatch, one message, one fix.
        guard let sum = decodeBase32(compactCode(fields["checksum"]!)), sum.count == checksumBytes else { throw mismatch }
        guard let value = try data.withUnsafeBytes({ try decodeBase32(secret: $0) }) else { throw mismatch }
        let share = RecoveryShare(memberName: name, role: role, fingerprint: fp, setID: setID, threshold: threshold, index: index,
                                  total: total, value: value, source: object)
        guard share.checksum == sum else { throw mismatch }
        return share
    }

    // MARK: - Text helpers

    private static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == 32 || f == 9 || f == 13 { s = s.dropFirst() }
        while let l = s.last, l == 32 || l == 9 || l == 13 { s = s.dropLast() }
        return s
    }

    /// Lower case, without spaces and dashes.
    private static func compactCode(_ s: String) -> String {
        String(s.lowercased().filter { $0 != "-" && $0 != " " && $0 != "\t" })
    }

    static func grouped(_ s: String, by n: Int, separator: String) -> String {
        let c = Array(s)
        return stride(from: 0, to: c.count, by: n).map { String(c[$0..<min($0 + n, c.count)]) }.joined(separator: separator)
    }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// Value of a base32 digit, or 0xff, computed without a table indexed by the digit
    /// (share data passes through here).
    @inline(__always)
    private static func digitValue(_ c: UInt8) -> UInt8 {
        // letters a–z → 0…25, digits 2–7 → 26…31; masks instead of branches.
        let isLetter = rangeMask(c, 97, 122)
        let isDigit = rangeMask(c, 50, 55)
        let v = (isLetter & (c &- 97)) | (isDigit & (c &- 24))
        return v | ~(isLetter | isDigit)
    }

    /// 0xff when lo ≤ c ≤ hi, else 0, without branching.
    @inline(__always)
    static func rangeMask(_ c: UInt8, _ lo: UInt8, _ hi: UInt8) -> UInt8 {
        let x = Int16(c)
        let geLo = UInt8(truncatingIfNeeded: (Int16(lo) - 1 - x) >> 8) // 0xff when x ≥ lo
        let leHi = UInt8(truncatingIfNeeded: (x - Int16(hi) - 1) >> 8) // 0xff when x ≤ hi
        return geLo & leHi
    }

    /// Base32 digit for 0…31, without a table indexed by the value.
    @inline(__always)
    private static func digitChar(_ v: UInt8) -> UInt8 {
        let isLetter = UInt8(truncatingIfNeeded: (Int16(v) - 26) >> 8) // 0xff when v < 26
        return (isLetter & (v &+ 97)) | (~isLetter & (v &+ 24))
    }

    /// RFC 4648 base32 (lower case, no padding) of secret bytes, into a buffer the caller wipes.
    static func base32(secret bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](); out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0, bits = 0
        for b in bytes {
            buffer = (buffer << 8) | UInt32(b); bits += 8
            while bits >= 5 { out.append(digitChar(UInt8((buffer >> UInt32(bits - 5)) & 31))); bits -= 5 }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(digitChar(UInt8((buffer << UInt32(5 - bits)) & 31))) }
        buffer = 0
        return out
    }

    /// Strict decoding of secret base32 digits: nil for a non-digit, a length no
    /// encoding produces, or non-zero padding bits (so each value has one spelling).
    static func decodeBase32(secret digits: UnsafeRawBufferPointer) throws -> SecureBytes? {
        let count = digits.count * 5 / 8
        guard (count * 8 + 4) / 5 == digits.count else { return nil }
        let out = try SecureBytes(count: count)
        var bad: UInt8 = 0
        var buffer: UInt32 = 0, bits = 0, n = 0
        out.withUnsafeMutableBytes { o in
            for c in digits {
                let v = digitValue(c)
                bad |= v & 0xe0
                buffer = (buffer << 5) | UInt32(v & 31); bits += 5
                if bits >= 8 {
                    o[n] = UInt8(truncatingIfNeeded: buffer >> UInt32(bits - 8)); n += 1; bits -= 8
                    buffer &= (1 << UInt32(bits)) - 1
                }
            }
        }
        bad |= UInt8(truncatingIfNeeded: buffer) // leftover padding bits must be zero
        buffer = 0
        return bad == 0 ? out : nil
    }

    /// Strict decoding of public base32 text.
    static func decodeBase32(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard let s = try? digits.withUnsafeBytes({ try decodeBase32(secret: $0) }) else { return nil }
        return s.withUnsafeBytes { [UInt8]($0) }
    }
}
