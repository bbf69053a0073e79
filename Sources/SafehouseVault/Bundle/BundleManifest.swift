import SafehouseCrypto

/// The signed table of contents a bundle opens with (Docs/FORMAT.md, "Bundle"):
/// every object's id, type and header hash, each subject's pseudonym, the
/// grants' count and the exporter's audit log size and root. Import checks the
/// bundle against it before anything reaches the store, so no object can be
/// dropped, added, renamed or swapped on the way.
struct BundleManifest: Equatable {
    struct Object: Equatable {
        let id: String
        let type: ObjectType
        /// BLAKE2b-256 of the header's canonical bytes (which sign the body hash).
        let headerHash: [UInt8]
        /// The header's signed label: a subject's pseudonym, an excerpt's version, empty for a record.
        let label: String
    }

    let origin: [UInt8]
    let deviceKey: [UInt8]
    /// The exporting member's fingerprint, or nil when the vault's endorsed device key signed.
    let exporter: Fingerprint?
    let logSize: UInt64
    let logRoot: [UInt8]
    let objects: [Object]
    let grants: Int
    /// Officer-signed withdrawals and revocations carried after the grants.
    let statements: Int

    static let maxObjects = 1_000_000
    static let signatureContext = Array("safehouse bundle manifest v1\n".utf8)

    static func headerHash(_ header: [UInt8]) -> [UInt8] { GenericHash.hash(header, length: 32) }

    /// Canonical text: what is signed and what the parser requires byte for byte.
    var text: String {
        var s = "safehouse-bundle v2\norigin: \(Encoding.hex(origin))\ndevice: \(Encoding.hex(deviceKey))\n"
        s += "exporter: \(exporter?.compact ?? "vault")\nlog: \(logSize) \(Encoding.hex(logRoot))\nobjects: \(objects.count)\n"
        for o in objects {
            s += "\(o.id) \(o.type.rawValue) \(Encoding.hex(o.headerHash))" + (o.label.isEmpty ? "" : " " + o.label) + "\n"
        }
        s += "grants: \(grants)\nstatements: \(statements)\nend\n"
        return s
    }

    var signedMessage: [UInt8] { Self.signatureContext + Array(text.utf8) }

    /// Parses the canonical text strictly: anything that does not re-serialize to the same bytes is refused.
    static func parse(_ bytes: [UInt8], object: String) throws -> BundleManifest {
        let bad = VaultError.badData(object: object, hint: "its manifest is malformed")
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw bad }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 9, lines[0] == "safehouse-bundle v2",
              let origin = value(lines[1], "origin").flatMap(Encoding.unhex), origin.count == 16,
              let device = value(lines[2], "device").flatMap(Encoding.unhex), device.count == Signature.publicKeyBytes,
              let exporterText = value(lines[3], "exporter"),
              let log = value(lines[4], "log")?.split(separator: " "), log.count == 2, let logSize = UInt64(log[0]),
              let logRoot = Encoding.unhex(String(log[1])), logRoot.count == 32,
              let count = value(lines[5], "objects").flatMap({ Int($0) }), count >= 0, count <= maxObjects,
              lines.count == 6 + count + 4 else { throw bad }
        let exporter: Fingerprint?
        if exporterText == "vault" { exporter = nil } else {
            guard let f = Fingerprint(text: exporterText) else { throw bad }
            exporter = f
        }
        var objects: [Object] = []
        var ids = Set<String>()
        for line in lines[6..<(6 + count)] {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 || parts.count == 4, parts[0].count == 32, Encoding.unhex(parts[0]) != nil,
                  let raw = UInt8(parts[1]), let type = ObjectType(rawValue: raw),
                  let hash = Encoding.unhex(parts[2]), hash.count == 32, ids.insert(parts[0]).inserted else { throw bad }
            let label = parts.count == 4 ? parts[3] : ""
            guard RecordHeader.isValidLabel(label, type: type) else { throw bad }
            objects.append(Object(id: parts[0], type: type, headerHash: hash, label: label))
        }
        guard let grants = value(lines[6 + count], "grants").flatMap({ Int($0) }), grants >= 0,
              let statements = value(lines[7 + count], "statements").flatMap({ Int($0) }), statements >= 0,
              lines[8 + count] == "end", lines[9 + count] == "" else { throw bad }
        let m = BundleManifest(origin: origin, deviceKey: device, exporter: exporter, logSize: logSize, logRoot: logRoot,
                               objects: objects, grants: grants, statements: statements)
        guard Array(m.text.utf8) == bytes else { throw bad }
        return m
    }

    private static func value(_ line: String, _ key: String) -> String? {
        line.hasPrefix(key + ": ") ? String(line.dropFirst(key.count + 2)) : nil
    }
}
