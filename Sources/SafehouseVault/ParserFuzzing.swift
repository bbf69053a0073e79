import Foundation
import SafehouseAudit
import SafehouseRedaction

/// One entry point for coverage-guided fuzzing (libFuzzer, `safehouse-fuzz`) and
/// for replaying a seed corpus in the tests: the first byte picks a parser, the
/// rest is its input. Every parser must either accept or throw a clean error —
/// never crash, hang or allocate without bound — and whatever it accepts must
/// re-serialize to the same bytes where the format is canonical.
public enum ParserFuzzing {
    /// The parsers, in the order the selector byte picks them.
    public static let parsers = ["key-file", "member-card", "team-keyring", "record-header", "subject-sheet",
                                 "transcript-txt", "transcript-srt", "transcript-vtt", "audit-export", "checkpoint", "recovery-share",
                                 "whisper-json"]

    /// Runs one input. A violated invariant is a crash on purpose (`preconditionFailure`),
    /// which is how libFuzzer and the replay test notice it.
    public static func run(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let input = Array(data.dropFirst())
        let text = String(decoding: input, as: UTF8.self)
        switch Int(selector) % parsers.count {
        case 0: _ = try? KeyFile.parseHeader(input, object: "fuzz")
        case 1:
            if let card = try? MemberCard.parse(text, object: "fuzz") {
                precondition(Array(card.text.utf8) == input, "member card parse is not canonical")
            }
        case 2: _ = try? TeamKeyring.parse(text, object: "fuzz")
        case 3:
            if let h = try? RecordHeader.parse(input, object: "fuzz") {
                precondition(h.encoded() == input, "record header parse is not canonical")
            }
        case 4: _ = try? SubjectSheet.parse(Data(input))
        case 5, 6, 7:
            let format: TranscriptFormat = [.txt, .srt, .vtt][Int(selector) % parsers.count - 5]
            if let t = try? Transcript.parse(text, format: format) { _ = t.render(format) }
        case 8: _ = AuditExportFile.verify(data: Data(input))
        case 9:
            if let cp = try? Checkpoint.parse(text) { _ = cp.text }
        case 10: _ = try? RecoveryShare.parse(input, object: "fuzz")
        default:
            if let t = try? WordTimeline.parseWhisperJSON(input) {
                precondition(t.segments.allSatisfy { s in s.words.allSatisfy { $0.endMs >= $0.startMs } }, "a word ends before it starts")
                _ = t.clipped(fromMs: 0, toMs: 1000).transcript()
            }
        }
    }
}
