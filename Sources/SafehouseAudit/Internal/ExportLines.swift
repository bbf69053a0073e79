/// The three line shapes of an audit export, written and read byte for byte.
///
/// There is no general JSON parser here on purpose: the reader accepts only
/// the exact bytes the writer produces (no whitespace, fixed key order, keys
/// sorted, canonical base64 and decimals), so any edit — even one a JSON
/// parser would consider harmless — is caught, and garbage cannot reach a
/// recursive parser. Values never need escaping: origins, actors and base64
/// contain no quote, backslash or control character (see `FieldRules`).
enum ExportLines {
    static let format = "safehouse-audit-export"
    static let version = 1

    /// Caps, in bytes, without the newline.
    static let maxEntryLine = 24_576
    static let maxTrailerLine = 256
    static let maxHeaderLine = 1_048_576
    static let maxKeys = 4_096

    // MARK: writing

    static func header(origin: String, keys: [(actor: String, key: [UInt8])]) -> [UInt8] {
        var out = Array("{\"format\":\"\(format)\",\"version\":\(version),\"origin\":\"\(origin)\",\"keys\":{".utf8)
        for (i, k) in keys.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("\"\(k.actor)\":\"".utf8) + Base64.encodeBytes(k.key) + [UInt8(ascii: "\"")]
        }
        out += Array("}}\n".utf8)
        return out
    }

    static func entry(_ signed: SignedAuditEntry) -> [UInt8] {
        var out = Array("{\"entry\":\"".utf8)
        out += Base64.encodeBytes(signed.canonicalBytes)
        out += Array("\",\"sig\":\"".utf8)
        out += Base64.encodeBytes(signed.signature)
        out += Array("\",\"key\":\"".utf8)
        out += Base64.encodeBytes(signed.signerKey)
        out += Array("\"}\n".utf8)
        return out
    }

    static func trailer(size: UInt64, root: [UInt8]) -> [UInt8] {
        Array("{\"size\":\(size),\"root\":\"\(Base64.encode(root))\"}\n".utf8)
    }

    // MARK: reading

    /// A cursor that matches literal text and reads delimited values.
    struct Scanner {
        let line: ArraySlice<UInt8>
        var index: Int

        init(_ line: ArraySlice<UInt8>) {
            self.line = line
            index = line.startIndex
        }

        mutating func literal(_ text: String) -> Bool {
            for b in text.utf8 {
                guard index < line.endIndex, line[index] == b else { return false }
                index += 1
            }
            return true
        }

        /// Bytes up to (not including) `stop`, which is consumed.
        mutating func until(_ stop: UInt8) -> ArraySlice<UInt8>? {
            guard let end = line[index...].firstIndex(of: stop) else { return nil }
            defer { index = end + 1 }
            return line[index..<end]
        }

        var atEnd: Bool { index == line.endIndex }
    }

    static func parseHeader(_ line: ArraySlice<UInt8>) -> (origin: String, keys: [String: [UInt8]])? {
        guard line.count <= maxHeaderLine else { return nil }
        var s = Scanner(line)
        guard s.literal("{\"format\":\"\(format)\",\"version\":\(version),\"origin\":\""),
              let origin = s.until(UInt8(ascii: "\"")), FieldRules.isToken(origin, max: AuditEntry.Limits.origin),
              s.literal(",\"keys\":{") else { return nil }
        var keys: [String: [UInt8]] = [:]
        var previous: ArraySlice<UInt8>? = nil
        if !s.literal("}") {
            repeat {
                guard keys.count < maxKeys, s.literal("\""), let actor = s.until(UInt8(ascii: "\"")),
                      FieldRules.isToken(actor, max: AuditEntry.Limits.actor),
                      s.literal(":\""), let b64 = s.until(UInt8(ascii: "\"")),
                      let key = Base64.decode(b64), key.count == 32 else { return nil }
                // Strictly ascending actors: one spelling per header, no duplicates.
                if let previous, !previous.lexicographicallyPrecedes(actor) { return nil }
                previous = actor
                keys[String(decoding: actor, as: UTF8.self)] = key
            } while s.literal(",")
            guard s.literal("}") else { return nil }
        }
        guard s.literal("}"), s.atEnd else { return nil }
        return (String(decoding: origin, as: UTF8.self), keys)
    }

    static func isTrailer(_ line: ArraySlice<UInt8>) -> Bool {
        line.starts(with: "{\"size\":".utf8)
    }

    static func parseEntry(_ line: ArraySlice<UInt8>) -> SignedAuditEntry? {
        guard line.count <= maxEntryLine else { return nil }
        var s = Scanner(line)
        guard s.literal("{\"entry\":\""), let e = s.until(UInt8(ascii: "\"")), let canonical = Base64.decode(e),
              s.literal(",\"sig\":\""), let g = s.until(UInt8(ascii: "\"")), let sig = Base64.decode(g), sig.count == 64,
              s.literal(",\"key\":\""), let k = s.until(UInt8(ascii: "\"")), let key = Base64.decode(k), key.count == 32,
              s.literal("}"), s.atEnd,
              let entry = try? AuditEntry.parse(canonical: canonical) else { return nil }
        return SignedAuditEntry(entry: entry, signerKey: key, signature: sig, canonicalBytes: canonical)
    }

    static func parseTrailer(_ line: ArraySlice<UInt8>) -> (size: UInt64, root: [UInt8])? {
        guard line.count <= maxTrailerLine else { return nil }
        var s = Scanner(line)
        guard s.literal("{\"size\":"), let n = s.until(UInt8(ascii: ",")), let size = FieldRules.parseDecimal(n),
              s.literal("\"root\":\""), let r = s.until(UInt8(ascii: "\"")), let root = Base64.decode(r), root.count == 32,
              s.literal("}"), s.atEnd else { return nil }
        return (size, root)
    }
}
