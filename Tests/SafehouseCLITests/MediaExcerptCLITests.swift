import Foundation
import Testing

/// Media excerpts (issue 18), end to end through the built binary with Debian's ffmpeg:
/// espeak-ng speech with names at known times is bleeped at the word times of its linked
/// transcript and unchanged elsewhere, sample for sample; video clips are cut to the frame,
/// boxes blurred only where asked, metadata gone; a photo loses its EXIF GPS; no plaintext
/// marker of the source appears on disk while approve and export run, and a kill -9 in the
/// middle of an approve leaves nothing. A missing tool (ffmpeg, espeak-ng, sox, exiftool,
/// numpy/scipy) fails the test: scripts/setup.sh installs them.
@Suite("CLI: media excerpts", .serialized)
struct MediaExcerptCLITests {
    static let sheet = #"{"subjects":[{"name":"김영호","category":"defector","consent":"pseudonym","country":"KR"}]}"#
    static let script = CLI.repoRoot.appendingPathComponent("Tests/Python/media_speech.py").path
    /// In the metadata of the video sources; must never appear in any output or on disk.
    static let marker = "SAFEHOUSE-PLAINTEXT-MARKER-5d1c"

    /// Team, subject sheet and the espeak-ng speech of Tests/Python/media_speech.py, sealed.
    func speechVault(_ t: Sandbox) throws -> (record: String, pseudonym: String) {
        try t.requireMediaTools()
        try t.makeTeam()
        try t.mustTool(["python3", Self.script, "make", t.file("sp")])
        try Data(Self.sheet.utf8).write(to: URL(fileURLWithPath: t.file("subjects.json")))
        let r = try t.run(["subject", "import", t.file("subjects.json"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let p = try #require(r.stdoutLines.first)
        return (try t.sealFile("sp/speech.wav", extra: ["--subject", p]), p)
    }

    func check(_ t: Sandbox, clip: String, excerpt: String, mode: String, from: String = "1") throws {
        let prov = try t.provenance(excerpt)
        try JSONSerialization.data(withJSONObject: prov).write(to: URL(fileURLWithPath: t.file("prov.json")))
        let r = try t.tool(["python3", Self.script, "check", t.file("sp/speech.wav"), t.file(clip), "--from", from,
                            "--provenance", t.file("prov.json"), "--names", t.file("sp/names.json"), "--mode", mode])
        #expect(r.status == 0, "\(clip): \(r)")
    }

    @Test("names are bleeped at measured word times (tone), everything else is sample-exact; grants, marking and revocation as for text")
    func toneAtWordTimes() throws {
        let t = try Sandbox(); defer { t.remove() }
        let (rec, pseudonym) = try speechVault(t)
        // No linked transcript: the names said cannot be checked.
        let refused = try t.run(["approve", rec, "--range", "00:00:01-00:00:09", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(refused.status == 77 && refused.stderr.contains("no linked transcript"), "\(refused)")
        let seal = try t.run(["seal", t.file("sp/transcript.json"), "--of", rec, "--vault", t.file("hq"), "--identity", t.file("olga"),
                              "--kind", "interview", "--country", "KR", "--subject", pseudonym, "--quiet"])
        try #require(seal.status == 0, "\(seal)")
        let e = try t.approve(rec, extra: ["--range", "00:00:01-00:00:09"])
        try t.exportOut(e, "clip.wav")
        try t.exportOut(e, "clip.flac")
        try check(t, clip: "clip.wav", excerpt: e, mode: "tone")
        // FLAC decoded by sox, an independent decoder.
        try t.mustTool(["sox", t.file("clip.flac"), t.file("flac.wav")])
        try check(t, clip: "flac.wav", excerpt: e, mode: "tone")

        let prov = try t.provenance(e)
        #expect(prov["wordTiming"] as? String == "measured" && prov["bleepMarginMs"] as? Int == 200)
        #expect(prov["sourceRecord"] as? String == rec && prov["range"] as? String == "00:00:01-00:00:09")
        #expect((prov["ffmpeg"] as? String)?.hasPrefix("ffmpeg version ") == true, "\(prov)")
        let spans = try #require(prov["bleeps"] as? [[String: Any]])
        #expect(spans.count == 2 && spans.allSatisfy { $0["kind"] as? String == "name" }, "\(spans)")
        // The clip's transcript, redacted, with times from the clip's start; no spelling of the name anywhere.
        try t.exportOut(e, "clip.srt")
        let srt = String(decoding: try t.read("clip.srt"), as: UTF8.self)
        let json = String(decoding: try t.read("prov-\(e).json"), as: UTF8.self)
        #expect(srt.contains(pseudonym) && srt.contains("00:00:01,000 --> "), "\(srt)")
        for name in ["김영호", "Young", "Yeong", "Kim ", "Gim"] {
            #expect(!srt.contains(name) && !json.contains(name), "\(name) appears in an export")
        }
        // An editor gets her own marked copy: the same audio, her own pseudonym in the transcript.
        try t.grant(e, to: "Edith")
        try t.exportOut(e, "edith.wav", as: "edith")
        #expect(try t.read("edith.wav") == t.read("clip.wav"))
        try t.exportOut(e, "edith.srt", as: "edith")
        let marked = String(decoding: try t.read("edith.srt"), as: UTF8.self)
        #expect(!marked.contains(pseudonym) && marked.contains("00:00:01,000 --> "), "\(marked)")
        // Her copy travels in a bundle (ciphertext only) to her own vault, where the clip exports the same.
        var b = try t.run(["init", "--vault", t.file("edithvault"), "--team", t.file("team.txt"), "--identity", t.file("edith")])
        try #require(b.status == 0, "\(b)")
        b = try t.run(["bundle", "export", e, "--vault", t.file("hq"), "--out", t.file("edith.bundle")])
        try #require(b.status == 0, "\(b)")
        let bundle = try t.read("edith.bundle")
        for plain in ["SHMEDIA1", "matroska", "fLaC", "friend", "river"] {
            let found = contains(bundle, Array(plain.utf8))
            #expect(!found, "the bundle holds \(plain)")
        }
        b = try t.run(["bundle", "import", t.file("edith.bundle"), "--vault", t.file("edithvault")])
        try #require(b.status == 0, "\(b)")
        b = try t.run(["export", e, "--out", t.file("home.wav"), "--vault", t.file("edithvault"), "--identity", t.file("edith")])
        #expect(b.status == 0, "\(b)")
        #expect((try? t.read("home.wav")) == (try t.read("clip.wav")))
        let r = try t.run(["revoke", e, "--from", "Edith", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        let after = try t.run(["export", e, "--out", t.file("late.wav"), "--vault", t.file("hq"), "--identity", t.file("edith")])
        #expect(after.status == 77 && !t.exists("late.wav"), "\(after)")
        let audit = try t.run(["audit", "verify", "--vault", t.file("hq")])
        #expect(audit.status == 0, "\(audit)")
    }

    @Test("SRT cue times: word times estimated, wider margins, silence; pitch shift keeps the length")
    func estimatedSilenceAndShift() throws {
        let t = try Sandbox(); defer { t.remove() }
        let (rec, pseudonym) = try speechVault(t)
        let seal = try t.run(["seal", t.file("sp/transcript.srt"), "--of", rec, "--vault", t.file("hq"), "--identity", t.file("olga"),
                              "--kind", "interview", "--country", "KR", "--subject", pseudonym, "--quiet"])
        try #require(seal.status == 0, "\(seal)")
        let e = try t.approve(rec, extra: ["--range", "00:00:01-00:00:09", "--bleep", "silence"])
        let prov = try t.provenance(e)
        #expect(prov["wordTiming"] as? String == "estimated" && prov["bleepMarginMs"] as? Int == 750 && prov["bleep"] as? String == "silence", "\(prov)")
        try t.exportOut(e, "clip.wav")
        try check(t, clip: "clip.wav", excerpt: e, mode: "silence")

        let shifted = try t.approve(rec, extra: ["--range", "00:00:01-00:00:09", "--voice", "shift"])
        try t.exportOut(shifted, "shift.wav")
        let a = try t.read("clip.wav"), b = try t.read("shift.wav")
        #expect(abs(a.count - b.count) < a.count / 100, "a pitch shift keeps the clip's length")
        #expect(a != b)
        #expect(try t.provenance(shifted)["voice"] as? String == "shift")
    }

    /// An 8 s 320x240 25 fps source with H.264/AAC (`.mp4`: index at the end) or Matroska.
    func makeVideo(_ t: Sandbox, _ name: String, seconds: Int = 8) throws {
        var args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                    "-t", "\(seconds)", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        args += name.hasSuffix(".mp4") ? ["-c:a", "aac"] : ["-c:a", "flac"]
        args += ["-metadata", "title=\(Self.marker)", "-metadata", "creation_time=2020-01-01T00:00:00Z", "-metadata", "location=+37.5665+126.9780/",
                 "-metadata", "comment=SERIAL-CAM-998877", "-metadata", "encoder=CameraCorp-Encoder-7", "-metadata", "make=CameraCorp", t.file(name)]
        try t.mustTool(args)
    }

    /// The tags ffprobe and exiftool find, and the raw bytes: nothing of the source's metadata.
    func expectStripped(_ t: Sandbox, _ name: String) throws {
        let probe = try t.mustTool(["ffprobe", "-v", "error", "-show_format", "-show_streams", t.file(name)]).text
        let exif = try t.mustTool(["exiftool", "-a", "-G1", t.file(name)]).text
        let bytes = try t.read(name)
        for needle in [Self.marker, "SERIAL", "37.5665", "126.978", "CameraCorp", "2020", "x264", "Lavc"] {
            let inBytes = contains(bytes, Array(needle.utf8))
            #expect(!probe.contains(needle) && !exif.contains(needle) && !inBytes, "\(name): \(needle) survived")
        }
        for key in ["location", "creation_time", "GPS", "Serial", "Comment", "Title"] {
            // ffprobe prints metadata as TAG:key=value (chroma_location=… is a stream property).
            #expect(!probe.lowercased().contains("tag:" + key.lowercased()) && !exif.lowercased().contains(key.lowercased()), "\(name): a \(key) tag:\n\(probe)\n\(exif)")
        }
        // Matroska requires MuxingApp/WritingApp: ffmpeg's bitexact mode writes the bare "Lavf" (no
        // version); no other encoder tag is allowed.
        for line in (probe + "\n" + exif).split(separator: "\n")
        where ["encoder", "muxing app", "writing app", "software", "encoded by"].contains(where: line.lowercased().contains) {
            #expect(line.hasSuffix("Lavf") || line.hasSuffix("=Lavf"), "\(name): \(line)")
        }
    }

    /// Frames decoded at `second` as 8-bit gray, 320x240.
    func grayFrame(_ t: Sandbox, _ name: String, at second: String, size: (Int, Int) = (320, 240)) throws -> [UInt8] {
        let dims = try t.mustTool(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", t.file(name)])
            .text.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(dims == "\(size.0),\(size.1)", "\(name) is \(dims), not \(size.0)x\(size.1)")
        let r = try t.mustTool(["ffmpeg", "-v", "error", "-ss", second, "-i", t.file(name), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"])
        try #require(r.stdout.count == size.0 * size.1, "\(r.stdout.count) bytes")
        return [UInt8](r.stdout)
    }

    /// Mean absolute difference inside and outside a box (the outside leaves a 6-pixel band round it).
    func diffs(_ a: [UInt8], _ b: [UInt8], box: (Int, Int, Int, Int), size: (Int, Int) = (320, 240)) -> (inside: Double, outside: Double) {
        var si = 0.0, ni = 0.0, so = 0.0, no = 0.0
        let (w, h) = size
        for y in 0..<h { for x in 0..<w {
            let d = abs(Double(a[y * w + x]) - Double(b[y * w + x]))
            let inBox = x >= box.0 && x < box.0 + box.2 && y >= box.1 && y < box.1 + box.3
            let near = x >= box.0 - 6 && x < box.0 + box.2 + 6 && y >= box.1 - 6 && y < box.1 + box.3 + 6
            if inBox { si += d; ni += 1 } else if !near { so += d; no += 1 }
        } }
        return (si / ni, so / no)
    }

    @Test("video clips of an MP4 indexed at its end and of a Matroska file: exact duration, boxes blur only their region, metadata gone")
    func videoClips() throws {
        let t = try Sandbox(); defer { t.remove() }
        try t.requireMediaTools()
        try t.makeTeam()
        for source in ["src.mp4", "src.mkv"] {
            try makeVideo(t, source)
            if source.hasSuffix(".mp4") {
                let bytes = try t.read(source)
                let moov = try #require(bytes.indices.first { contains(Array(bytes[$0..<min($0 + 4, bytes.count)]), Array("moov".utf8)) })
                let mdat = try #require(bytes.indices.first { contains(Array(bytes[$0..<min($0 + 4, bytes.count)]), Array("mdat".utf8)) })
                try #require(moov > mdat, "the test MP4 must have its index at the end")
            }
            let rec = try t.sealFile(source, kind: "coverage")
            let plain = try t.approve(rec, extra: ["--range", "00:00:02-00:00:05", "--no-transcript-check"])
            #expect(try t.provenance(plain)["transcriptCheck"] as? String == "skipped")
            let boxed = try t.approve(rec, extra: ["--range", "00:00:02-00:00:05", "--no-transcript-check", "--blur-box", "40,40,100,80"])
            for ext in ["mkv", "mp4"] {
                let out = "\(source)-clip.\(ext)"
                try t.exportOut(plain, out)
                let frames = try t.mustTool(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                             "stream=nb_read_frames", "-of", "csv=p=0", t.file(out)]).text.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(abs((Int(frames) ?? 0) - 75) <= 1, "\(out): \(frames) frames for 3 s at 25 fps")
                let duration = try t.mustTool(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", t.file(out)]).text
                #expect(abs((Double(duration.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) - 3.0) <= 0.04 + 0.03, "\(out): \(duration)")
                try expectStripped(t, out)
                try t.exportOut(boxed, "\(source)-boxed.\(ext)")
                try expectStripped(t, "\(source)-boxed.\(ext)")
            }
            for second in ["0.5", "2.0"] {
                let a = try grayFrame(t, "\(source)-clip.mkv", at: second), b = try grayFrame(t, "\(source)-boxed.mkv", at: second)
                let d = diffs(a, b, box: (40, 40, 100, 80))
                #expect(d.inside > 8 && d.outside < 1.5, "\(source) at \(second) s: inside \(d.inside), outside \(d.outside)")
            }
        }
        let black = try t.approve(try t.sealFile("src.mkv", kind: "coverage"), extra: ["--range", "00:00:00-00:00:02", "--no-transcript-check", "--video", "black"])
        try t.exportOut(black, "black.mkv")
        let frame = try grayFrame(t, "black.mkv", at: "1.0")
        #expect(frame.allSatisfy { $0 <= 20 }, "--video black leaves picture")
        let box = try t.run(["approve", try t.sealFile("src.mp4", kind: "coverage"), "--range", "00:00:00-00:00:02", "--no-transcript-check",
                             "--blur-box", "300,200,100,100", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(box.status == 64 && box.stderr.contains("outside the picture"), "\(box)")
    }

    @Test("a phone video turned a quarter and a photo with an EXIF orientation: blur boxes are in the picture as shown")
    func rotatedSources() throws {
        let t = try Sandbox(); defer { t.remove() }
        try t.requireMediaTools()
        try t.makeTeam()
        // 320x240 as stored, shown 240x320 (players and ffmpeg turn it).
        try makeVideo(t, "flat.mp4", seconds: 4)
        try t.mustTool(["ffmpeg", "-v", "error", "-y", "-i", t.file("flat.mp4"), "-c", "copy", "-metadata:s:v", "rotate=90", t.file("phone.mp4")])
        try t.mustTool(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", t.file("photo.jpg")])
        try t.mustTool(["exiftool", "-q", "-overwrite_original", "-n", "-Orientation=6", t.file("photo.jpg")])
        // Low in the shown picture: below the stored height, so a check against it would refuse this box.
        let box = (20, 250, 100, 60)
        let boxText = "\(box.0),\(box.1),\(box.2),\(box.3)"
        for (source, out) in [("phone.mp4", "mkv"), ("photo.jpg", "png")] {
            let rec = try t.sealFile(source, kind: "coverage")
            let video = source.hasSuffix(".mp4")
            let common = video ? ["--range", "00:00:01-00:00:03", "--no-transcript-check"] : []
            let plain = try t.approve(rec, extra: common)
            let boxed = try t.approve(rec, extra: common + ["--blur-box", boxText])
            try t.exportOut(plain, "\(source)-plain.\(out)")
            try t.exportOut(boxed, "\(source)-boxed.\(out)")
            let at = video ? "1.0" : "0"
            let a = try grayFrame(t, "\(source)-plain.\(out)", at: at, size: (240, 320))
            let b = try grayFrame(t, "\(source)-boxed.\(out)", at: at, size: (240, 320))
            let d = diffs(a, b, box: box, size: (240, 320))
            #expect(d.inside > 8 && d.outside < 1.5, "\(source): the box must blur its region of the picture as shown: inside \(d.inside), outside \(d.outside)")
            // Inside the stored 320x240 but outside the shown 240x320: crop would move it; refused.
            let wide = try t.run(["approve", rec] + common + ["--blur-box", "200,10,100,60", "--vault", t.file("hq"), "--identity", t.file("olga")])
            #expect(wide.status == 64 && wide.stderr.contains("outside the picture (240x320 as shown)"), "\(wide)")
        }
        // A turn ffmpeg does not apply (45°): the picture shown is not the one filtered; refused.
        try t.mustTool(["ffmpeg", "-v", "error", "-y", "-i", t.file("flat.mp4"), "-c", "copy", "-metadata:s:v", "rotate=45", t.file("odd.mp4")])
        let odd = try t.run(["approve", try t.sealFile("odd.mp4", kind: "coverage"), "--range", "00:00:01-00:00:02", "--no-transcript-check",
                             "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(odd.status == 77 && odd.stderr.contains("turned by 45"), "\(odd)")
        // Anamorphic pixels (8:9, as DV): a player stretches them, so boxes are refused; the rest works.
        try t.mustTool(["ffmpeg", "-v", "error", "-y", "-i", t.file("flat.mp4"), "-vf", "setsar=8/9", "-c:v", "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", "-c:a", "copy", t.file("dv.mp4")])
        let dv = try t.sealFile("dv.mp4", kind: "coverage")
        let stretched = try t.run(["approve", dv, "--range", "00:00:01-00:00:02", "--no-transcript-check", "--blur-box", "10,10,50,50",
                                   "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(stretched.status == 77 && stretched.stderr.contains("pixels are not square (aspect 8:9)"), "\(stretched)")
        _ = try t.approve(dv, extra: ["--range", "00:00:01-00:00:02", "--no-transcript-check", "--video", "blur"])
    }

    @Test("grant and an officer's revoke stream a clip into its new body (same bytes); a damaged clip fails the grant, nothing is made")
    func clipThroughGrantAndRevoke() throws {
        let t = try Sandbox(); defer { t.remove() }
        try t.requireMediaTools()
        try t.makeTeam()
        try t.installKeys(["sam"])
        var r = try t.run(["team", "add", t.file("sam.pub"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        try makeVideo(t, "src.mkv", seconds: 6)
        let rec = try t.sealFile("src.mkv", kind: "coverage")
        let e = try t.approve(rec, extra: ["--range", "00:00:00-00:00:05", "--no-transcript-check"])
        try t.exportOut(e, "olga.mkv")
        // An editor's marked copy carries the same clip; an officer's grant and revoke re-key it whole.
        try t.grant(e, to: "Edith")
        try t.exportOut(e, "edith.mkv", as: "edith")
        #expect(try t.read("edith.mkv") == t.read("olga.mkv"))
        try t.grant(e, to: "Sam")
        try t.exportOut(e, "sam.mkv", as: "sam")
        #expect(try t.read("sam.mkv") == t.read("olga.mkv"))
        r = try t.run(["revoke", e, "--from", "Sam", "--vault", t.file("hq"), "--identity", t.file("olga")])
        try #require(r.status == 0, "\(r)")
        r = try t.run(["export", e, "--out", t.file("sam-late.mkv"), "--vault", t.file("hq"), "--identity", t.file("sam")])
        #expect(r.status == 77 && !t.exists("sam-late.mkv"), "\(r)")
        try t.exportOut(e, "olga-after.mkv")
        #expect(try t.read("olga-after.mkv") == t.read("olga.mkv"), "the re-keyed excerpt holds the same clip")
        r = try t.run(["check", "--vault", t.file("hq")], passphrase: .none)
        #expect(r.status == 0, "\(r)")

        // A byte of the clip flipped on disk, past the payload: a new grant fails (65) and leaves no copy.
        let objects = t.file("hq/objects")
        let body = try #require(try FileManager.default.contentsOfDirectory(atPath: objects).first { $0.hasPrefix(e) })
        var bytes = try t.read("hq/objects/" + body)
        bytes[bytes.count * 2 / 3] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: objects + "/" + body))
        let before = try FileManager.default.contentsOfDirectory(atPath: objects).sorted()
        let listBefore = try t.run(["list", "--vault", t.file("hq"), "--identity", t.file("olga")]).stdout
        r = try t.run(["grant", e, "--to", "Edith", "--replace", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status == 65, "\(r)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: objects).sorted() == before, "no body of a failed copy stays")
        #expect(try t.run(["list", "--vault", t.file("hq"), "--identity", t.file("olga")]).stdout == listBefore)
        r = try t.run(["export", e, "--out", t.file("edith-again.mkv"), "--vault", t.file("hq"), "--identity", t.file("edith")])
        let original = try t.read("olga.mkv")
        #expect(r.status == 0 && (try? t.read("edith-again.mkv")) == original, "her earlier copy still exports: \(r)")
    }

    @Test("a photo loses its EXIF GPS, make and serial; blur boxes apply")
    func photo() throws {
        let t = try Sandbox(); defer { t.remove() }
        try t.requireMediaTools()
        try t.makeTeam()
        try t.mustTool(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", t.file("photo.jpg")])
        try t.mustTool(["exiftool", "-q", "-overwrite_original", "-GPSLatitude=37.5665", "-GPSLatitudeRef=N", "-GPSLongitude=126.978",
                        "-GPSLongitudeRef=E", "-Make=CameraCorp", "-SerialNumber=SN-998877", "-Artist=\(Self.marker)", t.file("photo.jpg")])
        try #require(try t.mustTool(["exiftool", t.file("photo.jpg")]).text.contains("GPS Latitude"))
        let rec = try t.sealFile("photo.jpg", kind: "coverage")
        let e = try t.approve(rec, extra: ["--blur-box", "10,10,50,50"])
        for out in ["photo.png", "photo-out.jpg"] {
            try t.exportOut(e, out)
            let exif = try t.mustTool(["exiftool", "-a", t.file(out)]).text
            let bytes = try t.read(out)
            for needle in ["GPS", "CameraCorp", "SN-998877", "Serial", Self.marker, "Artist"] {
                let inBytes = contains(bytes, Array(needle.utf8))
                #expect(!exif.contains(needle) && !inBytes, "\(out): \(needle)\n\(exif)")
            }
        }
        let wrong = try t.run(["export", e, "--out", t.file("photo.wav"), "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(wrong.status == 64 && !t.exists("photo.wav"), "\(wrong)")
    }

    /// Looks for the source's plaintext in every file under the sandbox (vault, working
    /// folder, TMPDIR) and in the regular files ffmpeg children hold open, until stopped.
    final class PlaintextScan: @unchecked Sendable {
        private let lock = NSLock()
        private var stop = false
        private(set) var hits: [String] = []
        private(set) var rounds = 0
        let done = DispatchSemaphore(value: 0)

        init(_ t: Sandbox, allowedOutputs: Set<String>) {
            let needles = [Array(MediaExcerptCLITests.marker.utf8), Array("matroska".utf8)]
            Thread { [self] in
                while !lock.withLock({ stop }) {
                    for f in t.allFiles() {
                        guard let d = FileManager.default.contents(atPath: f) else { continue }
                        let bytes = [UInt8](d)
                        if contains(bytes, needles[0]) { note("\(f): the marker") }
                        if !allowedOutputs.contains(f), contains(bytes, needles[1]) { note("\(f): a plaintext Matroska file") }
                    }
                    for (pid, name, _) in childProcesses(of: getpid()).flatMap({ [$0] + childProcesses(of: $0.pid) }) where name == "ffmpeg" || name == "ffprobe" {
                        for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [] {
                            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                                  target.hasPrefix("/"), !target.hasPrefix("/dev/") else { continue }
                            // The loader and libraries open system files read-only while ffmpeg starts.
                            if ["/usr/", "/lib", "/etc/", "/proc/", "/sys/"].contains(where: target.hasPrefix) { continue }
                            // Allowed: only the export's own unnamed output file in the working folder.
                            if !(target.hasPrefix(t.path + "/#") && target.hasSuffix("(deleted)")) { note("ffmpeg holds a file open: \(target)") }
                        }
                    }
                    lock.withLock { rounds += 1 }
                    usleep(20_000)
                }
                done.signal()
            }.start()
        }

        private func note(_ s: String) { lock.withLock { if !hits.contains(s) { hits.append(s) } } }

        func finish() -> [String] {
            lock.withLock { stop = true }
            done.wait()
            return lock.withLock { hits }
        }
    }

    @Test("no plaintext marker of the source on disk during approve and export; kill -9 mid-approve leaves nothing")
    func noPlaintextAndKill() throws {
        let t = try Sandbox(); defer { t.remove() }
        try t.requireMediaTools()
        try t.makeTeam()
        try FileManager.default.createDirectory(atPath: t.file("tmp"), withIntermediateDirectories: true)
        try makeVideo(t, "secret.mkv", seconds: 30)
        let rec = try t.sealFile("secret.mkv", kind: "coverage")
        try FileManager.default.removeItem(atPath: t.file("secret.mkv"))
        let env = ["TMPDIR": t.file("tmp")]
        let outputs: Set<String> = [t.file("out.mkv"), t.file("out.mp4")]
        let scan = PlaintextScan(t, allowedOutputs: outputs)
        let a = try t.run(["approve", rec, "--range", "00:00:03-00:00:08", "--no-transcript-check", "--blur-box", "0,0,64,64",
                           "--vault", t.file("hq"), "--identity", t.file("olga")], env: env)
        try #require(a.status == 0, "\(a)")
        let e = a.stdout.trimmingCharacters(in: .newlines)
        for out in ["out.mkv", "out.mp4"] {
            let r = try t.run(["export", e, "--out", t.file(out), "--vault", t.file("hq"), "--identity", t.file("olga")], env: env)
            #expect(r.status == 0, "\(r)")
        }
        let hits = scan.finish()
        #expect(hits.isEmpty, "\(hits)")
        #expect(scan.rounds >= 3, "the scan ran \(scan.rounds) times")
        #expect(t.allFiles(under: t.file("tmp")).isEmpty)

        // kill -9 while ffmpeg encodes: no excerpt, no file, a vault that checks.
        func vaultFiles() -> [String] { t.allFiles(under: t.file("hq")).filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") && !$0.hasSuffix("-journal") } }
        let objectsBefore = vaultFiles()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: t.binary)
        p.arguments = ["approve", rec, "--range", "00:00:00-00:00:30", "--no-transcript-check", "--video", "blur",
                       "--vault", t.file("hq"), "--identity", t.file("olga")]
        p.environment = CLI.environment(home: t.path, passphrase: cliPassphrase, extra: env)
        p.currentDirectoryURL = URL(fileURLWithPath: t.path)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var ffmpeg: Int32?
        for _ in 0..<600 where ffmpeg == nil {
            ffmpeg = childProcesses(of: p.processIdentifier).first { c in
                c.name == "ffmpeg" && ((try? String(contentsOfFile: "/proc/\(c.pid)/cmdline", encoding: .utf8)) ?? "").contains("-filter_complex")
            }?.pid
            usleep(10_000)
        }
        let child = try #require(ffmpeg, "approve never started ffmpeg")
        usleep(300_000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "approve finished before it was killed: make the clip longer")
        var gone = false
        for _ in 0..<500 where !gone {
            let st = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
            gone = st.isEmpty || st.contains(") Z ")
            usleep(10_000)
        }
        #expect(gone, "ffmpeg outlived the killed approve")
        #expect(vaultFiles() == objectsBefore, "the killed approve left a file in the vault")
        #expect(t.allFiles(under: t.file("tmp")).isEmpty)
        let list = try t.run(["list", "--json", "--vault", t.file("hq"), "--identity", t.file("olga")])
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.filter { $0["type"] as? String == "excerpt" }.count == 1, "\(list)")
        let check = try t.run(["check", "--vault", t.file("hq")])
        #expect(check.status == 0, "\(check)")
    }

    @Test("random access: a 5 s clip of a 10-minute recording decrypts a small part of it (the audit entry says how much)")
    func randomAccess() throws {
        let t = try Sandbox(); defer { t.remove() }
        try t.requireMediaTools()
        try t.makeTeam()
        try t.mustTool(["sox", "-n", "-r", "16000", "-b", "16", "-c", "1", t.file("long.wav"), "synth", "600", "sine", "300", "vol", "0.3"])
        let rec = try t.sealFile("long.wav")
        let e = try t.approve(rec, extra: ["--range", "00:05:00-00:05:05", "--no-transcript-check"])
        let log = try t.run(["audit", "log", "--json", "--vault", t.file("hq")])
        let entry = try #require(log.stdoutLines.last { $0.contains("\"approve\"") && $0.contains(e) }, "\(log)")
        let counts = try #require(entry.components(separatedBy: "source-bytes:").last?.split(separator: "\"").first?
            .replacingOccurrences(of: "\\", with: "").split(separator: "/").compactMap { UInt64($0) })
        try #require(counts.count == 2, "\(entry)")
        #expect(counts[1] == 19_200_044 && counts[0] > 160_000 && counts[0] < counts[1] / 4, "decrypted \(counts[0]) of \(counts[1]) bytes")
        try t.exportOut(e, "five.wav")
        #expect(try t.read("five.wav").count == 44 + 5 * 32_000)
    }

    @Test("seal --of: a transcript that does not parse is 65, a missing recording 66, a recording as transcript 64")
    func sealOfErrors() throws {
        let t = try Sandbox(); defer { t.remove() }
        try t.makeTeam()
        let media = try t.seal(Array(repeating: 7, count: 100), name: "rec.wav")
        try Data("{\"segments\": [{\"words\": [{\"word\": \"x\", \"start\": \"soon\"}]}]}".utf8).write(to: URL(fileURLWithPath: t.file("bad.json")))
        try Data("1\n00:00:01,000 --> 00:00:02,000\nhello\n".utf8).write(to: URL(fileURLWithPath: t.file("ok.srt")))
        func seal(_ f: String, of: String) throws -> RunResult {
            try t.run(["seal", t.file(f), "--of", of, "--vault", t.file("hq"), "--identity", t.file("olga"), "--kind", "interview", "--country", "KR"])
        }
        let bad = try seal("bad.json", of: media)
        #expect(bad.status == 65 && bad.stdout.isEmpty, "\(bad)")
        let missing = try seal("ok.srt", of: String(repeating: "ab", count: 16))
        #expect(missing.status == 66, "\(missing)")
        let notTranscript = try seal("rec.wav", of: media)
        #expect(notTranscript.status == 64, "\(notTranscript)")
        let ok = try seal("ok.srt", of: media)
        #expect(ok.status == 0 && isRecordID(ok.stdout.trimmingCharacters(in: .newlines)), "\(ok)")
    }

    @Test("a playlist sealed as a recording cannot make ffmpeg fetch anything: refused, no excerpt")
    func playlistRefused() throws {
        let t = try Sandbox(); defer { t.remove() }
        try t.requireMediaTools()
        try t.makeTeam()
        // A listener the playlist points at: nothing may connect to it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET); addr.sin_port = 0; addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 4)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        defer { close(fd) }
        let port = UInt16(bigEndian: addr.sin_port)
        try Data("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttp://127.0.0.1:\(port)/segment.ts\n#EXT-X-ENDLIST\n".utf8)
            .write(to: URL(fileURLWithPath: t.file("trap.mp4")))
        let rec = try t.sealFile("trap.mp4", kind: "coverage")
        let r = try t.run(["approve", rec, "--range", "00:00:00-00:00:01", "--no-transcript-check", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(r.status != 0 && r.stdout.isEmpty, "\(r)")
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        #expect(accept(fd, nil, nil) < 0, "ffmpeg connected to the host the playlist named")
        let list = try t.run(["list", "--json", "--vault", t.file("hq"), "--identity", t.file("olga")])
        #expect(!list.stdout.contains("\"excerpt\""), "\(list)")
    }
}
