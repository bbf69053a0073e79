/// The textual header of an age v1 file (c2sp.org/age, "Header"):
///
///     age-encryption.org/v1
///     -> X25519 <share>
///     <body>
///     --- <MAC>
///
/// Parsing is strict like the reference implementation: exact version line,
/// LF line ends only, canonical unpadded base64, body lines of 64 columns
/// ending with a shorter one, at least one stanza, a 32-byte MAC after `--- `.
/// Any violation is `AgeError.unreadable(.header)`.
public struct AgeHeader: Sendable {
    public let stanzas: [AgeStanza]
    /// The header MAC (HMAC-SHA-256 under HKDF(file key, "", "header")).
    public let mac: [UInt8]
    /// The bytes the MAC covers: the header up to and including `---`.
    let macInput: [UInt8]

    static let versionLine = Array("age-encryption.org/v1".utf8)
    static let footer = Array("---".utf8)
    static let stanzaPrefix = Array("-> ".utf8)
    /// Bounds that keep a hostile header from growing memory without limit.
    static let maxLineBytes = 1 << 16
    static let maxHeaderBytes = 1 << 20

    private static let failure = AgeError.unreadable(.header)

    /// Makes the header for `stanzas`, its MAC computed under `fileKey`.
    init(stanzas: [AgeStanza], fileKey: SecureBytes) throws {
        var text = Self.versionLine + [0x0A]
        for s in stanzas { text += s.encoded }
        text += Self.footer
        self.stanzas = stanzas
        self.macInput = text
        self.mac = try Self.computeMAC(text, fileKey: fileKey)
    }

    /// The canonical bytes of the header, ending with the MAC line's LF.
    var encoded: [UInt8] { macInput + [0x20] + AgeBase64.encode(mac) + [0x0A] }

    static func computeMAC(_ text: [UInt8], fileKey: SecureBytes) throws -> [UInt8] {
        let key = try HKDF.deriveKey(from: fileKey, salt: [], info: Array("header".utf8), length: 32)
        let mac = try HMACSHA256(key: key)
        mac.update(text)
        return mac.finalize()
    }

    /// Whether the MAC verifies under `fileKey` (constant-time comparison).
    func verifyMAC(fileKey: SecureBytes) throws -> Bool {
        let key = try HKDF.deriveKey(from: fileKey, salt: [], info: Array("header".utf8), length: 32)
        let h = try HMACSHA256(key: key)
        h.update(macInput)
        return h.verify(mac)
    }

    /// Reads a header, leaving `input` at the first byte of the payload.
    static func read(from input: AgeInput) throws -> AgeHeader {
        var text: [UInt8] = []
        func nextLine() throws -> [UInt8] {
            guard case .line(let l) = try input.readLine(max: maxLineBytes) else { throw failure }
            guard text.count + l.count < maxHeaderBytes else { throw failure }
            return l
        }
        guard try nextLine() == versionLine else { throw failure }
        text += versionLine + [0x0A]
        var stanzas: [AgeStanza] = []
        while true {
            let line = try nextLine()
            if line.starts(with: footer) {
                // Exactly "--- " and the MAC: no second space, nothing after it.
                guard !stanzas.isEmpty, line.count > 4, line[3] == 0x20,
                      let mac = AgeBase64.decode(line[4...]), mac.count == HMACSHA256.bytes else { throw failure }
                text += footer
                return AgeHeader(stanzas: stanzas, mac: mac, macInput: text)
            }
            guard line.starts(with: stanzaPrefix) else { throw failure }
            let args = line[3...].split(separator: 0x20, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard args.allSatisfy(AgeStanza.isValidArgument) else { throw failure }
            text += line + [0x0A]
            var body: [UInt8] = []
            while true {
                let b = try nextLine()
                guard b.count <= AgeStanza.columns, AgeBase64.decode(b, into: &body) else { throw failure }
                text += b + [0x0A]
                if b.count < AgeStanza.columns { break }
            }
            stanzas.append(AgeStanza(arguments: args, body: body))
        }
    }

    private init(stanzas: [AgeStanza], mac: [UInt8], macInput: [UInt8]) {
        self.stanzas = stanzas
        self.mac = mac
        self.macInput = macInput
    }
}
