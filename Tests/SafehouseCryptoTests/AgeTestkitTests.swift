import Foundation
import SafehouseCrypto
import Testing

/// The C2SP age testkit (`../shared/vectors/age/testdata`, CCTV commit 1e3d2860)
/// through one generic runner: every vector with an X25519 identity must give
/// exactly its `expect:` outcome, and the plaintext released before the end —
/// all of it on success, the part before the failure otherwise — must hash to
/// its `payload:`.
@Suite("age: C2SP testkit")
struct AgeTestkitTests {
    struct Vector {
        let name: String
        var fields: [String: [String]] = [:]
        var file: [UInt8] = []

        func field(_ key: String) -> String? { fields[key]?.first }
        var x25519Identities: [String] { (fields["identity"] ?? []).filter { $0.hasPrefix("AGE-SECRET-KEY-1") } }
    }

    /// Vectors counted in the current testkit: 143 in all, 98 of them with an X25519 identity.
    static let expectedTotal = 143
    static let expectedX25519 = 98

    static func load(_ url: URL) throws -> Vector {
        let bytes = [UInt8](try Data(contentsOf: url))
        var v = Vector(name: url.lastPathComponent)
        var i = 0
        while true {
            let lf = try #require(bytes[i...].firstIndex(of: 0x0A), "\(v.name): no blank line after the vector header")
            if lf == i { i += 1; break }
            let line = String(decoding: bytes[i..<lf], as: UTF8.self)
            let colon = try #require(line.firstIndex(of: ":"), "\(v.name): header line without a colon: \(line)")
            v.fields[String(line[..<colon]), default: []].append(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            i = lf + 1
        }
        v.file = Array(bytes[i...])
        if let c = v.field("compressed") {
            #expect(c == "zlib", "\(v.name): unknown compression \(c)")
            v.file = try inflate(v.file)
        }
        return v
    }

    /// zlib-decompresses with Python (the large stream vectors are stored compressed).
    static func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
        let r = try AgeTools.run("/usr/bin/env", ["python3", "-c", "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))"], stdin: bytes)
        try #require(r.status == 0, "python3 zlib failed: \(r.stderr)")
        return r.stdout
    }

    /// Runs one vector: the outcome (nil = success) and the plaintext released.
    static func run(_ v: Vector) throws -> (AgeFailure?, [UInt8]) {
        let identities = try v.x25519Identities.map { try AgeX25519Identity(parsing: $0) }
        var released: [UInt8] = []
        let outcome = ageFailure {
            let d = try AgeDecryptor(source: AgeDecryptor.source(v.file), identities: identities, encoding: v.field("armored") == "yes" ? .armored : .binary)
            while let chunk = try d.next() { released += chunk }
        }
        return (outcome, released)
    }

    @Test func everyX25519VectorGivesItsExpectedOutcome() throws {
        let dir = try AgeTools.testdata()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        var ran = 0
        var skipped: [String: String] = [:]
        var outcomes: [String: Int] = [:]
        for name in names {
            let v = try Self.load(dir.appendingPathComponent(name))
            guard !v.x25519Identities.isEmpty else {
                // Not implemented here, and not needed for export: scrypt passphrases
                // and ML-KEM hybrid identities.
                skipped[name] = v.field("passphrase") != nil ? "scrypt passphrase vector" : "no X25519 identity (hybrid or plugin)"
                continue
            }
            let expect = try #require(v.field("expect"), "\(name): no expect line")
            let (outcome, released) = try Self.run(v)
            let got = outcome?.rawValue ?? "success"
            #expect(got == expect, "\(name): expected \(expect), got \(got) — \(v.field("comment") ?? "")")
            if let payload = v.field("payload") {
                #expect(hex(SHA256.hash(released)) == payload,
                        "\(name): the \(released.count) plaintext bytes released do not hash to the vector's payload")
            } else {
                #expect(released.isEmpty, "\(name): plaintext released for a vector without a payload")
            }
            outcomes[expect, default: 0] += 1
            ran += 1
        }
        #expect(ran == Self.expectedX25519, "ran \(ran) X25519 vectors; the testkit has \(Self.expectedX25519)")
        #expect(ran + skipped.count == Self.expectedTotal, "\(ran + skipped.count) vectors found; the testkit has \(Self.expectedTotal)")
        // Every outcome of the testkit is exercised, each as often as the testkit has it.
        #expect(outcomes == ["success": 19, "no match": 4, "HMAC failure": 1, "header failure": 33,
                             "payload failure": 19, "armor failure": 22], "outcomes run: \(outcomes)")
        #expect(Set(outcomes.keys) == Set(["success"] + AgeFailure.allCases.map(\.rawValue)))
    }

    /// The testkit's identities re-encode to themselves (Bech32 both ways).
    @Test func testkitIdentitiesRoundTripThroughBech32() throws {
        let v = try Self.load(try AgeTools.testdata().appendingPathComponent("x25519"))
        let text = try #require(v.x25519Identities.first)
        let decoded = try #require(try Bech32.decodeSecret(text))
        #expect(decoded.hrp == "age-secret-key-")
        #expect(Bech32.encode(hrp: "AGE-SECRET-KEY-", data: decoded.data.withUnsafeBytes { Array($0) }).uppercased() == text)
    }
}
