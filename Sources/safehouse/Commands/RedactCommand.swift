import ArgumentParser
import Foundation
import SafehouseCrypto
import SafehouseRedaction
import SafehouseVault
#if canImport(Glibc)
import Glibc
#endif

extension TranscriptFormat: ExpressibleByArgument {}

struct Redact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redact",
        abstract: "Redact a transcript with a subject sheet (standalone; no vault).",
        discussion: """
            Reads stdin and writes stdout when --input/--output are left out. Fails closed: if the rescan finds any identity or \
            identifier, nothing is written and the exit code is 77. The transcript is processed in blocks of cues, so memory \
            does not grow with its length; the output (or, for stdout, an unnamed spool file) appears only once every block \
            has passed. A name shared by several subjects becomes the pseudonym of the one the transcript has named \
            unambiguously so far, else [PERSON].
            """)
    @Option(help: "The subject sheet (JSON; format in Docs/SUBJECT-SHEET.md).") var subjects: String
    @Option(help: "The transcript to redact (default: stdin).") var input: String?
    @Option(help: "Where to write the redacted transcript (default: stdout).") var output: String?
    @Option(help: "Where to write the report (JSON): counts and unknown-name candidates for review.") var report: String?
    @Option(help: "txt | srt | vtt (default: from the file extension, else txt).") var format: TranscriptFormat?
    @Option(help: ArgumentHelp("Keep each subject's pseudonym across runs in this file (created 0600 if missing).",
                               discussion: "The file links pseudonyms to the subjects' names: whoever holds it and a guess of a name can confirm the guess. Keep it with the subject sheet, never with the redacted files.")) var pseudonyms: String?
    @Flag(help: "Replace existing output files.") var force = false
    @Option(help: ArgumentHelp("Bytes read per block (tests).", visibility: .hidden)) var blockBytes: Int = 1 << 20

    /// A single cue longer than this is refused rather than read whole.
    static let maxCueBytes = 32 << 20

    func run() throws {
        try guarded {
            let sheet = try loadSheet(subjects)
            let fmt = format ?? (input ?? output).flatMap { p in p.split(separator: ".").last.flatMap { TranscriptFormat.fromExtension(String($0)) } } ?? .txt
            let source = input ?? "stdin"
            // Standalone runs have no vault: a fresh random pseudonym per subject for this run,
            // or the ones kept in --pseudonyms.
            var map = try pseudonyms.map { try PseudonymMap.load(path: $0) } ?? PseudonymMap()
            let subjectsWithPseudonyms = map.assign(sheet.subjects)
            let redactor = try Redact.mapErrors(source) { try Redactor(subjects: subjectsWithPseudonyms) }

            let fd: Int32
            if let input {
                guard FileManager.default.fileExists(atPath: input) else { throw VaultError.missing(object: input, hint: "check the path") }
                fd = open(input, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw VaultError.io(object: input, detail: String(cString: strerror(errno))) }
            } else {
                fd = STDIN_FILENO
            }
            defer { if input != nil { close(fd) } }
            if let report, !force, FileManager.default.fileExists(atPath: report) {
                throw VaultError.cannotCreate(object: report, hint: "it exists; pass --force to replace it")
            }
            let sink = try StagedOutput(path: output, overwrite: force)
            defer { sink.discard() }

            var reader = BlockReader(fd: fd, name: source, format: fmt, target: max(1024, blockBytes), maxCue: Redact.maxCueBytes)
            var stream = redactor.makeSession()
            var rendered: [UInt8] = []
            var blocks = 0
            // One block of look-ahead: each block is redacted knowing the next one's first cue,
            // so that a name split over a block boundary is found in both halves.
            func parse(_ block: BlockReader.Block) throws -> Transcript {
                try Redact.mapErrors(source, lineOffset: block.firstLine) {
                    try Transcript.parse(block.text, format: fmt, continuing: !block.isFirst)
                }
            }
            var pending: (BlockReader.Block, Transcript)? = try reader.next().map { ($0, try parse($0)) }
            while let (block, parsed) = pending {
                pending = try reader.next().map { ($0, try parse($0)) }
                let redacted = try Redact.mapErrors(source, lineOffset: block.firstLine) {
                    try stream.redact(parsed, next: pending?.1.cues.first)
                }
                rendered.removeAll(keepingCapacity: true)
                redacted.render(fmt, continuing: blocks > 0, cuesBefore: stream.cuesSeen - redacted.cues.count, into: &rendered)
                try sink.write(rendered)
                blocks += 1
            }
            if blocks == 0 {
                // Empty input: what a whole-file run does (an error for WebVTT, else empty output).
                let t = try Redact.mapErrors(source) { try Transcript.parse("", format: fmt) }
                try sink.write(Array(t.render(fmt).utf8))
            }
            if let report {
                let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys, .prettyPrinted]
                try PublicFile.write([UInt8](try enc.encode(stream.report)), to: report, overwrite: force, secret: true)
            }
            if let pseudonyms { try map.save(path: pseudonyms) }
            try sink.commit()
        }
    }

    /// Turns redaction errors into the contract's: consent and the fail-closed scan are refusals
    /// (exit 77, nothing written), the rest is bad data. Transcript line numbers are made
    /// absolute with `lineOffset` (lines before the block).
    static func mapErrors<T>(_ source: String, lineOffset: Int = 0, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as RedactionError {
            switch e {
            case .consentWithdrawn, .leakCheckFailed:
                throw VaultError.refused(object: source, reason: e.description, hint: "nothing was written")
            case .malformedTranscript(let line, let reason):
                throw VaultError.badData(object: source, hint: RedactionError.malformedTranscript(line: line + lineOffset, reason: reason).description)
            case .malformedSheet:
                throw VaultError.badData(object: source, hint: e.description)
            }
        }
    }
}

/// Reads a transcript in blocks that end at cue boundaries.
struct BlockReader {
    struct Block {
        var text: String
        var isFirst: Bool
        /// Lines in earlier blocks.
        var firstLine: Int
    }

    let fd: Int32
    let name: String
    let format: TranscriptFormat
    let target: Int
    let maxCue: Int
    private var buffer: [UInt8] = []
    private var eof = false
    private var blocks = 0
    private var lines = 0

    init(fd: Int32, name: String, format: TranscriptFormat, target: Int, maxCue: Int) {
        self.fd = fd
        self.name = name
        self.format = format
        self.target = target
        self.maxCue = maxCue
        buffer.reserveCapacity(target + (1 << 16))
    }

    /// Reads until `buffer` holds at least `want` bytes or the input ends.
    private mutating func fill(_ want: Int) throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while !eof && buffer.count < want {
            let n: Int
            do { n = try chunk.withUnsafeMutableBytes { try PosixIO.read(fd, into: $0) } } catch {
                throw VaultError.io(object: name, detail: "\(error)")
            }
            if n == 0 { eof = true; break }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// The next block, or nil at the end of the input.
    mutating func next() throws -> Block? {
        var want = target
        var cut: Int? = nil
        while true {
            try fill(want)
            if eof {
                if buffer.isEmpty { return nil }
                cut = buffer.count
                break
            }
            // Search only the newest part for a cue start: a block ends at the last one.
            // Only complete lines are looked at, so a stamp is judged on its whole line.
            cut = buffer.withUnsafeBufferPointer { b in
                b.lastIndex(of: 0x0A).flatMap { Transcript.cueBoundary(in: b, before: $0 + 1, format: format) }
            }
            if cut != nil { break }
            guard buffer.count < maxCue else {
                throw VaultError.badData(object: name, hint: "a single cue is longer than \(maxCue >> 20) MiB; split the transcript into smaller cues")
            }
            want = buffer.count + target
        }
        let n = cut!
        guard let text = buffer.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[0..<n]), as: UTF8.self) }) else {
            throw VaultError.badData(object: name, hint: "the transcript is not UTF-8")
        }
        let block = Block(text: text, isFirst: blocks == 0, firstLine: lines)
        lines += buffer.withUnsafeBufferPointer { b in var c = 0; for k in 0..<n where b[k] == 0x0A { c += 1 }; return c }
        buffer.removeSubrange(0..<n)
        blocks += 1
        return block
    }
}
