import Foundation
import Testing

/// Subtitle exports that play (issue 16): excerpts approved from txt, SRT and WebVTT
/// transcripts, whole and by range, exported in every format and checked by
/// Tests/Python/check_subtitles.py with the real `srt` and `webvtt-py` parsers, ffprobe and
/// ffmpeg — no zero-length or overlapping cue, the expected number of cues, one timestamp
/// style per format, the same times in every format. A missing python module or ffmpeg
/// fails the test (scripts/setup.sh installs them); it is never skipped.
@Suite("CLI: subtitle exports", .serialized)
struct SubtitleExportCLITests {
    /// Stamps only (the case), a shared start, a fractional stamp.
    static let txtSource = """
        [00:00:05] REPORTER: The river was frozen that winter.
        [00:00:12] WITNESS: We waited for the night before crossing.
        [00:00:12] REPORTER: And then?
        [00:00:20.500] WITNESS: We crossed at dawn.

        The water was to our knees --> and cold.
        [00:00:31] REPORTER: Thank you.

        """

    /// Overlap, equal starts, a zero-length cue, an end before the start, a gap.
    static let srtSource = """
        1
        00:00:01,000 --> 00:00:04,000
        A: overlapping the next cue

        2
        00:00:03,000 --> 00:00:03,000
        B: zero length

        3
        00:00:03,000 --> 00:00:05,000
        C: same start as the one before

        4
        00:00:08,000 --> 00:00:07,000
        ends before it starts

        5
        00:00:09,000 --> 00:00:10,000
        fine, with a gap after

        6
        00:00:15,000 --> 00:00:15,000
        zero length at the end

        """

    static let vttSource = """
        WEBVTT

        NOTE the interviewer's own note

        c1
        00:00:01.000 --> 00:00:06.000
        <v A>overlapping the next cue

        00:00:02.000 --> 00:00:02.000 align:start
        <v B>zero length

        00:00:02.000 --> 00:00:03.000
        same start, no speaker

        00:00:07.000 --> 00:00:07.000
        <v A>zero length before a cue one second later

        00:00:08.000 --> 00:00:09.500
        <v B>fine

        """

    /// Exports `excerpt` in every format and runs the checker over all of them.
    /// - Returns: the SRT export.
    @discardableResult
    static func exportAndCheck(_ t: Sandbox, _ excerpt: String, cues: Int, name: String,
                               sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        var files: [String] = []
        for format in ["srt", "vtt", "txt", "md", "json"] {
            let out = "\(name).\(format)"
            let r = try t.export(excerpt, as: "olga", out: out, format: format, sourceLocation: sourceLocation)
            try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
            files.append(t.file(out))
        }
        try checkSubtitles(files, cues: cues, sourceLocation: sourceLocation)
        return String(decoding: try t.read("\(name).srt"), as: UTF8.self)
    }

    /// Runs Tests/Python/check_subtitles.py; fails with its report (or the missing tool) otherwise.
    static func checkSubtitles(_ files: [String], cues: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let script = CLI.repoRoot.appendingPathComponent("Tests/Python/check_subtitles.py").path
        let r = try runTool("/usr/bin/env", ["python3", script, "--cues", String(cues)] + files)
        try #require(r.status != 127, "python3 is missing (scripts/setup.sh): \(r.output)", sourceLocation: sourceLocation)
        try #require(r.status != 2, "a subtitle checker tool is missing: \(r.output)", sourceLocation: sourceLocation)
        #expect(r.status == 0, "the exports do not play:\n\(r.output)", sourceLocation: sourceLocation)
    }

    /// Seals the transcript at HQ under `name` and approves it (whole or by range).
    static func excerpt(_ t: Sandbox, _ source: String, name: String, range: String? = nil) throws -> String {
        let rec = try t.seal(Array(source.utf8), name: name)
        return try t.approve(rec, extra: range.map { ["--range", $0] } ?? [])
    }

    @Test("a [hh:mm:ss] transcript: each cue ends at the next start, the last after the reading time")
    func txtWhole() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let srt = try Self.exportAndCheck(t, try Self.excerpt(t, Self.txtSource, name: "talk.txt"), cues: 4, name: "whole")
        // "REPORTER: Thank you." is 20 characters: 20 / 17 s ≈ 1,177 ms.
        #expect(srt == """
            1
            00:00:05,000 --> 00:00:12,000
            REPORTER: The river was frozen that winter.

            2
            00:00:12,000 --> 00:00:20,500
            WITNESS: We waited for the night before crossing.
            REPORTER: And then?

            3
            00:00:20,500 --> 00:00:31,000
            WITNESS: We crossed at dawn.
            The water was to our knees --> and cold.

            4
            00:00:31,000 --> 00:00:32,177
            REPORTER: Thank you.


            """, "\(srt)")
        let txt = String(decoding: try t.read("whole.txt"), as: UTF8.self)
        #expect(txt.hasPrefix("[00:00:05.000] REPORTER: The river was frozen that winter.\n[00:00:12.000] WITNESS: "), "\(txt)")
        let md = String(decoding: try t.read("whole.md"), as: UTF8.self)
        #expect(md.contains("`00:00:31.000–00:00:32.177` **REPORTER:** Thank you."), "\(md)")
        let vtt = String(decoding: try t.read("whole.vtt"), as: UTF8.self)
        #expect(vtt.contains("<v WITNESS>We crossed at dawn.\nThe water was to our knees --&gt; and cold.\n\n"), "\(vtt)")
    }

    @Test("a range: the last cue ends where the source goes on, not after an estimate")
    func txtRange() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let ex = try Self.excerpt(t, Self.txtSource, name: "talk.txt", range: "00:00:10-00:00:21")
        let srt = try Self.exportAndCheck(t, ex, cues: 2, name: "range")
        #expect(srt.contains("2\n00:00:20,500 --> 00:00:31,000\nWITNESS: We crossed at dawn.\n"), "\(srt)")
        #expect(!srt.contains("Thank you"), "\(srt)")
    }

    @Test("SRT sources: overlaps clamped, equal starts merged, zero and negative lengths estimated", arguments: [nil, "00:00:02-00:00:09"])
    func srtSource(_ range: String?) throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let ex = try Self.excerpt(t, Self.srtSource, name: "talk.srt", range: range)
        let srt = try Self.exportAndCheck(t, ex, cues: range == nil ? 5 : 2, name: "srt")
        #expect(srt.contains("00:00:03,000 --> 00:00:05,000\nB: zero length\nC: same start as the one before\n"), "\(srt)")
        // Zero length before a cue one second later: the estimate, cut at the next start.
        #expect(srt.contains("00:00:08,000 --> 00:00:09,000\nends before it starts\n"), "\(srt)")
        if range == nil {
            #expect(srt.hasPrefix("1\n00:00:01,000 --> 00:00:03,000\nA: overlapping the next cue\n"), "\(srt)")
            #expect(srt.contains("00:00:09,000 --> 00:00:10,000\nfine, with a gap after\n"), "\(srt)")
            // "zero length at the end" is 22 characters: 22 / 17 s ≈ 1,295 ms.
            #expect(srt.contains("00:00:15,000 --> 00:00:16,295\nzero length at the end\n"), "\(srt)")
        }
    }

    @Test("WebVTT sources, whole and by range", arguments: [nil, "00:00:01-00:00:08"])
    func vttSource(_ range: String?) throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let ex = try Self.excerpt(t, Self.vttSource, name: "talk.vtt", range: range)
        try Self.exportAndCheck(t, ex, cues: range == nil ? 4 : 3, name: "vtt")
        let vtt = String(decoding: try t.read("vtt.vtt"), as: UTF8.self)
        #expect(vtt.hasPrefix("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>overlapping the next cue\n\n"), "\(vtt)")
        #expect(vtt.contains("00:00:02.000 --> 00:00:03.000\n<v B>zero length\nsame start, no speaker\n"), "\(vtt)")
        // Zero length: the estimate (2.7 s), cut at the next cue — the source's next cue (8 s)
        // also when the range leaves it out.
        #expect(vtt.contains("00:00:07.000 --> 00:00:08.000\n<v A>zero length"), "\(vtt)")
        #expect(!vtt.contains("NOTE") && !vtt.contains("c1"), "\(vtt)")
    }

    @Test("a txt export reads back: sealed and approved again, it exports the same bytes")
    func txtRoundTrip() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let first = try Self.excerpt(t, Self.srtSource, name: "talk.srt")
        #expect(try t.export(first, as: "olga", out: "first.txt", format: "txt").status == 0)
        let again = try Self.excerpt(t, String(decoding: try t.read("first.txt"), as: UTF8.self), name: "again.txt")
        #expect(try t.export(again, as: "olga", out: "second.txt", format: "txt").status == 0)
        let second = String(decoding: try t.read("second.txt"), as: UTF8.self)
        #expect(try t.read("second.txt") == (try t.read("first.txt")), "\(second)")
        try Self.exportAndCheck(t, again, cues: 5, name: "again-export")
    }

    @Test("the README demo's transcript exports playable cues")
    func demoTranscript() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let demo = CLI.repoRoot.appendingPathComponent("Docs/demo")
        let r = try t.run(["subject", "import", demo.appendingPathComponent("subjects.json").path, "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let source = try String(contentsOf: demo.appendingPathComponent("interview.txt"), encoding: .utf8)
        // As scripts/demo.sh does: the first minute, the flagged names accepted after review.
        let rec = try t.seal(Array(source.utf8), name: "interview-001.txt")
        let ex = try t.approve(rec, extra: ["--range", "00:00:00-00:01:00", "--accept-unknown-names"])
        let srt = try Self.exportAndCheck(t, ex, cues: 8, name: "demo")
        #expect(srt.hasPrefix("1\n00:00:03,000 --> 00:00:09,000\n"), "\(srt)")
        #expect(!srt.contains("류광석") && !srt.contains("010-9876-5432"), "\(srt)")
    }

    @Test("scripts/demo.sh as README runs it: the excerpt.srt it prints plays")
    func demoScript() throws {
        let t = try Sandbox()
        defer { t.remove() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [CLI.repoRoot.appendingPathComponent("scripts/demo.sh").path]
        p.environment = CLI.environment(home: t.path, passphrase: nil,
                                        extra: ["SAFEHOUSE_BIN": t.binary, "SAFEHOUSE_DEMO_DIR": t.file("demo")])
        let log = t.file("demo.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try handle.close()
        let output = String(decoding: try t.read("demo.log"), as: UTF8.self)
        try #require(p.terminationStatus == 0, "scripts/demo.sh failed:\n\(output)")
        #expect(output.contains("00:00:03,000 --> 00:00:09,000"), "\(output)")
        try Self.checkSubtitles([t.file("demo/excerpt.srt")], cues: 8)
    }
}
