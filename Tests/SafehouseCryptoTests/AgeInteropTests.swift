import Foundation
import SafehouseCrypto
import Testing

/// Our age writer and reader against the real `age` binary, both ways, at the
/// STREAM boundaries; tampering with each region of a file fails cleanly; the
/// reader streams in constant memory.
@Suite("age: interoperability with age(1)", .serialized)
struct AgeInteropTests {
    static let chunk = AgeEncryptor.chunkSize
    static let sizes = [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk + 17]

    @Test(arguments: sizes)
    func ourFilesOpenWithAgeDecrypt(_ size: Int) throws {
        let dir = try AgeTools.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (key, recipient) = try AgeTools.keygen(in: dir)
        let plaintext = patternBytes(size, seed: size)
        let file = try AgeEncryptor.encrypt(plaintext, to: [try AgeRecipient(recipient)])
        // The expected shape: header, 16-byte nonce, one tag per chunk (at least one chunk).
        let chunks = max(1, (size + Self.chunk - 1) / Self.chunk)
        let headerEnd = try #require(Self.headerLength(file))
        #expect(file.count == headerEnd + 16 + size + 16 * chunks)
        let r = try AgeTools.run(try AgeTools.tool("age"), ["-d", "-i", key], stdin: file)
        #expect(r.status == 0, "age -d failed: \(r.stderr)")
        #expect(r.stdout == plaintext, "age -d must give back the plaintext (\(size) bytes)")
    }

    @Test(arguments: sizes)
    func ageFilesOpenWithOurReader(_ size: Int) throws {
        let dir = try AgeTools.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (key, recipient) = try AgeTools.keygen(in: dir)
        let plaintext = patternBytes(size, seed: size + 3)
        for armor in [false, true] {
            let r = try AgeTools.run(try AgeTools.tool("age"), ["-r", recipient] + (armor ? ["-a"] : []), stdin: plaintext)
            try #require(r.status == 0, "age -r failed: \(r.stderr)")
            let ids = try AgeX25519Identity.parseFile(try String(contentsOfFile: key, encoding: .utf8))
            #expect(try AgeDecryptor.decrypt(r.stdout, identities: ids) == plaintext, "armored: \(armor)")
            // Another identity does not match.
            #expect(ageFailure { _ = try AgeDecryptor.decrypt(r.stdout, identities: [try AgeX25519Identity.generate()]) } == .noMatch)
        }
    }

    @Test func multipleRecipientsBothWays() throws {
        let dir = try AgeTools.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keys = try (0..<3).map { try AgeTools.keygen(in: dir, name: "k\($0).txt") }
        let ours = try AgeX25519Identity.generate()
        let plaintext = patternBytes(Self.chunk + 5)
        let file = try AgeEncryptor.encrypt(plaintext, to: try keys.map { try AgeRecipient($0.recipient) } + [ours.recipient])
        for k in keys {
            let r = try AgeTools.run(try AgeTools.tool("age"), ["-d", "-i", k.path], stdin: file)
            #expect(r.status == 0 && r.stdout == plaintext, "\(k.path): \(r.stderr)")
        }
        #expect(try AgeDecryptor.decrypt(file, identities: [ours]) == plaintext)
        // age -r to several recipients: each identity alone opens it with our reader.
        let made = try AgeTools.run(try AgeTools.tool("age"), keys.flatMap { ["-r", $0.recipient] }, stdin: plaintext)
        try #require(made.status == 0, "\(made.stderr)")
        for k in keys {
            let ids = try AgeX25519Identity.parseFile(try String(contentsOfFile: k.path, encoding: .utf8))
            #expect(try AgeDecryptor.decrypt(made.stdout, identities: ids) == plaintext)
        }
    }

    /// Bytes up to and including the `--- MAC` line.
    static func headerLength(_ file: [UInt8]) -> Int? {
        let marker = Array("\n--- ".utf8)
        guard let at = (0...(file.count - marker.count)).first(where: { Array(file[$0..<$0 + marker.count]) == marker }),
              let lf = file[(at + 1)...].firstIndex(of: 0x0A) else { return nil }
        return lf + 1
    }

    /// A base64 character replaced by another (so the text stays well-formed).
    static func flipped(_ b: UInt8) -> UInt8 { b == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A") }

    @Test func tamperingFailsCleanlyInEveryRegion() throws {
        let dir = try AgeTools.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (key, recipient) = try AgeTools.keygen(in: dir)
        let ids = try AgeX25519Identity.parseFile(try String(contentsOfFile: key, encoding: .utf8))
        let plaintext = patternBytes(2 * Self.chunk + 17)
        let file = try AgeEncryptor.encrypt(plaintext, to: [try AgeRecipient(recipient)])
        let text = String(decoding: file.prefix(try #require(Self.headerLength(file))), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.utf8.count + 1 }
        // Offsets: line 0 version, line 1 "-> X25519 share", line 2 body, line 3 "--- mac".
        let share = lines[0] + "-> X25519 ".utf8.count + 5
        let body = lines[0] + lines[1] + 5
        let mac = lines[0] + lines[1] + lines[2] + "--- ".utf8.count + 5
        let payload = lines[0] + lines[1] + lines[2] + lines[3]
        let full = Self.chunk + 16
        var cases: [(String, [UInt8], AgeFailure)] = []
        func flip(_ name: String, _ at: Int, text: Bool, _ expected: AgeFailure) {
            var f = file
            f[at] = text ? Self.flipped(f[at]) : f[at] ^ 0x01
            cases.append((name, f, expected))
        }
        flip("version line", 3, text: true, .header)
        flip("ephemeral share", share, text: true, .noMatch)
        flip("wrapped file key", body, text: true, .noMatch)
        flip("header MAC", mac, text: true, .hmac)
        flip("payload nonce", payload + 3, text: false, .payload)
        flip("first chunk", payload + 16 + 100, text: false, .payload)
        flip("second chunk's tag", payload + 16 + 2 * full - 1, text: false, .payload)
        flip("last chunk", file.count - 20, text: false, .payload)
        cases.append(("truncated at the last chunk border", Array(file.prefix(payload + 16 + 2 * full)), .payload))
        cases.append(("truncated at the first chunk border", Array(file.prefix(payload + 16 + full)), .payload))
        cases.append(("one byte short", Array(file.dropLast()), .payload))
        cases.append(("one byte appended", file + [0], .payload))
        cases.append(("nonce cut", Array(file.prefix(payload + 10)), .header))
        cases.append(("chunks swapped", Array(file.prefix(payload + 16)) + Array(file[(payload + 16 + full)..<(payload + 16 + 2 * full)])
                      + Array(file[(payload + 16)..<(payload + 16 + full)]) + Array(file[(payload + 16 + 2 * full)...]), .payload))
        for (name, bytes, expected) in cases {
            var released = 0
            var error: AgeError?
            do {
                let d = try AgeDecryptor(source: AgeDecryptor.source(bytes), identities: ids)
                while let c = try d.next() { released += c.count }
                Issue.record("\(name): opened")
            } catch let e as AgeError { error = e }
            #expect(error == .unreadable(expected), "\(name): expected \(expected), got \(String(describing: error))")
            if expected.isAuthentication {
                #expect(error?.description == "authentication failed", "\(name): one message for every authentication failure")
            }
            #expect(released <= plaintext.count)
            // The reference implementation refuses the same file.
            let r = try AgeTools.run(try AgeTools.tool("age"), ["-d", "-i", key], stdin: bytes)
            #expect(r.status != 0, "age -d accepted the file with: \(name)")
        }
    }

    /// 256 MiB from `age -r` through a pipe: the first chunk comes out after a
    /// bounded read, and the resident size stays far below the input's.
    @Test func readerStreamsLargeInputInConstantMemory() throws {
        let dir = try AgeTools.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (key, recipient) = try AgeTools.keygen(in: dir)
        let ids = try AgeX25519Identity.parseFile(try String(contentsOfFile: key, encoding: .utf8))
        let total = 256 << 20
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "head -c \(total) /dev/zero | \"$0\" -r \"$1\"", try AgeTools.tool("age"), recipient]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let fd = pipe.fileHandleForReading.fileDescriptor
        var consumed = 0
        let before = Self.residentBytes()
        let d = try AgeDecryptor(source: { out in
            while true {
                let n = read(fd, out.baseAddress!, out.count)
                if n >= 0 { consumed += n; return n }
                if errno != EINTR { throw CocoaError(.fileReadUnknown) }
            }
        }, identities: ids)
        var plainBytes = 0, nonZero = 0
        var first = true
        var peak = before
        while let c = try d.next() {
            if first {
                #expect(consumed < 1 << 20, "the first chunk needed \(consumed) bytes of input")
                first = false
            }
            plainBytes += c.count
            nonZero += c.reduce(0) { $0 | Int($1) }
            if plainBytes % (16 << 20) == 0 { peak = max(peak, Self.residentBytes()) }
        }
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(plainBytes == total && nonZero == 0)
        #expect(peak - before < 64 << 20, "resident size grew by \((peak - before) >> 20) MiB while reading \(total >> 20) MiB")
    }

    static func residentBytes() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = s.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    /// Our writer streams too: fed in odd-sized pieces, the output equals what
    /// `age -d` reads, and nothing beyond one chunk is held back.
    @Test func writerStreamsInPieces() throws {
        let dir = try AgeTools.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (key, recipient) = try AgeTools.keygen(in: dir)
        let plaintext = patternBytes(3 * Self.chunk + 1234)
        var out: [UInt8] = []
        let e = try AgeEncryptor(recipients: [try AgeRecipient(recipient)]) { out += $0 }
        let headerBytes = out.count
        var offset = 0
        for piece in [1, 7000, Self.chunk, 99_999, 3] + [Int](repeating: 50_000, count: 10) where offset < plaintext.count {
            let n = min(piece, plaintext.count - offset)
            try e.write(Array(plaintext[offset..<offset + n]))
            offset += n
            #expect(out.count - headerBytes >= (offset - Self.chunk - 1) / Self.chunk * (Self.chunk + 16), "more than one chunk held back")
        }
        try e.write(Array(plaintext[offset...]))
        try e.finish()
        let r = try AgeTools.run(try AgeTools.tool("age"), ["-d", "-i", key], stdin: out)
        #expect(r.status == 0 && r.stdout == plaintext, "\(r.stderr)")
    }
}
